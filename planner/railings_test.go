package planner

import (
	"context"
	"os"
	"path/filepath"
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

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func statFile(dir, name string) (os.FileInfo, error) { return os.Stat(filepath.Join(dir, name)) }
