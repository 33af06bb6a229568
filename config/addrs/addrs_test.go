package addrs

import (
	"fmt"
	"math/rand"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

func TestString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr fmt.Stringer
		want string
	}{
		{RootModule, ""},
		{Module{"net", "db"}, "module.net.module.db"},
		{RootModuleInstance, ""},
		{ModuleInstance{{Name: "net"}}, "module.net"},
		{ModuleInstance{{Name: "net", Key: StringKey("a")}, {Name: "db", Key: IntKey(0)}}, `module.net["a"].module.db[0]`},
		{IntKey(0), "[0]"},
		{StringKey("a"), `["a"]`},
		{StringKey(`say "hi" \ ${x} %{y} $ % 50%`), `["say \"hi\" \\ $${x} %%{y} $ % 50%"]`},
		{StringKey("tab\tnl\ncr\r\x00"), `["tab\tnl\ncr\r\u0000"]`},
		{Resource{ManagedResourceMode, "aws_lb", "web"}, "aws_lb.web"},
		{Resource{DataResourceMode, "aws_ami", "ubuntu"}, "data.aws_ami.ubuntu"},
		{Resource{ManagedResourceMode, "aws_lb", "web"}.Instance(IntKey(0)), "aws_lb.web[0]"},
		{Resource{ManagedResourceMode, "aws_lb", "web"}.Instance(NoKey), "aws_lb.web"},
		{Resource{ManagedResourceMode, "aws_lb", "web"}.Instance(IntKey(0)).Absolute(ModuleInstance{{Name: "net"}}), "module.net.aws_lb.web[0]"},
		{Resource{DataResourceMode, "aws_ami", "ubuntu"}.Instance(StringKey("x")).Absolute(ModuleInstance{{Name: "net", Key: IntKey(2)}}), `module.net[2].data.aws_ami.ubuntu["x"]`},
		{ConfigResource{Module{"net"}, Resource{ManagedResourceMode, "aws_lb", "web"}}, "module.net.aws_lb.web"},
		{ConfigResource{nil, Resource{DataResourceMode, "aws_ami", "ubuntu"}}, "data.aws_ami.ubuntu"},
		{Cluster{"api-prod"}, "cluster.api-prod"},
		{Application{"api"}, "application.api"},
		{DeliveryPolicy{"safe"}, "delivery_policy.safe"},
		{Environment{"prod"}, "environment.prod"},
		{Guardrail{"prod-keeps-two"}, "guardrail.prod-keeps-two"},
		{InputVariable{"x"}, "var.x"},
		{LocalValue{"x"}, "local.x"},
		{OutputValue{"x"}, "output.x"},
		{ModuleCall{"x"}, "module.x"},
		{ModuleCallOutput{ModuleCall{"net"}, "vpc_id"}, "module.net.vpc_id"},
		{PathAttr{"module"}, "path.module"},
		{PathAttr{"root"}, "path.root"},
		{CountAttr{}, "count.index"},
		{ForEachAttr{"key"}, "each.key"},
		{ForEachAttr{"value"}, "each.value"},
		{Self{}, "self"},
		{ProviderConfig{Type: "aws"}, "aws"},
		{ProviderConfig{Type: "aws", Alias: "west"}, "aws.west"},
		{ManagedResourceMode, "ManagedResourceMode"},
		{DataResourceMode, "DataResourceMode"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, tt.addr.String()); diff != "" {
				t.Errorf("%#v.String() (-want +got):\n%s", tt.addr, diff)
			}
		})
	}
}

// exprTraversal parses src as an HCL expression and returns its traversal,
// the way the config loader finds references.
func exprTraversal(t *testing.T, src string) hcl.Traversal {
	t.Helper()
	expr, diags := hclsyntax.ParseExpression([]byte(src), "main.tack.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("parsing %q: %s", src, diags.Error())
	}
	tr, diags := hcl.AbsTraversalForExpr(expr)
	if diags.HasErrors() {
		t.Fatalf("traversal of %q: %s", src, diags.Error())
	}
	return tr
}

// cols is the start and end column (1-based, end exclusive) of a range on
// line one.
type cols struct{ Start, End int }

func colsOf(r hcl.Range) cols { return cols{r.Start.Column, r.End.Column} }

func TestParseRef(t *testing.T) {
	t.Parallel()
	lb := Resource{ManagedResourceMode, "aws_lb", "web"}
	ami := Resource{DataResourceMode, "aws_ami", "ubuntu"}
	tests := []struct {
		src       string
		want      Referenceable
		wantRange cols
		wantRest  string // the remaining steps, as written
	}{
		{"var.region", InputVariable{"region"}, cols{1, 11}, ""},
		{"var.tags.team", InputVariable{"tags"}, cols{1, 9}, ".team"},
		{"local.tags", LocalValue{"tags"}, cols{1, 11}, ""},
		{"module.net", ModuleCall{"net"}, cols{1, 11}, ""},
		{"module.net.vpc_id", ModuleCallOutput{ModuleCall{"net"}, "vpc_id"}, cols{1, 18}, ""},
		{"module.net.subnets[0]", ModuleCallOutput{ModuleCall{"net"}, "subnets"}, cols{1, 19}, "[0]"},
		{`module.net["a"].vpc_id`, ModuleCall{"net"}, cols{1, 11}, `["a"].vpc_id`},
		{"data.aws_ami.ubuntu", ami, cols{1, 20}, ""},
		{"data.aws_ami.ubuntu.id", ami, cols{1, 20}, ".id"},
		{`data.aws_ami.ubuntu["x"].id`, ami.Instance(StringKey("x")), cols{1, 25}, ".id"},
		{"aws_lb.web", lb, cols{1, 11}, ""},
		{"aws_lb.web.arn", lb, cols{1, 11}, ".arn"},
		{"aws_lb.web[0]", lb.Instance(IntKey(0)), cols{1, 14}, ""},
		{"aws_lb.web[3].arn", lb.Instance(IntKey(3)), cols{1, 14}, ".arn"},
		{`aws_lb.web["a b"].arn`, lb.Instance(StringKey("a b")), cols{1, 18}, ".arn"},
		{"aws_lb.web.0", lb.Instance(IntKey(0)), cols{1, 13}, ""},
		{"cluster.api-prod", Cluster{"api-prod"}, cols{1, 17}, ""},
		{"cluster.api-prod.capacity.min", Cluster{"api-prod"}, cols{1, 17}, ".capacity.min"},
		{"application.api", Application{"api"}, cols{1, 16}, ""},
		{"delivery_policy.safe", DeliveryPolicy{"safe"}, cols{1, 21}, ""},
		{"environment.prod", Environment{"prod"}, cols{1, 17}, ""},
		{"guardrail.prod-keeps-two", Guardrail{"prod-keeps-two"}, cols{1, 25}, ""},
		{"path.module", PathAttr{"module"}, cols{1, 12}, ""},
		{"path.root", PathAttr{"root"}, cols{1, 10}, ""},
		{"path.cwd", PathAttr{"cwd"}, cols{1, 9}, ""},
		{"count.index", CountAttr{}, cols{1, 12}, ""},
		{"each.key", ForEachAttr{"key"}, cols{1, 9}, ""},
		{"each.value.port", ForEachAttr{"value"}, cols{1, 11}, ".port"},
		{"self", Self{}, cols{1, 5}, ""},
		{"self.private_ip", Self{}, cols{1, 5}, ".private_ip"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			ref, diags := ParseRef(exprTraversal(t, tt.src))
			if diags.HasErrors() {
				t.Fatalf("ParseRef(%s): %s", tt.src, diags.Error())
			}
			if diff := cmp.Diff(tt.want, ref.Subject); diff != "" {
				t.Errorf("Subject (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantRange, colsOf(ref.SourceRange)); diff != "" {
				t.Errorf("SourceRange (-want +got):\n%s", diff)
			}
			if ref.SourceRange.Filename != "main.tack.hcl" {
				t.Errorf("SourceRange.Filename = %q, want main.tack.hcl", ref.SourceRange.Filename)
			}
			gotRest := ""
			if len(ref.Remaining) > 0 {
				gotRest = tt.src[ref.Remaining.SourceRange().Start.Byte:]
			}
			if diff := cmp.Diff(tt.wantRest, gotRest); diff != "" {
				t.Errorf("Remaining (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseRefErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src         string
		wantSummary string
		wantSubject cols
		wantDetail  string // a fragment of the advice
	}{
		{"var", "Invalid reference", cols{1, 4}, "Write var.NAME"},
		{"var.1", "Invalid reference", cols{4, 6}, "Write var.NAME"},
		{`var["x"]`, "Invalid reference", cols{4, 9}, "not an index"},
		{"local", "Invalid reference", cols{1, 6}, "Write local.NAME"},
		{"cluster", "Invalid reference", cols{1, 8}, "cluster.api-prod"},
		{"cluster[0]", "Invalid reference", cols{8, 11}, "Write cluster.NAME"},
		{"application", "Invalid reference", cols{1, 12}, "application.api"},
		{"delivery_policy", "Invalid reference", cols{1, 16}, "delivery_policy.safe"},
		{"environment", "Invalid reference", cols{1, 12}, "environment.prod"},
		{"guardrail", "Invalid reference", cols{1, 10}, "guardrail.prod-keeps-two"},
		{"module", "Invalid module reference", cols{1, 7}, "module.NAME.OUTPUT"},
		{"module[0]", "Invalid module reference", cols{7, 10}, "not an index"},
		{"count", "Invalid count attribute", cols{1, 6}, "count.index"},
		{"count.foo", "Invalid count attribute", cols{6, 10}, `no attribute "foo"`},
		{"count[0]", "Invalid count attribute", cols{6, 9}, "count.index"},
		{"each", "Invalid each attribute", cols{1, 5}, "each.key"},
		{"each.item", "Invalid each attribute", cols{5, 10}, `no attribute "item"`},
		{"path", "Invalid path attribute", cols{1, 5}, "path.module"},
		{"path.nope", "Invalid path attribute", cols{5, 10}, `no attribute "nope"`},
		{"data", "Invalid data resource reference", cols{1, 5}, "data.TYPE.NAME"},
		{"data.aws_ami", "Invalid data resource reference", cols{1, 13}, "data.aws_ami.NAME"},
		{"data[0]", "Invalid data resource reference", cols{5, 8}, "not an index"},
		{"data.aws_ami[0]", "Invalid data resource reference", cols{13, 16}, "data.aws_ami.ubuntu[0]"},
		{"aws_lb", "Invalid reference", cols{1, 7}, "aws_lb.NAME"},
		{"aws_lb[0]", "Invalid resource reference", cols{7, 10}, "aws_lb.web[0]"},
		{"aws_lb.web[1.5]", "Invalid index", cols{11, 16}, "whole number"},
		{"aws_lb.web[true]", "Invalid index", cols{11, 17}, "not a bool"},
		{"aws_lb.web[99999999999999999999]", "Invalid index", cols{11, 33}, "whole number"},
		{"data.aws_ami.ubuntu[null]", "Invalid index", cols{20, 26}, "whole number"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			ref, diags := ParseRef(exprTraversal(t, tt.src))
			if ref != nil {
				t.Errorf("ParseRef(%s) = %v, want nil", tt.src, ref.Subject)
			}
			if len(diags) != 1 {
				t.Fatalf("got %d diagnostics, want 1: %s", len(diags), diags.Error())
			}
			checkDiag(t, diags[0], tt.wantSummary, tt.wantSubject, tt.wantDetail)
		})
	}
}

func checkDiag(t *testing.T, d *hcl.Diagnostic, summary string, subject cols, detail string) {
	t.Helper()
	if d.Severity != hcl.DiagError {
		t.Errorf("Severity = %v, want error", d.Severity)
	}
	if diff := cmp.Diff(summary, d.Summary); diff != "" {
		t.Errorf("Summary (-want +got):\n%s", diff)
	}
	if d.Subject == nil {
		t.Fatalf("Subject is nil")
	}
	if diff := cmp.Diff(subject, colsOf(*d.Subject)); diff != "" {
		t.Errorf("Subject (-want +got):\n%s", diff)
	}
	if !strings.Contains(d.Detail, detail) {
		t.Errorf("Detail %q does not contain %q", d.Detail, detail)
	}
	if !strings.HasSuffix(d.Detail, ".") {
		t.Errorf("Detail %q is not whole sentences", d.Detail)
	}
}

// Every Referenceable prints as the reference that parses back to it.
func TestReferenceableRoundTrip(t *testing.T) {
	t.Parallel()
	lb := Resource{ManagedResourceMode, "aws_lb", "web"}
	tests := []Referenceable{
		InputVariable{"region"},
		LocalValue{"tags"},
		ModuleCall{"net"},
		ModuleCallOutput{ModuleCall{"net"}, "vpc_id"},
		lb,
		Resource{DataResourceMode, "aws_ami", "ubuntu"},
		lb.Instance(IntKey(7)),
		lb.Instance(StringKey(`we"ird ${x}`)),
		Cluster{"api-prod"},
		Application{"api"},
		DeliveryPolicy{"safe"},
		Environment{"prod"},
		Guardrail{"prod-keeps-two"},
		PathAttr{"module"},
		CountAttr{},
		ForEachAttr{"value"},
		Self{},
	}
	for _, want := range tests {
		t.Run(want.String(), func(t *testing.T) {
			t.Parallel()
			ref, diags := ParseRef(exprTraversal(t, want.String()))
			if diags.HasErrors() {
				t.Fatalf("ParseRef(%s): %s", want, diags.Error())
			}
			if diff := cmp.Diff(want, ref.Subject); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
			if len(ref.Remaining) != 0 {
				t.Errorf("Remaining = %#v, want none", ref.Remaining)
			}
		})
	}
}

func TestAbsResourceInstanceRoundTrip(t *testing.T) {
	t.Parallel()
	lb := Resource{ManagedResourceMode, "aws_lb", "web"}
	ami := Resource{DataResourceMode, "aws_ami", "ubuntu"}
	tests := []AbsResourceInstance{
		lb.Instance(NoKey).Absolute(nil),
		lb.Instance(IntKey(0)).Absolute(nil),
		lb.Instance(StringKey("a")).Absolute(nil),
		ami.Instance(NoKey).Absolute(nil),
		lb.Instance(IntKey(12)).Absolute(ModuleInstance{{Name: "net"}}),
		ami.Instance(StringKey("x")).Absolute(ModuleInstance{{Name: "net", Key: StringKey("a")}, {Name: "db", Key: IntKey(0)}}),
		lb.Instance(StringKey("tab\t\"q\" \\ ${x} %{y} é ☃ \u200b")).Absolute(ModuleInstance{{Name: "m-1", Key: StringKey("")}}),
		Resource{ManagedResourceMode, "data_thing", "module"}.Instance(NoKey).Absolute(nil),
	}
	for _, want := range tests {
		t.Run(want.String(), func(t *testing.T) {
			t.Parallel()
			got, diags := ParseAbsResourceInstanceStr(want.String())
			if diags.HasErrors() {
				t.Fatalf("ParseAbsResourceInstanceStr(%s): %s", want, diags.Error())
			}
			if !got.Equal(want) {
				t.Errorf("round trip of %s gave %s\n%s", want, got, cmp.Diff(want, got))
			}
			if !got.ConfigResource().Equal(want.ConfigResource()) {
				t.Errorf("ConfigResource() = %s, want %s", got.ConfigResource(), want.ConfigResource())
			}
			mod, diags := ParseModuleInstanceStr(want.Module.String())
			if diags.HasErrors() {
				t.Fatalf("ParseModuleInstanceStr(%q): %s", want.Module, diags.Error())
			}
			if !mod.Equal(want.Module) {
				t.Errorf("module round trip of %q gave %q", want.Module, mod)
			}
		})
	}
}

func TestAbsResourceRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []AbsResource{
		Resource{ManagedResourceMode, "aws_lb", "web"}.Absolute(nil),
		Resource{DataResourceMode, "aws_ami", "ubuntu"}.Absolute(ModuleInstance{{Name: "net", Key: StringKey("a")}}),
	}
	for _, want := range tests {
		got, diags := ParseAbsResourceStr(want.String())
		if diags.HasErrors() {
			t.Fatalf("ParseAbsResourceStr(%s): %s", want, diags.Error())
		}
		if !got.Equal(want) {
			t.Errorf("round trip of %s gave %s", want, got)
		}
		if inst := want.Instance(IntKey(2)); !inst.ContainingResource().Equal(want) {
			t.Errorf("%s.ContainingResource() = %s, want %s", inst, inst.ContainingResource(), want)
		}
	}
	if _, diags := ParseAbsResourceStr("aws_lb.web[0]"); !diags.HasErrors() || !strings.Contains(diags[0].Detail, "as in aws_lb.web.") {
		t.Errorf("ParseAbsResourceStr of an instance: got %v, want an error suggesting aws_lb.web", diags)
	}
}

func TestParseAbsResourceInstanceStrErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src         string
		wantSummary string
		wantSubject cols
		wantDetail  string
	}{
		{"module.net", "Resource address required", cols{1, 11}, "module.net.aws_lb.web"},
		{"module", "Invalid module address", cols{1, 7}, "module.net"},
		{"module[0]", "Invalid module address", cols{7, 10}, "not by an index"},
		{"aws_lb", "Invalid resource address", cols{1, 7}, "aws_lb.web"},
		{"data.aws_ami", "Invalid resource address", cols{1, 13}, "data.aws_ami.ubuntu"},
		{"aws_lb[0].web", "Invalid resource address", cols{7, 10}, "index can only follow the name"},
		{"aws_lb.web.arn", "Unexpected extra operators after address", cols{11, 15}, "expression"},
		{"aws_lb.web[0][1]", "Unexpected extra operators after address", cols{14, 17}, "aws_lb.web[0]"},
		{"module.net.aws_lb.web[1.5]", "Invalid index", cols{22, 27}, "whole number"},
		{"module.net[1.5].aws_lb.web", "Invalid index", cols{11, 16}, "whole number"},
		// Found by the fuzzer: printing this number in the message took 20s.
		{"aws_lb.web[1e10000000]", "Invalid index", cols{11, 23}, "largest int"},
		{"aws_lb.", "Attribute name required", cols{8, 8}, "attribute name"},
		{`aws_lb.web["${x}"]`, "Invalid string literal", cols{13, 15}, "double it"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			got, diags := ParseAbsResourceInstanceStr(tt.src)
			if !diags.HasErrors() {
				t.Fatalf("ParseAbsResourceInstanceStr(%s) = %s, want an error", tt.src, got)
			}
			checkDiag(t, diags[0], tt.wantSummary, tt.wantSubject, tt.wantDetail)
		})
	}
}

func TestModuleInstanceErrors(t *testing.T) {
	t.Parallel()
	_, diags := ParseModuleInstanceStr("module.net.aws_lb.web")
	if len(diags) != 1 {
		t.Fatalf("got %d diagnostics, want 1: %s", len(diags), diags.Error())
	}
	checkDiag(t, diags[0], "Unexpected extra operators after address", cols{11, 22}, "module.NAME")
}

func TestParseProviderConfig(t *testing.T) {
	t.Parallel()
	for _, want := range []ProviderConfig{{Type: "aws"}, {Type: "aws", Alias: "west"}, {Type: "local"}} {
		got, diags := ParseProviderConfig(exprTraversal(t, want.String()))
		if diags.HasErrors() {
			t.Fatalf("ParseProviderConfig(%s): %s", want, diags.Error())
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("round trip (-want +got):\n%s", diff)
		}
	}
	tests := []struct {
		src         string
		wantSubject cols
	}{
		{"aws.west.east", cols{9, 14}},
		{"aws[0]", cols{4, 7}},
		{"aws.west[0]", cols{9, 12}},
	}
	for _, tt := range tests {
		_, diags := ParseProviderConfig(exprTraversal(t, tt.src))
		if len(diags) != 1 {
			t.Fatalf("ParseProviderConfig(%s): got %d diagnostics, want 1", tt.src, len(diags))
		}
		checkDiag(t, diags[0], "Invalid provider reference", tt.wantSubject, "aws.west")
	}
}

func TestLess(t *testing.T) {
	t.Parallel()
	// In the order a plan lists them: module path first (root before
	// modules, a module before its children, keys NoKey < ints < strings),
	// then managed before data, then type, name and key.
	want := []string{
		"aws_lb.api",
		"aws_lb.web",
		"aws_lb.web[0]",
		"aws_lb.web[2]",
		"aws_lb.web[10]",
		`aws_lb.web["a"]`,
		`aws_lb.web["b"]`,
		"aws_sg.web",
		"data.aws_ami.ubuntu",
		"module.db.aws_lb.web",
		"module.net.aws_lb.web",
		"module.net[0].aws_lb.web",
		"module.net[1].aws_lb.web",
		`module.net["a"].aws_lb.web`,
		`module.net["a"].module.db.aws_lb.web`,
	}
	var addrs []AbsResourceInstance
	for _, s := range want {
		a, diags := ParseAbsResourceInstanceStr(s)
		if diags.HasErrors() {
			t.Fatalf("ParseAbsResourceInstanceStr(%s): %s", s, diags.Error())
		}
		addrs = append(addrs, a)
	}
	rand.New(rand.NewSource(1)).Shuffle(len(addrs), func(i, j int) { addrs[i], addrs[j] = addrs[j], addrs[i] })
	sort.Slice(addrs, func(i, j int) bool { return addrs[i].Less(addrs[j]) })
	var got []string
	for _, a := range addrs {
		got = append(got, a.String())
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("sorted order (-want +got):\n%s", diff)
	}
	for i := range addrs {
		if addrs[i].Less(addrs[i]) {
			t.Errorf("%s.Less(itself) = true", addrs[i])
		}
	}

	res := []Resource{
		{DataResourceMode, "a", "a"},
		{ManagedResourceMode, "b", "a"},
		{ManagedResourceMode, "a", "b"},
		{ManagedResourceMode, "a", "a"},
	}
	sort.Slice(res, func(i, j int) bool { return res[i].Less(res[j]) })
	wantRes := []Resource{
		{ManagedResourceMode, "a", "a"},
		{ManagedResourceMode, "a", "b"},
		{ManagedResourceMode, "b", "a"},
		{DataResourceMode, "a", "a"},
	}
	if diff := cmp.Diff(wantRes, res); diff != "" {
		t.Errorf("sorted resources (-want +got):\n%s", diff)
	}
}

func TestEqual(t *testing.T) {
	t.Parallel()
	a := ModuleInstance{{Name: "net", Key: IntKey(0)}}
	if a.Equal(ModuleInstance{{Name: "net", Key: StringKey("0")}}) {
		t.Errorf("IntKey(0) and StringKey(\"0\") are different instances")
	}
	if !RootModuleInstance.Equal(ModuleInstance{}) {
		t.Errorf("nil and empty ModuleInstance are both the root")
	}
	if (Module{"net"}).Equal(Module{"net", "db"}) {
		t.Errorf("module.net is not module.net.module.db")
	}
	if !a.Module().Equal(Module{"net"}) {
		t.Errorf("%s.Module() = %s", a, a.Module())
	}
}

// CmpOptions let a test compare whole References, Remaining included.
func TestCmpOptionsCompareReferences(t *testing.T) {
	t.Parallel()
	r1, _ := ParseRef(exprTraversal(t, `aws_lb.web[0].tags["x"]`))
	r2, _ := ParseRef(exprTraversal(t, `aws_lb.web[0].tags["x"]`))
	r3, _ := ParseRef(exprTraversal(t, `aws_lb.web[0].tags["y"]`))
	if diff := cmp.Diff(r1, r2, CmpOptions); diff != "" {
		t.Errorf("same reference differs:\n%s", diff)
	}
	if cmp.Equal(r1, r3, CmpOptions) {
		t.Errorf("references with different remaining keys compare equal")
	}
}
