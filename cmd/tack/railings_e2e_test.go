package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// promotion is a scratch directory with api in staging and prod on the
// local platform: prod depends on staging with a soak, needs approval,
// deploys only on the days it lists, is protected, and may lose at most
// a quarter of its capacity in one apply.
type promotion struct {
	*e2e
	staging, prod string // versions
	soak          string
	days          []string
	protected     bool
	prodDesired   int
}

func newPromotion(t *testing.T) *promotion {
	t.Helper()
	p := &promotion{
		e2e:     &e2e{t: t, tack: buildTack(t), providers: buildProviders(t), app: buildTestApp(t), dir: t.TempDir()},
		staging: "v1", prod: "v1", soak: "2s", protected: true, prodDesired: 2,
		// Today and tomorrow, in UTC: the tests move the clock by less
		// than a day, except the one that closes the window.
		days: []string{weekday(time.Now()), weekday(time.Now().Add(24 * time.Hour))},
	}
	p.write()
	if out, status := p.run("init"); status != 0 {
		t.Fatalf("tack init: status %d\n%s", status, out)
	}
	t.Cleanup(func() {
		p.protected = false
		p.write()
		p.teardown()
	})
	return p
}

func weekday(t time.Time) string { return strings.ToLower(t.UTC().Weekday().String()[:3]) }

func (p *promotion) write() {
	p.t.Helper()
	cluster := func(env, version string, desired int) string {
		return fmt.Sprintf(`
resource "local_load_balancer" %[1]q {
  listen = "127.0.0.1:0"
  health_check {
    path                = "/healthz"
    interval            = "200ms"
    healthy_threshold   = 1
    unhealthy_threshold = 3
  }
}

cluster "api-%[1]s" {
  application    = application.api
  stack          = %[1]q
  environment    = environment.%[1]s
  provider       = local
  delivery       = delivery_policy.safe
  load_balancers = [local_load_balancer.%[1]s.id]
  capacity { desired = %[4]d }
  server_group {
    command      = [%[3]q]
    version      = %[2]q
    stop_timeout = "5s"
  }
}

output %[1]q { value = local_load_balancer.%[1]s.address }
`, env, version, p.app, desired)
	}
	var days []string
	for _, d := range p.days {
		days = append(days, fmt.Sprintf("%q", d))
	}
	src := fmt.Sprintf(`provider "local" {}

application "api" { owner = "edge@example.com" }

delivery_policy "safe" {
  strategy = "red_black"
  health { healthy_deadline = "5s" }
}

environment "staging" {}

environment "prod" {
  depends_on      = [environment.staging]
  soak            = %q
  manual_approval = true
  protected       = %t
  allowed_times { days = [%s] }
}

guardrail "capacity-drop" { max_drop = 0.25 }
`, p.soak, p.protected, strings.Join(days, ", ")) + cluster("staging", p.staging, 1) + cluster("prod", p.prod, p.prodDesired)
	if err := os.WriteFile(filepath.Join(p.dir, "main.tack.hcl"), []byte(src), 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// at runs tack with the clock moved by offset.
func (p *promotion) at(offset time.Duration, sub string, args ...string) (string, int) {
	p.t.Helper()
	saved := p.env
	p.env = append(append([]string(nil), saved...), "TACK_CLOCK_OFFSET="+offset.String(), "TACK_ACTOR=ana")
	defer func() { p.env = saved }()
	return p.run(sub, args...)
}

// answers is the version the environment's load balancer answers with.
func (p *promotion) answers(env string) string {
	p.t.Helper()
	out, status := p.run("output", "-raw", env)
	if status != 0 {
		p.t.Fatalf("tack output %s: status %d\n%s", env, status, out)
	}
	resp, err := http.Get("http://" + strings.TrimSpace(out) + "/")
	if err != nil {
		p.t.Fatalf("GET %s: %v", env, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return strings.TrimSpace(string(b))
}

// normalize replaces in tack's output what changes from run to run: the
// test app's path, times, how long a version has run, and the days the
// window lists; and leaves out the refresh lines.
func (p *promotion) normalize(out string) string {
	out = strings.ReplaceAll(out, p.app, "$APP")
	// Refreshes run in parallel, so their lines come in any order; they
	// are progress, not the plan.
	out = regexp.MustCompile(`(?m)^.*: Refreshing state\.\.\..*\n`).ReplaceAllString(out, "")
	out = regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC`).ReplaceAllString(out, "<time>")
	out = regexp.MustCompile(`has run (\S+) for \S+ of`).ReplaceAllString(out, "has run $1 for <elapsed> of")
	out = regexp.MustCompile(`healthy for \S+ \(soak`).ReplaceAllString(out, "healthy for <elapsed> (soak")
	out = regexp.MustCompile(`(allowed times \()[a-z, ]+(\))`).ReplaceAllString(out, "$1<days>$2")
	return out
}

func (p *promotion) must(out string, status int) string {
	p.t.Helper()
	if status != 0 {
		p.t.Fatalf("status %d\n%s", status, out)
	}
	return out
}

// TestPromotion carries versions from staging to prod through the real
// binaries on the local platform, with the clock moved by
// TACK_CLOCK_OFFSET: nothing sleeps for a soak or a window but tack
// itself, for the 2s soak of the first apply.
func TestPromotion(t *testing.T) {
	t.Parallel()
	p := newPromotion(t)

	// v1 to both in one apply: staging first, then prod waits out the
	// soak before its first step.
	p.must(p.at(0, "approve", "cluster.api-prod", "v1"))
	r := p.runJSON("apply", "-auto-approve")
	if r.Status != 0 {
		t.Fatalf("first apply: status %d\n%s", r.Status, r.Out)
	}
	stagingDone := r.at(t, "wait until 1/1 healthy (deadline 5s)", "done")
	for _, s := range r.Steps {
		if s.Step == "enable api-staging-v000" && s.Phase == "done" {
			stagingDone = s.At
		}
	}
	prodStart := r.at(t, "create api-prod-v000 (2 instances, disabled)", "started")
	if prodStart.Sub(stagingDone) < 2*time.Second {
		t.Errorf("prod's first step started %s after staging was enabled; want the 2s soak between", prodStart.Sub(stagingDone))
	}
	if !strings.Contains(r.Out, `"phase":"soak"`) {
		t.Errorf("no soak message in the apply's JSON:\n%s", r.Out)
	}
	if p.answers("staging") != "v1" || p.answers("prod") != "v1" {
		t.Fatal("v1 does not serve in both environments")
	}

	// v2 reaches staging. Prod may not have it yet: the 10m soak has
	// just begun, and nobody approved it.
	p.soak, p.staging = "10m", "v2"
	p.write()
	p.must(p.at(0, "apply", "-auto-approve"))
	p.prod = "v2"
	p.write()
	out, status := p.at(time.Minute, "plan", "-detailed-exitcode")
	if status != 2 {
		t.Fatalf("plan of prod v2: status %d; want 2 (changes, blocked)\n%s", status, out)
	}
	golden(t, "railings/plan-blocked.golden", p.normalize(out))
	out, status = p.at(time.Minute, "apply", "-auto-approve")
	if status == 0 || !strings.Contains(out, "tack approve cluster.api-prod v2") || !strings.Contains(out, "apply again after") {
		t.Errorf("apply of blocked prod v2: status %d; want a failure saying how to go ahead\n%s", status, out)
	}
	if got := p.answers("prod"); got != "v1" {
		t.Fatalf("prod answers %s after a blocked apply; want v1", got)
	}

	// Approved and soaked: a plan made now is clean, but applied a day
	// later, when prod's allowed times are closed, it is refused.
	p.must(p.at(time.Minute, "approve", "cluster.api-prod", "v2"))
	soaked := 11 * time.Minute
	p.days = []string{weekday(time.Now().Add(soaked))}
	p.write()
	out = p.must(p.at(soaked, "plan", "-out=prod.plan"))
	if !strings.Contains(out, "✓ depends_on staging: api-staging has run v2 healthy for") || !strings.Contains(out, "✓ manual_approval in prod: v2 is approved for api-prod by ana") {
		t.Errorf("the plan once soaked and approved does not say so:\n%s", out)
	}
	out, status = p.at(soaked+24*time.Hour, "apply", "prod.plan")
	if status == 0 || !strings.Contains(out, "outside prod's allowed times") {
		t.Errorf("applying the plan when the window has closed: status %d\n%s", status, out)
	}
	if got := p.answers("prod"); got != "v1" {
		t.Fatalf("prod answers %s after the window refused; want v1", got)
	}
	p.must(p.at(soaked, "apply", "-auto-approve"))
	if got := p.answers("prod"); got != "v2" {
		t.Fatalf("prod answers %s; want v2", got)
	}

	// v3 is vetoed in prod: approved and soaked in staging, it still
	// never reaches prod.
	p.must(p.at(soaked, "veto", "-reason=leaks memory", "prod", "v3"))
	p.staging = "v3"
	p.write()
	p.must(p.at(soaked, "apply", "-auto-approve"))
	p.must(p.at(soaked, "approve", "cluster.api-prod", "v3"))
	p.prod = "v3"
	later := soaked + 15*time.Minute
	p.days = []string{weekday(time.Now().Add(later))}
	p.write()
	out, status = p.at(later, "apply", "-auto-approve")
	if status == 0 || !strings.Contains(out, "v3 is vetoed in prod by ana (leaks memory)") || !strings.Contains(out, "tack veto -remove prod v3") {
		t.Errorf("apply of vetoed v3: status %d\n%s", status, out)
	}
	if got := p.answers("prod"); got != "v2" {
		t.Fatalf("prod answers %s; want v2: v3 is vetoed", got)
	}

	// Lifted, the veto gives way to a pin: prod stays at v2.
	p.must(p.at(later, "veto", "-remove", "prod", "v3"))
	p.must(p.at(later, "pin", "-reason=release freeze", "prod", "v2"))
	out, status = p.at(later, "plan", "-detailed-exitcode")
	if status != 2 {
		t.Fatalf("plan of v3 to a pinned prod: status %d; want 2\n%s", status, out)
	}
	golden(t, "railings/plan-pinned.golden", p.normalize(out))
	p.must(p.at(later, "pin", "-remove", "prod"))

	// Back at v2, prod may not lose its capacity: to nothing, the
	// traffic guard refuses; by more than a quarter, capacity-drop does,
	// unless overridden.
	p.prod, p.prodDesired = "v2", 0
	p.write()
	out, status = p.at(later, "plan", "-detailed-exitcode")
	if status != 2 {
		t.Fatalf("plan of prod to 0: status %d; want 2\n%s", status, out)
	}
	golden(t, "railings/plan-capacity.golden", p.normalize(out))
	p.prodDesired = 1
	p.write()
	out, status = p.at(later, "apply", "-auto-approve")
	if status == 0 || !strings.Contains(out, "Apply blocked by guardrail.capacity-drop") {
		t.Errorf("apply of prod to 1: status %d; want it blocked by capacity-drop\n%s", status, out)
	}
	p.must(p.at(later, "apply", "-auto-approve", "-override=guardrail.capacity-drop", "-reason=load test"))
	if out := p.must(p.at(later, "show")); !strings.Contains(out, "guardrail.capacity-drop overridden by ana: load test") {
		t.Errorf("tack show does not list the override:\n%s", out)
	}

	// prod is protected: tack destroy is refused before it touches
	// anything.
	out, status = p.at(later, "destroy", "-auto-approve")
	if status == 0 || !strings.Contains(out, "guardrail.protected-environment") {
		t.Errorf("destroying a protected environment: status %d\n%s", status, out)
	}
	if got := p.answers("prod"); got != "v2" {
		t.Fatalf("prod answers %s after a refused destroy; want v2", got)
	}
}
