package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/dynblock"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/config/addrs"
	"github.com/tackhq/tack/plugins/sdk"
)

// valuesData answers with fixed values, as the planner does from what it
// has planned so far.
type valuesData map[string]cty.Value

func (d valuesData) Value(addr addrs.Referenceable, rng hcl.Range) (cty.Value, hcl.Diagnostics) {
	v, ok := d[addr.String()]
	if !ok {
		return cty.DynamicVal, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "No value for " + addr.String(), Subject: rng.Ptr()}}
	}
	return v, nil
}

func parseExpr(t *testing.T, src string) hcl.Expression {
	t.Helper()
	expr, diags := hclsyntax.ParseExpression([]byte(src), "test.tack.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("parsing %s: %s", src, diags.Error())
	}
	return expr
}

func parseBody(t *testing.T, src string) hcl.Body {
	t.Helper()
	f, diags := hclsyntax.ParseConfig([]byte(src), "test.tack.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("parsing body: %s", diags.Error())
	}
	return f.Body
}

func testScope(t *testing.T) *Scope {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "greeting.txt"), []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	return &Scope{
		Data: valuesData{
			"var.region":          cty.StringVal("eu-west-1"),
			"var.password":        cty.StringVal("hunter2").Mark(Sensitive),
			"local.names":         cty.ListVal([]cty.Value{cty.StringVal("a"), cty.StringVal("b")}),
			"local_file.a":        cty.TupleVal([]cty.Value{cty.ObjectVal(map[string]cty.Value{"path": cty.StringVal("a0")})}),
			"data.local_file.cfg": cty.ObjectVal(map[string]cty.Value{"content": cty.StringVal("cfg")}),
			"module.net":          cty.ObjectVal(map[string]cty.Value{"vpc": cty.StringVal("vpc-1")}),
			"cluster.api-prod":    cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal("api-prod")}),
			"local.later":         cty.UnknownVal(cty.Number),
			"local.secret_count":  cty.NumberIntVal(2).Mark(Sensitive),
		},
		ModuleDir: dir,
		RootDir:   dir,
	}
}

func TestEvalExpr(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src  string
		want cty.Value
	}{
		{`"${var.region}-x"`, cty.StringVal("eu-west-1-x")},
		{`join(",", local.names)`, cty.StringVal("a,b")},
		{`local_file.a[0].path`, cty.StringVal("a0")},
		{`data.local_file.cfg.content`, cty.StringVal("cfg")},
		{`module.net.vpc`, cty.StringVal("vpc-1")},
		{`cluster.api-prod.name`, cty.StringVal("api-prod")},
		{`file("greeting.txt")`, cty.StringVal("hello")},
		{`try(local_file.a[5].path, "none")`, cty.StringVal("none")},
		{`can(local_file.a[5])`, cty.False},
		{`local.later + 1`, cty.UnknownVal(cty.Number).RefineNotNull()},
		// A sensitive input makes whatever is derived from it sensitive.
		{`upper(var.password)`, cty.StringVal("HUNTER2").Mark(Sensitive)},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			got, diags := testScope(t).EvalExpr(parseExpr(t, tt.src), cty.DynamicPseudoType)
			if diags.HasErrors() {
				t.Fatalf("EvalExpr: %s", diags.Error())
			}
			if !got.RawEquals(tt.want) {
				t.Errorf("EvalExpr(%s) = %#v, want %#v", tt.src, got, tt.want)
			}
		})
	}
}

func TestEvalExprPathAndInstance(t *testing.T) {
	t.Parallel()
	s := testScope(t)
	s.Count = cty.NumberIntVal(3)
	s.EachKey, s.EachValue = cty.StringVal("k"), cty.StringVal("v")
	got, diags := s.EvalExpr(parseExpr(t, `"${path.module == path.root}:${count.index}:${each.key}=${each.value}"`), cty.String)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if want := cty.StringVal("true:3:k=v"); !got.RawEquals(want) {
		t.Errorf("got %#v, want %#v", got, want)
	}

	// The same references outside an instance are diagnostics at their place.
	_, diags = testScope(t).EvalExpr(parseExpr(t, `count.index + 1`), cty.Number)
	if !diags.HasErrors() || diags[0].Summary != "Reference to count.index out of place" || diags[0].Subject.Start.Column != 1 {
		t.Errorf("count.index without count: got %v", diags)
	}
}

func TestEvalExprErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src, want string
		ty        cty.Type
	}{
		{`file("../outside.txt")`, "outside", cty.DynamicPseudoType},
		{`file("missing.txt")`, "missing.txt", cty.DynamicPseudoType},
		{`local.names`, "string required, but have list of string", cty.String},
		{`upper(local.names)`, "string required", cty.DynamicPseudoType},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			_, diags := testScope(t).EvalExpr(parseExpr(t, tt.src), tt.ty)
			if !diags.HasErrors() {
				t.Fatalf("EvalExpr(%s) succeeded, want an error", tt.src)
			}
			if !strings.Contains(diags.Error(), tt.want) {
				t.Errorf("EvalExpr(%s): %s, want it to mention %q", tt.src, diags.Error(), tt.want)
			}
			if diags[0].Subject == nil {
				t.Errorf("EvalExpr(%s): the diagnostic has no place in the file", tt.src)
			}
		})
	}
}

func TestPureScopeLeavesImpureFunctionsUnknown(t *testing.T) {
	t.Parallel()
	s := testScope(t)
	got, diags := s.EvalExpr(parseExpr(t, `uuid()`), cty.String)
	if diags.HasErrors() || !got.IsKnown() || len(got.AsString()) != 36 {
		t.Errorf("uuid() in an impure scope = %#v %v, want a known UUID", got, diags)
	}
	s.Pure = true
	got, diags = s.EvalExpr(parseExpr(t, `uuid()`), cty.String)
	if diags.HasErrors() || got.IsKnown() {
		t.Errorf("uuid() in a pure scope = %#v %v, want unknown", got, diags)
	}
}

func TestEvalCount(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src     string
		want    int
		wantErr string
	}{
		{`2`, 2, ""},
		{`length(local.names)`, 2, ""},
		{`0`, 0, ""},
		{`-1`, 0, "cannot be negative"},
		{`1.5`, 0, "whole number"},
		{`null`, 0, "null"},
		{`local.later`, 0, "only known after apply"},
		{`local.secret_count`, 0, "Sensitive"},
		{`"two"`, 0, "number is required"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			got, diags := testScope(t).EvalCount(parseExpr(t, tt.src))
			checkEvalErr(t, diags, tt.wantErr)
			if got != tt.want {
				t.Errorf("EvalCount(%s) = %d, want %d", tt.src, got, tt.want)
			}
		})
	}
}

func TestEvalForEach(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src     string
		want    map[string]cty.Value
		wantErr string
	}{
		{`{a = 1, b = "x"}`, map[string]cty.Value{"a": cty.NumberIntVal(1), "b": cty.StringVal("x")}, ""},
		{`toset(local.names)`, map[string]cty.Value{"a": cty.StringVal("a"), "b": cty.StringVal("b")}, ""},
		{`{}`, map[string]cty.Value{}, ""},
		// Sensitive elements are allowed: only the keys are shown.
		{`{a = var.password}`, map[string]cty.Value{"a": cty.StringVal("hunter2").Mark(Sensitive)}, ""},
		{`local.names`, nil, "toset()"},
		{`toset([1, 2])`, nil, "toset()"},
		{`null`, nil, "null"},
		{`{a = 1, b = local.later}`, map[string]cty.Value{"a": cty.NumberIntVal(1), "b": cty.UnknownVal(cty.Number)}, ""},
		{`local.later > 1 ? {a = 1} : {b = 2}`, nil, "only known after apply"},
		{`toset([var.password])`, nil, "Sensitive"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			got, diags := testScope(t).EvalForEach(parseExpr(t, tt.src))
			checkEvalErr(t, diags, tt.wantErr)
			if diff := cmp.Diff(tt.want, got, cmp.Comparer(func(a, b cty.Value) bool { return a.RawEquals(b) })); diff != "" {
				t.Errorf("EvalForEach(%s) (-want +got):\n%s", tt.src, diff)
			}
		})
	}
}

func checkEvalErr(t *testing.T, diags hcl.Diagnostics, want string) {
	t.Helper()
	if want == "" {
		if diags.HasErrors() {
			t.Fatalf("unexpected error: %s", diags.Error())
		}
		return
	}
	if !diags.HasErrors() || !strings.Contains(diags.Error(), want) {
		t.Fatalf("got %v, want an error mentioning %q", diags, want)
	}
	if diags[0].Subject == nil {
		t.Errorf("the diagnostic has no place in the file: %s", diags.Error())
	}
}

// ruleSchema is a provider block with nested blocks, to exercise dynamic
// blocks.
var ruleSchema = &sdk.Block{
	Attributes: map[string]*sdk.Attribute{"name": {Type: cty.String, Required: true}},
	BlockTypes: map[string]*sdk.NestedBlock{
		"rule": {Nesting: sdk.NestingList, MaxItems: 3, Block: sdk.Block{Attributes: map[string]*sdk.Attribute{
			"port": {Type: cty.Number, Required: true},
			"note": {Type: cty.String, Optional: true},
		}}},
	},
}

func TestEvalBlockDynamic(t *testing.T) {
	t.Parallel()
	body := parseBody(t, `
name = var.region
rule {
  port = 22
}
dynamic "rule" {
  for_each = toset(local.names)
  iterator = r
  content {
    port = 80
    note = "${r.key}@${var.region}"
  }
}
`)
	refs, diags := BodyReferences(body, ruleSchema)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	var names []string
	for _, r := range refs {
		names = append(names, r.Subject.String())
	}
	// The iterator r is the dynamic block's own, not a reference.
	if diff := cmp.Diff([]string{"var.region", "local.names", "var.region"}, names); diff != "" {
		t.Errorf("BodyReferences (-want +got):\n%s", diff)
	}

	got, diags := testScope(t).EvalBlock(body, ruleSchema)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	rule := func(port int64, note cty.Value) cty.Value {
		return cty.ObjectVal(map[string]cty.Value{"port": cty.NumberIntVal(port), "note": note})
	}
	want := cty.ObjectVal(map[string]cty.Value{
		"name": cty.StringVal("eu-west-1"),
		"rule": cty.ListVal([]cty.Value{
			rule(22, cty.NullVal(cty.String)),
			rule(80, cty.StringVal("a@eu-west-1")),
			rule(80, cty.StringVal("b@eu-west-1")),
		}),
	})
	if !got.RawEquals(want) {
		t.Errorf("EvalBlock =\n%#v\nwant\n%#v", got, want)
	}
}

func TestEvalBlockErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src, want string
		line            int
	}{
		{"unknown argument", "name = \"x\"\nrule {\n  port = 1\n  ntoe = \"x\"\n}\n", `Did you mean "note"?`, 4},
		{"wrong type", "name = \"x\"\nrule { port = \"http\" }\n", "number is required", 2},
		{"missing required", "rule { port = 1 }\n", `"name" is required`, 1},
		{"too many blocks", "name = \"x\"\ndynamic \"rule\" {\n  for_each = [1, 2, 3, 4]\n  content { port = rule.value }\n}\n", "No more than 3", 4},
		{"dynamic of an unknown block type", "name = \"x\"\ndynamic \"rules\" {\n  for_each = [1]\n  content {}\n}\n", "rules", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, diags := testScope(t).EvalBlock(parseBody(t, tt.src), ruleSchema)
			if !diags.HasErrors() || !strings.Contains(diags.Error(), tt.want) {
				t.Fatalf("got %v, want an error mentioning %q", diags, tt.want)
			}
			if diags[0].Subject == nil || diags[0].Subject.Start.Line != tt.line {
				t.Errorf("diagnostic at %v, want line %d", diags[0].Subject, tt.line)
			}
		})
	}
}

// evalBlockViaDynblock is EvalBlock as HCL's extensions do it for any
// body: references through dynblock's walk, decoding the expanded body.
func evalBlockViaDynblock(s *Scope, body hcl.Body, schema *sdk.Block) (cty.Value, hcl.Diagnostics) {
	spec := schema.DecoderSpec()
	refs, diags := traversalReferences(dynblock.VariablesHCLDec(body, spec))
	ctx, cdiags := s.EvalContext(refs)
	if diags = append(diags, cdiags...); diags.HasErrors() {
		return cty.UnknownVal(hcldec.ImpliedType(spec)), diags
	}
	v, vdiags := hcldec.Decode(dynblock.Expand(body, ctx), spec, ctx)
	if diags = append(diags, vdiags...); vdiags.HasErrors() {
		return cty.UnknownVal(hcldec.ImpliedType(spec)), diags
	}
	return v, diags
}

// A body of attributes only is evaluated without dynblock, to the same
// value and the same diagnostics as through it, including a body whose
// meta-arguments an earlier PartialContent took.
func TestEvalBlockAttributesOnly(t *testing.T) {
	t.Parallel()
	schema := &sdk.Block{Attributes: map[string]*sdk.Attribute{
		"name":   {Type: cty.String, Required: true},
		"port":   {Type: cty.Number, Optional: true},
		"secret": {Type: cty.String, Optional: true},
	}}
	schema.Freeze()
	metaArgs := &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "count"}}}
	for _, tc := range []struct {
		name, src string
		// partial takes the meta-arguments first, as decoding a resource
		// does.
		partial bool
	}{
		{"references", "name = \"${var.region}-${local.names[0]}\"\nport = 8080\nsecret = var.password\n", false},
		{"unknown value", "name = \"x\"\nport = local.later\n", false},
		{"unknown argument", "name = \"x\"\nprot = 1\n", false},
		{"missing required", "port = 1\n", false},
		{"wrong type", "name = \"x\"\nport = \"http\"\n", false},
		{"reference without a value", "name = var.nowhere\n", false},
		{"meta-argument taken", "count = var.nowhere\nname = var.region\n", true},
	} {
		body := parseBody(t, tc.src)
		if tc.partial {
			_, rest, diags := body.PartialContent(metaArgs)
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			body = rest
		}
		if _, ok := attributesOnly(body, schema); !ok {
			t.Errorf("%s: not taken as attributes only", tc.name)
		}
		s := testScope(t)
		got, gotDiags := s.EvalBlock(body, schema)
		want, wantDiags := evalBlockViaDynblock(s, body, schema)
		if !got.RawEquals(want) {
			t.Errorf("%s: EvalBlock = %#v, want %#v", tc.name, got, want)
		}
		diag := func(d *hcl.Diagnostic) string {
			return fmt.Sprintf("%v %s: %s at %v", d.Severity, d.Summary, d.Detail, d.Subject)
		}
		var gotText, wantText []string
		for _, d := range gotDiags {
			gotText = append(gotText, diag(d))
		}
		for _, d := range wantDiags {
			wantText = append(wantText, diag(d))
		}
		if diff := cmp.Diff(wantText, gotText); diff != "" {
			t.Errorf("%s: diagnostics (-via dynblock +EvalBlock):\n%s", tc.name, diff)
		}
	}
}
