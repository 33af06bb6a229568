package sdk_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/plugins/sdk"
	"github.com/tackhq/tack/plugins/sdk/sdktest"
)

// A panic in vendor code is one call's error diagnostic; the provider
// process keeps serving the next call.
func TestGRPCPanicBecomesDiagnostic(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	r := thingResource()
	r.Create = func(_ context.Context, _ any, d *sdk.Data) sdk.Diagnostics {
		if calls.Add(1) == 1 {
			d.Set("no_such_attribute", "x") // a vendor's typo: panics
		}
		d.Set("id", "i-1")
		d.Set("arn", "arn:1")
		d.Set("zone", "z1")
		return nil
	}
	r.Update = func(_ context.Context, _ any, d *sdk.Data) sdk.Diagnostics {
		d.Set("no_such_attribute", "x")
		return nil
	}
	c := sdktest.Serve(t, &sdk.Provider{Name: "test", Resources: map[string]*sdk.Resource{"test_thing": r}})
	ctx := t.Context()
	planned := thing(map[string]cty.Value{
		"id": unknownString, "arn": unknownString, "name": cty.StringVal("a"), "port": cty.NumberIntVal(80), "zone": unknownString,
	})
	config := thing(map[string]cty.Value{"name": cty.StringVal("a")})
	create := sdk.ApplyResourceChangeRequest{TypeName: "test_thing", PriorState: cty.NullVal(thingType), PlannedState: planned, Config: config}

	first := c.ApplyResourceChange(ctx, create)
	if len(first.Diagnostics) != 1 || first.Diagnostics[0].Severity != sdk.Error || first.Diagnostics[0].Summary != "Provider panicked" {
		t.Fatalf("first create: diagnostics %v; want one error \"Provider panicked\"", first.Diagnostics)
	}
	if !first.NewState.IsNull() {
		t.Errorf("first create: new state %#v after a panic; want null, nothing was created", first.NewState)
	}

	second := c.ApplyResourceChange(ctx, create)
	if len(second.Diagnostics) > 0 {
		t.Fatalf("second create: %v; the provider must keep serving after a panic", second.Diagnostics)
	}
	if diff := cmp.Diff(applied, second.NewState, sdk.CmpOptions); diff != "" {
		t.Errorf("second create: new state (-want +got):\n%s", diff)
	}

	// A panicking update keeps the recorded object: nothing is lost.
	changed := thing(map[string]cty.Value{
		"id": cty.StringVal("i-1"), "arn": unknownString, "name": cty.StringVal("a"), "size": cty.NumberIntVal(3),
		"port": cty.NumberIntVal(80), "zone": unknownString,
	})
	update := c.ApplyResourceChange(ctx, sdk.ApplyResourceChangeRequest{
		TypeName: "test_thing", PriorState: applied, PlannedState: changed,
		Config: thing(map[string]cty.Value{"name": cty.StringVal("a"), "size": cty.NumberIntVal(3)}),
	})
	if len(update.Diagnostics) != 1 || update.Diagnostics[0].Summary != "Provider panicked" {
		t.Fatalf("update: diagnostics %v; want one error \"Provider panicked\"", update.Diagnostics)
	}
	if diff := cmp.Diff(applied, update.NewState, sdk.CmpOptions); diff != "" {
		t.Errorf("update: new state after a panic (-want +got):\n%s", diff)
	}
}

// Unknown values cross the wire both ways during planning, and the client
// sees exactly the plan the provider made in-process.
func TestGRPCPlanRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		prior  cty.Value
		config cty.Value
	}{
		{
			name:   "create with a value unknown until apply",
			prior:  cty.NullVal(thingType),
			config: thing(map[string]cty.Value{"name": cty.StringVal("a"), "size": unknownNumber}),
		},
		{
			name:   "replacement of an existing object",
			prior:  applied,
			config: thing(map[string]cty.Value{"name": unknownString}),
		},
		{
			name:  "destroy",
			prior: applied, config: cty.NullVal(thingType),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			var seen []cty.Value // configs ModifyPlan saw: in-process, then over the wire
			r := thingResource()
			r.ModifyPlan = func(_ context.Context, _ any, p *sdk.Plan) sdk.Diagnostics {
				mu.Lock()
				defer mu.Unlock()
				seen = append(seen, p.Config)
				return nil
			}
			p := &sdk.Provider{Name: "test", Resources: map[string]*sdk.Resource{"test_thing": r}}
			c := sdktest.Serve(t, p)
			schema := thingSchema()
			req := sdk.PlanResourceChangeRequest{
				TypeName: "test_thing", PriorState: tt.prior, Config: tt.config,
				ProposedNewState: sdk.ProposedNewState(&schema, tt.prior, tt.config),
				PriorPrivate:     []byte(`{"etag":"e1"}`),
			}
			want := p.PlanResourceChange(t.Context(), req)
			got := c.PlanResourceChange(t.Context(), req)
			if diff := cmp.Diff(want, got, sdk.CmpOptions); diff != "" {
				t.Errorf("over gRPC (-in-process +wire):\n%s", diff)
			}
			if len(seen) == 2 {
				if diff := cmp.Diff(seen[0], seen[1], sdk.CmpOptions); diff != "" {
					t.Errorf("config the provider saw (-in-process +wire):\n%s", diff)
				}
			}
		})
	}
}

func TestGRPCSchemaRoundTrip(t *testing.T) {
	t.Parallel()
	thing := thingResource()
	thing.SchemaVersion = 3
	thing.Schema.Description = "A thing."
	thing.Schema.Attributes["arn"].Sensitive = true
	thing.Schema.Attributes["zone"].Deprecated = true
	thing.Schema.Attributes["zone"].Description = "Use region."
	p := &sdk.Provider{
		Name: "test",
		Schema: sdk.Block{Attributes: map[string]*sdk.Attribute{
			"endpoint": {Type: cty.String, Optional: true},
			"token":    {Type: cty.String, Optional: true, Sensitive: true},
		}},
		Resources: map[string]*sdk.Resource{
			"test_thing": thing,
			"test_net":   {Schema: validateSchema()},
			"test_empty": {},
		},
		DataSources: map[string]*sdk.DataSource{
			"test_image": {Schema: sdk.Block{Deprecated: true, Attributes: map[string]*sdk.Attribute{
				"name":    {Type: cty.String, Required: true},
				"labels":  {Type: cty.Map(cty.List(cty.String)), Computed: true},
				"shape":   {Type: cty.Object(map[string]cty.Type{"cpu": cty.Number, "arch": cty.String}), Computed: true},
				"any":     {Type: cty.DynamicPseudoType, Optional: true},
				"members": {Type: cty.Set(cty.Tuple([]cty.Type{cty.String, cty.Bool})), Optional: true},
			}}},
		},
		ServerGroups:      func(any) sdk.ServerGroups { return nil },
		ServerGroupSchema: specSchema(),
		Metrics:           func(any) sdk.Metrics { return nil },
	}
	c := sdktest.Serve(t, p)
	want := p.GetSchema(t.Context())
	got := c.GetSchema(t.Context())
	frameworkOnly := cmpopts.IgnoreFields(sdk.Attribute{}, "Default", "PlanModifiers", "Validators", "ConflictsWith")
	if diff := cmp.Diff(want, got, sdk.CmpOptions, frameworkOnly); diff != "" {
		t.Errorf("GetSchema over gRPC (-provider +client):\n%s", diff)
	}
	if !got.Capabilities.ServerGroups || !got.Capabilities.Metrics {
		t.Errorf("capabilities %+v; want server groups and metrics", got.Capabilities)
	}
}

func TestGRPCDiagnosticsRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		diags sdk.Diagnostics
	}{
		{name: "none"},
		{
			name:  "error on an attribute",
			diags: sdk.Diagnostics{sdk.AttributeErrorf(cty.GetAttrPath("name"), "Invalid name", "Names are lower-case.")},
		},
		{
			name:  "warning without a path",
			diags: sdk.Diagnostics{{Severity: sdk.Warning, Summary: "Deprecated", Detail: "Use zone instead."}},
		},
		{
			name: "paths with int and string index steps",
			diags: sdk.Diagnostics{
				sdk.AttributeErrorf(cty.GetAttrPath("rule").IndexInt(0).GetAttr("port"), "Invalid port", "A port is between 1 and 65535."),
				{Severity: sdk.Warning, Summary: "Odd tag", Detail: "Tags are usually lower-case.", Attribute: cty.GetAttrPath("tag").IndexString("Env").GetAttr("value")},
				sdk.AttributeErrorf(cty.IndexIntPath(7), "Leading index", "A path may start with an index."),
				sdk.AttributeErrorf(cty.GetAttrPath("tag").IndexString("0"), "String key that looks like a number", "It stays a string key."),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := &sdk.Resource{
				Schema:   sdk.Block{Attributes: map[string]*sdk.Attribute{"name": {Type: cty.String, Optional: true}}},
				Validate: func(context.Context, *sdk.Data) sdk.Diagnostics { return tt.diags },
			}
			c := sdktest.Serve(t, &sdk.Provider{Name: "test", Resources: map[string]*sdk.Resource{"test_x": r}})
			got := c.ValidateResourceConfig(t.Context(), sdk.ValidateResourceConfigRequest{
				TypeName: "test_x", Config: cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal("a")}),
			}).Diagnostics
			if diff := cmp.Diff(tt.diags, got, sdk.CmpOptions); diff != "" {
				t.Errorf("diagnostics over gRPC (-sent +received):\n%s", diff)
			}
		})
	}
}

// A resource type the provider does not have is a diagnostic from the
// client, not a call with values it cannot encode.
func TestGRPCUnknownResourceType(t *testing.T) {
	t.Parallel()
	c := sdktest.Serve(t, &sdk.Provider{Name: "test", Resources: map[string]*sdk.Resource{"test_thing": thingResource()}})
	got := c.PlanResourceChange(t.Context(), sdk.PlanResourceChangeRequest{
		TypeName: "test_thingy", PriorState: cty.NullVal(thingType), ProposedNewState: applied, Config: applied,
	}).Diagnostics
	want := sdk.Diagnostics{{Severity: sdk.Error, Summary: "Unknown resource type"}}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(sdk.Diagnostic{}, "Detail")); diff != "" {
		t.Errorf("diagnostics (-want +got):\n%s", diff)
	}
}
