package sdk

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/zclconf/go-cty/cty"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/tackhq/tack/plugins/proto"
)

// GRPCClient is the core's side of the wire: a [ProviderServer],
// [ServerGroups] and [Metrics] whose calls go over a gRPC connection to a
// provider. It fetches the provider's schemas on first use and keeps them,
// because values are encoded against them. Safe for concurrent use.
//
// Whether the provider actually serves ServerGroups and Metrics is in
// GetSchema's Capabilities; calling them otherwise returns an error
// diagnostic from the provider.
type GRPCClient struct {
	provider proto.ProviderClient
	groups   proto.ServerGroupsClient
	metrics  proto.MetricsClient

	mu      sync.Mutex
	schemas *GetSchemaResponse
	types   *schemaTypes
	// planValidates and planRefreshes are the provider's
	// capabilities.plan_validates and plan_refreshes.
	planValidates, planRefreshes bool
}

var (
	_ ProviderServer = (*GRPCClient)(nil)
	_ ServerGroups   = (*GRPCClient)(nil)
	_ Metrics        = (*GRPCClient)(nil)
)

// NewGRPCClient returns a client speaking over conn, which the caller owns.
func NewGRPCClient(conn grpc.ClientConnInterface) *GRPCClient {
	return &GRPCClient{
		provider: proto.NewProviderClient(conn),
		groups:   proto.NewServerGroupsClient(conn),
		metrics:  proto.NewMetricsClient(conn),
	}
}

// CallError is how a transport failure may describe itself to the client:
// an error from the connection that implements it becomes this diagnostic
// instead of a generic one. The plugin launcher uses it to name a provider
// that crashed and quote its last words.
type CallError interface {
	error
	Diagnostic() Diagnostic
}

// callDiags turns a failed call into diagnostics.
func callDiags(method string, err error) Diagnostics {
	var ce CallError
	if errors.As(err, &ce) {
		return Diagnostics{ce.Diagnostic()}
	}
	if st, ok := status.FromError(err); ok {
		switch st.Code() {
		case codes.DeadlineExceeded:
			return Diagnostics{Errorf("Provider call timed out", "The provider did not answer %s in time: %s.", method, st.Message())}
		case codes.Canceled:
			return Diagnostics{Errorf("Provider call cancelled", "The %s call was cancelled before the provider answered.", method)}
		}
		return Diagnostics{Errorf("Provider call failed", "The %s call failed: %s (%s).", method, st.Message(), st.Code())}
	}
	return Diagnostics{Errorf("Provider call failed", "The %s call failed: %s.", method, err)}
}

// Schemas returns the provider's schemas, fetching them on first call.
func (c *GRPCClient) Schemas(ctx context.Context) (*GetSchemaResponse, Diagnostics) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.schemas != nil {
		return c.schemas, nil
	}
	resp := c.getSchema(ctx)
	if resp.Diagnostics.HasErrors() {
		return nil, resp.Diagnostics
	}
	c.schemas = &resp
	c.types = newSchemaTypes(&resp)
	return c.schemas, resp.Diagnostics
}

func (c *GRPCClient) getSchema(ctx context.Context) GetSchemaResponse {
	var resp GetSchemaResponse
	pr, err := c.provider.GetSchema(ctx, &proto.GetSchema_Request{})
	if err != nil {
		resp.Diagnostics = callDiags("GetSchema", err)
		return resp
	}
	resp.Diagnostics = diagsFromProto(pr.Diagnostics)
	convert := func(what string, s *proto.Schema) Schema {
		out, err := schemaFromProto(s)
		if err != nil {
			resp.Diagnostics = append(resp.Diagnostics, Errorf("Provider sent an invalid schema", "The schema of %s is invalid: %s.", what, err))
		}
		return out
	}
	resp.Provider = convert("the provider", pr.Provider)
	resp.ResourceTypes = map[string]Schema{}
	for name, s := range pr.ResourceSchemas {
		resp.ResourceTypes[name] = convert(name, s)
	}
	resp.DataSources = map[string]Schema{}
	for name, s := range pr.DataSourceSchemas {
		resp.DataSources[name] = convert(name, s)
	}
	if caps := pr.Capabilities; caps != nil {
		c.planValidates, c.planRefreshes = caps.PlanValidates, caps.PlanRefreshes
		resp.Capabilities.ServerGroups = caps.ServerGroups
		resp.Capabilities.Metrics = caps.Metrics
		if caps.ServerGroups {
			resp.Capabilities.ServerGroupSchema = convert("server_group", caps.ServerGroupSchema)
		}
	}
	return resp
}

// GetSchema returns the cached schemas (fetching them once).
func (c *GRPCClient) GetSchema(ctx context.Context) GetSchemaResponse {
	s, diags := c.Schemas(ctx)
	if s == nil {
		return GetSchemaResponse{Diagnostics: diags}
	}
	return *s
}

// schemaTypes returns the types of the provider's schemas, fetching the
// schemas on first call.
func (c *GRPCClient) schemaTypes(ctx context.Context) (*schemaTypes, Diagnostics) {
	if _, diags := c.Schemas(ctx); diags.HasErrors() {
		return nil, diags
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.types, nil
}

func (c *GRPCClient) typeOf(ctx context.Context, name string, dataSource bool) (cty.Type, Diagnostics) {
	t, diags := c.schemaTypes(ctx)
	if t == nil {
		return cty.NilType, diags
	}
	return t.of(name, dataSource)
}

func (c *GRPCClient) providerType(ctx context.Context) (cty.Type, Diagnostics) {
	t, diags := c.schemaTypes(ctx)
	if t == nil {
		return cty.NilType, diags
	}
	return t.provider, nil
}

// encodeAll encodes values against ty, in order; the first failure is a
// diagnostic.
func encodeAll(ty cty.Type, vals ...cty.Value) ([]*proto.DynamicValue, Diagnostics) {
	out := make([]*proto.DynamicValue, len(vals))
next:
	for i, v := range vals {
		// A plan's proposal is often the prior state (nothing changed):
		// comparing is cheaper than encoding again.
		for j := range i {
			if equal(v, vals[j]) {
				out[i] = out[j]
				continue next
			}
		}
		dv, err := encodeValue(v, ty)
		if err != nil {
			return nil, Diagnostics{Errorf("Invalid value for the provider", "A value does not conform to the schema's type %s: %s.", ty.FriendlyName(), err)}
		}
		out[i] = dv
	}
	return out, nil
}

// decodeFrom decodes a value the provider sent, appending a diagnostic on
// failure and returning fallback then.
func decodeFrom(dv *proto.DynamicValue, ty cty.Type, fallback cty.Value, diags *Diagnostics) cty.Value {
	v, err := decodeValue(dv, ty)
	if err != nil {
		*diags = append(*diags, Errorf("Provider sent an invalid value", "The value does not conform to the schema's type %s: %s. This is a bug in the provider.", ty.FriendlyName(), err))
		return fallback
	}
	return v
}

// decodeAnswer is decodeFrom for an answer that is often an object the
// request sent (sent, encoded as sentWire): a refresh that found it as
// recorded, a plan that changes nothing. Then the provider answers with
// the request's own bytes, and sent is taken back without decoding.
func decodeAnswer(dv *proto.DynamicValue, ty cty.Type, sent cty.Value, sentWire *proto.DynamicValue, fallback cty.Value, diags *Diagnostics) cty.Value {
	if !sent.IsNull() && sameEncoding(dv, sentWire) {
		return sent
	}
	return decodeFrom(dv, ty, fallback, diags)
}

func (c *GRPCClient) ValidateProviderConfig(ctx context.Context, req ValidateProviderConfigRequest) ValidateProviderConfigResponse {
	ty, diags := c.providerType(ctx)
	if diags.HasErrors() {
		return ValidateProviderConfigResponse{Diagnostics: diags}
	}
	dvs, diags := encodeAll(ty, req.Config)
	if diags.HasErrors() {
		return ValidateProviderConfigResponse{Diagnostics: diags}
	}
	pr, err := c.provider.ValidateProviderConfig(ctx, &proto.ValidateProviderConfig_Request{Config: dvs[0]})
	if err != nil {
		return ValidateProviderConfigResponse{Diagnostics: callDiags("ValidateProviderConfig", err)}
	}
	return ValidateProviderConfigResponse{Diagnostics: diagsFromProto(pr.Diagnostics)}
}

func (c *GRPCClient) ConfigureProvider(ctx context.Context, req ConfigureProviderRequest) ConfigureProviderResponse {
	ty, diags := c.providerType(ctx)
	if diags.HasErrors() {
		return ConfigureProviderResponse{Diagnostics: diags}
	}
	dvs, diags := encodeAll(ty, req.Config)
	if diags.HasErrors() {
		return ConfigureProviderResponse{Diagnostics: diags}
	}
	pr, err := c.provider.ConfigureProvider(ctx, &proto.ConfigureProvider_Request{TackVersion: req.TackVersion, Config: dvs[0]})
	if err != nil {
		return ConfigureProviderResponse{Diagnostics: callDiags("ConfigureProvider", err)}
	}
	return ConfigureProviderResponse{Diagnostics: diagsFromProto(pr.Diagnostics)}
}

func (c *GRPCClient) ValidateResourceConfig(ctx context.Context, req ValidateResourceConfigRequest) ValidateResourceConfigResponse {
	ty, diags := c.typeOf(ctx, req.TypeName, false)
	if diags.HasErrors() {
		return ValidateResourceConfigResponse{Diagnostics: diags}
	}
	dvs, diags := encodeAll(ty, req.Config)
	if diags.HasErrors() {
		return ValidateResourceConfigResponse{Diagnostics: diags}
	}
	pr, err := c.provider.ValidateResourceConfig(ctx, &proto.ValidateResourceConfig_Request{TypeName: req.TypeName, Config: dvs[0]})
	if err != nil {
		return ValidateResourceConfigResponse{Diagnostics: callDiags("ValidateResourceConfig", err)}
	}
	return ValidateResourceConfigResponse{Diagnostics: diagsFromProto(pr.Diagnostics)}
}

func (c *GRPCClient) PlanResourceChange(ctx context.Context, req PlanResourceChangeRequest) PlanResourceChangeResponse {
	ty, diags := c.typeOf(ctx, req.TypeName, false)
	if diags.HasErrors() {
		return PlanResourceChangeResponse{Diagnostics: diags}
	}
	if req.PriorState.IsNull() {
		// There is nothing to read.
		req.Refresh = false
	}
	c.mu.Lock()
	inOne, refreshes := c.planValidates, c.planRefreshes
	c.mu.Unlock()
	if req.Refresh && !refreshes {
		// A provider that cannot read while it plans is asked one after
		// the other.
		read := c.ReadResource(ctx, ReadResourceRequest{TypeName: req.TypeName, CurrentState: req.PriorState, Private: req.PriorPrivate})
		if read.Diagnostics.HasErrors() || read.NewState.IsNull() {
			return PlanResourceChangeResponse{Refreshed: &read}
		}
		c.mu.Lock()
		schema := c.schemas.ResourceTypes[req.TypeName]
		c.mu.Unlock()
		req.Refresh = false
		req.PriorState, req.PriorPrivate = read.NewState, read.Private
		req.ProposedNewState = ProposedNewState(&schema.Block, read.NewState, req.Config)
		resp := c.PlanResourceChange(ctx, req)
		resp.Refreshed = &read
		return resp
	}
	if req.Validate && !inOne {
		// A provider that cannot validate while it plans is asked both
		// ways at once; a plan of what fails validation is dropped.
		validated := make(chan Diagnostics, 1)
		go func() {
			validated <- c.ValidateResourceConfig(ctx, ValidateResourceConfigRequest{TypeName: req.TypeName, Config: req.Config}).Diagnostics
		}()
		req.Validate = false
		resp := c.PlanResourceChange(ctx, req)
		vd := <-validated
		if r := resp.Refreshed; r != nil && (r.Diagnostics.HasErrors() || r.NewState.IsNull()) {
			// Nothing is validated when the read stops the plan.
			return resp
		}
		resp.ValidateDiagnostics = vd
		if vd.HasErrors() {
			return PlanResourceChangeResponse{ValidateDiagnostics: vd, Refreshed: resp.Refreshed}
		}
		return resp
	}
	var dvs []*proto.DynamicValue
	if req.Refresh {
		// The provider proposes from what it reads.
		dvs, diags = encodeAll(ty, req.PriorState, req.Config)
		dvs = []*proto.DynamicValue{dvs[0], nil, dvs[1]}
	} else {
		dvs, diags = encodeAll(ty, req.PriorState, req.ProposedNewState, req.Config)
	}
	if diags.HasErrors() {
		return PlanResourceChangeResponse{Diagnostics: diags}
	}
	pr, err := c.provider.PlanResourceChange(ctx, &proto.PlanResourceChange_Request{
		TypeName: req.TypeName, PriorState: dvs[0], ProposedNewState: dvs[1], Config: dvs[2], PriorPrivate: req.PriorPrivate,
		Validate: req.Validate, Refresh: req.Refresh,
	})
	if err != nil {
		return PlanResourceChangeResponse{Diagnostics: callDiags("PlanResourceChange", err)}
	}
	prior, priorWire := req.PriorState, dvs[0]
	var refreshed *ReadResourceResponse
	if req.Refresh {
		if pr.Refreshed == nil {
			return PlanResourceChangeResponse{Diagnostics: Diagnostics{Errorf("Provider did not refresh", "The provider says it reads an object while it plans, but answered a plan that asked for it without what it read. This is a bug in the provider.")}}
		}
		read := ReadResourceResponse{Private: pr.Refreshed.Private, Diagnostics: diagsFromProto(pr.Refreshed.Diagnostics)}
		read.NewState = decodeAnswer(pr.Refreshed.NewState, ty, req.PriorState, dvs[0], req.PriorState, &read.Diagnostics)
		if read.Diagnostics.HasErrors() || read.NewState.IsNull() {
			return PlanResourceChangeResponse{Refreshed: &read}
		}
		refreshed, prior, priorWire = &read, read.NewState, pr.Refreshed.NewState
	}
	resp := PlanResourceChangeResponse{
		RequiresReplace:     pathsFromProto(pr.RequiresReplace),
		PlannedPrivate:      pr.PlannedPrivate,
		Diagnostics:         diagsFromProto(pr.Diagnostics),
		ValidateDiagnostics: diagsFromProto(pr.ValidateDiagnostics),
		Refreshed:           refreshed,
	}
	if resp.ValidateDiagnostics.HasErrors() {
		return resp
	}
	resp.PlannedState = decodeAnswer(pr.PlannedState, ty, prior, priorWire, cty.NullVal(ty), &resp.Diagnostics)
	return resp
}

func (c *GRPCClient) ApplyResourceChange(ctx context.Context, req ApplyResourceChangeRequest) ApplyResourceChangeResponse {
	ty, diags := c.typeOf(ctx, req.TypeName, false)
	if diags.HasErrors() {
		return ApplyResourceChangeResponse{NewState: req.PriorState, Diagnostics: diags}
	}
	dvs, diags := encodeAll(ty, req.PriorState, req.PlannedState, req.Config)
	if diags.HasErrors() {
		return ApplyResourceChangeResponse{NewState: req.PriorState, Diagnostics: diags}
	}
	pr, err := c.provider.ApplyResourceChange(ctx, &proto.ApplyResourceChange_Request{
		TypeName: req.TypeName, PriorState: dvs[0], PlannedState: dvs[1], Config: dvs[2], PlannedPrivate: req.PlannedPrivate,
	})
	if err != nil {
		// The provider did not answer: what it did is unknown, so keep
		// the prior state rather than forget an object that may exist.
		return ApplyResourceChangeResponse{NewState: req.PriorState, Diagnostics: callDiags("ApplyResourceChange", err)}
	}
	resp := ApplyResourceChangeResponse{Private: pr.Private, Diagnostics: diagsFromProto(pr.Diagnostics)}
	resp.NewState = decodeFrom(pr.NewState, ty, req.PriorState, &resp.Diagnostics)
	return resp
}

func (c *GRPCClient) ReadResource(ctx context.Context, req ReadResourceRequest) ReadResourceResponse {
	ty, diags := c.typeOf(ctx, req.TypeName, false)
	if diags.HasErrors() {
		return ReadResourceResponse{NewState: req.CurrentState, Diagnostics: diags}
	}
	dvs, diags := encodeAll(ty, req.CurrentState)
	if diags.HasErrors() {
		return ReadResourceResponse{NewState: req.CurrentState, Diagnostics: diags}
	}
	pr, err := c.provider.ReadResource(ctx, &proto.ReadResource_Request{TypeName: req.TypeName, CurrentState: dvs[0], Private: req.Private})
	if err != nil {
		return ReadResourceResponse{NewState: req.CurrentState, Private: req.Private, Diagnostics: callDiags("ReadResource", err)}
	}
	resp := ReadResourceResponse{Private: pr.Private, Diagnostics: diagsFromProto(pr.Diagnostics)}
	resp.NewState = decodeAnswer(pr.NewState, ty, req.CurrentState, dvs[0], req.CurrentState, &resp.Diagnostics)
	return resp
}

func (c *GRPCClient) ImportResourceState(ctx context.Context, req ImportResourceStateRequest) ImportResourceStateResponse {
	pr, err := c.provider.ImportResourceState(ctx, &proto.ImportResourceState_Request{TypeName: req.TypeName, Id: req.ID})
	if err != nil {
		return ImportResourceStateResponse{Diagnostics: callDiags("ImportResourceState", err)}
	}
	resp := ImportResourceStateResponse{Diagnostics: diagsFromProto(pr.Diagnostics)}
	for _, imp := range pr.ImportedResources {
		ty, diags := c.typeOf(ctx, imp.TypeName, false)
		resp.Diagnostics = append(resp.Diagnostics, diags...)
		if diags.HasErrors() {
			continue
		}
		v := decodeFrom(imp.State, ty, cty.NilVal, &resp.Diagnostics)
		if v == cty.NilVal {
			continue
		}
		resp.Imported = append(resp.Imported, ImportedResource{TypeName: imp.TypeName, State: v, Private: imp.Private})
	}
	return resp
}

func (c *GRPCClient) ReadDataSource(ctx context.Context, req ReadDataSourceRequest) ReadDataSourceResponse {
	ty, diags := c.typeOf(ctx, req.TypeName, true)
	if diags.HasErrors() {
		return ReadDataSourceResponse{Diagnostics: diags}
	}
	dvs, diags := encodeAll(ty, req.Config)
	if diags.HasErrors() {
		return ReadDataSourceResponse{Diagnostics: diags}
	}
	pr, err := c.provider.ReadDataSource(ctx, &proto.ReadDataSource_Request{TypeName: req.TypeName, Config: dvs[0]})
	if err != nil {
		return ReadDataSourceResponse{Diagnostics: callDiags("ReadDataSource", err)}
	}
	resp := ReadDataSourceResponse{Diagnostics: diagsFromProto(pr.Diagnostics)}
	resp.State = decodeFrom(pr.State, ty, cty.NullVal(ty), &resp.Diagnostics)
	return resp
}

func (c *GRPCClient) UpgradeResourceState(ctx context.Context, req UpgradeResourceStateRequest) UpgradeResourceStateResponse {
	ty, diags := c.typeOf(ctx, req.TypeName, false)
	if diags.HasErrors() {
		return UpgradeResourceStateResponse{Diagnostics: diags}
	}
	pr, err := c.provider.UpgradeResourceState(ctx, &proto.UpgradeResourceState_Request{TypeName: req.TypeName, Version: req.Version, RawStateJson: req.RawStateJSON})
	if err != nil {
		return UpgradeResourceStateResponse{Diagnostics: callDiags("UpgradeResourceState", err)}
	}
	resp := UpgradeResourceStateResponse{Diagnostics: diagsFromProto(pr.Diagnostics)}
	resp.UpgradedState = decodeFrom(pr.UpgradedState, ty, cty.NullVal(ty), &resp.Diagnostics)
	return resp
}

func (c *GRPCClient) Stop(ctx context.Context) error {
	pr, err := c.provider.Stop(ctx, &proto.Stop_Request{})
	if err != nil {
		return fmt.Errorf("stopping provider: %w", err)
	}
	if pr.Error != "" {
		return fmt.Errorf("stopping provider: %s", pr.Error)
	}
	return nil
}

func (c *GRPCClient) specType(ctx context.Context) (cty.Type, Diagnostics) {
	t, diags := c.schemaTypes(ctx)
	if t == nil {
		return cty.NilType, diags
	}
	return t.serverGroup, nil
}

func (c *GRPCClient) ListServerGroups(ctx context.Context, req ListServerGroupsRequest) ListServerGroupsResponse {
	spec, diags := c.specType(ctx)
	if diags.HasErrors() {
		return ListServerGroupsResponse{Diagnostics: diags}
	}
	pr, err := c.groups.ListServerGroups(ctx, &proto.ListServerGroups_Request{Cluster: clusterToProto(req.Cluster)})
	if err != nil {
		return ListServerGroupsResponse{Diagnostics: callDiags("ListServerGroups", err)}
	}
	resp := ListServerGroupsResponse{Diagnostics: diagsFromProto(pr.Diagnostics)}
	for _, pg := range pr.ServerGroups {
		g, err := serverGroupFromProto(pg, spec)
		if err != nil {
			resp.Diagnostics = append(resp.Diagnostics, FromError("Provider sent an invalid server group", err)...)
			continue
		}
		resp.ServerGroups = append(resp.ServerGroups, g)
	}
	return resp
}

func (c *GRPCClient) CreateServerGroup(ctx context.Context, req CreateServerGroupRequest) CreateServerGroupResponse {
	spec, diags := c.specType(ctx)
	if diags.HasErrors() {
		return CreateServerGroupResponse{Diagnostics: diags}
	}
	pg, err := serverGroupToProto(req.ServerGroup, spec)
	if err != nil {
		return CreateServerGroupResponse{Diagnostics: FromError("Invalid server group", err)}
	}
	pr, err := c.groups.CreateServerGroup(ctx, &proto.CreateServerGroup_Request{ServerGroup: pg})
	if err != nil {
		return CreateServerGroupResponse{Diagnostics: callDiags("CreateServerGroup", err)}
	}
	resp := CreateServerGroupResponse{Diagnostics: diagsFromProto(pr.Diagnostics)}
	if resp.ServerGroup, err = serverGroupFromProto(pr.ServerGroup, spec); err != nil {
		resp.Diagnostics = append(resp.Diagnostics, FromError("Provider sent an invalid server group", err)...)
	}
	return resp
}

func (c *GRPCClient) ResizeServerGroup(ctx context.Context, req ResizeServerGroupRequest) ResizeServerGroupResponse {
	pr, err := c.groups.ResizeServerGroup(ctx, &proto.ResizeServerGroup_Request{Cluster: clusterToProto(req.Cluster), Name: req.Name, Capacity: capacityToProto(req.Capacity)})
	if err != nil {
		return ResizeServerGroupResponse{Diagnostics: callDiags("ResizeServerGroup", err)}
	}
	return ResizeServerGroupResponse{Diagnostics: diagsFromProto(pr.Diagnostics)}
}

func (c *GRPCClient) SetTraffic(ctx context.Context, req SetTrafficRequest) SetTrafficResponse {
	if req.Traffic.Weight < 0 || req.Traffic.Weight > 100 {
		return SetTrafficResponse{Diagnostics: Diagnostics{Errorf("Invalid traffic weight", "A weight is between 0 and 100; got %d.", req.Traffic.Weight)}}
	}
	pr, err := c.groups.SetTraffic(ctx, &proto.SetTraffic_Request{Cluster: clusterToProto(req.Cluster), Name: req.Name, Traffic: trafficToProto(req.Traffic)})
	if err != nil {
		return SetTrafficResponse{Diagnostics: callDiags("SetTraffic", err)}
	}
	return SetTrafficResponse{Diagnostics: diagsFromProto(pr.Diagnostics)}
}

func (c *GRPCClient) GetHealth(ctx context.Context, req GetHealthRequest) GetHealthResponse {
	pr, err := c.groups.GetHealth(ctx, &proto.GetHealth_Request{Cluster: clusterToProto(req.Cluster), Name: req.Name})
	if err != nil {
		return GetHealthResponse{Diagnostics: callDiags("GetHealth", err)}
	}
	resp := GetHealthResponse{Diagnostics: diagsFromProto(pr.Diagnostics)}
	for _, h := range pr.Instances {
		resp.Instances = append(resp.Instances, healthFromProto(h))
	}
	return resp
}

func (c *GRPCClient) DestroyServerGroup(ctx context.Context, req DestroyServerGroupRequest) DestroyServerGroupResponse {
	pr, err := c.groups.DestroyServerGroup(ctx, &proto.DestroyServerGroup_Request{Cluster: clusterToProto(req.Cluster), Name: req.Name})
	if err != nil {
		return DestroyServerGroupResponse{Diagnostics: callDiags("DestroyServerGroup", err)}
	}
	return DestroyServerGroupResponse{Diagnostics: diagsFromProto(pr.Diagnostics)}
}

func (c *GRPCClient) QueryMetrics(ctx context.Context, req QueryMetricsRequest) QueryMetricsResponse {
	pr, err := c.metrics.QueryMetrics(ctx, &proto.QueryMetrics_Request{
		Cluster: clusterToProto(req.Cluster), ServerGroups: req.ServerGroups,
		StartUnixMs: toUnixMilli(req.Start), EndUnixMs: toUnixMilli(req.End),
	})
	if err != nil {
		return QueryMetricsResponse{Diagnostics: callDiags("QueryMetrics", err)}
	}
	resp := QueryMetricsResponse{Diagnostics: diagsFromProto(pr.Diagnostics)}
	for _, m := range pr.ServerGroups {
		resp.ServerGroups = append(resp.ServerGroups, metricsFromProto(m))
	}
	return resp
}
