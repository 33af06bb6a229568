package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// These tests deliver new versions of the local platform's test app
// (plugins/providers/local/testdata/app) through the real tack and
// tack-provider-local binaries, while a [load] sends requests through the
// load balancer, and check what the users of the cluster would see: no
// request fails, and the version that answers changes exactly as the
// deployment's steps say.

// e2eHealth is the health gate and rollback of every test's delivery
// policy: a deadline short enough for a broken version to fail fast.
const e2eHealth = `
  health { healthy_deadline = "3s" }
  rollback { on_failure = true }
`

// e2e is a scratch directory with a cluster of the test app, delivered
// by the policy it was made with.
type e2e struct {
	t                    testing.TB
	tack, providers, app string
	dir                  string
	policy               string // the delivery_policy's strategy settings
	desired              int
	addr                 string   // the load balancer's, once applied
	env                  []string // set for every tack run, over the test's own
}

// newE2E writes the configuration, runs tack init, and arranges for the
// cluster to be destroyed when the test ends.
func newE2E(tb testing.TB, policy string, desired int) *e2e {
	tb.Helper()
	e := &e2e{t: tb, tack: buildTack(tb), providers: buildProviders(tb), app: buildTestApp(tb), dir: tb.TempDir(), policy: policy, desired: desired}
	e.write("v1", nil)
	if out, status := e.run("init"); status != 0 {
		tb.Fatalf("tack init: status %d\n%s", status, out)
	}
	tb.Cleanup(e.teardown)
	return e
}

// write writes the configuration with the server group at version, and
// env for its instances.
func (e *e2e) write(version string, env map[string]string) {
	e.t.Helper()
	var envs []string
	for k, v := range env {
		envs = append(envs, fmt.Sprintf("%s = %q", k, v))
	}
	src := fmt.Sprintf(`provider "local" {}

application "api" { owner = "edge@example.com" }

resource "local_load_balancer" "api" {
  listen        = "127.0.0.1:0"
  drain_timeout = "5s"
  health_check {
    path                = "/healthz"
    interval            = "200ms"
    healthy_threshold   = 1
    unhealthy_threshold = 3
  }
}

delivery_policy "p" {
%s
%s
}

cluster "api-prod" {
  application    = application.api
  stack          = "prod"
  provider       = local
  delivery       = delivery_policy.p
  load_balancers = [local_load_balancer.api.id]
  capacity { desired = %d }
  server_group {
    command      = [%q]
    version      = %q
    env          = { %s }
    stop_timeout = "5s"
  }
}

output "address" { value = local_load_balancer.api.address }
`, e.policy, e2eHealth, e.desired, e.app, version, strings.Join(envs, ", "))
	if err := os.WriteFile(filepath.Join(e.dir, "main.tack.hcl"), []byte(src), 0o644); err != nil {
		e.t.Fatal(err)
	}
}

// command is tack's subcommand sub with args in the scratch directory,
// in a process group of its own. The options every test needs come
// first, before arguments that are not options.
func (e *e2e) command(sub string, args ...string) *exec.Cmd {
	all := []string{sub}
	switch sub {
	case "output", "approve", "veto", "pin":
	case "show":
		all = append(all, "-no-color")
	case "init":
		all = append(all, "-plugin-dir="+e.providers)
	default:
		all = append(all, "-plugin-dir="+e.providers, "-no-color", "-input=false")
	}
	cmd := exec.Command(e.tack, append(all, args...)...)
	cmd.Dir = e.dir
	cmd.Env = append(append(os.Environ(), e.env...), "TACK_IN_AUTOMATION=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd
}

// run runs tack to the end: its output, stdout then stderr, and its
// exit status.
func (e *e2e) run(sub string, args ...string) (string, int) {
	e.t.Helper()
	cmd := e.command(sub, args...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	out := stdout.String() + stderr.String()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return out, ee.ExitCode()
	case err != nil:
		e.t.Fatalf("running tack %s %s: %v", sub, strings.Join(args, " "), err)
	}
	return out, 0
}

// stepEvent is a deployment_step message of tack's -json stream.
type stepEvent struct {
	At    time.Time
	Index int
	Step  string
	Group string
	Phase string
	Error string
}

// run is one tack command with -json: its output, status, and the
// deployment steps it reported, with when it started and ended.
type jsonRun struct {
	Out        string
	Status     int
	Steps      []stepEvent
	Start, End time.Time
}

// at is when the first message of step (its text) in phase came; the
// test fails if there is none.
func (r jsonRun) at(tb testing.TB, step, phase string) time.Time {
	tb.Helper()
	for _, s := range r.Steps {
		if s.Step == step && s.Phase == phase {
			return s.At
		}
	}
	tb.Fatalf("no deployment_step %q %s in:\n%s", step, phase, r.Out)
	return time.Time{}
}

// runJSON runs a tack command that takes -json.
func (e *e2e) runJSON(sub string, args ...string) jsonRun {
	e.t.Helper()
	r := jsonRun{Start: time.Now()}
	r.Out, r.Status = e.run(sub, append([]string{"-json"}, args...)...)
	r.End = time.Now()
	sc := bufio.NewScanner(strings.NewReader(r.Out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m struct {
			Timestamp  string `json:"@timestamp"`
			Type       string `json:"type"`
			Deployment *struct {
				Index int    `json:"index"`
				Step  string `json:"step"`
				Group string `json:"server_group"`
				Phase string `json:"phase"`
				Error string `json:"error"`
			} `json:"deployment"`
		}
		if json.Unmarshal(sc.Bytes(), &m) != nil || m.Type != "deployment_step" || m.Deployment == nil {
			continue
		}
		at, err := time.Parse(time.RFC3339Nano, m.Timestamp)
		if err != nil {
			e.t.Fatalf("deployment_step with @timestamp %q: %v", m.Timestamp, err)
		}
		d := m.Deployment
		r.Steps = append(r.Steps, stepEvent{At: at, Index: d.Index, Step: d.Step, Group: d.Group, Phase: d.Phase, Error: d.Error})
	}
	return r
}

// apply writes the configuration at version with env, and applies it.
func (e *e2e) apply(version string, env map[string]string) jsonRun {
	e.t.Helper()
	e.write(version, env)
	r := e.runJSON("apply", "-auto-approve")
	if e.addr == "" && r.Status == 0 {
		out, status := e.run("output", "-raw", "address")
		if status != 0 {
			e.t.Fatalf("tack output -raw address: status %d\n%s", status, out)
		}
		e.addr = strings.TrimSpace(out)
	}
	return r
}

// mustApply applies version, which must succeed.
func (e *e2e) mustApply(version string, env map[string]string) jsonRun {
	e.t.Helper()
	r := e.apply(version, env)
	if r.Status != 0 {
		e.t.Fatalf("tack apply of %s: status %d\n%s", version, r.Status, r.Out)
	}
	return r
}

// url is the load balancer's.
func (e *e2e) url() string { return "http://" + e.addr + "/" }

// teardown destroys the cluster and its load balancer, so that no
// process of the test outlives it. Should tack fail to, it kills what
// the platform's record names, and the test fails.
func (e *e2e) teardown() {
	out, status := e.run("destroy", "-auto-approve")
	if status == 0 {
		return
	}
	e.t.Errorf("tack destroy: status %d\n%s", status, out)
	p, err := readPlatform(e.dir)
	if err != nil {
		return
	}
	for _, g := range p.Groups {
		for _, in := range g.Instances {
			_ = syscall.Kill(-in.PID, syscall.SIGKILL)
		}
	}
	if pid, err := supervisorPID(e.dir); err == nil {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}

// platform is what the tests read of the local platform's state.json
// (docs/providers/local.md, "The platform directory").
type platform struct {
	Groups []struct {
		Name      string `json:"name"`
		Instances []struct {
			ID   string `json:"id"`
			Slot int    `json:"slot"`
			Port int    `json:"port"`
			PID  int    `json:"pid"`
		} `json:"instances"`
	} `json:"groups"`
	LoadBalancers []struct {
		ID      string `json:"id"`
		Address string `json:"address"`
	} `json:"load_balancers"`
}

func readPlatform(dir string) (*platform, error) {
	data, err := os.ReadFile(filepath.Join(dir, ".tack", "local", "state.json"))
	if err != nil {
		return nil, err
	}
	var p platform
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("reading the platform's state.json: %w", err)
	}
	return &p, nil
}

func supervisorPID(dir string) (int, error) {
	data, err := os.ReadFile(filepath.Join(dir, ".tack", "local", "supervisor.pid"))
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(data)))
}

// instancePIDs are the pids of every instance the platform records, by
// instance id.
func (e *e2e) instancePIDs() map[string]int {
	e.t.Helper()
	p, err := readPlatform(e.dir)
	if err != nil {
		e.t.Fatal(err)
	}
	pids := map[string]int{}
	for _, g := range p.Groups {
		for _, in := range g.Instances {
			pids[in.ID] = in.PID
		}
	}
	return pids
}

// eventually polls cond every 20ms until it holds, failing the test if
// it does not within deadline.
func eventually(tb testing.TB, deadline time.Duration, what string, cond func() bool) {
	tb.Helper()
	end := time.Now().Add(deadline)
	for !cond() {
		if time.Now().After(end) {
			tb.Fatalf("%s: not within %v", what, deadline)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// buildTestApp builds the local platform's test app.
func buildTestApp(tb testing.TB) string {
	tb.Helper()
	return filepath.Join(built(tb, "app", map[string]string{"app": "../../plugins/providers/local/testdata/app"}), "app")
}

// underLoad starts a load on the cluster and waits until it gets
// answers; after runs, it waits for more answers and returns all.
func (e *e2e) underLoad(during func()) []response {
	e.t.Helper()
	l := startLoad(e.t, e.url())
	l.waitFor(e.t, 100)
	during()
	l.waitFor(e.t, 100)
	rs := l.stop()
	e.t.Logf("load: %s", report(rs))
	return rs
}

// checkNoFailures fails the test for every request that got no answer
// or another status than 200.
func checkNoFailures(tb testing.TB, rs []response) {
	tb.Helper()
	rep := report(rs)
	if len(rep.Failed) > 0 {
		tb.Errorf("%d requests failed, %d of them by a connection reset:%s", len(rep.Failed), len(rep.Resets), firstFew(rep.Failed))
	}
	if len(rep.NotOK) > 0 {
		tb.Errorf("%d requests were answered with another status than 200:%s", len(rep.NotOK), firstFew(rep.NotOK))
	}
}

// checkSwitch checks that the answering version moves from one version
// to the next once: every request answered before from's last moment
// (the switch starting) got from, every request sent after to's first
// (the switch done) got to, and in between only the two answered.
// Requests must have been answered on both sides.
func checkSwitch(tb testing.TB, rs []response, from, to string, switchStart, switchEnd time.Time) {
	tb.Helper()
	var before, after int
	for _, r := range rs {
		if r.Err != nil {
			continue
		}
		switch {
		case r.End.Before(switchStart):
			before++
			if r.Body != from {
				tb.Errorf("before the switch (%s) %s answered; want %s only", switchStart.Format("15:04:05.000000"), r, from)
			}
		case r.Start.After(switchEnd.Add(time.Microsecond)): // the stream's times are cut to µs
			after++
			if r.Body != to {
				tb.Errorf("after the switch (%s) %s answered; want %s only", switchEnd.Format("15:04:05.000000"), r, to)
			}
		case r.Body != from && r.Body != to:
			tb.Errorf("during the switch %s answered; want %s or %s", r, from, to)
		}
	}
	if before == 0 || after == 0 {
		tb.Errorf("%d requests were answered before the switch and %d after; want some on both sides", before, after)
	}
}

// between counts the answers of each version to requests sent and
// answered within [from, to].
func between(rs []response, from, to time.Time) map[string]int {
	n := map[string]int{}
	for _, r := range rs {
		if r.Err == nil && r.Start.After(from) && r.End.Before(to) {
			n[r.Body]++
		}
	}
	return n
}

// checkMixed checks that both versions answered the requests of a
// window in which both served. With fewer than 20 there, which only a
// stalled machine gives, it says so instead: the chance that 20
// requests all went to one of two groups serving together is too small
// to tell a failure from.
func checkMixed(tb testing.TB, n map[string]int, a, b, when string) {
	tb.Helper()
	if n[a]+n[b] < 20 {
		tb.Logf("%s only %d requests were answered (%v): too few to tell whether both versions served", when, n[a]+n[b], n)
		return
	}
	if n[a] == 0 || n[b] == 0 {
		tb.Errorf("%s the answers were %v; want %s and %s", when, n, a, b)
	}
}

// TestDeliveryRedBlack: v2 is created beside v1, enabled (both serve
// while delay_before_disable lasts), then v1 is disabled; no request
// fails, v1 alone answers before the switch and v2 alone after it.
func TestDeliveryRedBlack(t *testing.T) {
	t.Parallel()
	e := newE2E(t, `
  strategy = "red_black"
  red_black {
    delay_before_disable        = "500ms"
    max_remaining_server_groups = 2
  }`, 3)
	e.mustApply("v1", nil)

	var r jsonRun
	rs := e.underLoad(func() { r = e.mustApply("v2", nil) })
	checkNoFailures(t, rs)
	enable := r.at(t, "enable api-prod-v001", "started")
	disable := r.at(t, "disable api-prod-v000", "done")
	checkSwitch(t, rs, "v1", "v2", enable, disable)
	// While both were enabled, both answered.
	overlap := between(rs, r.at(t, "enable api-prod-v001", "done"), r.at(t, "disable api-prod-v000", "started"))
	checkMixed(t, overlap, "v1", "v2", "while both groups were enabled")
}

// TestDeliveryRolling: capacity moves from v1 to v2 in three steps, each
// gated on health; old instances are drained as they go. Both answer
// during the steps, v2 alone once v1 is disabled, and no request fails.
func TestDeliveryRolling(t *testing.T) {
	t.Parallel()
	e := newE2E(t, `
  strategy = "rolling"
  rolling { steps = [25, 50, 100] }`, 4)
	e.mustApply("v1", nil)

	var r jsonRun
	rs := e.underLoad(func() { r = e.mustApply("v2", nil) })
	checkNoFailures(t, rs)
	var resizes []string
	for _, s := range r.Steps {
		if strings.HasPrefix(s.Step, "resize ") && s.Phase == "done" {
			resizes = append(resizes, s.Step)
		}
	}
	want := []string{"resize api-prod-v000 to 3 instances", "resize api-prod-v001 to 2 instances", "resize api-prod-v000 to 2 instances", "resize api-prod-v001 to 4 instances"}
	if strings.Join(resizes, "; ") != strings.Join(want, "; ") {
		t.Errorf("the rolling steps resized %q; want %q", resizes, want)
	}
	checkSwitch(t, rs, "v1", "v2", r.at(t, "enable api-prod-v001", "started"), r.at(t, "disable api-prod-v000", "done"))
	mixed := between(rs, r.at(t, "enable api-prod-v001", "done"), r.at(t, "disable api-prod-v000", "started"))
	checkMixed(t, mixed, "v1", "v2", "during the rolling steps")
}

// canaryPolicy gives a canary 30% of the traffic for 3 seconds.
const canaryPolicy = `
  strategy = "canary"
  canary {
    weight   = 30
    duration = "3s"
  }
  red_black { max_remaining_server_groups = 2 }`

// TestDeliveryCanaryPass: the canary takes its share beside v1 during
// the analysis, passes, and is promoted by red/black; no request fails.
func TestDeliveryCanaryPass(t *testing.T) {
	t.Parallel()
	e := newE2E(t, canaryPolicy, 3)
	e.mustApply("v1", nil)

	var r jsonRun
	rs := e.underLoad(func() { r = e.mustApply("v2", nil) })
	checkNoFailures(t, rs)
	checkSwitch(t, rs, "v1", "v2", r.at(t, "send 30% of traffic to api-prod-v001", "started"), r.at(t, "disable api-prod-v000", "done"))
	analysis := between(rs, r.at(t, "send 30% of traffic to api-prod-v001", "done"), r.at(t, "enable api-prod-v001", "started"))
	checkMixed(t, analysis, "v1", "v2", "during the canary's analysis")
}

// TestDeliveryCanaryFail: the canary answers its share of requests with
// 500 while passing its health checks; the analysis fails it, it is
// removed, and the apply fails saying so. The canary's errors are the
// canary's own: no request v1 answered failed, and v1 alone answers
// afterwards.
func TestDeliveryCanaryFail(t *testing.T) {
	t.Parallel()
	e := newE2E(t, canaryPolicy, 3)
	e.mustApply("v1", nil)

	var r jsonRun
	rs := e.underLoad(func() { r = e.apply("v2", map[string]string{"ROOT_STATUS": "500"}) })
	if r.Status == 0 || !strings.Contains(r.Out, "canary") {
		t.Errorf("the apply of a failing canary: status %d; want a failure naming the canary\n%s", r.Status, r.Out)
	}
	weighted := r.at(t, "send 30% of traffic to api-prod-v001", "started")
	var canaryErrors int
	for _, res := range rs {
		switch {
		case res.Err != nil:
			t.Errorf("request failed: %s", res)
		case res.Body != "v1" && res.Body != "v2":
			t.Errorf("%s answered; want v1, or the canary's v2", res)
		case res.Body == "v2" && res.End.Before(weighted):
			t.Errorf("the canary answered before it was given traffic: %s", res)
		case res.Body == "v2" && res.Start.After(r.End):
			t.Errorf("the canary answered after the apply removed it: %s", res)
		case res.Body == "v1" && res.Status != http.StatusOK:
			t.Errorf("a request v1 answered failed: %s", res)
		case res.Body == "v2" && res.Status != http.StatusOK:
			canaryErrors++
		}
	}
	if canaryErrors == 0 {
		t.Error("the canary answered no request with its 500: the analysis had nothing to fail it for")
	}
	var after int
	for _, res := range rs {
		if res.Start.After(r.End) {
			after++
		}
	}
	if after == 0 {
		t.Error("no request was answered after the apply")
	}
	if out, status := e.run("plan", "-detailed-exitcode"); status != 2 || !strings.Contains(out, "will be deployed by canary") {
		t.Errorf("the plan after the failed canary: status %d; want 2, the canary offered again\n%s", status, out)
	}
}

// TestDeliveryCanarySlowFails: the canary answers every request, but
// 20ms later than the baseline; the latency analysis fails it, it is
// removed, and no request fails at any time: a regression caught before
// users saw more than its share of slower answers.
func TestDeliveryCanarySlowFails(t *testing.T) {
	t.Parallel()
	e := newE2E(t, canaryPolicy, 3)
	e.mustApply("v1", nil)

	var r jsonRun
	rs := e.underLoad(func() { r = e.apply("v2", map[string]string{"ROOT_DELAY": "20ms"}) })
	if r.Status == 0 || !strings.Contains(r.Out, "canary failed its analysis") || !strings.Contains(r.Out, "latency") {
		t.Errorf("the apply of a slower canary: status %d; want a failure naming the canary's latency\n%s", r.Status, r.Out)
	}
	checkNoFailures(t, rs)
	weighted := r.at(t, "send 30% of traffic to api-prod-v001", "started")
	canary := 0
	for _, res := range rs {
		switch {
		case res.Err != nil:
		case res.Body != "v1" && res.Body != "v2":
			t.Errorf("%s answered; want v1, or the canary's v2", res)
		case res.Body == "v2" && res.End.Before(weighted):
			t.Errorf("the canary answered before it was given traffic: %s", res)
		case res.Body == "v2" && res.Start.After(r.End):
			t.Errorf("the canary answered after the apply removed it: %s", res)
		case res.Body == "v2":
			canary++
		}
	}
	if canary == 0 {
		t.Error("the canary answered no request: the analysis had nothing to judge")
	}
	if last := rs[len(rs)-1]; last.Body != "v1" {
		t.Errorf("after the failed canary %s answered; want v1", last)
	}
}

// TestDeliveryBrokenVersionRollsBack: v3's instances never pass their
// health check; the gate fails at its deadline, v3 is rolled back, and
// v2 answers every request throughout.
func TestDeliveryBrokenVersionRollsBack(t *testing.T) {
	t.Parallel()
	e := newE2E(t, `
  strategy = "red_black"
  red_black { max_remaining_server_groups = 2 }`, 3)
	e.mustApply("v2", nil)

	var r jsonRun
	rs := e.underLoad(func() { r = e.apply("v3", map[string]string{"UNHEALTHY": "1"}) })
	checkNoFailures(t, rs)
	for _, want := range []string{"wait until 3/3 healthy (deadline 3s)", "api-prod-v001 had 0/3 healthy", "rolled back"} {
		if !strings.Contains(r.Out, want) {
			t.Errorf("the failed apply's output does not say %q:\n%s", want, r.Out)
		}
	}
	if r.Status == 0 {
		t.Errorf("the apply of a broken version succeeded:\n%s", r.Out)
	}
	if rep := report(rs); len(rep.Versions) != 1 || rep.Versions["v2"] == 0 {
		t.Errorf("answers %v; want v2 alone", rep.Versions)
	}
	if p, err := readPlatform(e.dir); err != nil || len(p.Groups) != 1 || p.Groups[0].Name != "api-prod-v000" {
		t.Errorf("after the rollback the platform has %+v (%v); want api-prod-v000 alone", p, err)
	}
}

// TestDeliveryRollbackCommand: after v1 → v2, tack rollback puts v1 back
// in service and takes v2 out of it, as one switch; no request fails.
func TestDeliveryRollbackCommand(t *testing.T) {
	t.Parallel()
	e := newE2E(t, `
  strategy = "red_black"
  red_black { max_remaining_server_groups = 2 }`, 3)
	e.mustApply("v1", nil)
	e.mustApply("v2", nil)

	var r jsonRun
	rs := e.underLoad(func() { r = e.runJSON("rollback", "-auto-approve", "cluster.api-prod") })
	if r.Status != 0 {
		t.Fatalf("tack rollback: status %d\n%s", r.Status, r.Out)
	}
	checkNoFailures(t, rs)
	checkSwitch(t, rs, "v2", "v1", r.at(t, "enable api-prod-v000", "started"), r.at(t, "disable api-prod-v001", "done"))
}

// TestPlatformKilledInstance: an instance killed with SIGKILL is
// replaced in its slot by the supervisor, and the cluster answers every
// request meanwhile.
func TestPlatformKilledInstance(t *testing.T) {
	t.Parallel()
	e := newE2E(t, `strategy = "red_black"`, 3)
	e.mustApply("v1", nil)
	before := e.instancePIDs()
	victim := "api-prod-v000-i1"
	rs := e.underLoad(func() {
		if err := syscall.Kill(before[victim], syscall.SIGKILL); err != nil {
			t.Fatalf("killing %s (pid %d): %v", victim, before[victim], err)
		}
		// The replacement is a new instance in the victim's slot that
		// answers its health check.
		eventually(t, 10*time.Second, "a replacement of "+victim+" that is healthy", func() bool {
			p, err := readPlatform(e.dir)
			if err != nil {
				return false
			}
			for _, g := range p.Groups {
				for _, in := range g.Instances {
					if in.Slot == 1 && in.ID != victim {
						resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/healthz", in.Port))
						if err != nil {
							return false
						}
						resp.Body.Close()
						return resp.StatusCode == http.StatusOK
					}
				}
			}
			return false
		})
	})
	checkNoFailures(t, rs)
	if rep := report(rs); len(rep.Versions) != 1 {
		t.Errorf("answers %v; want v1 alone", rep.Versions)
	}
	after := e.instancePIDs()
	if len(after) != 3 || after[victim] != 0 {
		t.Errorf("instances after the kill: %v; want 3, %s replaced", after, victim)
	}
	if out, status := e.run("plan", "-detailed-exitcode"); status != 0 {
		t.Errorf("the plan after the replacement: status %d; want 0 (no changes, no drift)\n%s", status, out)
	}
}

// TestPlatformKilledSupervisor: with the supervisor killed by SIGKILL
// nothing listens on the load balancer's address, but the instances
// live on; the next tack plan starts a supervisor that adopts them
// (same pids), listens again on the same address, and finds no drift.
func TestPlatformKilledSupervisor(t *testing.T) {
	t.Parallel()
	e := newE2E(t, `strategy = "red_black"`, 3)
	e.mustApply("v1", nil)
	pids := e.instancePIDs()
	sup, err := supervisorPID(e.dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(sup, syscall.SIGKILL); err != nil {
		t.Fatalf("killing the supervisor (pid %d): %v", sup, err)
	}
	eventually(t, 10*time.Second, "the killed supervisor's load balancer stops listening", func() bool {
		resp, err := http.Get(e.url())
		if err != nil {
			return true
		}
		resp.Body.Close()
		return false
	})

	if out, status := e.run("plan", "-detailed-exitcode"); status != 0 {
		t.Errorf("the plan after the supervisor was killed: status %d; want 0 (no changes, no drift)\n%s", status, out)
	}
	if got, err := supervisorPID(e.dir); err != nil || got == sup {
		t.Errorf("the supervisor's pid after tack plan: %d (%v); want a new one, not %d", got, err, sup)
	}
	if got := e.instancePIDs(); fmt.Sprint(got) != fmt.Sprint(pids) {
		t.Errorf("instances after the restart: %v; want those before, adopted: %v", got, pids)
	}
	if p, err := readPlatform(e.dir); err != nil || len(p.LoadBalancers) != 1 || p.LoadBalancers[0].Address != e.addr {
		t.Errorf("the load balancer after the restart: %+v (%v); want it at %s", p, err, e.addr)
	}
	// Adopted instances are back in rotation after a passing check.
	eventually(t, 10*time.Second, "the load balancer answers again", func() bool {
		resp, err := http.Get(e.url())
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	rs := e.underLoad(func() {})
	checkNoFailures(t, rs)
	if rep := report(rs); len(rep.Versions) != 1 || rep.Versions["v1"] == 0 {
		t.Errorf("answers %v; want v1 alone", rep.Versions)
	}
}
