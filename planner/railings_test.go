package planner

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"

	"github.com/tackhq/tack/state"
)

// filesWithGuardrails are two files judged by a guardrail of each level,
// one that depends on a value known only after apply, and one limited by
// applies_to to a file the plan does not change.
const filesWithGuardrails = `
resource "local_file" "notes" {
  path    = "notes.txt"
  content = "draft"
}

resource "local_file" "keys" {
  path            = "keys.txt"
  content         = "k"
  file_permission = "0644"
}

guardrail "no-drafts" {
  enforcement = "advisory"
  condition   = change.after == null || change.after.content != "draft"
  message     = "${change.address} is still a draft"
}

guardrail "keys-private" {
  enforcement = "overridable"
  applies_to  = ["local_file.keys"]
  condition   = change.after == null || change.after.file_permission == "0600"
  message     = "key files are readable by their owner only"
}

guardrail "no-deletes" {
  enforcement = "mandatory"
  condition   = change.action != "delete"
  message     = "files are never deleted"
}

resource "local_file" "stamp" {
  path    = "stamp.txt"
  content = uuid()
}

guardrail "stamped" {
  enforcement = "advisory"
  applies_to  = ["local_file.stamp"]
  condition   = change.after.content != ""
  message     = "the stamp is not empty"
}

guardrail "elsewhere" {
  enforcement = "mandatory"
  applies_to  = ["local_file.other", environment.prod]
  condition   = false
  message     = "never checked"
}

environment "prod" {}
`

func verdictSummary(vs []*Verdict) []string {
	var out []string
	for _, v := range vs {
		s := v.Guardrail + " " + string(v.Result) + " " + v.Address + ": " + v.Message
		if v.Override != nil {
			s += " (overridden by " + v.Override.Actor + ")"
		}
		out = append(out, s)
	}
	return out
}

func TestGuardrailLevels(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	plan := f.plan(filesWithGuardrails, PlanOpts{})

	want := []string{
		"guardrail.keys-private fail local_file.keys: key files are readable by their owner only",
		"guardrail.no-drafts fail local_file.notes: local_file.notes is still a draft",
		"guardrail.no-drafts unknown local_file.stamp: local_file.stamp is still a draft",
		"guardrail.stamped unknown local_file.stamp: the stamp is not empty",
	}
	if diff := cmp.Diff(want, verdictSummary(plan.Verdicts)); diff != "" {
		t.Errorf("verdicts (-want +got):\n%s", diff)
	}
	checks := map[string]GuardrailCheck{}
	for _, g := range plan.Guardrails {
		checks[g.Name] = *g
	}
	wantChecks := map[string]GuardrailCheck{
		"guardrail.capacity-drop":         {Name: "guardrail.capacity-drop", Enforcement: Overridable, Source: GuardrailBuiltin},
		"guardrail.elsewhere":             {Name: "guardrail.elsewhere", Enforcement: Mandatory, Source: GuardrailConfig},
		"guardrail.stamped":               {Name: "guardrail.stamped", Enforcement: Advisory, Source: GuardrailConfig, Checked: 1, Unknown: 1},
		"guardrail.keys-private":          {Name: "guardrail.keys-private", Enforcement: Overridable, Source: GuardrailConfig, Checked: 1, Failed: 1},
		"guardrail.no-deletes":            {Name: "guardrail.no-deletes", Enforcement: Mandatory, Source: GuardrailConfig, Checked: 3},
		"guardrail.no-drafts":             {Name: "guardrail.no-drafts", Enforcement: Advisory, Source: GuardrailConfig, Checked: 3, Failed: 1, Unknown: 1},
		"guardrail.protected-environment": {Name: "guardrail.protected-environment", Enforcement: Mandatory, Source: GuardrailBuiltin},
		"guardrail.traffic-guard":         {Name: "guardrail.traffic-guard", Enforcement: Mandatory, Source: GuardrailBuiltin},
	}
	if diff := cmp.Diff(wantChecks, checks); diff != "" {
		t.Errorf("guardrail checks (-want +got):\n%s", diff)
	}

	// The overridable failure blocks apply, saying how to get past it;
	// the advisory one and the undecided ones do not.
	blockers := plan.Blockers()
	if len(blockers) != 1 || blockers[0].Guardrail != "guardrail.keys-private" {
		t.Fatalf("blockers %v; want guardrail.keys-private only", verdictSummary(blockers))
	}
	cfg := f.config(filesWithGuardrails)
	_, diags := f.planner(cfg).Apply(context.Background(), plan, func(*state.State) error { return nil })
	if !diags.HasErrors() || !strings.Contains(diags.Error(), `tack apply -override=guardrail.keys-private -reason="…"`) {
		t.Fatalf("apply of a blocked plan: %v; want it refused with how to override", diags)
	}
	if f.exists("notes.txt") || f.exists("keys.txt") {
		t.Fatal("a blocked apply wrote files")
	}

	// Overrides: a mandatory guardrail cannot be, an unknown one is an
	// error, one that does not fail is a warning, one without a reason
	// is refused.
	at := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		o    Override
		want string
		sev  hcl.DiagnosticSeverity
	}{
		{Override{Guardrail: "guardrail.no-deletes", Reason: "x"}, "Mandatory guardrail cannot be overridden", hcl.DiagError},
		{Override{Guardrail: "guardrail.nope", Reason: "x"}, "No such guardrail", hcl.DiagError},
		{Override{Guardrail: "guardrail.no-drafts", Reason: "x"}, "Override not needed", hcl.DiagWarning},
		{Override{Guardrail: "guardrail.no-deletes", Reason: "x"}, "Mandatory guardrail cannot be overridden", hcl.DiagError},
		{Override{Guardrail: "guardrail.keys-private"}, "Override without a reason", hcl.DiagError},
	} {
		diags := plan.ApplyOverrides([]Override{tc.o})
		if len(diags) != 1 || diags[0].Summary != tc.want || diags[0].Severity != tc.sev {
			t.Errorf("override of %s: %v; want %q", tc.o.Guardrail, diags, tc.want)
		}
	}
	if len(plan.Blockers()) != 1 {
		t.Fatal("a refused override let a failure through")
	}

	// A reasoned override lets it through, and the state records it.
	if diags := plan.ApplyOverrides([]Override{{Guardrail: "guardrail.keys-private", Reason: "rotated tonight", Actor: "ana", Time: at}}); len(diags) > 0 {
		t.Fatalf("override: %v", diags)
	}
	s, diags := f.planner(cfg).Apply(context.Background(), plan, func(*state.State) error { return nil })
	if diags.HasErrors() {
		t.Fatalf("apply with the override: %s", diags.Error())
	}
	wantOverride := []*state.Override{{Guardrail: "guardrail.keys-private", Changes: []string{"local_file.keys"},
		Message: "key files are readable by their owner only", Actor: "ana", Reason: "rotated tonight", Time: at}}
	if diff := cmp.Diff(wantOverride, s.Overrides); diff != "" {
		t.Errorf("recorded overrides (-want +got):\n%s", diff)
	}
	f.state = s

	// A mandatory failure blocks, and cannot be overridden.
	plan = f.plan(strings.Replace(filesWithGuardrails, "resource \"local_file\" \"notes\" {\n  path    = \"notes.txt\"\n  content = \"draft\"\n}\n", "", 1), PlanOpts{})
	if got := verdictSummary(plan.Blockers()); !cmp.Equal(got, []string{"guardrail.no-deletes fail local_file.notes: files are never deleted"}) {
		t.Errorf("deleting a file: blockers %q", got)
	}
}

// A condition that cannot be evaluated is an error that says which change
// it was judging, not a verdict.
func TestGuardrailConditionError(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	diags := f.planErr(`
resource "local_file" "a" {
  path    = "a.txt"
  content = "a"
}
guardrail "bad" {
  enforcement = "advisory"
  condition   = change.after.capacity.min >= 2
  message     = "x"
}
`, PlanOpts{})
	if !strings.Contains(diags.Error(), "while judging the planned change of local_file.a") {
		t.Errorf("diagnostics %s; want the change named", diags.Error())
	}
}

func (f *fixture) exists(name string) bool {
	f.t.Helper()
	_, err := statFile(f.dir, name)
	return err == nil
}

// fakeClock is a clock the test moves, and whose Sleep moves it.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	slept  []time.Duration
	events []Event
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.slept = append(c.slept, d)
	c.now = c.now.Add(d)
	return ctx.Err()
}

func (c *fakeClock) event(e Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events = append(c.events, e)
}

func (c *fakeClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func statFile(dir, name string) (os.FileInfo, error) { return os.Stat(filepath.Join(dir, name)) }

// twoEnvironments are api in staging and prod, each behind its own load
// balancer; prod depends on staging with a soak, needs approval and
// deploys on weekdays only.
func twoEnvironments(app, staging, prod string) string {
	cluster := func(env, version string) string {
		return `
resource "local_load_balancer" "` + env + `" {
  listen = "127.0.0.1:0"
  health_check {
    path = "/healthz"
    interval = "100ms"
    healthy_threshold = 1
    unhealthy_threshold = 1
  }
}

cluster "api-` + env + `" {
  application    = application.api
  stack          = "` + env + `"
  environment    = environment.` + env + `
  provider       = local
  delivery       = delivery_policy.safe
  load_balancers = [local_load_balancer.` + env + `.id]
  server_group {
    command = ["` + app + `"]
    version = "` + version + `"
    health_check {
      path = "/healthz"
      interval = "100ms"
      healthy_threshold = 1
      unhealthy_threshold = 1
    }
  }
}

output "` + env + `" { value = local_load_balancer.` + env + `.address }
`
	}
	return `
application "api" { owner = "edge@example.com" }

delivery_policy "safe" {
  strategy = "red_black"
  health { healthy_deadline = "5s" }
}

environment "staging" {}

environment "prod" {
  depends_on      = [environment.staging]
  soak            = "10m"
  manual_approval = true
  allowed_times { days = ["mon", "tue", "wed", "thu", "fri"] }
}
` + cluster("staging", staging) + cluster("prod", prod)
}

func constraintSummary(cs []Constraint) []string {
	var out []string
	for _, c := range cs {
		s := c.Kind + " " + string(c.Status) + ": " + c.Detail
		if c.Hint != "" {
			s += " [" + c.Hint + "]"
		}
		out = append(out, s)
	}
	return out
}

func (f *fixture) getOutput(name, path string) string {
	f.t.Helper()
	resp, err := http.Get("http://" + f.state.Outputs[name].Value.AsString() + path)
	if err != nil {
		f.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return strings.TrimSpace(string(b))
}

func TestEnvironmentPromotion(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	monday := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	f.clock = &fakeClock{now: monday}
	app := buildApp(t, f.dir)
	t.Cleanup(func() { f.applyErr(twoEnvironments(app, "v1", "v1"), PlanOpts{Mode: DestroyMode}) })
	approve := func(version string) {
		e := f.state.Environments["prod"]
		if e == nil {
			e = &state.Environment{Name: "prod"}
			f.state.Environments["prod"] = e
		}
		e.Approvals = append(e.Approvals, &state.Decision{Cluster: "api-prod", Version: version, Actor: "ana", Time: f.clock.Now()})
	}

	// One apply brings v1 to both: staging first, then prod waits out
	// the soak on the clock before it deploys.
	approve("v1")
	plan, diags := f.applyErr(twoEnvironments(app, "v1", "v1"), PlanOpts{})
	if diags.HasErrors() {
		t.Fatalf("first apply: %s", diags.Error())
	}
	want := []string{
		"allowed_times met: within prod's allowed times (mon, tue, wed, thu, fri)",
		"manual_approval met: v1 is approved for api-prod by ana",
		"depends_on waits: api-staging deploys v1 in this apply; it must then run healthy for 10m",
	}
	if diff := cmp.Diff(want, constraintSummary(clusterChange(t, plan, "api-prod").Constraints)); diff != "" {
		t.Errorf("prod's constraints (-want +got):\n%s", diff)
	}
	if !cmp.Equal(f.clock.slept, []time.Duration{10 * time.Minute}) {
		t.Errorf("apply slept %v; want the 10m soak once", f.clock.slept)
	}
	staging, prod := f.state.Clusters["api-staging"].History[0], f.state.Clusters["api-prod"].History[0]
	if prod.Started.Before(staging.Finished.Add(10 * time.Minute)) {
		t.Errorf("prod started at %s, before staging's deployment (finished %s) had soaked 10m", prod.Started, staging.Finished)
	}
	if f.getOutput("staging", "/") != "v1" || f.getOutput("prod", "/") != "v1" {
		t.Fatal("v1 does not serve in both environments")
	}

	// v2 reaches staging; a minute later prod may not have it: the soak
	// is not over and nobody approved it. Apply says how to go ahead.
	if _, diags := f.applyErr(twoEnvironments(app, "v2", "v1"), PlanOpts{}); diags.HasErrors() {
		t.Fatalf("staging v2: %s", diags.Error())
	}
	f.clock.advance(time.Minute)
	// A file changes in the same apply: the blocked cluster holds back
	// only itself.
	notes := `
resource "local_file" "notes" {
  path    = "notes.txt"
  content = "prod waits for v2"
}
`
	plan, diags = f.applyErr(twoEnvironments(app, "v2", "v2")+notes, PlanOpts{})
	if got := f.read("notes.txt"); got != "prod waits for v2" {
		t.Errorf("notes.txt holds %q; the blocked cluster held back the rest of the apply", got)
	}
	ch := clusterChange(t, plan, "api-prod")
	want = []string{
		"allowed_times met: within prod's allowed times (mon, tue, wed, thu, fri)",
		"manual_approval blocked: awaiting approval of v2 for api-prod [tack approve cluster.api-prod v2]",
		"depends_on blocked: api-staging has run v2 for 1m of its 10m soak; it is ready at 2026-11-23 10:20:00 UTC [apply again after 2026-11-23 10:20:00 UTC]",
	}
	if diff := cmp.Diff(want, constraintSummary(ch.Constraints)); diff != "" {
		t.Errorf("prod's constraints a minute after staging (-want +got):\n%s", diff)
	}
	if ch.Action != ClusterBlocked || !diags.HasErrors() || !strings.Contains(diags.Error(), "tack approve cluster.api-prod v2") {
		t.Errorf("prod v2 a minute after staging: %s, apply %v; want blocked, saying how to approve", ch.Action, diags)
	}
	if got := f.getOutput("prod", "/"); got != "v1" {
		t.Fatalf("prod answers %q after a blocked apply; want v1", got)
	}

	// Soaked and approved, but vetoed; then pinned to v1.
	f.clock.advance(10 * time.Minute)
	approve("v2")
	f.state.Environments["prod"].Vetoes = []*state.Decision{{Version: "v2", Actor: "bo", Reason: "leaks memory"}}
	ch = clusterChange(t, f.plan(twoEnvironments(app, "v2", "v2"), PlanOpts{}), "api-prod")
	if got := constraintSummary(ch.Constraints); ch.Action != ClusterBlocked || !slices.Contains(got, "veto blocked: v2 is vetoed in prod by bo (leaks memory) [tack veto -remove prod v2]") {
		t.Errorf("vetoed v2: %s %q", ch.Action, got)
	}
	f.state.Environments["prod"].Vetoes = nil
	f.state.Environments["prod"].Pin = &state.Decision{Version: "v1", Actor: "bo", Reason: "freeze"}
	ch = clusterChange(t, f.plan(twoEnvironments(app, "v2", "v2"), PlanOpts{}), "api-prod")
	if got := constraintSummary(ch.Constraints); ch.Action != ClusterBlocked || !slices.Contains(got, "pin blocked: prod is pinned to v1 by bo (freeze) [tack pin -remove prod]") {
		t.Errorf("prod pinned to v1: %s %q", ch.Action, got)
	}
	f.state.Environments["prod"].Pin = nil

	// Everything met on Monday; the plan is applied on Saturday, when
	// prod's allowed times are closed: the window is checked again.
	cfg := f.config(twoEnvironments(app, "v2", "v2"))
	plan, diags = f.planner(cfg).Plan(context.Background(), PlanOpts{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if ch := clusterChange(t, plan, "api-prod"); ch.Action != ClusterDeploy || !slices.Contains(constraintSummary(ch.Constraints), "depends_on met: api-staging has run v2 healthy for 11m (soak 10m)") {
		t.Fatalf("prod v2 soaked and approved: %s %q", ch.Action, constraintSummary(ch.Constraints))
	}
	f.clock.set(time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC))
	s, diags := f.planner(cfg).Apply(context.Background(), plan, func(*state.State) error { return nil })
	if !diags.HasErrors() || !strings.Contains(diags.Error(), "outside prod's allowed times") {
		t.Errorf("applying on Saturday: %v; want it refused by prod's allowed times", diags)
	}
	f.state = s
	if got := f.getOutput("prod", "/"); got != "v1" {
		t.Fatalf("prod answers %q after the window refused; want v1", got)
	}

	// On Monday it goes.
	f.clock.set(time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC))
	if _, diags := f.applyErr(twoEnvironments(app, "v2", "v2"), PlanOpts{}); diags.HasErrors() {
		t.Fatalf("prod v2 on Monday: %s", diags.Error())
	}
	if got := f.getOutput("prod", "/"); got != "v2" {
		t.Errorf("prod answers %q; want v2", got)
	}
}

// oneProtected is clusterConfig's cluster in a protected environment,
// with extra blocks.
func oneProtected(app string, desired int, protected bool, extra string) string {
	src := strings.Replace(clusterConfig(app, "v1", "", desired), `  stack          = "prod"`, "  stack          = \"prod\"\n  environment    = environment.prod", 1)
	return src + "\nenvironment \"prod\" { protected = " + strconv.FormatBool(protected) + " }\n" + extra
}

func TestBuiltinGuardrails(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	app := buildApp(t, f.dir)
	t.Cleanup(func() { f.applyErr(oneProtected(app, 1, false, ""), PlanOpts{Mode: DestroyMode}) })
	if _, diags := f.applyErr(oneProtected(app, 4, true, ""), PlanOpts{}); diags.HasErrors() {
		t.Fatalf("creating: %s", diags.Error())
	}

	// 4 to 1 takes away 75%: more than the default half.
	plan := f.plan(oneProtected(app, 1, true, ""), PlanOpts{})
	want := []string{"guardrail.capacity-drop fail cluster.api-prod: the capacity of cluster.api-prod drops from 4 to 1 instances (75%); one apply may take away at most 50%"}
	if got := verdictSummary(plan.Blockers()); !cmp.Equal(got, want) {
		t.Errorf("4 to 1: blockers %q; want %q", got, want)
	}
	// Configured to allow 80%, it passes.
	plan = f.plan(oneProtected(app, 1, true, `guardrail "capacity-drop" { max_drop = 0.8 }`), PlanOpts{})
	if got := verdictSummary(plan.Verdicts); len(got) > 0 {
		t.Errorf("4 to 1 with max_drop 0.8: verdicts %q; want none", got)
	}
	// To nothing: the traffic guard refuses, and it is mandatory.
	plan = f.plan(oneProtected(app, 0, true, `guardrail "capacity-drop" { enabled = false }`), PlanOpts{})
	if got := verdictSummary(plan.Blockers()); len(got) != 1 || !strings.HasPrefix(got[0], "guardrail.traffic-guard fail cluster.api-prod: no step may leave the cluster with nothing serving") {
		t.Errorf("resize to 0: blockers %q; want the traffic guard", got)
	}
	if diags := plan.ApplyOverrides([]Override{{Guardrail: "guardrail.traffic-guard", Reason: "x"}}); !diags.HasErrors() {
		t.Error("the traffic guard was overridden; it is mandatory by default")
	}
	// Configured overridable, a reason lets it through.
	plan = f.plan(oneProtected(app, 0, true, `guardrail "capacity-drop" { enabled = false }
guardrail "traffic-guard" { enforcement = "overridable" }`), PlanOpts{})
	if diags := plan.ApplyOverrides([]Override{{Guardrail: "guardrail.traffic-guard", Reason: "maintenance"}}); diags.HasErrors() || len(plan.Blockers()) > 0 {
		t.Errorf("overridable traffic guard: %v, blockers %q", diags, verdictSummary(plan.Blockers()))
	}

	// A protected environment's cluster is not destroyed.
	plan = f.plan(oneProtected(app, 4, true, ""), PlanOpts{Mode: DestroyMode})
	want = []string{"guardrail.protected-environment fail cluster.api-prod: cluster.api-prod is in prod, which is protected: its clusters are not destroyed"}
	if got := verdictSummary(plan.Blockers()); !cmp.Equal(got, want) {
		t.Errorf("destroying: blockers %q; want %q", got, want)
	}
	// Nor when the cluster leaves the configuration, with its
	// environment: the state knows both.
	for _, src := range []string{"environment \"prod\" { protected = true }\n", ""} {
		plan = f.plan(src, PlanOpts{})
		if got := verdictSummary(plan.Blockers()); !cmp.Equal(got, want) {
			t.Errorf("removing the cluster (config %q): blockers %q; want %q", src, got, want)
		}
	}
}

// Environments and guardrails govern the whole plan: one declared in a
// module is an error, not silently ignored.
func TestRailingsInModule(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.writeModule("m", `
guardrail "never" {
  enforcement = "mandatory"
  condition   = false
  message     = "never"
}
environment "qa" {}
`)
	var details []string
	for _, d := range f.planErr(`module "m" { source = "./m" }`, PlanOpts{}) {
		details = append(details, d.Detail)
	}
	all := strings.Join(details, "\n")
	for _, want := range []string{`Guardrail "never" is declared in module module.m`, `Environment "qa" is declared in module module.m`} {
		if !strings.Contains(all, want) {
			t.Errorf("diagnostics %s; want %q", all, want)
		}
	}
}

// Ctrl-C during the soak ends the wait: staging keeps its new version,
// prod is not touched, and the apply says it was interrupted.
func TestSoakInterrupted(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	monday := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	f.clock = &fakeClock{now: monday}
	app := buildApp(t, f.dir)
	t.Cleanup(func() { f.applyErr(twoEnvironments(app, "v1", "v1"), PlanOpts{Mode: DestroyMode}) })
	f.state.Environments["prod"] = &state.Environment{Name: "prod", Approvals: []*state.Decision{
		{Cluster: "api-prod", Version: "v1", Actor: "ana"}, {Cluster: "api-prod", Version: "v2", Actor: "ana"}}}
	if _, diags := f.applyErr(twoEnvironments(app, "v1", "v1"), PlanOpts{}); diags.HasErrors() {
		t.Fatalf("v1: %s", diags.Error())
	}

	cfg := f.config(twoEnvironments(app, "v2", "v2"))
	plan, diags := f.planner(cfg).Plan(context.Background(), PlanOpts{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := f.planner(cfg)
	p.opts.Sleep = func(ctx context.Context, d time.Duration) error {
		cancel() // Ctrl-C, while the soak runs
		<-ctx.Done()
		return ctx.Err()
	}
	s, diags := p.Apply(ctx, plan, func(*state.State) error { return nil })
	if !diags.HasErrors() || !strings.Contains(diags.Error(), "interrupted") {
		t.Errorf("apply interrupted in the soak: %v; want it to say it was interrupted", diags)
	}
	f.state = s
	if got := groupSummary(s.Clusters["api-prod"]); !cmp.Equal(got, []string{"api-prod-v000 v1 enabled"}) {
		t.Errorf("prod's groups after the interrupted soak: %q; want v1 only", got)
	}
	if got := f.getOutput("staging", "/"); got != "v2" {
		t.Errorf("staging answers %q; want v2, deployed before the soak", got)
	}
}

// A soak that outlasts prod's allowed times leaves prod as it is.
func TestWindowClosesDuringSoak(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// Friday, ten minutes before the weekend.
	f.clock = &fakeClock{now: time.Date(2026, 11, 27, 23, 50, 0, 0, time.UTC)}
	app := buildApp(t, f.dir)
	t.Cleanup(func() {
		f.clock.set(time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC))
		f.applyErr(twoEnvironments(app, "v1", "v1"), PlanOpts{Mode: DestroyMode})
	})
	f.state.Environments["prod"] = &state.Environment{Name: "prod", Approvals: []*state.Decision{{Cluster: "api-prod", Version: "v1", Actor: "ana"}}}
	_, diags := f.applyErr(twoEnvironments(app, "v1", "v1"), PlanOpts{})
	if !diags.HasErrors() || !strings.Contains(diags.Error(), "outside prod's allowed times") {
		t.Errorf("apply whose soak ends on Saturday: %v; want prod held back by its allowed times", diags)
	}
	if c := f.state.Clusters["api-prod"]; c != nil && len(c.ServerGroups) > 0 {
		t.Errorf("prod has groups %q; want none", groupSummary(c))
	}
	if got := f.getOutput("staging", "/"); got != "v1" {
		t.Errorf("staging answers %q; want v1", got)
	}
}

// A typo in applies_to is a warning: the guardrail would judge nothing.
func TestAppliesToTypo(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cfg := f.config(`
resource "local_file" "a" {
  path    = "a.txt"
  content = "a"
}
guardrail "g" {
  enforcement = "mandatory"
  applies_to  = ["local_fil", "local_file.a", "module.m.local_file.a[0]", "cluster"]
  condition   = true
  message     = "x"
}
`)
	_, diags := f.planner(cfg).Plan(context.Background(), PlanOpts{})
	var warnings []string
	for _, d := range diags {
		if d.Severity == hcl.DiagWarning {
			warnings = append(warnings, d.Detail)
		}
	}
	want := []string{`guardrail.g applies to "local_fil", which is neither a resource type nor the address of a resource or cluster of this configuration, so it judges no change by it. Check the spelling.`}
	if diff := cmp.Diff(want, warnings); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}
