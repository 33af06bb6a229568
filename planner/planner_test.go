package planner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/config"
	"github.com/tackhq/tack/config/addrs"
	"github.com/tackhq/tack/plugins/sdk"
	"github.com/tackhq/tack/plugins/sdk/sdktest"
	"github.com/tackhq/tack/state"
)

// served is the local provider over real gRPC, in this process.
type served struct{ *sdk.GRPCClient }

func (served) Close() error { return nil }

// fixture is a configuration directory where the local provider writes
// files, and the state the applies so far recorded.
type fixture struct {
	t     *testing.T
	dir   string
	state *state.State
	// writes counts state persists, as the backend would see them.
	writes int
	mu     sync.Mutex
	// clock, when set, is the planners' clock.
	clock *fakeClock
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return &fixture{t: t, dir: t.TempDir(), state: state.New()}
}

// config writes main.tack.hcl; the provider block points the local
// provider at the fixture's directory.
func (f *fixture) config(src string) *config.Config {
	f.t.Helper()
	src = "provider \"local\" {\n  directory = \"" + f.dir + "\"\n}\n" + src
	if err := os.WriteFile(filepath.Join(f.dir, "main.tack.hcl"), []byte(src), 0o644); err != nil {
		f.t.Fatal(err)
	}
	cfg, diags := config.NewParser().LoadConfig(f.dir)
	if diags.HasErrors() {
		f.t.Fatalf("loading: %s", diags.Error())
	}
	return cfg
}

func (f *fixture) planner(cfg *config.Config) *Planner {
	return f.plannerWith(cfg, func(c *sdk.GRPCClient) Provider { return served{c} })
}

// plannerWith is a planner whose local provider is what wrap makes of
// the served one.
func (f *fixture) plannerWith(cfg *config.Config, wrap func(*sdk.GRPCClient) Provider) *Planner {
	prov := wrap(sdktest.Serve(f.t, localProvider()))
	opts := Opts{
		Config: cfg,
		State:  f.state,
		Providers: map[string]ProviderFactory{
			"tack/local": func(context.Context) (Provider, error) { return prov, nil },
		},
		TackVersion: "test",
	}
	if f.clock != nil {
		opts.Now, opts.Sleep, opts.Events = f.clock.Now, f.clock.Sleep, f.clock.event
	}
	return New(opts)
}

func (f *fixture) plan(src string, opts PlanOpts) *Plan {
	f.t.Helper()
	p, diags := f.planner(f.config(src)).Plan(context.Background(), opts)
	if diags.HasErrors() {
		f.t.Fatalf("plan: %s", diags.Error())
	}
	return p
}

func (f *fixture) planErr(src string, opts PlanOpts) hcl.Diagnostics {
	f.t.Helper()
	_, diags := f.planner(f.config(src)).Plan(context.Background(), opts)
	if !diags.HasErrors() {
		f.t.Fatalf("plan succeeded, want an error")
	}
	return diags
}

// apply plans src and applies the plan, keeping the new state.
func (f *fixture) apply(src string, opts PlanOpts) *Plan {
	f.t.Helper()
	cfg := f.config(src)
	plan, diags := f.planner(cfg).Plan(context.Background(), opts)
	if diags.HasErrors() {
		f.t.Fatalf("plan: %s", diags.Error())
	}
	s, diags := f.planner(cfg).Apply(context.Background(), plan, func(s *state.State) error {
		f.mu.Lock()
		f.writes++
		f.mu.Unlock()
		return nil
	})
	if diags.HasErrors() {
		f.t.Fatalf("apply: %s", diags.Error())
	}
	f.state = s
	return plan
}

func (f *fixture) read(name string) string {
	f.t.Helper()
	b, err := os.ReadFile(filepath.Join(f.dir, name))
	if err != nil {
		f.t.Fatal(err)
	}
	return string(b)
}

// actions summarises a plan as "address: action" lines.
func actions(p *Plan) []string {
	var out []string
	for _, c := range p.Changes {
		line := c.Addr.String() + ": " + c.Action.String()
		if c.Reason != NoReason {
			line += " (" + c.Reason.String() + ")"
		}
		out = append(out, line)
	}
	return out
}

func checkActions(t *testing.T, p *Plan, want ...string) {
	t.Helper()
	if diff := cmp.Diff(want, actions(p)); diff != "" {
		t.Errorf("plan actions (-want +got):\n%s", diff)
	}
}

const twoFiles = `
resource "local_file" "a" {
  path    = "a.txt"
  content = "alpha"
}

resource "local_file" "b" {
  path    = "b.txt"
  content = "copy of ${local_file.a.sha256}"
}
output "a_sha" {
  value = local_file.a.sha256
}
`

func TestCreateThenNoChanges(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	plan := f.plan(twoFiles, PlanOpts{})
	checkActions(t, plan, "local_file.a: create", "local_file.b: create")
	if c := plan.Counts(); c.Add != 2 {
		t.Errorf("Counts() = %+v, want 2 to add", c)
	}

	f.apply(twoFiles, PlanOpts{})
	if got := f.read("a.txt"); got != "alpha" {
		t.Errorf("a.txt = %q", got)
	}
	if got := f.read("b.txt"); !strings.HasPrefix(got, "copy of ") || len(got) != len("copy of ")+64 {
		t.Errorf("b.txt = %q, want the copy of a's sha256", got)
	}
	if f.writes == 0 {
		t.Error("apply never persisted the state")
	}
	if got := f.state.AllResourceInstances(); len(got) != 2 {
		t.Errorf("state holds %v", got)
	}
	b := f.state.ResourceInstance(mustAddr(t, "local_file.b")).Current
	if diff := cmp.Diff([]string{"local_file.a"}, depStrings(b.Dependencies)); diff != "" {
		t.Errorf("b's recorded dependencies (-want +got):\n%s", diff)
	}
	if o := f.state.Outputs["a_sha"]; o == nil || o.Value.AsString() == "" {
		t.Errorf("output a_sha not recorded: %v", o)
	}

	again := f.plan(twoFiles, PlanOpts{})
	checkActions(t, again, "local_file.a: no-op", "local_file.b: no-op")
	if again.HasChanges() {
		t.Error("a plan right after apply has changes")
	}
}

// uuid() is known only after apply, and so is what is derived from it.
func TestUnknownValuesPropagate(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	src := `
resource "local_file" "stamp" {
  path    = "stamp.txt"
  content = uuid()
}
resource "local_file" "copy" {
  path    = "copy.txt"
  content = local_file.stamp.sha256
}
`
	plan := f.plan(src, PlanOpts{})
	for _, c := range plan.Changes {
		if got := c.After.GetAttr("content"); got.IsKnown() {
			t.Errorf("%s content is known at plan time: %#v", c.Addr, got)
		}
	}
	f.apply(src, PlanOpts{})
	if got, want := f.read("copy.txt"), sha256Hex(f.read("stamp.txt")); got != want {
		t.Errorf("copy.txt = %q, want the sha256 of stamp.txt %q", got, want)
	}
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestUpdateReplaceAndDelete(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.apply(twoFiles, PlanOpts{})

	edited := strings.Replace(twoFiles, `content = "alpha"`, `content = "beta"`, 1)
	plan := f.plan(edited, PlanOpts{})
	// a changes in place; b's content follows a's new digest.
	checkActions(t, plan, "local_file.a: update", "local_file.b: update")

	moved := strings.Replace(twoFiles, `path    = "a.txt"`, `path    = "a2.txt"`, 1)
	plan = f.plan(moved, PlanOpts{})
	if got := plan.Changes[0]; got.Action != DeleteThenCreate || got.Reason != ReplaceBecauseCannotUpdate || len(got.RequiredReplace) != 1 {
		t.Errorf("changing a's path: %s (%s) %v, want a replacement forced by path", got.Action, got.Reason, got.RequiredReplace)
	}

	plan = f.plan(`
resource "local_file" "a" {
  path    = "a.txt"
  content = "alpha"
}
`, PlanOpts{})
	checkActions(t, plan, "local_file.a: no-op", "local_file.b: delete (delete_because_no_resource_config)")

	plan = f.plan(twoFiles, PlanOpts{Replace: []addrs.AbsResourceInstance{mustAddr(t, "local_file.a")}})
	if got := plan.Changes[0]; got.Action != DeleteThenCreate || got.Reason != ReplaceByRequest {
		t.Errorf("-replace: %s (%s)", got.Action, got.Reason)
	}
}

func TestApplyReplaceAndDelete(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.apply(twoFiles, PlanOpts{})
	f.apply(strings.Replace(twoFiles, `path    = "a.txt"`, `path    = "a2.txt"`, 1), PlanOpts{})
	if _, err := os.Stat(filepath.Join(f.dir, "a.txt")); !os.IsNotExist(err) {
		t.Errorf("the replaced a.txt still exists: %v", err)
	}
	if got := f.read("a2.txt"); got != "alpha" {
		t.Errorf("a2.txt = %q", got)
	}

	plan := f.apply(`
resource "local_file" "a" {
  path    = "a2.txt"
  content = "alpha"
}
`, PlanOpts{})
	checkActions(t, plan, "local_file.a: no-op", "local_file.b: delete (delete_because_no_resource_config)")
	if _, err := os.Stat(filepath.Join(f.dir, "b.txt")); !os.IsNotExist(err) {
		t.Errorf("b.txt survived its deletion: %v", err)
	}
	if f.state.ResourceInstance(mustAddr(t, "local_file.b")) != nil {
		t.Error("b is still in the state")
	}
	if _, ok := f.state.Outputs["a_sha"]; ok {
		t.Error("the dropped output is still in the state")
	}
}

func TestDriftAndRefresh(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.apply(twoFiles, PlanOpts{})
	if err := os.WriteFile(filepath.Join(f.dir, "a.txt"), []byte("changed by hand"), 0o644); err != nil {
		t.Fatal(err)
	}
	plan := f.plan(twoFiles, PlanOpts{})
	if len(plan.Drift) != 1 || plan.Drift[0].Addr.String() != "local_file.a" || plan.Drift[0].Action != Update {
		t.Fatalf("drift = %v, want local_file.a updated", plan.Drift)
	}
	checkActions(t, plan, "local_file.a: update", "local_file.b: no-op")

	// Without refresh, the recorded state is trusted.
	plan = f.plan(twoFiles, PlanOpts{SkipRefresh: true})
	if len(plan.Drift) != 0 || plan.HasChanges() {
		t.Errorf("-refresh=false: drift %v, changes %v", plan.Drift, actions(plan))
	}

	// A refresh-only plan changes nothing but records the drift.
	plan = f.plan(twoFiles, PlanOpts{Mode: RefreshOnlyMode})
	if len(plan.Changes) != 0 || !plan.HasChanges() {
		t.Errorf("refresh-only: changes %v, HasChanges %v", actions(plan), plan.HasChanges())
	}

	if err := os.Remove(filepath.Join(f.dir, "b.txt")); err != nil {
		t.Fatal(err)
	}
	plan = f.plan(twoFiles, PlanOpts{})
	var deleted bool
	for _, d := range plan.Drift {
		deleted = deleted || d.Addr.String() == "local_file.b" && d.Action == Delete
	}
	if !deleted {
		t.Errorf("a file deleted by hand is not in the drift: %v", plan.Drift)
	}
	checkActions(t, plan, "local_file.a: update", "local_file.b: create")
}

func TestCountAndForEach(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	src := func(n int, keys string) string {
		return `
resource "local_file" "n" {
  count   = ` + string(rune('0'+n)) + `
  path    = "n${count.index}.txt"
  content = "number ${count.index}"
}
resource "local_file" "k" {
  for_each = toset([` + keys + `])
  path     = "k-${each.key}.txt"
  content  = each.value
}
output "names" {
  value = [for f in local_file.n : f.path]
}
`
	}
	f.apply(src(3, `"x", "y"`), PlanOpts{})
	if got := f.read("n2.txt"); got != "number 2" {
		t.Errorf("n2.txt = %q", got)
	}
	if got := f.read("k-y.txt"); got != "y" {
		t.Errorf("k-y.txt = %q", got)
	}
	plan := f.plan(src(2, `"x"`), PlanOpts{})
	checkActions(t, plan,
		`local_file.k["x"]: no-op`,
		`local_file.k["y"]: delete (delete_because_each_key)`,
		"local_file.n[0]: no-op",
		"local_file.n[1]: no-op",
		"local_file.n[2]: delete (delete_because_count_index)",
	)
	f.apply(src(2, `"x"`), PlanOpts{})
	if _, err := os.Stat(filepath.Join(f.dir, "n2.txt")); !os.IsNotExist(err) {
		t.Errorf("n2.txt survived count going down: %v", err)
	}
	if got := f.state.Outputs["names"].Value.LengthInt(); got != 2 {
		t.Errorf("output names has %d elements, want 2", got)
	}
}

func TestDestroyInReverseOrder(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.apply(twoFiles, PlanOpts{})
	var order []string
	var mu sync.Mutex
	cfg := f.config(twoFiles)
	p := f.planner(cfg)
	plan, diags := p.Plan(context.Background(), PlanOpts{Mode: DestroyMode})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	checkActions(t, plan, "local_file.a: delete", "local_file.b: delete")
	p = f.planner(cfg)
	p.opts.Events = func(e Event) {
		if d, ok := e.(OperationDone); ok && d.Op == OpDelete {
			mu.Lock()
			order = append(order, d.Addr.String())
			mu.Unlock()
		}
	}
	s, diags := p.Apply(context.Background(), plan, func(*state.State) error { return nil })
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	// b was made from a, so b goes first.
	if diff := cmp.Diff([]string{"local_file.b", "local_file.a"}, order); diff != "" {
		t.Errorf("deletion order (-want +got):\n%s", diff)
	}
	if !s.Empty() {
		t.Errorf("state after destroy is not empty: %v", s.AllResourceInstances())
	}
}

func TestPlanErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src, want string
	}{
		{"cycle", `
resource "local_file" "a" {
  path    = "a.txt"
  content = local_file.b.id
}
resource "local_file" "b" {
  path    = "b.txt"
  content = local_file.a.id
}
`, "local_file.a, local_file.b"},
		{"unknown count", `
resource "local_file" "a" {
  path    = "a.txt"
  content = uuid()
}
resource "local_file" "b" {
  count   = length(local_file.a.sha256)
  path    = "b.txt"
  content = "x"
}
`, "only known after apply"},
		{"provider rejects a value", `
resource "local_file" "a" {
  path            = "a.txt"
  content         = "x"
  file_permission = "rwx"
}
`, "main.tack.hcl:8,21-26: Invalid file permission"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			diags := newFixture(t).planErr(tt.src, PlanOpts{})
			if !strings.Contains(diags.Error(), tt.want) {
				t.Errorf("got %s, want it to mention %q", diags.Error(), tt.want)
			}
		})
	}
}

func TestPreventDestroyAndMoved(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	guarded := `
resource "local_file" "a" {
  path    = "a.txt"
  content = "alpha"
  lifecycle {
    prevent_destroy = true
  }
}
`
	f.apply(guarded, PlanOpts{})
	diags := f.planErr(strings.Replace(guarded, `"a.txt"`, `"a2.txt"`, 1), PlanOpts{})
	if !strings.Contains(diags.Error(), "prevent_destroy") {
		t.Errorf("replacing a guarded object: %s", diags.Error())
	}

	renamed := `
resource "local_file" "renamed" {
  path    = "a.txt"
  content = "alpha"
}
moved {
  from = local_file.a
  to   = local_file.renamed
}
`
	plan := f.plan(renamed, PlanOpts{})
	checkActions(t, plan, "local_file.renamed: no-op")
	if c := plan.Changes[0]; !c.Moved() || c.PrevRunAddr.String() != "local_file.a" {
		t.Errorf("the renamed object: moved %v from %s", c.Moved(), c.PrevRunAddr)
	}
	if !plan.HasChanges() || plan.Counts().Move != 1 {
		t.Errorf("a move is a change to apply: counts %+v", plan.Counts())
	}
}

func mustAddr(t *testing.T, s string) addrs.AbsResourceInstance {
	t.Helper()
	a, diags := addrs.ParseAbsResourceInstanceStr(s)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	return a
}

func depStrings(ds []addrs.ConfigResource) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.String())
	}
	return out
}

func TestGraphDOT(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	dot, diags := f.planner(f.config(twoFiles)).GraphDOT(PlanOpts{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	for _, want := range []string{
		`"local_file.b" -> "local_file.a"`,
		`"local_file.a" -> "provider.local"`,
		`"output.a_sha" -> "local_file.a"`,
		`"provider.local" [label="provider.local", shape=diamond]`,
	} {
		if !strings.Contains(dot, want) {
			t.Errorf("DOT lacks %s:\n%s", want, dot)
		}
	}
}

// valuesEqual decides no-op against update: marks never matter, unknowns
// are never equal to anything.
func TestValuesEqual(t *testing.T) {
	t.Parallel()
	obj := func(content cty.Value) cty.Value {
		return cty.ObjectVal(map[string]cty.Value{"id": cty.StringVal("a"), "content": content, "n": cty.NumberIntVal(1)})
	}
	secret := cty.StringVal("x").Mark(config.Sensitive)
	for _, tc := range []struct {
		name string
		a, b cty.Value
		want bool
	}{
		{"equal", obj(cty.StringVal("x")), obj(cty.StringVal("x")), true},
		{"equal, both marked", obj(secret), obj(secret), true},
		{"equal, one marked", obj(secret), obj(cty.StringVal("x")), true},
		{"equal, marked as a whole", obj(cty.StringVal("x")).Mark(config.Sensitive), obj(cty.StringVal("x")), true},
		{"different", obj(cty.StringVal("x")), obj(cty.StringVal("y")), false},
		{"different, marked", obj(secret), obj(cty.StringVal("y").Mark(config.Sensitive)), false},
		{"same number written differently", cty.MustParseNumberVal("1.0"), cty.NumberIntVal(1), true},
		{"both null", cty.NullVal(cty.String), cty.NullVal(cty.String), true},
		{"null and not", cty.NullVal(cty.String), cty.StringVal(""), false},
		{"both unknown", obj(cty.UnknownVal(cty.String)), obj(cty.UnknownVal(cty.String)), false},
		{"unknown and known", obj(cty.UnknownVal(cty.String)), obj(cty.StringVal("x")), false},
		{"sets", cty.SetVal([]cty.Value{cty.StringVal("a"), cty.StringVal("b")}), cty.SetVal([]cty.Value{cty.StringVal("b"), cty.StringVal("a")}), true},
	} {
		if got := valuesEqual(tc.a, tc.b); got != tc.want {
			t.Errorf("%s: valuesEqual = %v, want %v", tc.name, got, tc.want)
		}
		if got := valuesEqual(tc.b, tc.a); got != tc.want {
			t.Errorf("%s, swapped: valuesEqual = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// idOf names objects in progress lines; a sensitive id is still its id.
func TestIdOf(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		v    cty.Value
		want string
	}{
		{cty.ObjectVal(map[string]cty.Value{"id": cty.StringVal("a")}), "a"},
		{cty.ObjectVal(map[string]cty.Value{"id": cty.StringVal("a").Mark(config.Sensitive)}), "a"},
		{cty.ObjectVal(map[string]cty.Value{"id": cty.StringVal("a")}).Mark(config.Sensitive), "a"},
		{cty.ObjectVal(map[string]cty.Value{"id": cty.UnknownVal(cty.String)}), ""},
		{cty.ObjectVal(map[string]cty.Value{"id": cty.NumberIntVal(1)}), ""},
		{cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal("a")}), ""},
		{cty.NullVal(cty.Object(map[string]cty.Type{"id": cty.String})), ""},
		{cty.UnknownVal(cty.Object(map[string]cty.Type{"id": cty.String})).Mark(config.Sensitive), ""},
	} {
		if got := idOf(tc.v); got != tc.want {
			t.Errorf("idOf(%#v) = %q, want %q", tc.v, got, tc.want)
		}
	}
}

// An apply keeps for expressions only the values of objects something
// refers to; what refers to an object applied in the same run sees it as
// applied, and every object's applied value is recorded.
func TestApplyValuesForReferences(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.apply(`
resource "local_file" "alone" {
  path    = "alone.txt"
  content = "alone"
}
resource "local_file" "for_output" {
  path    = "for_output.txt"
  content = "for the output"
}
resource "local_file" "upstream" {
  path    = "upstream.txt"
  content = "upstream"
}
resource "local_file" "downstream" {
  path    = "downstream.txt"
  content = "after ${local_file.upstream.sha256}"
}
output "sha" {
  value = local_file.for_output.sha256
}
`, PlanOpts{})
	if got, want := f.read("downstream.txt"), "after "+sha256Hex("upstream"); got != want {
		t.Errorf("downstream.txt = %q, want %q", got, want)
	}
	if o := f.state.Outputs["sha"]; o == nil || !o.Value.RawEquals(cty.StringVal(sha256Hex("for the output"))) {
		t.Errorf("output sha = %#v, want the applied file's checksum", o)
	}
	for name, content := range map[string]string{"alone": "alone", "for_output": "for the output", "upstream": "upstream"} {
		ri := f.state.ResourceInstance(mustAddr(t, "local_file."+name))
		if ri == nil || ri.Current == nil || !strings.Contains(string(ri.Current.AttrsJSON), sha256Hex(content)) {
			t.Errorf("local_file.%s is not recorded as applied: %v", name, ri)
		}
	}
}
