package sdk

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"

	"github.com/hashicorp/go-hclog"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/plugins/proto"
)

// grpcServer serves a ProviderServer (and, when it implements them,
// ServerGroups and Metrics) over gRPC. It decodes values with the schemas
// the provider reports, and turns a panic in the provider into an error
// diagnostic so that one bad call does not take the provider down.
type grpcServer struct {
	proto.UnimplementedProviderServer
	proto.UnimplementedServerGroupsServer
	proto.UnimplementedMetricsServer

	impl   ProviderServer
	logger hclog.Logger

	once    sync.Once
	schemas GetSchemaResponse
	types   *schemaTypes
}

func newGRPCServer(impl ProviderServer, logger hclog.Logger) *grpcServer {
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	return &grpcServer{impl: impl, logger: logger}
}

func (s *grpcServer) schema(ctx context.Context) *GetSchemaResponse {
	s.once.Do(func() {
		defer func() {
			if s.types == nil {
				s.types = newSchemaTypes(&GetSchemaResponse{})
			}
		}()
		defer s.recover("GetSchema", &s.schemas.Diagnostics)
		s.schemas = s.impl.GetSchema(ctx)
		s.types = newSchemaTypes(&s.schemas)
	})
	return &s.schemas
}

// recover turns a panic into an error diagnostic appended to *diags, and
// logs the stack through the provider's log.
func (s *grpcServer) recover(method string, diags *Diagnostics) {
	r := recover()
	if r == nil {
		return
	}
	stack := debug.Stack()
	s.logger.Error("provider panicked", "method", method, "panic", fmt.Sprint(r), "stack", string(stack))
	*diags = append(*diags, Errorf("Provider panicked",
		"The provider panicked in %s: %v. This is a bug in the provider; its log (TACK_LOG=debug) holds the stack. The provider is still running.", method, r))
}

// typeOf returns the value type of a resource or data source, or an error
// diagnostic when the provider does not know the type name.
func (s *grpcServer) typeOf(ctx context.Context, name string, dataSource bool) (cty.Type, Diagnostics) {
	s.schema(ctx)
	return s.types.of(name, dataSource)
}

func (s *grpcServer) providerType(ctx context.Context) cty.Type {
	s.schema(ctx)
	return s.types.provider
}

// decodeAll decodes each wire value against ty into the matching target,
// collecting one diagnostic per failure.
func decodeAll(ty cty.Type, pairs ...any) Diagnostics {
	var diags Diagnostics
	for i := 0; i < len(pairs); i += 2 {
		dv, target := pairs[i].(*proto.DynamicValue), pairs[i+1].(*cty.Value)
		// A plan's proposal is often the prior state byte for byte (nothing
		// changed); decoding is the costliest part of a call, so decode
		// each distinct encoding once.
		if j := sameAsEarlier(dv, pairs[:i]); j >= 0 {
			*target = *pairs[j+1].(*cty.Value)
			continue
		}
		v, err := decodeValue(dv, ty)
		if err != nil {
			diags = append(diags, Errorf("Invalid value on the wire", "Cannot decode a value of type %s: %s.", ty.FriendlyName(), err))
			continue
		}
		*target = v
	}
	return diags
}

// sameAsEarlier returns the index in pairs of an earlier value with the
// same encoding as dv, or -1.
func sameAsEarlier(dv *proto.DynamicValue, pairs []any) int {
	for j := 0; j < len(pairs); j += 2 {
		if sameEncoding(dv, pairs[j].(*proto.DynamicValue)) {
			return j
		}
	}
	return -1
}

// encodeInto encodes v, appending a diagnostic when that fails and
// returning fallback then: for an apply or a read, the value the core sent,
// so that a provider's bad answer never makes the core forget an object.
func encodeInto(v cty.Value, ty cty.Type, fallback *proto.DynamicValue, diags *Diagnostics) *proto.DynamicValue {
	dv, err := encodeValue(v, ty)
	if err != nil {
		*diags = append(*diags, Errorf("Provider returned an invalid value", "The value does not conform to the schema's type %s: %s. This is a bug in the provider.", ty.FriendlyName(), err))
		if fallback == nil {
			fallback = &proto.DynamicValue{}
		}
		return fallback
	}
	return dv
}

func (s *grpcServer) GetSchema(ctx context.Context, _ *proto.GetSchema_Request) (*proto.GetSchema_Response, error) {
	ctx = withLogger(ctx, s.logger)
	schemas := s.schema(ctx)
	diags := append(Diagnostics(nil), schemas.Diagnostics...)
	resp := &proto.GetSchema_Response{
		ResourceSchemas:   map[string]*proto.Schema{},
		DataSourceSchemas: map[string]*proto.Schema{},
		Capabilities:      &proto.Capabilities{ServerGroups: schemas.Capabilities.ServerGroups, Metrics: schemas.Capabilities.Metrics, Calls: true, PlanValidates: true, PlanRefreshes: true},
	}
	add := func(what string, s Schema) *proto.Schema {
		ps, err := schemaToProto(s)
		if err != nil {
			diags = append(diags, Errorf("Invalid schema", "The schema of %s cannot be sent: %s.", what, err))
		}
		return ps
	}
	resp.Provider = add("the provider", schemas.Provider)
	for name, sch := range schemas.ResourceTypes {
		resp.ResourceSchemas[name] = add(name, sch)
	}
	for name, sch := range schemas.DataSources {
		resp.DataSourceSchemas[name] = add(name, sch)
	}
	if schemas.Capabilities.ServerGroups {
		resp.Capabilities.ServerGroupSchema = add("server_group", schemas.Capabilities.ServerGroupSchema)
	}
	resp.Diagnostics = diagsToProto(diags)
	return resp, nil
}

func (s *grpcServer) ValidateProviderConfig(ctx context.Context, req *proto.ValidateProviderConfig_Request) (*proto.ValidateProviderConfig_Response, error) {
	ctx = withLogger(ctx, s.logger)
	var r ValidateProviderConfigRequest
	diags := decodeAll(s.providerType(ctx), req.Config, &r.Config)
	if !diags.HasErrors() {
		func() {
			defer s.recover("ValidateProviderConfig", &diags)
			diags = append(diags, s.impl.ValidateProviderConfig(ctx, r).Diagnostics...)
		}()
	}
	return &proto.ValidateProviderConfig_Response{Diagnostics: diagsToProto(diags)}, nil
}

func (s *grpcServer) ConfigureProvider(ctx context.Context, req *proto.ConfigureProvider_Request) (*proto.ConfigureProvider_Response, error) {
	ctx = withLogger(ctx, s.logger)
	r := ConfigureProviderRequest{TackVersion: req.TackVersion}
	diags := decodeAll(s.providerType(ctx), req.Config, &r.Config)
	if !diags.HasErrors() {
		func() {
			defer s.recover("ConfigureProvider", &diags)
			diags = append(diags, s.impl.ConfigureProvider(ctx, r).Diagnostics...)
		}()
	}
	return &proto.ConfigureProvider_Response{Diagnostics: diagsToProto(diags)}, nil
}

func (s *grpcServer) ValidateResourceConfig(ctx context.Context, req *proto.ValidateResourceConfig_Request) (*proto.ValidateResourceConfig_Response, error) {
	ctx = withLogger(ctx, s.logger)
	r := ValidateResourceConfigRequest{TypeName: req.TypeName}
	ty, diags := s.typeOf(ctx, req.TypeName, false)
	if !diags.HasErrors() {
		diags = decodeAll(ty, req.Config, &r.Config)
	}
	if !diags.HasErrors() {
		func() {
			defer s.recover("ValidateResourceConfig", &diags)
			diags = append(diags, s.impl.ValidateResourceConfig(ctx, r).Diagnostics...)
		}()
	}
	return &proto.ValidateResourceConfig_Response{Diagnostics: diagsToProto(diags)}, nil
}

func (s *grpcServer) PlanResourceChange(ctx context.Context, req *proto.PlanResourceChange_Request) (*proto.PlanResourceChange_Response, error) {
	ctx = withLogger(ctx, s.logger)
	r := PlanResourceChangeRequest{TypeName: req.TypeName, PriorPrivate: req.PriorPrivate}
	ty, diags := s.typeOf(ctx, req.TypeName, false)
	if diags.HasErrors() {
		return &proto.PlanResourceChange_Response{Diagnostics: diagsToProto(diags)}, nil
	}
	diags = decodeAll(ty, req.PriorState, &r.PriorState, req.ProposedNewState, &r.ProposedNewState, req.Config, &r.Config)
	resp := &proto.PlanResourceChange_Response{}
	prior := req.PriorState
	if req.Refresh && !diags.HasErrors() && !r.PriorState.IsNull() {
		read, wire := s.readResource(ctx, ty, ReadResourceRequest{TypeName: req.TypeName, CurrentState: r.PriorState, Private: req.PriorPrivate}, req.PriorState)
		resp.Refreshed = wire
		if read.Diagnostics.HasErrors() || read.NewState.IsNull() {
			return resp, nil
		}
		prior, r.PriorState, r.PriorPrivate = wire.NewState, read.NewState, read.Private
		schema := s.schema(ctx).ResourceTypes[req.TypeName]
		r.ProposedNewState = ProposedNewState(&schema.Block, r.PriorState, r.Config)
	}
	if req.Validate && !diags.HasErrors() {
		// Validated here, from the configuration decoded once, whatever
		// the implementation does with the flag.
		var vd Diagnostics
		func() {
			defer s.recover("ValidateResourceConfig", &vd)
			vd = s.impl.ValidateResourceConfig(ctx, ValidateResourceConfigRequest{TypeName: req.TypeName, Config: r.Config}).Diagnostics
		}()
		resp.ValidateDiagnostics = diagsToProto(vd)
		if vd.HasErrors() {
			return resp, nil
		}
	}
	if !diags.HasErrors() {
		func() {
			defer s.recover("PlanResourceChange", &diags)
			out := s.impl.PlanResourceChange(ctx, r)
			diags = append(diags, out.Diagnostics...)
			if !r.PriorState.IsNull() && equal(out.PlannedState, r.PriorState) {
				// No change: the prior state's encoding is the answer.
				resp.PlannedState = prior
			} else {
				resp.PlannedState = encodeInto(out.PlannedState, ty, nil, &diags)
			}
			resp.RequiresReplace = pathsToProto(out.RequiresReplace)
			resp.PlannedPrivate = out.PlannedPrivate
		}()
	}
	resp.Diagnostics = diagsToProto(diags)
	return resp, nil
}

func (s *grpcServer) ApplyResourceChange(ctx context.Context, req *proto.ApplyResourceChange_Request) (*proto.ApplyResourceChange_Response, error) {
	ctx = withLogger(ctx, s.logger)
	r := ApplyResourceChangeRequest{TypeName: req.TypeName, PlannedPrivate: req.PlannedPrivate}
	ty, diags := s.typeOf(ctx, req.TypeName, false)
	if diags.HasErrors() {
		return &proto.ApplyResourceChange_Response{Diagnostics: diagsToProto(diags)}, nil
	}
	diags = decodeAll(ty, req.PriorState, &r.PriorState, req.PlannedState, &r.PlannedState, req.Config, &r.Config)
	// Until the provider answers, the prior state is what exists: a failed
	// or panicking apply must not make the core forget the object.
	resp := &proto.ApplyResourceChange_Response{NewState: req.PriorState}
	if !diags.HasErrors() {
		func() {
			defer s.recover("ApplyResourceChange", &diags)
			out := s.impl.ApplyResourceChange(ctx, r)
			diags = append(diags, out.Diagnostics...)
			resp.NewState = encodeInto(out.NewState, ty, resp.NewState, &diags)
			resp.Private = out.Private
		}()
	}
	resp.Diagnostics = diagsToProto(diags)
	return resp, nil
}

func (s *grpcServer) ReadResource(ctx context.Context, req *proto.ReadResource_Request) (*proto.ReadResource_Response, error) {
	ctx = withLogger(ctx, s.logger)
	r := ReadResourceRequest{TypeName: req.TypeName, Private: req.Private}
	ty, diags := s.typeOf(ctx, req.TypeName, false)
	if diags.HasErrors() {
		return &proto.ReadResource_Response{Diagnostics: diagsToProto(diags)}, nil
	}
	diags = decodeAll(ty, req.CurrentState, &r.CurrentState)
	if diags.HasErrors() {
		return &proto.ReadResource_Response{NewState: req.CurrentState, Private: req.Private, Diagnostics: diagsToProto(diags)}, nil
	}
	_, resp := s.readResource(ctx, ty, r, req.CurrentState)
	return resp, nil
}

// readResource reads r.CurrentState, whose encoding is current, and
// returns what was read both as a value and for the wire. Until the
// provider answers, the object is as recorded; when what it read equals
// that, the request's encoding is the answer's too.
func (s *grpcServer) readResource(ctx context.Context, ty cty.Type, r ReadResourceRequest, current *proto.DynamicValue) (ReadResourceResponse, *proto.ReadResource_Response) {
	out := ReadResourceResponse{NewState: r.CurrentState, Private: r.Private}
	resp := &proto.ReadResource_Response{NewState: current, Private: r.Private}
	var diags Diagnostics
	func() {
		defer s.recover("ReadResource", &diags)
		read := s.impl.ReadResource(ctx, r)
		diags = append(diags, read.Diagnostics...)
		if r.CurrentState.IsNull() || !equal(read.NewState, r.CurrentState) {
			resp.NewState = encodeInto(read.NewState, ty, resp.NewState, &diags)
			out.NewState = read.NewState
		}
		resp.Private, out.Private = read.Private, read.Private
	}()
	out.Diagnostics = diags
	resp.Diagnostics = diagsToProto(diags)
	return out, resp
}

func (s *grpcServer) ImportResourceState(ctx context.Context, req *proto.ImportResourceState_Request) (*proto.ImportResourceState_Response, error) {
	ctx = withLogger(ctx, s.logger)
	var diags Diagnostics
	resp := &proto.ImportResourceState_Response{}
	func() {
		defer s.recover("ImportResourceState", &diags)
		out := s.impl.ImportResourceState(ctx, ImportResourceStateRequest{TypeName: req.TypeName, ID: req.Id})
		diags = append(diags, out.Diagnostics...)
		for _, imp := range out.Imported {
			ty, tdiags := s.typeOf(ctx, imp.TypeName, false)
			diags = append(diags, tdiags...)
			if tdiags.HasErrors() {
				continue
			}
			resp.ImportedResources = append(resp.ImportedResources, &proto.ImportedResource{
				TypeName: imp.TypeName, State: encodeInto(imp.State, ty, nil, &diags), Private: imp.Private,
			})
		}
	}()
	resp.Diagnostics = diagsToProto(diags)
	return resp, nil
}

func (s *grpcServer) ReadDataSource(ctx context.Context, req *proto.ReadDataSource_Request) (*proto.ReadDataSource_Response, error) {
	ctx = withLogger(ctx, s.logger)
	r := ReadDataSourceRequest{TypeName: req.TypeName}
	ty, diags := s.typeOf(ctx, req.TypeName, true)
	if diags.HasErrors() {
		return &proto.ReadDataSource_Response{Diagnostics: diagsToProto(diags)}, nil
	}
	diags = decodeAll(ty, req.Config, &r.Config)
	resp := &proto.ReadDataSource_Response{}
	if !diags.HasErrors() {
		func() {
			defer s.recover("ReadDataSource", &diags)
			out := s.impl.ReadDataSource(ctx, r)
			diags = append(diags, out.Diagnostics...)
			resp.State = encodeInto(out.State, ty, nil, &diags)
		}()
	}
	resp.Diagnostics = diagsToProto(diags)
	return resp, nil
}

func (s *grpcServer) UpgradeResourceState(ctx context.Context, req *proto.UpgradeResourceState_Request) (*proto.UpgradeResourceState_Response, error) {
	ctx = withLogger(ctx, s.logger)
	ty, diags := s.typeOf(ctx, req.TypeName, false)
	resp := &proto.UpgradeResourceState_Response{}
	if !diags.HasErrors() {
		func() {
			defer s.recover("UpgradeResourceState", &diags)
			out := s.impl.UpgradeResourceState(ctx, UpgradeResourceStateRequest{TypeName: req.TypeName, Version: req.Version, RawStateJSON: req.RawStateJson})
			diags = append(diags, out.Diagnostics...)
			resp.UpgradedState = encodeInto(out.UpgradedState, ty, nil, &diags)
		}()
	}
	resp.Diagnostics = diagsToProto(diags)
	return resp, nil
}

func (s *grpcServer) Stop(ctx context.Context, _ *proto.Stop_Request) (*proto.Stop_Response, error) {
	ctx = withLogger(ctx, s.logger)
	var diags Diagnostics
	resp := &proto.Stop_Response{}
	func() {
		defer s.recover("Stop", &diags)
		if err := s.impl.Stop(ctx); err != nil {
			resp.Error = err.Error()
		}
	}()
	if err := diags.Err(); err != nil {
		resp.Error = err.Error()
	}
	return resp, nil
}

// serverGroups returns the implementation and the spec type, or an error
// diagnostic when the provider does not host clusters.
func (s *grpcServer) serverGroups(ctx context.Context) (ServerGroups, cty.Type, Diagnostics) {
	schemas := s.schema(ctx)
	sg, ok := s.impl.(ServerGroups)
	if !ok || !schemas.Capabilities.ServerGroups {
		return nil, cty.NilType, Diagnostics{Errorf("Provider does not host clusters", "This provider does not serve server groups.")}
	}
	return sg, s.types.serverGroup, nil
}

func (s *grpcServer) ListServerGroups(ctx context.Context, req *proto.ListServerGroups_Request) (*proto.ListServerGroups_Response, error) {
	ctx = withLogger(ctx, s.logger)
	sg, spec, diags := s.serverGroups(ctx)
	resp := &proto.ListServerGroups_Response{}
	if !diags.HasErrors() {
		func() {
			defer s.recover("ListServerGroups", &diags)
			out := sg.ListServerGroups(ctx, ListServerGroupsRequest{Cluster: clusterFromProto(req.Cluster)})
			diags = append(diags, out.Diagnostics...)
			for _, g := range out.ServerGroups {
				pg, err := serverGroupToProto(g, spec)
				if err != nil {
					diags = append(diags, FromError("Provider returned an invalid server group", err)...)
					continue
				}
				resp.ServerGroups = append(resp.ServerGroups, pg)
			}
		}()
	}
	resp.Diagnostics = diagsToProto(diags)
	return resp, nil
}

func (s *grpcServer) CreateServerGroup(ctx context.Context, req *proto.CreateServerGroup_Request) (*proto.CreateServerGroup_Response, error) {
	ctx = withLogger(ctx, s.logger)
	sg, spec, diags := s.serverGroups(ctx)
	resp := &proto.CreateServerGroup_Response{}
	if !diags.HasErrors() {
		g, err := serverGroupFromProto(req.ServerGroup, spec)
		diags = append(diags, FromError("Invalid server group on the wire", err)...)
		if err == nil {
			func() {
				defer s.recover("CreateServerGroup", &diags)
				out := sg.CreateServerGroup(ctx, CreateServerGroupRequest{ServerGroup: g})
				diags = append(diags, out.Diagnostics...)
				if resp.ServerGroup, err = serverGroupToProto(out.ServerGroup, spec); err != nil {
					diags = append(diags, FromError("Provider returned an invalid server group", err)...)
				}
			}()
		}
	}
	resp.Diagnostics = diagsToProto(diags)
	return resp, nil
}

func (s *grpcServer) ResizeServerGroup(ctx context.Context, req *proto.ResizeServerGroup_Request) (*proto.ResizeServerGroup_Response, error) {
	ctx = withLogger(ctx, s.logger)
	sg, _, diags := s.serverGroups(ctx)
	if !diags.HasErrors() {
		func() {
			defer s.recover("ResizeServerGroup", &diags)
			diags = append(diags, sg.ResizeServerGroup(ctx, ResizeServerGroupRequest{
				Cluster: clusterFromProto(req.Cluster), Name: req.Name, Capacity: capacityFromProto(req.Capacity),
			}).Diagnostics...)
		}()
	}
	return &proto.ResizeServerGroup_Response{Diagnostics: diagsToProto(diags)}, nil
}

func (s *grpcServer) SetTraffic(ctx context.Context, req *proto.SetTraffic_Request) (*proto.SetTraffic_Response, error) {
	ctx = withLogger(ctx, s.logger)
	sg, _, diags := s.serverGroups(ctx)
	if !diags.HasErrors() {
		func() {
			defer s.recover("SetTraffic", &diags)
			diags = append(diags, sg.SetTraffic(ctx, SetTrafficRequest{
				Cluster: clusterFromProto(req.Cluster), Name: req.Name, Traffic: trafficFromProto(req.Traffic),
			}).Diagnostics...)
		}()
	}
	return &proto.SetTraffic_Response{Diagnostics: diagsToProto(diags)}, nil
}

func (s *grpcServer) GetHealth(ctx context.Context, req *proto.GetHealth_Request) (*proto.GetHealth_Response, error) {
	ctx = withLogger(ctx, s.logger)
	sg, _, diags := s.serverGroups(ctx)
	resp := &proto.GetHealth_Response{}
	if !diags.HasErrors() {
		func() {
			defer s.recover("GetHealth", &diags)
			out := sg.GetHealth(ctx, GetHealthRequest{Cluster: clusterFromProto(req.Cluster), Name: req.Name})
			diags = append(diags, out.Diagnostics...)
			for _, h := range out.Instances {
				resp.Instances = append(resp.Instances, healthToProto(h))
			}
		}()
	}
	resp.Diagnostics = diagsToProto(diags)
	return resp, nil
}

func (s *grpcServer) DestroyServerGroup(ctx context.Context, req *proto.DestroyServerGroup_Request) (*proto.DestroyServerGroup_Response, error) {
	ctx = withLogger(ctx, s.logger)
	sg, _, diags := s.serverGroups(ctx)
	if !diags.HasErrors() {
		func() {
			defer s.recover("DestroyServerGroup", &diags)
			diags = append(diags, sg.DestroyServerGroup(ctx, DestroyServerGroupRequest{Cluster: clusterFromProto(req.Cluster), Name: req.Name}).Diagnostics...)
		}()
	}
	return &proto.DestroyServerGroup_Response{Diagnostics: diagsToProto(diags)}, nil
}

func (s *grpcServer) QueryMetrics(ctx context.Context, req *proto.QueryMetrics_Request) (*proto.QueryMetrics_Response, error) {
	ctx = withLogger(ctx, s.logger)
	var diags Diagnostics
	resp := &proto.QueryMetrics_Response{}
	m, ok := s.impl.(Metrics)
	if !ok || !s.schema(ctx).Capabilities.Metrics {
		diags = Diagnostics{Errorf("Provider does not serve metrics", "This provider does not serve metrics.")}
	} else {
		func() {
			defer s.recover("QueryMetrics", &diags)
			out := m.QueryMetrics(ctx, QueryMetricsRequest{
				Cluster: clusterFromProto(req.Cluster), ServerGroups: req.ServerGroups,
				Start: unixMilli(req.StartUnixMs), End: unixMilli(req.EndUnixMs),
			})
			diags = append(diags, out.Diagnostics...)
			for _, g := range out.ServerGroups {
				resp.ServerGroups = append(resp.ServerGroups, metricsToProto(g))
			}
		}()
	}
	resp.Diagnostics = diagsToProto(diags)
	return resp, nil
}
