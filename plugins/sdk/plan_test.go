package sdk_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/plugins/sdk"
)

// thingSchema is a resource with one attribute of every planning kind:
//
//	id         computed, kept from state (UseStateForUnknown)
//	arn        computed, "known after apply" whenever anything changes
//	name       required, forces replacement
//	size       optional, replaced only when it shrinks
//	port       optional+computed with a default
//	zone       optional+computed, no default
//	health     single block with a defaulted, an optional and a computed attribute
//	rule       list block
//	tag        map block
func thingSchema() sdk.Block {
	return sdk.Block{
		Attributes: map[string]*sdk.Attribute{
			"id":   {Type: cty.String, Computed: true, PlanModifiers: []sdk.PlanModifier{sdk.UseStateForUnknown()}},
			"arn":  {Type: cty.String, Computed: true},
			"name": {Type: cty.String, Required: true, PlanModifiers: []sdk.PlanModifier{sdk.RequiresReplace()}},
			"size": {Type: cty.Number, Optional: true, PlanModifiers: []sdk.PlanModifier{sdk.RequiresReplaceIf(shrinks)}},
			"port": {Type: cty.Number, Optional: true, Computed: true, Default: cty.NumberIntVal(80)},
			"zone": {Type: cty.String, Optional: true, Computed: true},
		},
		BlockTypes: map[string]*sdk.NestedBlock{
			"health": {Nesting: sdk.NestingSingle, Block: sdk.Block{Attributes: map[string]*sdk.Attribute{
				"path":     {Type: cty.String, Optional: true, Computed: true, Default: cty.StringVal("/")},
				"interval": {Type: cty.Number, Optional: true},
				"status":   {Type: cty.String, Computed: true},
			}}},
			"rule": {Nesting: sdk.NestingList, Block: sdk.Block{Attributes: map[string]*sdk.Attribute{
				"port":  {Type: cty.Number, Required: true},
				"label": {Type: cty.String, Computed: true},
			}}},
			"tag": {Nesting: sdk.NestingMap, Block: sdk.Block{Attributes: map[string]*sdk.Attribute{
				"value": {Type: cty.String, Required: true},
				"etag":  {Type: cty.String, Computed: true},
			}}},
		},
	}
}

// shrinks is the condition of size's RequiresReplaceIf: a disk grows in
// place but cannot shrink.
func shrinks(req sdk.AttributePlanRequest) bool {
	if req.Prior.IsNull() || req.Planned.IsNull() || !req.Planned.IsKnown() {
		return false
	}
	return req.Planned.LessThan(req.Prior).True()
}

var thingType = func() cty.Type { b := thingSchema(); return b.ImpliedType() }()

// thing is an object of thingType: the given attributes, every other
// attribute null, and list and map blocks empty as hcldec decodes them.
func thing(attrs map[string]cty.Value) cty.Value {
	return objectOf(thingType, attrs)
}

func objectOf(ty cty.Type, attrs map[string]cty.Value) cty.Value {
	out := map[string]cty.Value{}
	for name, aty := range ty.AttributeTypes() {
		switch {
		case attrs[name] != cty.NilVal:
			out[name] = attrs[name]
		case aty.IsListType():
			out[name] = cty.ListValEmpty(aty.ElementType())
		case aty.IsMapType():
			out[name] = cty.MapValEmpty(aty.ElementType())
		default:
			out[name] = cty.NullVal(aty)
		}
	}
	return cty.ObjectVal(out)
}

func health(attrs map[string]cty.Value) cty.Value {
	return objectOf(thingType.AttributeType("health"), attrs)
}

var (
	unknownString = cty.UnknownVal(cty.String)
	unknownNumber = cty.UnknownVal(cty.Number)
)

// applied is the recorded state of a thing created from {name = "a"}.
var applied = thing(map[string]cty.Value{
	"id": cty.StringVal("i-1"), "arn": cty.StringVal("arn:1"), "name": cty.StringVal("a"),
	"port": cty.NumberIntVal(80), "zone": cty.StringVal("z1"),
})

func noop(context.Context, any, *sdk.Data) sdk.Diagnostics { return nil }

func thingResource() *sdk.Resource {
	return &sdk.Resource{Schema: thingSchema(), Create: noop, Read: noop, Update: noop, Delete: noop}
}

func TestPlanResourceChange(t *testing.T) {
	t.Parallel()
	withHealth := thing(map[string]cty.Value{
		"id": cty.StringVal("i-1"), "arn": cty.StringVal("arn:1"), "name": cty.StringVal("a"),
		"port": cty.NumberIntVal(80), "zone": cty.StringVal("z1"),
		"health": health(map[string]cty.Value{"path": cty.StringVal("/"), "interval": cty.NumberIntVal(5), "status": cty.StringVal("ok")}),
	})
	sized := func(n int64) cty.Value {
		return thing(map[string]cty.Value{
			"id": cty.StringVal("i-1"), "arn": cty.StringVal("arn:1"), "name": cty.StringVal("a"),
			"size": cty.NumberIntVal(n), "port": cty.NumberIntVal(80), "zone": cty.StringVal("z1"),
		})
	}
	tests := []struct {
		name string
		// resource adjusts thingResource for the case; nil keeps it.
		resource    func(r *sdk.Resource)
		prior       cty.Value
		config      cty.Value
		want        cty.Value
		wantReplace []cty.Path
	}{
		{
			name:   "create plans defaults and leaves computed values unknown",
			prior:  cty.NullVal(thingType),
			config: thing(map[string]cty.Value{"name": cty.StringVal("a")}),
			want: thing(map[string]cty.Value{
				"id": unknownString, "arn": unknownString, "name": cty.StringVal("a"),
				"port": cty.NumberIntVal(80), "zone": unknownString,
			}),
		},
		{
			name:   "create keeps what the user set for optional computed attributes",
			prior:  cty.NullVal(thingType),
			config: thing(map[string]cty.Value{"name": cty.StringVal("a"), "port": cty.NumberIntVal(8080), "zone": cty.StringVal("z9")}),
			want: thing(map[string]cty.Value{
				"id": unknownString, "arn": unknownString, "name": cty.StringVal("a"),
				"port": cty.NumberIntVal(8080), "zone": cty.StringVal("z9"),
			}),
		},
		{
			name:   "nothing changed keeps every computed value",
			prior:  applied,
			config: thing(map[string]cty.Value{"name": cty.StringVal("a")}),
			want:   applied,
		},
		{
			name:   "a change makes computed values unknown except those kept by UseStateForUnknown",
			prior:  applied,
			config: thing(map[string]cty.Value{"name": cty.StringVal("a"), "size": cty.NumberIntVal(3)}),
			want: thing(map[string]cty.Value{
				"id": cty.StringVal("i-1"), "arn": unknownString, "name": cty.StringVal("a"),
				"size": cty.NumberIntVal(3), "port": cty.NumberIntVal(80), "zone": unknownString,
			}),
		},
		{
			name:   "removing an attribute with a default plans the default",
			prior:  thing(map[string]cty.Value{"id": cty.StringVal("i-1"), "arn": cty.StringVal("arn:1"), "name": cty.StringVal("a"), "port": cty.NumberIntVal(8080), "zone": cty.StringVal("z1")}),
			config: thing(map[string]cty.Value{"name": cty.StringVal("a")}),
			want: thing(map[string]cty.Value{
				"id": cty.StringVal("i-1"), "arn": unknownString, "name": cty.StringVal("a"),
				"port": cty.NumberIntVal(80), "zone": unknownString,
			}),
		},
		{
			name:   "changing a RequiresReplace attribute replaces",
			prior:  applied,
			config: thing(map[string]cty.Value{"name": cty.StringVal("b")}),
			want: thing(map[string]cty.Value{
				"id": cty.StringVal("i-1"), "arn": unknownString, "name": cty.StringVal("b"),
				"port": cty.NumberIntVal(80), "zone": unknownString,
			}),
			wantReplace: []cty.Path{cty.GetAttrPath("name")},
		},
		{
			name:   "RequiresReplaceIf does not replace when its condition is false",
			prior:  sized(3),
			config: thing(map[string]cty.Value{"name": cty.StringVal("a"), "size": cty.NumberIntVal(5)}),
			want: thing(map[string]cty.Value{
				"id": cty.StringVal("i-1"), "arn": unknownString, "name": cty.StringVal("a"),
				"size": cty.NumberIntVal(5), "port": cty.NumberIntVal(80), "zone": unknownString,
			}),
		},
		{
			name:   "RequiresReplaceIf replaces when its condition is true",
			prior:  sized(5),
			config: thing(map[string]cty.Value{"name": cty.StringVal("a"), "size": cty.NumberIntVal(3)}),
			want: thing(map[string]cty.Value{
				"id": cty.StringVal("i-1"), "arn": unknownString, "name": cty.StringVal("a"),
				"size": cty.NumberIntVal(3), "port": cty.NumberIntVal(80), "zone": unknownString,
			}),
			wantReplace: []cty.Path{cty.GetAttrPath("size")},
		},
		{
			name:     "without Update a create is not a replacement",
			resource: func(r *sdk.Resource) { r.Update = nil },
			prior:    cty.NullVal(thingType),
			config:   thing(map[string]cty.Value{"name": cty.StringVal("a"), "size": cty.NumberIntVal(5)}),
			want: thing(map[string]cty.Value{
				"id": unknownString, "arn": unknownString, "name": cty.StringVal("a"),
				"size": cty.NumberIntVal(5), "port": cty.NumberIntVal(80), "zone": unknownString,
			}),
		},
		{
			name:     "without Update no change is no replacement",
			resource: func(r *sdk.Resource) { r.Update = nil },
			prior:    applied,
			config:   thing(map[string]cty.Value{"name": cty.StringVal("a")}),
			want:     applied,
		},
		{
			name:     "without Update a changed optional attribute replaces",
			resource: func(r *sdk.Resource) { r.Update = nil },
			prior:    sized(3),
			config:   thing(map[string]cty.Value{"name": cty.StringVal("a"), "size": cty.NumberIntVal(5)}),
			want: thing(map[string]cty.Value{
				"id": cty.StringVal("i-1"), "arn": unknownString, "name": cty.StringVal("a"),
				"size": cty.NumberIntVal(5), "port": cty.NumberIntVal(80), "zone": unknownString,
			}),
			wantReplace: []cty.Path{cty.GetAttrPath("size")},
		},
		{
			name:     "without Update a changed optional computed attribute replaces",
			resource: func(r *sdk.Resource) { r.Update = nil },
			prior:    applied,
			config:   thing(map[string]cty.Value{"name": cty.StringVal("a"), "port": cty.NumberIntVal(8080)}),
			want: thing(map[string]cty.Value{
				"id": cty.StringVal("i-1"), "arn": unknownString, "name": cty.StringVal("a"),
				"port": cty.NumberIntVal(8080), "zone": unknownString,
			}),
			wantReplace: []cty.Path{cty.GetAttrPath("port")},
		},
		{
			name:     "without Update a changed nested block replaces",
			resource: func(r *sdk.Resource) { r.Update = nil },
			prior:    withHealth,
			config:   thing(map[string]cty.Value{"name": cty.StringVal("a"), "health": health(map[string]cty.Value{"interval": cty.NumberIntVal(10)})}),
			want: thing(map[string]cty.Value{
				"id": cty.StringVal("i-1"), "arn": unknownString, "name": cty.StringVal("a"),
				"port": cty.NumberIntVal(80), "zone": unknownString,
				"health": health(map[string]cty.Value{"path": cty.StringVal("/"), "interval": cty.NumberIntVal(10), "status": unknownString}),
			}),
			wantReplace: []cty.Path{cty.GetAttrPath("health")},
		},
		{
			name: "ModifyPlan marks a value unknown and asks for replacement",
			resource: func(r *sdk.Resource) {
				r.ModifyPlan = func(_ context.Context, _ any, p *sdk.Plan) sdk.Diagnostics {
					if !p.Creating() && p.Planned.HasChange("zone") {
						p.SetUnknown("id")
						p.RequireReplace("zone")
					}
					return nil
				}
			},
			prior:  applied,
			config: thing(map[string]cty.Value{"name": cty.StringVal("a"), "zone": cty.StringVal("z2")}),
			want: thing(map[string]cty.Value{
				"id": unknownString, "arn": unknownString, "name": cty.StringVal("a"),
				"port": cty.NumberIntVal(80), "zone": cty.StringVal("z2"),
			}),
			wantReplace: []cty.Path{cty.GetAttrPath("zone")},
		},
		{
			name: "ModifyPlan cannot make a create a replacement",
			resource: func(r *sdk.Resource) {
				r.ModifyPlan = func(_ context.Context, _ any, p *sdk.Plan) sdk.Diagnostics {
					p.RequireReplace("name")
					return nil
				}
			},
			prior:  cty.NullVal(thingType),
			config: thing(map[string]cty.Value{"name": cty.StringVal("a")}),
			want: thing(map[string]cty.Value{
				"id": unknownString, "arn": unknownString, "name": cty.StringVal("a"),
				"port": cty.NumberIntVal(80), "zone": unknownString,
			}),
		},
		{
			name:   "a nested single block gets its defaults and unknowns on create",
			prior:  cty.NullVal(thingType),
			config: thing(map[string]cty.Value{"name": cty.StringVal("a"), "health": health(map[string]cty.Value{"interval": cty.NumberIntVal(5)})}),
			want: thing(map[string]cty.Value{
				"id": unknownString, "arn": unknownString, "name": cty.StringVal("a"),
				"port": cty.NumberIntVal(80), "zone": unknownString,
				"health": health(map[string]cty.Value{"path": cty.StringVal("/"), "interval": cty.NumberIntVal(5), "status": unknownString}),
			}),
		},
		{
			name:   "an unchanged nested single block keeps its computed values",
			prior:  withHealth,
			config: thing(map[string]cty.Value{"name": cty.StringVal("a"), "health": health(map[string]cty.Value{"interval": cty.NumberIntVal(5)})}),
			want:   withHealth,
		},
		{
			name:   "a changed nested single block makes its computed values unknown",
			prior:  withHealth,
			config: thing(map[string]cty.Value{"name": cty.StringVal("a"), "health": health(map[string]cty.Value{"interval": cty.NumberIntVal(10)})}),
			want: thing(map[string]cty.Value{
				"id": cty.StringVal("i-1"), "arn": unknownString, "name": cty.StringVal("a"),
				"port": cty.NumberIntVal(80), "zone": unknownString,
				"health": health(map[string]cty.Value{"path": cty.StringVal("/"), "interval": cty.NumberIntVal(10), "status": unknownString}),
			}),
		},
		{
			name:   "a config value unknown at plan time stays unknown",
			prior:  applied,
			config: thing(map[string]cty.Value{"name": cty.StringVal("a"), "size": unknownNumber}),
			want: thing(map[string]cty.Value{
				"id": cty.StringVal("i-1"), "arn": unknownString, "name": cty.StringVal("a"),
				"size": unknownNumber, "port": cty.NumberIntVal(80), "zone": unknownString,
			}),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := thingResource()
			if tt.resource != nil {
				tt.resource(r)
			}
			p := &sdk.Provider{Name: "test", Resources: map[string]*sdk.Resource{"test_thing": r}}
			schema := thingSchema()
			resp := p.PlanResourceChange(t.Context(), sdk.PlanResourceChangeRequest{
				TypeName:         "test_thing",
				PriorState:       tt.prior,
				ProposedNewState: sdk.ProposedNewState(&schema, tt.prior, tt.config),
				Config:           tt.config,
			})
			if resp.Diagnostics.HasErrors() {
				t.Fatalf("PlanResourceChange: %v", resp.Diagnostics.Err())
			}
			if diff := cmp.Diff(tt.want, resp.PlannedState, sdk.CmpOptions); diff != "" {
				t.Errorf("planned state (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantReplace, resp.RequiresReplace, sdk.CmpOptions); diff != "" {
				t.Errorf("requires replace (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPlanResourceChangeDestroy(t *testing.T) {
	t.Parallel()
	modified := false
	r := thingResource()
	r.ModifyPlan = func(context.Context, any, *sdk.Plan) sdk.Diagnostics {
		modified = true
		return nil
	}
	p := &sdk.Provider{Name: "test", Resources: map[string]*sdk.Resource{"test_thing": r}}
	resp := p.PlanResourceChange(t.Context(), sdk.PlanResourceChangeRequest{
		TypeName:         "test_thing",
		PriorState:       applied,
		ProposedNewState: cty.NullVal(thingType),
		Config:           cty.NullVal(thingType),
	})
	if len(resp.Diagnostics) > 0 {
		t.Fatalf("PlanResourceChange: %v", resp.Diagnostics)
	}
	if !resp.PlannedState.IsNull() || len(resp.RequiresReplace) > 0 {
		t.Errorf("destroy planned %#v replacing %v; want null replacing nothing", resp.PlannedState, resp.RequiresReplace)
	}
	if modified {
		t.Errorf("ModifyPlan was called for a destroy; a destroy has no planned state to modify")
	}
}

func TestPlanResourceChangeModifierDiagnostics(t *testing.T) {
	t.Parallel()
	r := thingResource()
	r.Schema.Attributes["zone"].PlanModifiers = []sdk.PlanModifier{sdk.PlanModifierFunc(
		func(_ context.Context, req sdk.AttributePlanRequest, resp *sdk.AttributePlanResponse) {
			if req.Config.IsKnown() && !req.Config.IsNull() && req.Config.AsString() == "mars" {
				resp.Diagnostics = append(resp.Diagnostics, sdk.AttributeErrorf(req.Path, "Unsupported zone", "There is no zone on Mars."))
			}
		})}
	modified := false
	r.ModifyPlan = func(context.Context, any, *sdk.Plan) sdk.Diagnostics {
		modified = true
		return nil
	}
	p := &sdk.Provider{Name: "test", Resources: map[string]*sdk.Resource{"test_thing": r}}
	config := thing(map[string]cty.Value{"name": cty.StringVal("a"), "zone": cty.StringVal("mars")})
	schema := thingSchema()
	resp := p.PlanResourceChange(t.Context(), sdk.PlanResourceChangeRequest{
		TypeName:         "test_thing",
		PriorState:       cty.NullVal(thingType),
		ProposedNewState: sdk.ProposedNewState(&schema, cty.NullVal(thingType), config),
		Config:           config,
	})
	want := sdk.Diagnostics{sdk.AttributeErrorf(cty.GetAttrPath("zone"), "Unsupported zone", "There is no zone on Mars.")}
	if diff := cmp.Diff(want, resp.Diagnostics, sdk.CmpOptions); diff != "" {
		t.Errorf("diagnostics (-want +got):\n%s", diff)
	}
	if modified {
		t.Errorf("ModifyPlan ran after a plan modifier reported an error")
	}
}

func TestProposedNewState(t *testing.T) {
	t.Parallel()
	ruleType := thingType.AttributeType("rule").ElementType()
	tagType := thingType.AttributeType("tag").ElementType()
	rule := func(port int64, label cty.Value) cty.Value {
		return objectOf(ruleType, map[string]cty.Value{"port": cty.NumberIntVal(port), "label": label})
	}
	tag := func(value string, etag cty.Value) cty.Value {
		return objectOf(tagType, map[string]cty.Value{"value": cty.StringVal(value), "etag": etag})
	}
	nullString := cty.NullVal(cty.String)
	tests := []struct {
		name          string
		prior, config cty.Value
		want          cty.Value
	}{
		{
			name:   "create proposes the configuration",
			prior:  cty.NullVal(thingType),
			config: thing(map[string]cty.Value{"name": cty.StringVal("a")}),
			want:   thing(map[string]cty.Value{"name": cty.StringVal("a")}),
		},
		{
			name:   "destroy proposes null",
			prior:  applied,
			config: cty.NullVal(thingType),
			want:   cty.NullVal(thingType),
		},
		{
			name:   "computed values the user left out come from the prior state",
			prior:  applied,
			config: thing(map[string]cty.Value{"name": cty.StringVal("b"), "zone": cty.StringVal("z2")}),
			want: thing(map[string]cty.Value{
				"id": cty.StringVal("i-1"), "arn": cty.StringVal("arn:1"), "name": cty.StringVal("b"),
				"port": cty.NumberIntVal(80), "zone": cty.StringVal("z2"),
			}),
		},
		{
			name: "list blocks are matched by position",
			prior: thing(map[string]cty.Value{"name": cty.StringVal("a"), "rule": cty.ListVal([]cty.Value{
				rule(80, cty.StringVal("http")), rule(443, cty.StringVal("https")),
			})}),
			config: thing(map[string]cty.Value{"name": cty.StringVal("a"), "rule": cty.ListVal([]cty.Value{
				rule(8080, nullString), rule(443, nullString), rule(22, nullString),
			})}),
			want: thing(map[string]cty.Value{"name": cty.StringVal("a"), "rule": cty.ListVal([]cty.Value{
				rule(8080, cty.StringVal("http")), rule(443, cty.StringVal("https")), rule(22, nullString),
			})}),
		},
		{
			name: "map blocks are matched by key",
			prior: thing(map[string]cty.Value{"name": cty.StringVal("a"), "tag": cty.MapVal(map[string]cty.Value{
				"env": tag("prod", cty.StringVal("e1")), "team": tag("edge", cty.StringVal("e2")),
			})}),
			config: thing(map[string]cty.Value{"name": cty.StringVal("a"), "tag": cty.MapVal(map[string]cty.Value{
				"team": tag("core", nullString), "cost": tag("42", nullString),
			})}),
			want: thing(map[string]cty.Value{"name": cty.StringVal("a"), "tag": cty.MapVal(map[string]cty.Value{
				"team": tag("core", cty.StringVal("e2")), "cost": tag("42", nullString),
			})}),
		},
		{
			name:   "a single block takes its computed values from the prior block",
			prior:  thing(map[string]cty.Value{"name": cty.StringVal("a"), "health": health(map[string]cty.Value{"path": cty.StringVal("/"), "status": cty.StringVal("ok")})}),
			config: thing(map[string]cty.Value{"name": cty.StringVal("a"), "health": health(map[string]cty.Value{"interval": cty.NumberIntVal(3)})}),
			want: thing(map[string]cty.Value{"name": cty.StringVal("a"), "health": health(map[string]cty.Value{
				"path": cty.StringVal("/"), "interval": cty.NumberIntVal(3), "status": cty.StringVal("ok"),
			})}),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			schema := thingSchema()
			got := sdk.ProposedNewState(&schema, tt.prior, tt.config)
			if diff := cmp.Diff(tt.want, got, sdk.CmpOptions); diff != "" {
				t.Errorf("ProposedNewState (-want +got):\n%s", diff)
			}
		})
	}
}

// Replacements come out in the same order on every run, so that plan
// output and golden files are stable.
func TestPlanResourceChangeReplaceOrder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		resource func(r *sdk.Resource)
	}{
		{name: "plan modifiers"},
		{name: "without Update", resource: func(r *sdk.Resource) { r.Update = nil }},
	}
	prior := thing(map[string]cty.Value{
		"id": cty.StringVal("i-1"), "arn": cty.StringVal("arn:1"), "name": cty.StringVal("a"),
		"size": cty.NumberIntVal(5), "port": cty.NumberIntVal(80), "zone": cty.StringVal("z1"),
	})
	config := thing(map[string]cty.Value{"name": cty.StringVal("b"), "size": cty.NumberIntVal(3)})
	want := []cty.Path{cty.GetAttrPath("name"), cty.GetAttrPath("size")}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := thingResource()
			if tt.resource != nil {
				tt.resource(r)
			}
			p := &sdk.Provider{Name: "test", Resources: map[string]*sdk.Resource{"test_thing": r}}
			schema := thingSchema()
			// Map iteration order is random: twenty runs in the same order
			// leave one chance in a million that the order is left to it.
			for range 20 {
				resp := p.PlanResourceChange(t.Context(), sdk.PlanResourceChangeRequest{
					TypeName: "test_thing", PriorState: prior, Config: config,
					ProposedNewState: sdk.ProposedNewState(&schema, prior, config),
				})
				if diff := cmp.Diff(want, resp.RequiresReplace, sdk.CmpOptions); diff != "" {
					t.Fatalf("requires replace (-want +got):\n%s", diff)
				}
			}
		})
	}
}
