package sdk_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/plugins/sdk"
)

// portRange is a validator as a vendor writes one.
func portRange(path cty.Path, v cty.Value) sdk.Diagnostics {
	if v.LessThan(cty.NumberIntVal(1)).True() || v.GreaterThan(cty.NumberIntVal(65535)).True() {
		return sdk.Diagnostics{sdk.AttributeErrorf(path, "Invalid port", "A port is between 1 and 65535.")}
	}
	return nil
}

func validateSchema() sdk.Block {
	return sdk.Block{
		Attributes: map[string]*sdk.Attribute{
			"name":   {Type: cty.String, Required: true},
			"id":     {Type: cty.String, Computed: true},
			"port":   {Type: cty.Number, Optional: true, Validators: []sdk.Validator{portRange}},
			"cidr":   {Type: cty.String, Optional: true, ConflictsWith: []string{"subnet"}},
			"subnet": {Type: cty.String, Optional: true},
			// Declared only on the attribute that sorts last.
			"zone":   {Type: cty.String, Optional: true, ConflictsWith: []string{"region"}},
			"region": {Type: cty.String, Optional: true},
			// Declared on both.
			"ipv4": {Type: cty.String, Optional: true, ConflictsWith: []string{"ipv6"}},
			"ipv6": {Type: cty.String, Optional: true, ConflictsWith: []string{"ipv4"}},
		},
		BlockTypes: map[string]*sdk.NestedBlock{
			"health": {Nesting: sdk.NestingSingle, MinItems: 1, MaxItems: 1, Block: sdk.Block{Attributes: map[string]*sdk.Attribute{
				"path": {Type: cty.String, Required: true},
			}}},
			"rule": {Nesting: sdk.NestingList, MinItems: 1, MaxItems: 2, Block: sdk.Block{Attributes: map[string]*sdk.Attribute{
				"port": {Type: cty.Number, Required: true, Validators: []sdk.Validator{portRange}},
			}}},
			"replica": {Nesting: sdk.NestingList, MinItems: 2, Block: sdk.Block{Attributes: map[string]*sdk.Attribute{
				"zone": {Type: cty.String, Optional: true},
			}}},
			"tag": {Nesting: sdk.NestingMap, Block: sdk.Block{Attributes: map[string]*sdk.Attribute{
				"value": {Type: cty.String, Required: true},
			}}},
		},
	}
}

func TestValidateResourceConfig(t *testing.T) {
	t.Parallel()
	schema := validateSchema()
	ty := schema.ImpliedType()
	ruleType := ty.AttributeType("rule").ElementType()
	replicaType := ty.AttributeType("replica").ElementType()
	rules := func(ports ...cty.Value) cty.Value {
		var out []cty.Value
		for _, p := range ports {
			out = append(out, objectOf(ruleType, map[string]cty.Value{"port": p}))
		}
		return cty.ListVal(out)
	}
	replicas := func(n int) cty.Value {
		if n == 0 {
			return cty.ListValEmpty(replicaType)
		}
		var out []cty.Value
		for range n {
			out = append(out, objectOf(replicaType, nil))
		}
		return cty.ListVal(out)
	}
	// valid returns a valid configuration with attrs changed.
	valid := func(attrs map[string]cty.Value) cty.Value {
		base := map[string]cty.Value{
			"name":    cty.StringVal("web"),
			"health":  objectOf(ty.AttributeType("health"), map[string]cty.Value{"path": cty.StringVal("/")}),
			"rule":    rules(cty.NumberIntVal(80)),
			"replica": replicas(2),
		}
		for k, v := range attrs {
			base[k] = v
		}
		return objectOf(ty, base)
	}
	errAt := func(summary string, path cty.Path) sdk.Diagnostic {
		return sdk.Diagnostic{Severity: sdk.Error, Summary: summary, Attribute: path}
	}
	tests := []struct {
		name   string
		config cty.Value
		want   sdk.Diagnostics
	}{
		{name: "valid", config: valid(nil)},
		{name: "an unknown configuration is not judged yet", config: cty.UnknownVal(ty)},
		{
			name:   "missing required attribute",
			config: valid(map[string]cty.Value{"name": cty.NullVal(cty.String)}),
			want:   sdk.Diagnostics{errAt("Missing required attribute", cty.GetAttrPath("name"))},
		},
		{
			name:   "an unknown required attribute is not missing",
			config: valid(map[string]cty.Value{"name": cty.UnknownVal(cty.String)}),
		},
		{
			name:   "computed attribute set by the user",
			config: valid(map[string]cty.Value{"id": cty.StringVal("i-1")}),
			want:   sdk.Diagnostics{errAt("Value for computed attribute", cty.GetAttrPath("id"))},
		},
		{
			name:   "conflicting attributes",
			config: valid(map[string]cty.Value{"cidr": cty.StringVal("10.0.0.0/8"), "subnet": cty.StringVal("s-1")}),
			want:   sdk.Diagnostics{errAt("Conflicting attributes", cty.GetAttrPath("cidr"))},
		},
		{
			name:   "conflict declared only on the attribute that sorts last",
			config: valid(map[string]cty.Value{"zone": cty.StringVal("z1"), "region": cty.StringVal("r1")}),
			want:   sdk.Diagnostics{errAt("Conflicting attributes", cty.GetAttrPath("zone"))},
		},
		{
			name:   "conflict declared on both attributes is reported once",
			config: valid(map[string]cty.Value{"ipv4": cty.StringVal("10.0.0.1"), "ipv6": cty.StringVal("::1")}),
			want:   sdk.Diagnostics{errAt("Conflicting attributes", cty.GetAttrPath("ipv4"))},
		},
		{
			name:   "one of two conflicting attributes is fine",
			config: valid(map[string]cty.Value{"cidr": cty.StringVal("10.0.0.0/8")}),
		},
		{
			name:   "validator",
			config: valid(map[string]cty.Value{"port": cty.NumberIntVal(70000)}),
			want:   sdk.Diagnostics{errAt("Invalid port", cty.GetAttrPath("port"))},
		},
		{
			name:   "validators do not see unknown values",
			config: valid(map[string]cty.Value{"port": cty.UnknownVal(cty.Number)}),
		},
		{
			name:   "validator in a list block",
			config: valid(map[string]cty.Value{"rule": rules(cty.NumberIntVal(80), cty.NumberIntVal(0))}),
			want:   sdk.Diagnostics{errAt("Invalid port", cty.GetAttrPath("rule").IndexInt(1).GetAttr("port"))},
		},
		{
			name:   "missing required attribute in a list block",
			config: valid(map[string]cty.Value{"rule": rules(cty.NumberIntVal(80), cty.NullVal(cty.Number))}),
			want:   sdk.Diagnostics{errAt("Missing required attribute", cty.GetAttrPath("rule").IndexInt(1).GetAttr("port"))},
		},
		{
			name: "missing required attribute in a map block",
			config: valid(map[string]cty.Value{"tag": cty.MapVal(map[string]cty.Value{
				"env": objectOf(ty.AttributeType("tag").ElementType(), nil),
			})}),
			want: sdk.Diagnostics{errAt("Missing required attribute", cty.GetAttrPath("tag").IndexString("env").GetAttr("value"))},
		},
		{
			name:   "missing required single block",
			config: valid(map[string]cty.Value{"health": cty.NullVal(ty.AttributeType("health"))}),
			want:   sdk.Diagnostics{errAt("Missing required block", cty.GetAttrPath("health"))},
		},
		{
			name:   "missing required attribute in a single block",
			config: valid(map[string]cty.Value{"health": objectOf(ty.AttributeType("health"), nil)}),
			want:   sdk.Diagnostics{errAt("Missing required attribute", cty.GetAttrPath("health").GetAttr("path"))},
		},
		{
			name:   "fewer blocks than min items",
			config: valid(map[string]cty.Value{"rule": cty.ListValEmpty(ruleType)}),
			want:   sdk.Diagnostics{errAt("Wrong number of blocks", cty.GetAttrPath("rule"))},
		},
		{
			name:   "more blocks than max items",
			config: valid(map[string]cty.Value{"rule": rules(cty.NumberIntVal(1), cty.NumberIntVal(2), cty.NumberIntVal(3))}),
			want:   sdk.Diagnostics{errAt("Wrong number of blocks", cty.GetAttrPath("rule"))},
		},
		{
			name:   "fewer blocks than min items without max items",
			config: valid(map[string]cty.Value{"replica": replicas(1)}),
			want:   sdk.Diagnostics{errAt("Wrong number of blocks", cty.GetAttrPath("replica"))},
		},
		{
			name: "every problem is reported",
			config: valid(map[string]cty.Value{
				"name": cty.NullVal(cty.String), "id": cty.StringVal("i-1"), "port": cty.NumberIntVal(0),
				"rule": rules(cty.NumberIntVal(0)),
			}),
			want: sdk.Diagnostics{
				errAt("Value for computed attribute", cty.GetAttrPath("id")),
				errAt("Missing required attribute", cty.GetAttrPath("name")),
				errAt("Invalid port", cty.GetAttrPath("port")),
				errAt("Invalid port", cty.GetAttrPath("rule").IndexInt(0).GetAttr("port")),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := &sdk.Provider{Name: "test", Resources: map[string]*sdk.Resource{"test_net": {Schema: validateSchema()}}}
			got := p.ValidateResourceConfig(t.Context(), sdk.ValidateResourceConfigRequest{TypeName: "test_net", Config: tt.config}).Diagnostics
			if diff := cmp.Diff(tt.want, got, sdk.CmpOptions, cmpopts.IgnoreFields(sdk.Diagnostic{}, "Detail")); diff != "" {
				t.Errorf("diagnostics (-want +got):\n%s", diff)
			}
			for _, d := range got {
				if d.Detail == "" {
					t.Errorf("%s has no detail; the user needs to know what to do", d.Summary)
				}
			}
		})
	}
}

// The detail of a block count problem states the limits the schema set,
// never a range like "between 2 and 0".
func TestValidateResourceConfigBlockCountDetail(t *testing.T) {
	t.Parallel()
	schema := validateSchema()
	ty := schema.ImpliedType()
	replica := objectOf(ty.AttributeType("replica").ElementType(), nil)
	rule := objectOf(ty.AttributeType("rule").ElementType(), map[string]cty.Value{"port": cty.NumberIntVal(1)})
	base := map[string]cty.Value{
		"name":    cty.StringVal("web"),
		"health":  objectOf(ty.AttributeType("health"), map[string]cty.Value{"path": cty.StringVal("/")}),
		"rule":    cty.ListVal([]cty.Value{rule}),
		"replica": cty.ListVal([]cty.Value{replica, replica}),
	}
	tests := []struct {
		name       string
		attr       string
		value      cty.Value
		wantDetail string
	}{
		{"min and max", "rule", cty.ListVal([]cty.Value{rule, rule, rule}), `Between 1 and 2 "rule" blocks are allowed; found 3.`},
		{"min only", "replica", cty.ListVal([]cty.Value{replica}), `At least 2 "replica" blocks are required; found 1.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			attrs := map[string]cty.Value{}
			for k, v := range base {
				attrs[k] = v
			}
			attrs[tt.attr] = tt.value
			p := &sdk.Provider{Name: "test", Resources: map[string]*sdk.Resource{"test_net": {Schema: validateSchema()}}}
			got := p.ValidateResourceConfig(t.Context(), sdk.ValidateResourceConfigRequest{TypeName: "test_net", Config: objectOf(ty, attrs)}).Diagnostics
			if len(got) != 1 || got[0].Detail != tt.wantDetail {
				t.Errorf("diagnostics %v; want one with detail %q", got, tt.wantDetail)
			}
		})
	}
}

// Resource.Validate runs after the schema's checks, even when they failed,
// so that one run reports every mistake.
func TestValidateResourceConfigVendorValidate(t *testing.T) {
	t.Parallel()
	schema := validateSchema()
	ty := schema.ImpliedType()
	warn := sdk.Diagnostic{Severity: sdk.Warning, Summary: "Port 80 is plain HTTP", Detail: "Consider 443.", Attribute: cty.GetAttrPath("port")}
	newProvider := func(called *bool) *sdk.Provider {
		r := &sdk.Resource{Schema: validateSchema(), Validate: func(_ context.Context, d *sdk.Data) sdk.Diagnostics {
			*called = true
			if d.Int("port") == 80 {
				return sdk.Diagnostics{warn}
			}
			return nil
		}}
		return &sdk.Provider{Name: "test", Resources: map[string]*sdk.Resource{"test_net": r}}
	}
	config := func(name cty.Value) cty.Value {
		return objectOf(ty, map[string]cty.Value{
			"name": name, "port": cty.NumberIntVal(80),
			"health":  objectOf(ty.AttributeType("health"), map[string]cty.Value{"path": cty.StringVal("/")}),
			"rule":    cty.ListVal([]cty.Value{objectOf(ty.AttributeType("rule").ElementType(), map[string]cty.Value{"port": cty.NumberIntVal(80)})}),
			"replica": cty.ListVal([]cty.Value{objectOf(ty.AttributeType("replica").ElementType(), nil), objectOf(ty.AttributeType("replica").ElementType(), nil)}),
		})
	}
	tests := []struct {
		name       string
		config     cty.Value
		wantCalled bool
		want       sdk.Diagnostics
	}{
		{"valid schema: Validate runs", config(cty.StringVal("web")), true, sdk.Diagnostics{warn}},
		{"invalid schema: Validate still runs", config(cty.NullVal(cty.String)), true, sdk.Diagnostics{{Severity: sdk.Error, Summary: "Missing required attribute", Attribute: cty.GetAttrPath("name")}, warn}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			called := false
			got := newProvider(&called).ValidateResourceConfig(t.Context(), sdk.ValidateResourceConfigRequest{TypeName: "test_net", Config: tt.config}).Diagnostics
			if called != tt.wantCalled {
				t.Errorf("Validate called = %v, want %v", called, tt.wantCalled)
			}
			if diff := cmp.Diff(tt.want, got, sdk.CmpOptions, cmpopts.IgnoreFields(sdk.Diagnostic{}, "Detail")); diff != "" {
				t.Errorf("diagnostics (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateResourceConfigUnknownType(t *testing.T) {
	t.Parallel()
	p := &sdk.Provider{Name: "test", Resources: map[string]*sdk.Resource{"test_net": {Schema: validateSchema()}}}
	got := p.ValidateResourceConfig(t.Context(), sdk.ValidateResourceConfigRequest{TypeName: "test_nett", Config: cty.EmptyObjectVal}).Diagnostics
	want := sdk.Diagnostics{{Severity: sdk.Error, Summary: "Unknown resource type"}}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(sdk.Diagnostic{}, "Detail")); diff != "" {
		t.Errorf("diagnostics (-want +got):\n%s", diff)
	}
}
