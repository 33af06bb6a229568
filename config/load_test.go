package config

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/zclconf/go-cty/cty"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// loadFixture loads testdata/<name> as a module.
func loadFixture(t *testing.T, name string) (*Module, hcl.Diagnostics) {
	t.Helper()
	return NewParser().LoadModule(filepath.Join("testdata", name))
}

// renderDiags is the diagnostics as a reviewer reads them in a golden
// file: place, severity, summary and detail, one diagnostic a paragraph.
func renderDiags(diags hcl.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		sev := "error"
		if d.Severity == hcl.DiagWarning {
			sev = "warning"
		}
		place := "(no place)"
		if d.Subject != nil {
			place = fmt.Sprintf("%s:%d,%d-%d,%d", filepath.ToSlash(d.Subject.Filename), d.Subject.Start.Line, d.Subject.Start.Column, d.Subject.End.Line, d.Subject.End.Column)
		}
		fmt.Fprintf(&b, "%s: %s: %s\n  %s\n\n", place, sev, d.Summary, d.Detail)
	}
	return b.String()
}

// checkGolden compares the rendered diagnostics with dir's
// diagnostics.golden, rewriting it first under -update.
func checkGolden(t *testing.T, dir, got string) {
	t.Helper()
	golden := filepath.Join(dir, "diagnostics.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("reading the golden file (run go test ./config -update): %v", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("diagnostics (-want +got):\n%s", diff)
	}
}

// TestLoadErrors loads each testdata/load-<case> fixture of bad input and
// compares its diagnostics with the fixture's diagnostics.golden.
func TestLoadErrors(t *testing.T) {
	t.Parallel()
	dirs, err := filepath.Glob(filepath.Join("testdata", "load-*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range dirs {
		name := filepath.Base(dir)
		if name == "load-full" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, diags := loadFixture(t, name)
			if !diags.HasErrors() {
				t.Fatalf("bad input loaded without errors")
			}
			got := renderDiags(diags)
			checkGolden(t, dir, got)
		})
	}
}

// moduleSummary is what a reader checks of a loaded module: every
// declaration by name with its decoded settings, expressions as source
// text.
type moduleSummary struct {
	RequiredProviders map[string]string
	Backend           string
	Providers         []string
	Variables         map[string]string
	Locals            []string
	Outputs           map[string]string
	Resources         map[string]string
	DataResources     []string
	ModuleCalls       map[string]string
	Moved             []string
	Imports           []string
	Applications      []string
	Clusters          map[string]string
	DeliveryPolicies  map[string]string
	Environments      map[string]string
	Guardrails        map[string]string
}

func summarize(m *Module) moduleSummary {
	s := moduleSummary{
		RequiredProviders: map[string]string{}, Variables: map[string]string{}, Outputs: map[string]string{},
		Resources: map[string]string{}, ModuleCalls: map[string]string{}, Clusters: map[string]string{},
		DeliveryPolicies: map[string]string{}, Environments: map[string]string{}, Guardrails: map[string]string{},
	}
	for name, rp := range m.RequiredProviders {
		s.RequiredProviders[name] = rp.Source + " " + rp.Version
	}
	if m.Backend != nil {
		s.Backend = m.Backend.Type
	}
	for key := range m.ProviderConfigs {
		s.Providers = append(s.Providers, key)
	}
	for name, v := range m.Variables {
		def := "no default"
		if v.Default != cty.NilVal {
			def = v.Default.GoString()
		}
		s.Variables[name] = fmt.Sprintf("%s; %s; sensitive=%t nullable=%t validations=%d; %q", typeexpr.TypeString(v.Type), def, v.Sensitive, v.Nullable, len(v.Validations), v.Description)
	}
	for name := range m.Locals {
		s.Locals = append(s.Locals, name)
	}
	for name, o := range m.Outputs {
		s.Outputs[name] = fmt.Sprintf("%s; sensitive=%t depends_on=%s; %q", src(o.Expr), o.Sensitive, travs(o.DependsOn), o.Description)
	}
	for key, r := range m.Resources {
		lc := r.Lifecycle
		var prov string
		if r.ProviderRef != nil {
			prov = r.ProviderRef.Name + "." + r.ProviderRef.Alias
		}
		s.Resources[key] = fmt.Sprintf("count=%s for_each=%s provider=%s depends_on=%s prevent_destroy=%t cbd=%t ignore=%s replace_triggered_by=%d",
			src(r.Count), src(r.ForEach), prov, travs(r.DependsOn), lc.PreventDestroy, lc.CreateBeforeDestroy, travs(lc.IgnoreChanges), len(lc.ReplaceTriggeredBy))
	}
	for key := range m.DataResources {
		s.DataResources = append(s.DataResources, key)
	}
	for name, mc := range m.ModuleCalls {
		s.ModuleCalls[name] = mc.Source
	}
	for _, mv := range m.Moved {
		s.Moved = append(s.Moved, trav(mv.From)+" -> "+trav(mv.To))
	}
	for _, imp := range m.Imports {
		s.Imports = append(s.Imports, trav(imp.To)+" <- "+src(imp.ID))
	}
	for name := range m.Applications {
		s.Applications = append(s.Applications, name)
	}
	for name, c := range m.Clusters {
		cp := "none"
		if c.Capacity != nil {
			cp = src(c.Capacity.Min) + "/" + src(c.Capacity.Desired) + "/" + src(c.Capacity.Max)
		}
		s.Clusters[name] = fmt.Sprintf("app=%s stack=%s detail=%s provider=%s delivery=%s env=%s capacity=%s server_group=%t",
			src(c.Application), src(c.Stack), src(c.Detail), c.ProviderRef.Name, src(c.Delivery), src(c.Environment), cp, c.ServerGroup != nil)
	}
	for name, d := range m.DeliveryPolicies {
		var blocks []string
		for _, b := range []struct {
			name string
			b    *SettingsBlock
		}{{"red_black", d.Settings.RedBlack}, {"rolling", d.Settings.Rolling}, {"canary", d.Settings.Canary}, {"analysis", d.Settings.Analysis},
			{"health", d.Settings.Health}, {"rollback", d.Settings.Rollback}, {"window", d.Settings.Window}} {
			if b.b != nil {
				blocks = append(blocks, fmt.Sprintf("%s(%d)", b.name, len(b.b.Attrs)))
			}
		}
		s.DeliveryPolicies[name] = src(d.Strategy) + " " + strings.Join(blocks, " ")
	}
	for name, e := range m.Environments {
		times := 0
		if e.AllowedTimes != nil {
			times = len(e.AllowedTimes.Attrs)
		}
		s.Environments[name] = fmt.Sprintf("%s soak=%s approval=%s protected=%s allowed_times=%d", travs(e.DependsOn), src(e.Soak), src(e.ManualApproval), src(e.Protected), times)
	}
	for name, g := range m.Guardrails {
		s.Guardrails[name] = g.Enforcement + ": " + src(g.Message)
	}
	for _, l := range [][]string{s.Providers, s.Locals, s.DataResources, s.Applications} {
		sort.Strings(l)
	}
	return s
}

// src is an expression's source text, read back from its file.
func src(e hcl.Expression) string {
	if e == nil {
		return "-"
	}
	r := e.Range()
	b, err := os.ReadFile(r.Filename)
	if err != nil {
		return "?"
	}
	return string(r.SliceBytes(b))
}

func trav(t hcl.Traversal) string {
	var b strings.Builder
	for i, step := range t {
		switch s := step.(type) {
		case hcl.TraverseRoot:
			b.WriteString(s.Name)
		case hcl.TraverseAttr:
			b.WriteString("." + s.Name)
		case hcl.TraverseIndex:
			b.WriteString(fmt.Sprintf("[%s]", s.Key.GoString()))
		default:
			b.WriteString(fmt.Sprintf("<%d>", i))
		}
	}
	return b.String()
}

func travs(ts []hcl.Traversal) string {
	var out []string
	for _, t := range ts {
		out = append(out, trav(t))
	}
	return "[" + strings.Join(out, " ") + "]"
}

func TestLoadEveryBlock(t *testing.T) {
	t.Parallel()
	m, diags := loadFixture(t, "load-full")
	if len(diags) > 0 {
		t.Fatalf("unexpected diagnostics:\n%s", renderDiags(diags))
	}
	want := moduleSummary{
		RequiredProviders: map[string]string{"local": "tack/local ~> 0.1", "hello": "vendor/hello "},
		Backend:           "local",
		Providers:         []string{"local", "local.scratch"},
		Variables: map[string]string{
			"version":  `string; no default; sensitive=false nullable=true validations=0; "artifact version to deliver"`,
			"settings": `object({region=string,replicas=number}); cty.ObjectVal(map[string]cty.Value{"region":cty.StringVal("eu"), "replicas":cty.NumberIntVal(2)}); sensitive=true nullable=false validations=1; ""`,
			"region":   `string; cty.StringVal("eu-west-1"); sensitive=false nullable=true validations=0; ""`,
		},
		Locals: []string{"name", "owner"},
		Outputs: map[string]string{
			"endpoint": `local_file.greeting[0].path; sensitive=false depends_on=[local_file.other]; "where the greeting lives"`,
			"region":   `"${var.region}"; sensitive=false depends_on=[]; ""`,
		},
		Resources: map[string]string{
			"local_file.greeting": "count=2 for_each=- provider=local.scratch depends_on=[local_file.other] prevent_destroy=true cbd=true ignore=[content] replace_triggered_by=1",
			"local_file.other":    `count=- for_each=toset(["a", "b"]) provider= depends_on=[] prevent_destroy=false cbd=false ignore=[] replace_triggered_by=0`,
		},
		DataResources: []string{"local_file.motd"},
		ModuleCalls:   map[string]string{"net": "./net"},
		Moved:         []string{"local_file.old -> local_file.greeting"},
		Imports:       []string{`local_file.other[cty.StringVal("a")] <- "a.txt"`},
		Applications:  []string{"api"},
		Clusters: map[string]string{
			"api-prod-canary.v2": `app=application.api stack="prod" detail="canary.v2" provider=local delivery=delivery_policy.safe env=environment.prod capacity=2/3/6 server_group=true`,
		},
		DeliveryPolicies: map[string]string{
			"safe":    `"red_black" red_black(2) health(2) rollback(1) window(3)`,
			"careful": `"canary" red_black(1) canary(2) analysis(5)`,
			"gradual": `"rolling" rolling(2)`,
		},
		Environments: map[string]string{
			"prod":    `[environment.staging] soak="1h" approval=true protected=true allowed_times=2`,
			"staging": "[] soak=- approval=- protected=- allowed_times=0",
		},
		Guardrails: map[string]string{"prod-keeps-two": `overridable: "production clusters keep at least two instances"`},
	}
	if diff := cmp.Diff(want, summarize(m)); diff != "" {
		t.Errorf("module (-want +got):\n%s", diff)
	}
}
