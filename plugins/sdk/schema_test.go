package sdk_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/plugins/sdk"
)

func TestBlockValidate(t *testing.T) {
	t.Parallel()
	str := func(a sdk.Attribute) *sdk.Attribute { a.Type = cty.String; return &a }
	attrs := func(m map[string]*sdk.Attribute) sdk.Block { return sdk.Block{Attributes: m} }
	// want lists, for each expected error, the path it must start with
	// and a phrase it must contain: what a vendor needs to find the
	// mistake.
	type wantErr struct{ path, phrase string }
	tests := []struct {
		name  string
		block sdk.Block
		want  []wantErr
	}{
		{
			name: "a well-formed block",
			block: sdk.Block{
				Attributes: map[string]*sdk.Attribute{
					"name":  str(sdk.Attribute{Required: true}),
					"port":  {Type: cty.Number, Optional: true, Computed: true, Default: cty.NumberIntVal(80), ConflictsWith: []string{"name"}},
					"id":    str(sdk.Attribute{Computed: true}),
					"notes": str(sdk.Attribute{Optional: true}),
				},
				BlockTypes: map[string]*sdk.NestedBlock{
					"rule":   {Nesting: sdk.NestingList, MinItems: 1, MaxItems: 3, Block: attrs(map[string]*sdk.Attribute{"port": {Type: cty.Number, Required: true}})},
					"health": {Nesting: sdk.NestingSingle, MinItems: 1, MaxItems: 1},
					"tag":    {Nesting: sdk.NestingMap},
					"zone":   {Nesting: sdk.NestingSet},
				},
			},
		},
		{
			name:  "an attribute name with capitals",
			block: attrs(map[string]*sdk.Attribute{"Name": str(sdk.Attribute{Optional: true})}),
			want:  []wantErr{{"Name: ", "lower-case"}},
		},
		{
			name:  "an attribute name starting with a digit",
			block: attrs(map[string]*sdk.Attribute{"1st": str(sdk.Attribute{Optional: true})}),
			want:  []wantErr{{"1st: ", "starting with a letter"}},
		},
		{
			name:  "a block type name with a dash",
			block: sdk.Block{BlockTypes: map[string]*sdk.NestedBlock{"health-check": {Nesting: sdk.NestingSingle}}},
			want:  []wantErr{{"health-check: ", "lower-case"}},
		},
		{
			name:  "an attribute without a type",
			block: attrs(map[string]*sdk.Attribute{"name": {Optional: true}}),
			want:  []wantErr{{"name: ", "no type"}},
		},
		{
			name:  "a nil attribute",
			block: attrs(map[string]*sdk.Attribute{"name": nil}),
			want:  []wantErr{{"name: ", "nil"}},
		},
		{
			name:  "required and computed",
			block: attrs(map[string]*sdk.Attribute{"name": str(sdk.Attribute{Required: true, Computed: true})}),
			want:  []wantErr{{"name: ", "required attribute cannot also be optional or computed"}},
		},
		{
			name:  "required and optional",
			block: attrs(map[string]*sdk.Attribute{"name": str(sdk.Attribute{Required: true, Optional: true})}),
			want:  []wantErr{{"name: ", "required attribute cannot also be optional or computed"}},
		},
		{
			name:  "neither required, optional nor computed",
			block: attrs(map[string]*sdk.Attribute{"name": str(sdk.Attribute{})}),
			want:  []wantErr{{"name: ", "must be required, optional or computed"}},
		},
		{
			name:  "a default on an optional attribute that is not computed",
			block: attrs(map[string]*sdk.Attribute{"name": str(sdk.Attribute{Optional: true, Default: cty.StringVal("x")})}),
			want:  []wantErr{{"name: ", "default must be optional and computed"}},
		},
		{
			name:  "a default on a computed attribute that is not optional",
			block: attrs(map[string]*sdk.Attribute{"name": str(sdk.Attribute{Computed: true, Default: cty.StringVal("x")})}),
			want:  []wantErr{{"name: ", "default must be optional and computed"}},
		},
		{
			name:  "a default of the wrong type",
			block: attrs(map[string]*sdk.Attribute{"port": {Type: cty.Number, Optional: true, Computed: true, Default: cty.StringVal("80")}}),
			want:  []wantErr{{"port: ", "default is string, but the attribute is number"}},
		},
		{
			name:  "conflicts with an attribute that does not exist",
			block: attrs(map[string]*sdk.Attribute{"name": str(sdk.Attribute{Optional: true, ConflictsWith: []string{"nmae"}})}),
			want:  []wantErr{{"name: ", `conflicts with "nmae"`}},
		},
		{
			name: "a name that is both an attribute and a block type",
			block: sdk.Block{
				Attributes: map[string]*sdk.Attribute{"health": str(sdk.Attribute{Optional: true})},
				BlockTypes: map[string]*sdk.NestedBlock{"health": {Nesting: sdk.NestingSingle}},
			},
			want: []wantErr{{"health: ", "both an attribute and a block type"}},
		},
		{
			name:  "no nesting",
			block: sdk.Block{BlockTypes: map[string]*sdk.NestedBlock{"rule": {}}},
			want:  []wantErr{{"rule: ", "invalid nesting"}},
		},
		{
			name:  "an unknown nesting",
			block: sdk.Block{BlockTypes: map[string]*sdk.NestedBlock{"rule": {Nesting: sdk.Nesting(9)}}},
			want:  []wantErr{{"rule: ", "invalid nesting Nesting(9)"}},
		},
		{
			name:  "a single block with two items",
			block: sdk.Block{BlockTypes: map[string]*sdk.NestedBlock{"health": {Nesting: sdk.NestingSingle, MaxItems: 2}}},
			want:  []wantErr{{"health: ", "at most one item"}},
		},
		{
			name:  "min items above max items",
			block: sdk.Block{BlockTypes: map[string]*sdk.NestedBlock{"rule": {Nesting: sdk.NestingList, MinItems: 3, MaxItems: 2}}},
			want:  []wantErr{{"rule: ", "min_items 3 and max_items 2"}},
		},
		{
			name:  "negative min items",
			block: sdk.Block{BlockTypes: map[string]*sdk.NestedBlock{"rule": {Nesting: sdk.NestingSet, MinItems: -1}}},
			want:  []wantErr{{"rule: ", "min_items -1"}},
		},
		{
			name: "a mistake deep in nested blocks names the whole path",
			block: sdk.Block{BlockTypes: map[string]*sdk.NestedBlock{"listener": {Nesting: sdk.NestingList, Block: sdk.Block{
				BlockTypes: map[string]*sdk.NestedBlock{"rule": {Nesting: sdk.NestingMap, Block: attrs(map[string]*sdk.Attribute{
					"port": {Type: cty.Number},
				})}},
			}}}},
			want: []wantErr{{"listener.rule.port: ", "must be required, optional or computed"}},
		},
		{
			name: "every mistake is reported, sorted",
			block: attrs(map[string]*sdk.Attribute{
				"b": str(sdk.Attribute{}),
				"a": {Required: true, Computed: true},
			}),
			want: []wantErr{
				{"a: ", "required attribute cannot"},
				{"a: ", "no type"},
				{"b: ", "must be required, optional or computed"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			errs := tt.block.Validate()
			var got []string
			for _, err := range errs {
				got = append(got, err.Error())
			}
			if len(got) != len(tt.want) {
				t.Fatalf("Validate() = %q; want %d errors: %v", got, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				if !strings.HasPrefix(got[i], w.path) || !strings.Contains(got[i], w.phrase) {
					t.Errorf("error %d = %q; want it to start with %q and say %q", i, got[i], w.path, w.phrase)
				}
			}
		})
	}
}

// decoderBlock has an attribute of each kind and a nested block of each
// nesting, as a resource's schema would.
func decoderBlock() *sdk.Block {
	return &sdk.Block{
		Attributes: map[string]*sdk.Attribute{
			"name":    {Type: cty.String, Required: true},
			"port":    {Type: cty.Number, Optional: true},
			"command": {Type: cty.List(cty.String), Optional: true},
			"id":      {Type: cty.String, Computed: true},
		},
		BlockTypes: map[string]*sdk.NestedBlock{
			"health": {Nesting: sdk.NestingSingle, Block: sdk.Block{Attributes: map[string]*sdk.Attribute{
				"path": {Type: cty.String, Optional: true},
			}}},
			"rule": {Nesting: sdk.NestingList, MaxItems: 2, Block: sdk.Block{Attributes: map[string]*sdk.Attribute{
				"port": {Type: cty.Number, Required: true},
			}}},
			"zone": {Nesting: sdk.NestingSet, Block: sdk.Block{Attributes: map[string]*sdk.Attribute{
				"name": {Type: cty.String, Required: true},
			}}},
			"tag": {Nesting: sdk.NestingMap, Block: sdk.Block{Attributes: map[string]*sdk.Attribute{
				"value": {Type: cty.String, Required: true},
			}}},
		},
	}
}

func decodeHCL(t *testing.T, b *sdk.Block, src string) (cty.Value, hcl.Diagnostics) {
	t.Helper()
	f, diags := hclsyntax.ParseConfig([]byte(src), "main.tack.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("parsing: %s", diags.Error())
	}
	return hcldec.Decode(f.Body, b.DecoderSpec(), nil)
}

func TestDecoderSpec(t *testing.T) {
	t.Parallel()
	b := decoderBlock()
	got, diags := decodeHCL(t, b, `
name    = "web"
port    = 8080
command = ["bin/api", "--port", "8080"]

health {
  path = "/healthz"
}

rule { port = 80 }
rule { port = 443 }

zone { name = "a" }
zone { name = "b" }

tag "env" { value = "prod" }
tag "team" { value = "edge" }
`)
	if diags.HasErrors() {
		t.Fatalf("decoding: %s", diags.Error())
	}
	obj := func(name string, v cty.Value) cty.Value { return cty.ObjectVal(map[string]cty.Value{name: v}) }
	want := cty.ObjectVal(map[string]cty.Value{
		"name":    cty.StringVal("web"),
		"port":    cty.NumberIntVal(8080),
		"command": cty.ListVal([]cty.Value{cty.StringVal("bin/api"), cty.StringVal("--port"), cty.StringVal("8080")}),
		"id":      cty.NullVal(cty.String),
		"health":  obj("path", cty.StringVal("/healthz")),
		"rule":    cty.ListVal([]cty.Value{obj("port", cty.NumberIntVal(80)), obj("port", cty.NumberIntVal(443))}),
		"zone":    cty.SetVal([]cty.Value{obj("name", cty.StringVal("a")), obj("name", cty.StringVal("b"))}),
		"tag":     cty.MapVal(map[string]cty.Value{"env": obj("value", cty.StringVal("prod")), "team": obj("value", cty.StringVal("edge"))}),
	})
	if diff := cmp.Diff(want, got, sdk.CmpOptions); diff != "" {
		t.Errorf("decoded (-want +got):\n%s", diff)
	}
	if !got.Type().Equals(b.ImpliedType()) {
		t.Errorf("decoded type %#v is not ImpliedType %#v", got.Type(), b.ImpliedType())
	}
}

// A mistake in a body decoded with the spec is a diagnostic on the line
// the user wrote, which is what lets the core point at it.
func TestDecoderSpecDiagnostics(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		src         string
		wantSummary string
		wantLine    int
	}{
		{"a misspelt attribute", "name = \"web\"\nprot = 80\n", "Unsupported argument", 2},
		{"a missing required attribute", "port = 80\n", "Missing required argument", 1},
		{"a missing required attribute in a nested block", "name = \"web\"\n\nrule {}\n", "Missing required argument", 3},
		{"more blocks than max items", "name = \"web\"\nrule { port = 1 }\nrule { port = 2 }\nrule { port = 3 }\n", "Too many rule blocks", 4},
		{"a value of the wrong type", "name = \"web\"\nport = \"eighty\"\n", "Incorrect attribute value type", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, diags := decodeHCL(t, decoderBlock(), tt.src)
			if len(diags) != 1 {
				t.Fatalf("got %d diagnostics, want 1: %s", len(diags), diags.Error())
			}
			d := diags[0]
			if d.Severity != hcl.DiagError || d.Summary != tt.wantSummary || d.Subject == nil || d.Subject.Start.Line != tt.wantLine {
				t.Errorf("diagnostic %q at %v; want an error %q on line %d", d.Summary, d.Subject, tt.wantSummary, tt.wantLine)
			}
		})
	}
}

func TestFormatPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		path cty.Path
		want string
	}{
		{"empty", nil, ""},
		{"attribute", cty.GetAttrPath("name"), "name"},
		{"nested attribute", cty.GetAttrPath("health_check").GetAttr("path"), "health_check.path"},
		{"attribute, index and key", cty.GetAttrPath("a").GetAttr("b").IndexInt(0).IndexString("k"), `a.b[0]["k"]`},
		{"index then attribute", cty.GetAttrPath("rule").IndexInt(12).GetAttr("port"), "rule[12].port"},
		{"key with a quote", cty.GetAttrPath("tags").IndexString(`say "hi"`), `tags["say \"hi\""]`},
		{"leading index", cty.IndexIntPath(1).GetAttr("a"), "[1].a"},
		{"unknown key", cty.GetAttrPath("tags").Index(cty.UnknownVal(cty.String)), "tags[?]"},
		{"bool key", cty.GetAttrPath("s").Index(cty.True), "s[?]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := sdk.FormatPath(tt.path); got != tt.want {
				t.Errorf("FormatPath = %q, want %q", got, tt.want)
			}
		})
	}
}
