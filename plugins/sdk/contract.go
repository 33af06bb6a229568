package sdk

import (
	"context"
	"time"

	"github.com/zclconf/go-cty/cty"
)

// ProviderServer is the contract every provider serves: the Go form of the
// Provider service in plugins/proto. Every call takes a context first and
// returns its diagnostics in the response; a transport failure is an error
// diagnostic too, so callers check one place.
//
// Implementations must be safe for concurrent use: the core plans and
// applies independent objects in parallel.
type ProviderServer interface {
	GetSchema(ctx context.Context) GetSchemaResponse
	ValidateProviderConfig(ctx context.Context, req ValidateProviderConfigRequest) ValidateProviderConfigResponse
	ConfigureProvider(ctx context.Context, req ConfigureProviderRequest) ConfigureProviderResponse
	ValidateResourceConfig(ctx context.Context, req ValidateResourceConfigRequest) ValidateResourceConfigResponse
	PlanResourceChange(ctx context.Context, req PlanResourceChangeRequest) PlanResourceChangeResponse
	ApplyResourceChange(ctx context.Context, req ApplyResourceChangeRequest) ApplyResourceChangeResponse
	ReadResource(ctx context.Context, req ReadResourceRequest) ReadResourceResponse
	ImportResourceState(ctx context.Context, req ImportResourceStateRequest) ImportResourceStateResponse
	ReadDataSource(ctx context.Context, req ReadDataSourceRequest) ReadDataSourceResponse
	UpgradeResourceState(ctx context.Context, req UpgradeResourceStateRequest) UpgradeResourceStateResponse
	// Stop asks the provider to cancel in-flight work. It returns once the
	// request is delivered, not when the work has ended.
	Stop(ctx context.Context) error
}

// GetSchemaResponse is every schema a provider owns and what it can do.
type GetSchemaResponse struct {
	Provider      Schema
	ResourceTypes map[string]Schema
	DataSources   map[string]Schema
	Capabilities  Capabilities
	Diagnostics   Diagnostics
}

// Capabilities are the services a provider offers beyond [ProviderServer].
type Capabilities struct {
	// ServerGroups is true when the provider hosts clusters;
	// ServerGroupSchema then describes a cluster's server_group block.
	ServerGroups      bool
	ServerGroupSchema Schema
	// Metrics is true when the provider serves [Metrics].
	Metrics bool
}

// ValidateProviderConfigRequest carries the provider block, which may hold
// unknown values.
type ValidateProviderConfigRequest struct {
	Config cty.Value
}

type ValidateProviderConfigResponse struct {
	Diagnostics Diagnostics
}

// ConfigureProviderRequest carries the fully known provider block.
type ConfigureProviderRequest struct {
	TackVersion string
	Config      cty.Value
}

type ConfigureProviderResponse struct {
	Diagnostics Diagnostics
}

type ValidateResourceConfigRequest struct {
	TypeName string
	Config   cty.Value
}

type ValidateResourceConfigResponse struct {
	Diagnostics Diagnostics
}

// PlanResourceChangeRequest asks for the predicted new state of one
// resource. PriorState is null for a create; ProposedNewState is null for a
// destroy. See [ProposedNewState] for how the core builds the proposal.
type PlanResourceChangeRequest struct {
	TypeName         string
	PriorState       cty.Value
	ProposedNewState cty.Value
	Config           cty.Value
	PriorPrivate     []byte
	// Validate asks for Config to be validated first, as
	// ValidateResourceConfig does, in the same call: the result is the
	// response's ValidateDiagnostics, and when they hold an error nothing
	// is planned. [GRPCClient] sends it in one call to providers that can
	// (capabilities.plan_validates, which the SDK's server has) and makes
	// both calls for others.
	Validate bool
	// Refresh asks for the object PriorState records to be read first,
	// as ReadResource does with PriorState and PriorPrivate, and planned
	// against what was read: that replaces PriorState and PriorPrivate,
	// and ProposedNewState, left empty, is computed from it and Config
	// with [ProposedNewState]. The read is the response's Refreshed; when
	// it holds an error or finds no object, nothing is validated or
	// planned. [GRPCClient] sends it in one call to providers that can
	// (capabilities.plan_refreshes, which the SDK's server has) and makes
	// both calls for others.
	Refresh bool
}

// PlanResourceChangeResponse is the prediction. Values the provider cannot
// know before apply are unknown; RequiresReplace lists the attributes whose
// change forces a destroy and create.
//
// When RequiresReplace is not empty, the core plans the replacement object
// with a second PlanResourceChange whose prior state is null, as for a
// create, so PlannedState of this first call describes only the decision
// to replace; values it kept from the prior state (see [UseStateForUnknown])
// are not carried into the new object.
type PlanResourceChangeResponse struct {
	PlannedState    cty.Value
	RequiresReplace []cty.Path
	PlannedPrivate  []byte
	Diagnostics     Diagnostics
	// ValidateDiagnostics are what validating found, when the request
	// asked for it.
	ValidateDiagnostics Diagnostics
	// Refreshed is what reading found, when the request asked for it.
	Refreshed *ReadResourceResponse
}

// ApplyResourceChangeRequest carries out a planned change: PriorState null
// means create, PlannedState null means delete, otherwise update.
type ApplyResourceChangeRequest struct {
	TypeName       string
	PriorState     cty.Value
	PlannedState   cty.Value
	Config         cty.Value
	PlannedPrivate []byte
}

// ApplyResourceChangeResponse holds the new, fully known state (null after
// a delete). On failure NewState is what exists, so nothing is lost.
type ApplyResourceChangeResponse struct {
	NewState    cty.Value
	Private     []byte
	Diagnostics Diagnostics
}

type ReadResourceRequest struct {
	TypeName     string
	CurrentState cty.Value
	Private      []byte
}

// ReadResourceResponse holds the object as it is now: null when it is gone.
type ReadResourceResponse struct {
	NewState    cty.Value
	Private     []byte
	Diagnostics Diagnostics
}

// ImportResourceStateRequest names an existing object by the identifier the
// user gave.
type ImportResourceStateRequest struct {
	TypeName string
	ID       string
}

type ImportResourceStateResponse struct {
	Imported    []ImportedResource
	Diagnostics Diagnostics
}

// ImportedResource is one object found by an import, to be refreshed with
// ReadResource before it is recorded.
type ImportedResource struct {
	TypeName string
	State    cty.Value
	Private  []byte
}

type ReadDataSourceRequest struct {
	TypeName string
	Config   cty.Value
}

// ReadDataSourceResponse holds the configuration with every computed
// attribute filled.
type ReadDataSourceResponse struct {
	State       cty.Value
	Diagnostics Diagnostics
}

// UpgradeResourceStateRequest carries a recorded state as JSON, in the shape
// of schema Version.
type UpgradeResourceStateRequest struct {
	TypeName     string
	Version      int64
	RawStateJSON []byte
}

type UpgradeResourceStateResponse struct {
	UpgradedState cty.Value
	Diagnostics   Diagnostics
}

// ServerGroups is served by providers that host clusters. Each call returns
// once the platform accepted the request; the core polls GetHealth and owns
// the deployment strategy.
type ServerGroups interface {
	ListServerGroups(ctx context.Context, req ListServerGroupsRequest) ListServerGroupsResponse
	CreateServerGroup(ctx context.Context, req CreateServerGroupRequest) CreateServerGroupResponse
	ResizeServerGroup(ctx context.Context, req ResizeServerGroupRequest) ResizeServerGroupResponse
	SetTraffic(ctx context.Context, req SetTrafficRequest) SetTrafficResponse
	GetHealth(ctx context.Context, req GetHealthRequest) GetHealthResponse
	DestroyServerGroup(ctx context.Context, req DestroyServerGroupRequest) DestroyServerGroupResponse
}

// ClusterRef names a cluster in Spinnaker's app-stack-detail form; Name is
// the joined name ("api-prod-canary").
type ClusterRef struct {
	Name        string
	Application string
	Stack       string
	Detail      string
}

// Capacity of a server group, in instances.
type Capacity struct {
	Min, Desired, Max int64
}

// Traffic says whether a server group takes traffic and, when several
// groups of a cluster do (a canary), its share as a weight from 0 to 100.
type Traffic struct {
	Enabled bool
	Weight  int32
}

// ServerGroup is one immutable version of a cluster.
type ServerGroup struct {
	Name          string // "api-prod-v042"
	Cluster       ClusterRef
	Sequence      int32     // 42
	Spec          cty.Value // the server_group block, against Capabilities.ServerGroupSchema
	SpecHash      string
	Version       string // the artifact version, as the user gave it
	Capacity      Capacity
	Traffic       Traffic
	LoadBalancers []string
	CreatedAt     time.Time
}

type ListServerGroupsRequest struct {
	Cluster ClusterRef
}

type ListServerGroupsResponse struct {
	ServerGroups []ServerGroup
	Diagnostics  Diagnostics
}

// CreateServerGroupRequest holds the group to create, every field filled by
// the core.
type CreateServerGroupRequest struct {
	ServerGroup ServerGroup
}

type CreateServerGroupResponse struct {
	ServerGroup ServerGroup
	Diagnostics Diagnostics
}

type ResizeServerGroupRequest struct {
	Cluster  ClusterRef
	Name     string
	Capacity Capacity
}

type ResizeServerGroupResponse struct {
	Diagnostics Diagnostics
}

type SetTrafficRequest struct {
	Cluster ClusterRef
	Name    string
	Traffic Traffic
}

type SetTrafficResponse struct {
	Diagnostics Diagnostics
}

type GetHealthRequest struct {
	Cluster ClusterRef
	Name    string
}

type GetHealthResponse struct {
	Instances   []InstanceHealth
	Diagnostics Diagnostics
}

// HealthState of one instance.
type HealthState int

const (
	HealthUnknown HealthState = iota
	HealthUp
	HealthDown
	HealthStarting
)

func (s HealthState) String() string {
	switch s {
	case HealthUp:
		return "up"
	case HealthDown:
		return "down"
	case HealthStarting:
		return "starting"
	}
	return "unknown"
}

// InstanceHealth is one instance of a server group; Reason says why when it
// is not up ("exit status 1", "HTTP 503").
type InstanceHealth struct {
	ID     string
	State  HealthState
	Reason string
}

type DestroyServerGroupRequest struct {
	Cluster ClusterRef
	Name    string
}

type DestroyServerGroupResponse struct {
	Diagnostics Diagnostics
}

// Metrics is served by providers whose platform counts requests per server
// group, for canary analysis.
type Metrics interface {
	QueryMetrics(ctx context.Context, req QueryMetricsRequest) QueryMetricsResponse
}

// QueryMetricsRequest asks for the counts of ServerGroups within [Start, End).
type QueryMetricsRequest struct {
	Cluster      ClusterRef
	ServerGroups []string
	Start, End   time.Time
}

// QueryMetricsResponse has one entry per requested group, in order.
type QueryMetricsResponse struct {
	ServerGroups []ServerGroupMetrics
	Diagnostics  Diagnostics
}

// ServerGroupMetrics is what a platform counted for one group. Latency comes
// either as individual samples or as a histogram (LatencyCounts[i] requests
// took at most LatencyBounds[i]; one extra count past the last bound is
// allowed).
type ServerGroupMetrics struct {
	Name           string
	Requests       int64
	Errors         int64
	LatencySamples []time.Duration
	LatencyBounds  []time.Duration
	LatencyCounts  []int64
}
