package planner

import (
	"os"

	"github.com/google/go-cmp/cmp"
	"path/filepath"
	"strings"
	"testing"
)

// writeModule writes a child module's files under the fixture.
func (f *fixture) writeModule(dir, src string) {
	f.t.Helper()
	if err := os.MkdirAll(filepath.Join(f.dir, dir), 0o755); err != nil {
		f.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(f.dir, dir, "main.tack.hcl"), []byte(src), 0o644); err != nil {
		f.t.Fatal(err)
	}
}

const siteModule = `
variable "name" {
  type = string
}
variable "body" {
  type    = string
  default = "default body"
}
resource "local_file" "page" {
  path    = "${var.name}.html"
  content = var.body
}
output "digest" {
  value = local_file.page.sha256
}
`

func TestModules(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.writeModule("site", siteModule)
	src := func(names string) string {
		return `
module "one" {
  source = "./site"
  name   = "one"
  body   = "first"
}
module "many" {
  source   = "./site"
  for_each = toset([` + names + `])
  name     = "many-${each.key}"
}
resource "local_file" "index" {
  path    = "index.txt"
  content = "${module.one.digest} ${join(",", [for k, m in module.many : m.digest])}"
}
output "one_digest" {
  value = module.one.digest
}
`
	}
	plan := f.plan(src(`"a", "b"`), PlanOpts{})
	checkActions(t, plan,
		"local_file.index: create",
		`module.many["a"].local_file.page: create`,
		`module.many["b"].local_file.page: create`,
		"module.one.local_file.page: create",
	)
	f.apply(src(`"a", "b"`), PlanOpts{})
	if got := f.read("many-b.html"); got != "default body" {
		t.Errorf("many-b.html = %q, want the variable's default", got)
	}
	if got := f.read("one.html"); got != "first" {
		t.Errorf("one.html = %q", got)
	}
	if got := f.read("index.txt"); len(strings.Fields(got)) != 2 || !strings.Contains(got, ",") {
		t.Errorf("index.txt = %q, want module one's digest and both of many's", got)
	}
	if o := f.state.Outputs["one_digest"]; o == nil || len(o.Value.AsString()) != 64 {
		t.Errorf("output one_digest = %v", o)
	}
	// index refers to the modules' outputs; the state records the
	// resources behind them, so that destroy removes index first.
	dep := f.state.ResourceInstance(mustAddr(t, "local_file.index")).Current.Dependencies
	if diff := cmp.Diff([]string{"module.many.local_file.page", "module.one.local_file.page"}, depStrings(dep)); diff != "" {
		t.Errorf("index's recorded dependencies (-want +got):\n%s", diff)
	}

	again := f.plan(src(`"a", "b"`), PlanOpts{})
	if again.HasChanges() {
		t.Errorf("a plan after apply has changes: %v", actions(again))
	}

	// An instance of a module that is no longer expanded goes, with
	// everything in it.
	plan = f.plan(src(`"a"`), PlanOpts{})
	checkActions(t, plan,
		"local_file.index: update",
		`module.many["a"].local_file.page: no-op`,
		`module.many["b"].local_file.page: delete (delete_because_no_module)`,
		"module.one.local_file.page: no-op",
	)
	f.apply(src(`"a"`), PlanOpts{})
	if _, err := os.Stat(filepath.Join(f.dir, "many-b.html")); !os.IsNotExist(err) {
		t.Errorf("many-b.html survived its module instance: %v", err)
	}

	// A module call removed from the configuration takes its objects
	// with it.
	plan = f.plan(`
resource "local_file" "index" {
  path    = "index.txt"
  content = "alone"
}
`, PlanOpts{})
	checkActions(t, plan,
		"local_file.index: update",
		`module.many["a"].local_file.page: delete (delete_because_no_resource_config)`,
		"module.one.local_file.page: delete (delete_because_no_resource_config)",
	)
}

// A module's validation rules check the values its callers give.
func TestModuleVariableValidation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.writeModule("site", `
variable "name" {
  type = string
  validation {
    condition     = length(var.name) >= 3
    error_message = "Names have at least three letters."
  }
}
resource "local_file" "page" {
  path    = "${var.name}.html"
  content = "x"
}
`)
	diags := f.planErr(`
module "short" {
  source = "./site"
  name   = "ab"
}
`, PlanOpts{})
	if !strings.Contains(diags.Error(), "Names have at least three letters.") || diags[0].Subject == nil || diags[0].Subject.Start.Line != 7 {
		t.Errorf("got %s at %v, want the module's rule at the caller's argument (line 7, after the fixture's provider block)", diags.Error(), diags[0].Subject)
	}
}
