package sdk_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/plugins/sdk"
	"github.com/tackhq/tack/plugins/sdk/sdktest"
)

// A Create that fails after making something returns what it set, so the
// core records a half-made object instead of orphaning it; one that fails
// without setting anything made nothing.
func TestFailedCreateReturnsWhatItMade(t *testing.T) {
	t.Parallel()
	planned := thing(map[string]cty.Value{
		"id": unknownString, "arn": unknownString, "name": cty.StringVal("a"), "port": cty.NumberIntVal(80), "zone": unknownString,
	})
	tests := []struct {
		name   string
		create func(ctx context.Context, meta any, d *sdk.Data) sdk.Diagnostics
		want   cty.Value
	}{
		{
			name: "failed after making the object",
			create: func(_ context.Context, _ any, d *sdk.Data) sdk.Diagnostics {
				d.Set("id", "i-123")
				return sdk.Diagnostics{sdk.Errorf("Instance did not boot", "context canceled")}
			},
			want: thing(map[string]cty.Value{"id": cty.StringVal("i-123"), "name": cty.StringVal("a"), "port": cty.NumberIntVal(80)}),
		},
		{
			name: "failed before making anything",
			create: func(context.Context, any, *sdk.Data) sdk.Diagnostics {
				return sdk.Diagnostics{sdk.Errorf("Quota exceeded", "no instances left")}
			},
			want: cty.NullVal(thingType),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := thingResource()
			r.Create = tt.create
			c := sdktest.Serve(t, &sdk.Provider{Name: "test", Resources: map[string]*sdk.Resource{"test_thing": r}})
			resp := c.ApplyResourceChange(t.Context(), sdk.ApplyResourceChangeRequest{
				TypeName: "test_thing", PriorState: cty.NullVal(thingType), PlannedState: planned, Config: planned,
			})
			if !resp.Diagnostics.HasErrors() {
				t.Fatalf("the failed create reported no error")
			}
			if diff := cmp.Diff(tt.want, resp.NewState, sdk.CmpOptions); diff != "" {
				t.Errorf("new state (-want +got):\n%s", diff)
			}
		})
	}
}

// badApply is a provider whose Apply and Read answer with a value of the
// wrong type: a provider bug the SDK's server must not turn into the core
// forgetting the object.
type badApply struct{ *sdk.Provider }

func (b badApply) ApplyResourceChange(context.Context, sdk.ApplyResourceChangeRequest) sdk.ApplyResourceChangeResponse {
	return sdk.ApplyResourceChangeResponse{NewState: cty.StringVal("not an object")}
}

func (b badApply) ReadResource(context.Context, sdk.ReadResourceRequest) sdk.ReadResourceResponse {
	return sdk.ReadResourceResponse{NewState: cty.StringVal("not an object")}
}

func TestUnencodableAnswerKeepsTheObject(t *testing.T) {
	t.Parallel()
	c := sdktest.Serve(t, badApply{&sdk.Provider{Name: "test", Resources: map[string]*sdk.Resource{"test_thing": thingResource()}}})
	state := thing(map[string]cty.Value{
		"id": cty.StringVal("i-1"), "arn": cty.StringVal("arn:1"), "name": cty.StringVal("a"), "port": cty.NumberIntVal(80), "zone": cty.StringVal("z"),
	})
	apply := c.ApplyResourceChange(t.Context(), sdk.ApplyResourceChangeRequest{TypeName: "test_thing", PriorState: state, PlannedState: state, Config: state})
	if !apply.Diagnostics.HasErrors() {
		t.Errorf("an unencodable apply answer gave no error")
	}
	if diff := cmp.Diff(state, apply.NewState, sdk.CmpOptions); diff != "" {
		t.Errorf("apply lost the object (-want +got):\n%s", diff)
	}
	read := c.ReadResource(t.Context(), sdk.ReadResourceRequest{TypeName: "test_thing", CurrentState: state})
	if !read.Diagnostics.HasErrors() {
		t.Errorf("an unencodable read answer gave no error")
	}
	if diff := cmp.Diff(state, read.NewState, sdk.CmpOptions); diff != "" {
		t.Errorf("read reported the object gone (-want +got):\n%s", diff)
	}
}

// ConflictsWith: an unknown value may turn out null, so it conflicts with
// nothing yet; a ConflictsWith naming no attribute (a schema bug that
// CheckSchemas reports) does not make validation panic.
func TestConflictsWithUnknownsAndBadNames(t *testing.T) {
	t.Parallel()
	schema := sdk.Block{Attributes: map[string]*sdk.Attribute{
		"a": {Type: cty.String, Optional: true, ConflictsWith: []string{"b"}},
		"b": {Type: cty.String, Optional: true},
		"c": {Type: cty.String, Optional: true, ConflictsWith: []string{"nmae"}},
	}}
	p := &sdk.Provider{Name: "test", Resources: map[string]*sdk.Resource{"test_x": {Schema: schema}}}
	validate := func(a, b, c cty.Value) sdk.Diagnostics {
		cfg := schema.Object(map[string]cty.Value{"a": a, "b": b, "c": c})
		return p.ValidateResourceConfig(t.Context(), sdk.ValidateResourceConfigRequest{TypeName: "test_x", Config: cfg}).Diagnostics
	}
	null := cty.NullVal(cty.String)
	if d := validate(cty.UnknownVal(cty.String), cty.StringVal("x"), null); d.HasErrors() {
		t.Errorf("an unknown value conflicted: %v", d.Err())
	}
	if d := validate(cty.StringVal("y"), cty.StringVal("x"), null); !d.HasErrors() {
		t.Errorf("two known values did not conflict")
	}
	if d := validate(null, null, cty.StringVal("z")); d.HasErrors() {
		t.Errorf("a ConflictsWith naming no attribute gave: %v", d.Err())
	}
	if errs := p.CheckSchemas(); len(errs) == 0 {
		t.Errorf("CheckSchemas did not report the ConflictsWith naming no attribute")
	}
}

func TestWholeNumber(t *testing.T) {
	t.Parallel()
	path := cty.GetAttrPath("count")
	big2to63, _ := cty.ParseNumberVal("9223372036854775808")
	for _, tt := range []struct {
		v    cty.Value
		want bool // a diagnostic
	}{
		{cty.NumberIntVal(3), false},
		{cty.NumberIntVal(-9223372036854775808), false},
		{cty.NumberIntVal(9223372036854775807), false},
		{cty.NumberFloatVal(1.5), true},
		{big2to63, true},
		{cty.PositiveInfinity, true},
	} {
		diags := sdk.WholeNumber(path, tt.v)
		if diags.HasErrors() != tt.want {
			t.Errorf("WholeNumber(%#v) = %v, want a diagnostic: %t", tt.v, diags, tt.want)
		}
		if tt.want && len(diags) == 1 && !diags[0].Attribute.Equals(path) {
			t.Errorf("WholeNumber(%#v) points at %#v, want %#v", tt.v, diags[0].Attribute, path)
		}
	}
}

// Stop reaches every function that takes a context, Validate and state
// upgraders included.
func TestStopReachesValidateAndUpgraders(t *testing.T) {
	t.Parallel()
	var validateErr, upgradeErr error
	r := thingResource()
	r.SchemaVersion = 1
	r.Validate = func(ctx context.Context, _ *sdk.Data) sdk.Diagnostics {
		validateErr = ctx.Err()
		return nil
	}
	r.Upgraders = map[int64]func(context.Context, map[string]any) (map[string]any, error){
		0: func(ctx context.Context, m map[string]any) (map[string]any, error) {
			upgradeErr = ctx.Err()
			return m, nil
		},
	}
	p := &sdk.Provider{Name: "test", Resources: map[string]*sdk.Resource{"test_thing": r}}
	if err := p.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	p.ValidateResourceConfig(t.Context(), sdk.ValidateResourceConfigRequest{TypeName: "test_thing", Config: thing(map[string]cty.Value{"name": cty.StringVal("a")})})
	p.UpgradeResourceState(t.Context(), sdk.UpgradeResourceStateRequest{TypeName: "test_thing", Version: 0, RawStateJSON: []byte(`{"name":"a"}`)})
	if validateErr == nil {
		t.Errorf("Validate ran with a live context after Stop")
	}
	if upgradeErr == nil {
		t.Errorf("an upgrader ran with a live context after Stop")
	}
}
