package planner

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/config"
	"github.com/tackhq/tack/config/addrs"
	"github.com/tackhq/tack/state"
)

// Deleting objects of an aliased provider configuration that is gone is
// refused: guessing the configuration could delete the wrong object.
func TestRemovedAliasedProvider(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	if err := os.MkdirAll(filepath.Join(f.dir, "out"), 0o755); err != nil {
		t.Fatal(err)
	}
	f.apply(`
provider "local" {
  alias     = "other"
  directory = "`+filepath.Join(f.dir, "out")+`"
}
resource "local_file" "a" {
  provider = local.other
  path     = "a.txt"
  content  = "x"
}
`, PlanOpts{})
	diags := f.planErr(``, PlanOpts{})
	if !strings.Contains(diags.Error(), "Provider configuration not present") || !strings.Contains(diags.Error(), "local.other") {
		t.Errorf("got %s", diags.Error())
	}
}

// A value made sensitive by the configuration stays sensitive when the
// object is read back, in the plan and in the state.
func TestSensitiveSurvivesRefresh(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	src := `
variable "secret" {
  type      = string
  sensitive = true
}
resource "local_file" "a" {
  path    = "a.txt"
  content = var.secret
}
resource "local_file" "b" {
  path    = "b.txt"
  content = "plain"
}
`
	vars := func(v string) map[string]*config.InputValue {
		return map[string]*config.InputValue{"secret": {Value: cty.StringVal(v).Mark(config.Sensitive)}}
	}
	plan := f.planWithVars(src, vars("hunter2"))
	f.applyPlan(src, plan, vars("hunter2"))
	// Change b only: a is refreshed and recorded again.
	src2 := strings.Replace(src, `"plain"`, `"changed"`, 1)
	plan = f.planWithVars(src2, vars("hunter2"))
	for _, c := range plan.Changes {
		if c.Addr.String() == "local_file.a" && !c.Before.GetAttr("content").IsMarked() {
			t.Errorf("the refreshed secret lost its sensitivity: %#v", c.Before)
		}
	}
	f.applyPlan(src2, plan, vars("hunter2"))
	obj := f.state.ResourceInstance(mustAddr(t, "local_file.a")).Current
	if len(obj.SensitivePaths) == 0 {
		t.Error("the state no longer records the secret as sensitive")
	}
}

func (f *fixture) planWithVars(src string, vars map[string]*config.InputValue) *Plan {
	f.t.Helper()
	p := f.planner(f.config(src))
	p.opts.Variables = vars
	plan, diags := p.Plan(context.Background(), PlanOpts{})
	if diags.HasErrors() {
		f.t.Fatal(diags.Error())
	}
	return plan
}

func (f *fixture) applyPlan(src string, plan *Plan, vars map[string]*config.InputValue) {
	f.t.Helper()
	p := f.planner(f.config(src))
	p.opts.Variables = vars
	s, diags := p.Apply(context.Background(), plan, func(*state.State) error { return nil })
	if diags.HasErrors() {
		f.t.Fatal(diags.Error())
	}
	f.state = s
}

// A destroy does not evaluate module expansions, which may depend on
// data sources that can no longer be read.
func TestDestroyModulesFromStateAlone(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.writeModule("site", siteModule)
	if err := os.WriteFile(filepath.Join(f.dir, "names.txt"), []byte("a,b"), 0o644); err != nil {
		t.Fatal(err)
	}
	src := `
data "local_file" "names" {
  path = "names.txt"
}
module "many" {
  source   = "./site"
  for_each = toset(split(",", data.local_file.names.content))
  name     = each.key
}
`
	f.apply(src, PlanOpts{})
	if err := os.Remove(filepath.Join(f.dir, "names.txt")); err != nil {
		t.Fatal(err)
	}
	plan := f.plan(src, PlanOpts{Mode: DestroyMode})
	checkActions(t, plan, `module.many["a"].local_file.page: delete`, `module.many["b"].local_file.page: delete`)
}

func TestConforms(t *testing.T) {
	t.Parallel()
	obj := func(perm, content cty.Value) cty.Value {
		return cty.ObjectVal(map[string]cty.Value{"perm": perm, "content": content, "tags": cty.ListVal([]cty.Value{cty.StringVal("a")})})
	}
	reviewed := obj(cty.StringVal("0644"), cty.UnknownVal(cty.String))
	tests := []struct {
		planned cty.Value
		want    bool
	}{
		{obj(cty.StringVal("0644"), cty.StringVal("anything")), true},
		{obj(cty.StringVal("0777"), cty.StringVal("anything")), false}, // a known value moved
		{obj(cty.StringVal("0644"), cty.NullVal(cty.String)), true},
		{obj(cty.UnknownVal(cty.String), cty.StringVal("x")), false},
	}
	for i, tt := range tests {
		if got := conforms(tt.planned, reviewed); got != tt.want {
			t.Errorf("case %d: conforms = %v, want %v", i, got, tt.want)
		}
	}
}

func TestTargetOneInstance(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	src := func(content string) string {
		return `
resource "local_file" "f" {
  for_each = toset(["a", "b", "c"])
  path     = "${each.key}.txt"
  content  = "` + content + `"
}
`
	}
	f.apply(src("one"), PlanOpts{})
	plan := f.plan(src("two"), PlanOpts{Targets: []addrs.AbsResourceInstance{mustAddr(t, `local_file.f["b"]`)}})
	checkActions(t, plan, `local_file.f["b"]: update`)
}

// A data source that reads what a planned change writes is read after
// the change, during apply, so one apply converges.
func TestDataSourceReadAfterPendingChange(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	src := func(content string) string {
		return `
resource "local_file" "a" {
  path    = "a.txt"
  content = "` + content + `"
}
data "local_file" "r" {
  path       = local_file.a.path
  depends_on = [local_file.a]
}
resource "local_file" "copy" {
  path    = "copy.txt"
  content = data.local_file.r.content
}
`
	}
	plan := f.plan(src("one"), PlanOpts{})
	checkActions(t, plan, "local_file.a: create", "local_file.copy: create", "data.local_file.r: read (read_because_dependency_pending)")
	f.apply(src("one"), PlanOpts{})
	f.apply(src("two"), PlanOpts{})
	if got := f.read("copy.txt"); got != "two" {
		t.Errorf("copy.txt = %q after one apply, want the new content", got)
	}
	if again := f.plan(src("two"), PlanOpts{}); again.HasChanges() {
		t.Errorf("not converged: %v", actions(again))
	}
}

// Adding count = 1 to a resource moves its object to [0]; nothing is
// destroyed.
func TestAddingCountMovesTheInstance(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.apply(`
resource "local_file" "a" {
  path    = "a.txt"
  content = "x"
}
`, PlanOpts{})
	plan := f.plan(`
resource "local_file" "a" {
  count   = 1
  path    = "a.txt"
  content = "x"
}
`, PlanOpts{})
	checkActions(t, plan, "local_file.a[0]: no-op")
	if c := plan.Changes[0]; c.PrevRunAddr.String() != "local_file.a" {
		t.Errorf("previous address %s, want local_file.a", c.PrevRunAddr)
	}
}
