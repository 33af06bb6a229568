package planner

import (
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/tackhq/tack/config/addrs"
	"github.com/tackhq/tack/planner/delivery"
)

// Event is one step of progress that the planner reports while it plans
// and applies. The set is sealed: a switch over the types below is
// exhaustive.
//
// Events arrive from the walk's goroutines: the sink given in [Opts] must
// be safe for concurrent calls, and must not block for long.
type Event interface{ event() }

// Operation is what is being done to an object, for progress lines
// ("Creating…", "Still destroying…").
type Operation int

const (
	OpRefresh Operation = iota
	OpCreate
	OpUpdate
	OpDelete
	OpRead
	OpImport
)

func (o Operation) String() string {
	return [...]string{"refresh", "create", "update", "delete", "read", "import"}[o]
}

// OperationStarted: a provider call for an object began. ID is the id
// attribute of the object as it was before the call, when it exists and
// has one (refresh, update, delete, import), so that progress can name
// the object being worked on: "Destroying... [id=i-0abc]".
type OperationStarted struct {
	Addr addrs.AbsResourceInstance
	Op   Operation
	ID   string
	At   time.Time
}

// OperationDone: the call finished; ID is the object's id attribute when
// it has one.
type OperationDone struct {
	Addr    addrs.AbsResourceInstance
	Op      Operation
	ID      string
	Elapsed time.Duration
}

// OperationFailed: the call failed; the diagnostics say why.
type OperationFailed struct {
	Addr        addrs.AbsResourceInstance
	Op          Operation
	Elapsed     time.Duration
	Diagnostics hcl.Diagnostics
}

// ChangePlanned: the plan for one object is decided.
type ChangePlanned struct {
	Change *ResourceChange
}

// DeploymentProgress: a step of a cluster's deployment started, ended or
// failed, or the health of the group it waits for changed.
type DeploymentProgress struct {
	Cluster  addrs.Cluster
	Progress delivery.Progress
}

// SoakWaiting: a cluster's deployment waits, before its first step, for
// the clusters of an upstream environment that this apply deployed to to
// run their soak time out.
type SoakWaiting struct {
	Cluster  addrs.Cluster
	Upstream []string
	Until    time.Time
}

// ClusterChanged: a cluster change ended, with the deployment's outcome
// as the state records it (succeeded, rolled_back, canary_failed,
// failed, or in_progress when interrupted).
type ClusterChanged struct {
	Cluster addrs.Cluster
	Action  ClusterAction
	Outcome string
}

// StateSaved: the state was written, with its new serial.
type StateSaved struct {
	Serial uint64
}

func (OperationStarted) event()   {}
func (OperationDone) event()      {}
func (OperationFailed) event()    {}
func (ChangePlanned) event()      {}
func (StateSaved) event()         {}
func (DeploymentProgress) event() {}
func (ClusterChanged) event()     {}
func (SoakWaiting) event()        {}
