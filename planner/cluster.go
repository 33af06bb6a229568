package planner

import (
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/config/addrs"
	"github.com/tackhq/tack/planner/delivery"
	"github.com/tackhq/tack/plugins/sdk"
	"github.com/tackhq/tack/state"
)

// ClusterAction is what a plan does to a cluster.
type ClusterAction string

const (
	// ClusterNoOp: the live groups are what the configuration asks for.
	ClusterNoOp ClusterAction = "no-op"
	// ClusterCreate: the first server group of a cluster.
	ClusterCreate ClusterAction = "create"
	// ClusterDeploy: a new server group, by the policy's strategy,
	// because the spec or the artifact changed.
	ClusterDeploy ClusterAction = "deploy"
	// ClusterResize: only the capacity changed; the serving group is
	// resized in place.
	ClusterResize ClusterAction = "resize"
	// ClusterResume: a deployment an interrupted apply left half done is
	// finished (or undone, when the configuration went back).
	ClusterResume ClusterAction = "resume"
	// ClusterDestroy: every server group goes.
	ClusterDestroy ClusterAction = "destroy"
	// ClusterBlocked: the change cannot go ahead; Blocked says why and
	// Intended what it would have been.
	ClusterBlocked ClusterAction = "blocked"
)

// ServerGroupSchemaKey is the key under a provider's source in
// [Plan.Schemas] of its clusters' server_group block schema; no resource
// type can be named so.
const ServerGroupSchemaKey = "#server_group"

// ClusterChange is the planned change of one cluster: what happens, why,
// and the deployment's concrete steps.
type ClusterChange struct {
	// Addr is the cluster block; Ref its name in app-stack-detail form.
	Addr     addrs.Cluster
	Ref      sdk.ClusterRef
	Provider state.ProviderRef

	Action ClusterAction
	// Intended is, for a blocked change, the action it would have been.
	Intended ClusterAction
	// Reason says why the action: "server_group changed", "capacity
	// changed", "not in the configuration".
	Reason string
	// Blocked says why a blocked change cannot go ahead.
	Blocked string

	Strategy string
	// Version is the artifact version the configuration asks for.
	Version string
	// Group is the server group a deploy creates, or that a resize or
	// resume acts on.
	Group    string
	Capacity delivery.Capacity
	// Spec is the server_group block the configuration asks for (values
	// may be unknown until apply); null for a destroy. SpecHash is its
	// hash, empty while the spec is not wholly known.
	Spec     cty.Value
	SpecHash string
	// Current is the spec of the group serving now, null when none: with
	// Spec, the diff a reviewer reads.
	Current cty.Value
	// LoadBalancers are the ids the new group registers with, a list of
	// strings that may be unknown until apply.
	LoadBalancers cty.Value

	// Live are the cluster's groups when the plan was made.
	Live []delivery.Group
	// Steps are what apply carries out, in order.
	Steps []delivery.Step

	Policy    delivery.Policy
	Judgement delivery.Judgement
	Rollback  delivery.Rollback

	// Environment is the environment the cluster belongs to, "" when
	// none. Constraints are its promotion constraints and its policy's
	// window, as they stand for this change; a blocked one blocks it.
	Environment string
	Constraints []Constraint
}

// ClusterDrift is one thing about a cluster's live groups that differs
// from what tack recorded.
type ClusterDrift struct {
	Cluster string
	Group   string
	// Change says what differs, as the plan shows it: "resized outside
	// tack from 3 to 1 instances".
	Change string
}

// Changes reports whether the change does anything.
func (c *ClusterChange) Changes() bool { return c.Action != ClusterNoOp }
