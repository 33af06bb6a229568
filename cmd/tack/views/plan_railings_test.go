package views

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/config/addrs"
	"github.com/tackhq/tack/planner"
	"github.com/tackhq/tack/planner/delivery"
	"github.com/tackhq/tack/plugins/sdk"
)

// The plans with railings the view tests render: guardrails' verdicts on
// resource changes, an override, a cluster change held back by its
// environment's constraints, and a policy's results about the plan as a
// whole. The details and hints are worded as the planner words them.

// guardrailsPlan is three files, one of which fails an advisory, an
// overridable and a mandatory guardrail, and one that a guardrail cannot
// judge until its content is known.
func guardrailsPlan() *planner.Plan {
	notes := func(content string) cty.Value {
		return file(map[string]cty.Value{"id": str("n-1"), "filename": str("out/notes.txt"), "content": str(content), "file_permission": str("0644")})
	}
	p := newPlan(
		change("local_file.config[0]", planner.Create, cty.NilVal, file(map[string]cty.Value{
			"id": unknown, "filename": str("out/app.conf"), "content": str("listen = 8080"),
			"file_permission": str("0666"), "tags": strmap("env", "prod"),
		})),
		change("local_file.notes", planner.Update, notes("1.4.1"), notes("1.4.2")),
		change("local_file.report", planner.Create, cty.NilVal, file(map[string]cty.Value{
			"id": unknown, "filename": str("out/report.txt"), "content": unknown,
		})),
	)
	p.Guardrails = []*planner.GuardrailCheck{
		{Name: "guardrail.tagged-owner", Enforcement: planner.Advisory, Source: planner.GuardrailConfig, Checked: 3, Failed: 1},
		{Name: "guardrail.prod-freeze", Enforcement: planner.Overridable, Source: planner.GuardrailConfig, Checked: 3, Failed: 1},
		{Name: "guardrail.no-world-writable", Enforcement: planner.Mandatory, Source: planner.GuardrailConfig, Checked: 3, Failed: 1},
		{Name: "guardrail.small-files", Enforcement: planner.Mandatory, Source: planner.GuardrailConfig, Checked: 3, Unknown: 1},
		// It guards clusters, and there are none: it is not listed.
		{Name: "guardrail.traffic-guard", Enforcement: planner.Mandatory, Source: planner.GuardrailBuiltin},
	}
	p.Verdicts = []*planner.Verdict{
		{Guardrail: "guardrail.tagged-owner", Enforcement: planner.Advisory, Address: "local_file.config[0]", Result: planner.VerdictFail,
			Message: "every file names its owner in tags.owner"},
		{Guardrail: "guardrail.prod-freeze", Enforcement: planner.Overridable, Address: "local_file.config[0]", Result: planner.VerdictFail,
			Message: "prod files do not change during the release freeze (until 2025-03-10)"},
		{Guardrail: "guardrail.no-world-writable", Enforcement: planner.Mandatory, Address: "local_file.config[0]", Result: planner.VerdictFail,
			Message: "file_permission 0666 lets anyone write the file"},
		{Guardrail: "guardrail.small-files", Enforcement: planner.Mandatory, Address: "local_file.report", Result: planner.VerdictUnknown,
			Message: "files stay under 1 MiB"},
	}
	return p
}

// approvalBlockedDeploy is api-prod's deploy of 1.4.2, held back in prod:
// inside the window, waiting on staging, not approved, and vetoed.
func approvalBlockedDeploy() *planner.ClusterChange {
	c := redBlackDeploy()
	c.Environment = "prod"
	c.Constraints = []planner.Constraint{
		{Kind: planner.ConstraintWindow, Status: planner.ConstraintMet,
			Detail: "within the delivery policy's window (mon, tue, wed, thu 09:00-16:00 America/Los_Angeles)"},
		{Kind: planner.ConstraintDependsOn, Status: planner.ConstraintWaits, Environment: "staging",
			Detail:   "api-staging deploys 1.4.2 in this apply; it must then run healthy for 1h",
			Upstream: []string{"cluster.api-staging"}, Soak: time.Hour},
		{Kind: planner.ConstraintManualApproval, Status: planner.ConstraintBlocked, Environment: "prod",
			Detail: "awaiting approval of 1.4.2 for api-prod", Hint: "tack approve cluster.api-prod 1.4.2"},
		{Kind: planner.ConstraintVeto, Status: planner.ConstraintBlocked, Environment: "prod",
			Detail: "1.4.2 is vetoed in prod by dana@example.com (p99 latency doubles under load)", Hint: "tack veto -remove prod 1.4.2"},
	}
	c.Intended, c.Action, c.Blocked = c.Action, planner.ClusterBlocked, c.Constraints[2].Detail
	return c
}

var railingFixtures = []planFixture{
	// (a) Every kind of verdict on one change, and one undecided.
	{"railings-guardrails", guardrailsPlan},

	// (b) The same, with the overridable guardrail overridden: it no
	// longer blocks, and says who let it through and why.
	{"railings-overridden", func() *planner.Plan {
		p := guardrailsPlan()
		diags := p.ApplyOverrides([]planner.Override{{
			Guardrail: "guardrail.prod-freeze", Actor: "ana@example.com", Time: planCreated.Add(-10 * time.Minute),
			Reason: "the hotfix for INC-2041, agreed with the release manager",
		}})
		if len(diags) > 0 {
			panic(diags.Error())
		}
		return p
	}},

	// (c) A cluster deploy with a constraint met, one it waits for and
	// two that block it; staging, which it waits for, deploys first.
	{"railings-cluster", func() *planner.Plan {
		staging := clusterChange(planner.ClusterDeploy, redBlack, delivery.Group{Name: "api-staging-v007", Seq: 7, Capacity: prodSize, Enabled: true, Healthy: 3})
		staging.Addr, staging.Ref = addrs.Cluster{Name: "api-staging"}, sdk.ClusterRef{Name: "api-staging", Application: "api", Stack: "staging"}
		staging.Reason, staging.Version, staging.Group = "server_group changed: artifact, command", "1.4.2", "api-staging-v008"
		staging.Current, staging.Spec = spec("1.4.1", nil), spec("1.4.2", nil)
		staging.Steps = mustSteps(delivery.Deploy(staging.Policy, staging.Live, staging.Group, staging.Capacity))
		staging.Environment = "staging"
		staging.Constraints = []planner.Constraint{
			{Kind: planner.ConstraintWindow, Status: planner.ConstraintMet,
				Detail: "within the delivery policy's window (mon, tue, wed, thu 09:00-16:00 America/Los_Angeles)"},
			{Kind: planner.ConstraintAllowedTimes, Status: planner.ConstraintMet, Environment: "staging",
				Detail: "within staging's allowed times (mon, tue, wed, thu, fri 06:00-22:00 UTC)"},
		}
		p := newPlan()
		p.Clusters = []*planner.ClusterChange{approvalBlockedDeploy(), staging}
		p.Guardrails = []*planner.GuardrailCheck{
			{Name: "guardrail.prod-keeps-two", Enforcement: planner.Overridable, Source: planner.GuardrailConfig, Checked: 2},
			{Name: "guardrail.traffic-guard", Enforcement: planner.Mandatory, Source: planner.GuardrailBuiltin, Checked: 2},
		}
		return p
	}},

	// (d) A plan to destroy everything, held back by an overridable
	// guardrail: the command that lets it through is tack destroy's,
	// since tack apply would plan to change, not destroy.
	{"railings-destroy", func() *planner.Plan {
		report := file(map[string]cty.Value{"id": str("r-1"), "filename": str("out/report.txt")})
		p := newPlan(change("local_file.report", planner.Delete, report, cty.NilVal))
		p.Mode = planner.DestroyMode
		p.Guardrails = []*planner.GuardrailCheck{
			{Name: "guardrail.keep-reports", Enforcement: planner.Overridable, Source: planner.GuardrailConfig, Checked: 1, Failed: 1},
		}
		p.Verdicts = []*planner.Verdict{
			{Guardrail: "guardrail.keep-reports", Enforcement: planner.Overridable, Address: "local_file.report", Result: planner.VerdictFail,
				Message: "reports are kept for a year"},
		}
		return p
	}},

	// (e) A policy's results about the plan as a whole, and a verdict on
	// a change with nothing to do, which no change shown carries.
	{"railings-policy", func() *planner.Plan {
		old := func(i int) *planner.ResourceChange {
			ch := change(fmt.Sprintf("local_file.old[%d]", i), planner.Delete,
				file(map[string]cty.Value{"id": str(fmt.Sprintf("o-%d", i)), "filename": str(fmt.Sprintf("out/old%d.txt", i))}), cty.NilVal)
			ch.Reason = planner.DeleteBecauseCountIndex
			return ch
		}
		same := file(map[string]cty.Value{"id": str("s-1"), "filename": str("out/same.txt")})
		p := newPlan(old(0), old(1), old(2), change("local_file.same", planner.NoOp, same, same))
		// Failed counts changes, as the planner counts them: a result
		// about the plan as a whole is not one.
		p.Guardrails = []*planner.GuardrailCheck{
			{Name: "guardrail.tagged-owner", Enforcement: planner.Advisory, Source: planner.GuardrailConfig, Checked: 4, Failed: 1},
			{Name: "policy.main", Enforcement: planner.Mandatory, Source: planner.GuardrailPolicy, Checked: 4},
			// A package's rules share its name: each verdict is listed
			// under its own rule only.
			{Name: "policy.main", Enforcement: planner.Advisory, Source: planner.GuardrailPolicy, Checked: 4, Failed: 1},
			{Name: "policy.hygiene", Enforcement: planner.Advisory, Source: planner.GuardrailPolicy, Checked: 4},
		}
		p.Verdicts = []*planner.Verdict{
			{Guardrail: "policy.main", Enforcement: planner.Advisory, Address: "local_file.old[2]", Result: planner.VerdictFail,
				Message: "deleted without a ticket"},
			{Guardrail: "policy.main", Enforcement: planner.Mandatory, Result: planner.VerdictFail,
				Message: "this apply destroys 3 objects; at most 2 may go in one apply"},
			{Guardrail: "policy.main", Enforcement: planner.Advisory, Result: planner.VerdictFail,
				Message: "three deletions in one plan"},
			{Guardrail: "policy.hygiene", Enforcement: planner.Advisory, Result: planner.VerdictFail,
				Message: "no change names a ticket in its tags"},
			{Guardrail: "guardrail.tagged-owner", Enforcement: planner.Advisory, Address: "local_file.same", Result: planner.VerdictFail,
				Message: "every file names its owner in tags.owner"},
		}
		return p
	}},
}

// TestPlanRailingsAdvisoryOnly checks that failures that do not block —
// advisory ones, and those not decided until apply — are shown as
// warnings and never as something that stops apply, in any view.
func TestPlanRailingsAdvisoryOnly(t *testing.T) {
	t.Parallel()
	p := guardrailsPlan()
	var kept []*planner.Verdict
	for _, v := range p.Verdicts {
		if v.Enforcement == planner.Advisory || v.Result == planner.VerdictUnknown {
			kept = append(kept, v)
		}
	}
	p.Verdicts = kept
	human, js, md := renderAll(t, p)

	for view, out := range map[string]string{"human": human, "markdown": md} {
		if strings.Contains(out, "Apply is blocked") || strings.Contains(out, "to go ahead") {
			t.Errorf("the %s view of a plan with only advisory failures says apply is blocked:\n%s", view, out)
		}
	}
	// The warnings are there: the test would notice them turned into
	// blockers, or dropped.
	for _, want := range []string{
		"      ! guardrail.tagged-owner (advisory) fails: every file names its owner in tags.owner\n",
		"      ? guardrail.small-files (mandatory) cannot be decided until apply: files stay under 1 MiB\n",
	} {
		if !strings.Contains(human, want) {
			t.Errorf("the human view lacks %q:\n%s", want, human)
		}
	}
	if !strings.Contains(md, "#### Warnings\n\n- `guardrail.tagged-owner` (advisory) fails on `local_file.config[0]`") {
		t.Errorf("the markdown view lacks the warning:\n%s", md)
	}
	var got struct {
		Blocked  bool
		Blockers []any
	}
	if err := json.Unmarshal([]byte(js), &got); err != nil {
		t.Fatal(err)
	}
	if got.Blocked || len(got.Blockers) != 0 {
		t.Errorf("JSON: blocked = %v, blockers = %v; want false and none", got.Blocked, got.Blockers)
	}
}

// TestPlanJSONPolicyInput checks that a cluster change in the JSON plan,
// which Rego policies read as input, has what a policy decides on.
func TestPlanJSONPolicyInput(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := RenderPlanJSON(&b, fixture(t, "railings-cluster")); err != nil {
		t.Fatal(err)
	}
	var got struct {
		ClusterChanges []map[string]any `json:"cluster_changes"`
		Blocked        bool
		Blockers       []map[string]any
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := []map[string]any{
		{"address": "cluster.api-prod", "environment": "prod", "action": "blocked", "intended": "deploy", "strategy": "red_black", "version": "1.4.2",
			"capacity": map[string]any{"min": 2.0, "desired": 3.0, "max": 6.0}},
		{"address": "cluster.api-staging", "environment": "staging", "action": "deploy", "strategy": "red_black", "version": "1.4.2",
			"capacity": map[string]any{"min": 2.0, "desired": 3.0, "max": 6.0}},
	}
	var fields []map[string]any
	for _, c := range got.ClusterChanges {
		f := map[string]any{}
		for k := range want[0] { // intended is absent from an unblocked change
			if v, ok := c[k]; ok {
				f[k] = v
			}
		}
		fields = append(fields, f)
	}
	if diff := cmp.Diff(want, fields); diff != "" {
		t.Errorf("cluster changes (-want +got):\n%s", diff)
	}

	// What holds api-prod back, with how to get past each, for a bot to
	// post. It is not blocked: apply deploys staging and leaves api-prod
	// as it is, so a bot that waits for blocked to clear would wait on
	// something apply does not.
	var hints []string
	for _, bl := range got.Blockers {
		hints = append(hints, bl["kind"].(string)+" "+bl["constraint"].(string)+": "+bl["hint"].(string))
	}
	if got.Blocked || !cmp.Equal(hints, []string{
		"constraint manual_approval: tack approve cluster.api-prod 1.4.2",
		"constraint veto: tack veto -remove prod 1.4.2",
	}) {
		t.Errorf("blocked = %v, blockers %q; want false, and the two constraints", got.Blocked, hints)
	}
}

// TestPlanBlockedSplit checks that a guardrail that blocks apply and a
// cluster change that is held back are told apart in every view: the
// first stops apply from starting, the second only keeps its cluster as
// it is. A reviewer who read a held cluster as a blocked apply would
// not expect the other changes to be made.
func TestPlanBlockedSplit(t *testing.T) {
	t.Parallel()
	p := fixture(t, "railings-cluster")
	p.Verdicts = []*planner.Verdict{
		{Guardrail: "guardrail.prod-keeps-two", Enforcement: planner.Overridable, Address: "cluster.api-staging", Result: planner.VerdictFail,
			Message: "production clusters keep at least two instances"},
	}
	human, js, md := renderAll(t, p)

	blocked := strings.Index(human, "Apply is blocked:\n")
	held := strings.Index(human, "Not applied until unblocked:\n")
	if blocked < 0 || held < blocked {
		t.Fatalf("the human view does not list what blocks apply, then the clusters held back:\n%s", human)
	}
	for _, c := range []struct {
		want     string
		from, to int
	}{
		{"guardrail.prod-keeps-two (overridable) fails on cluster.api-staging", blocked, held},
		{"cluster.api-prod is blocked by manual_approval in prod", held, len(human)},
	} {
		if i := strings.Index(human, c.want); i < c.from || i > c.to {
			t.Errorf("the human view has %q out of its section:\n%s", c.want, human)
		}
	}

	blocked = strings.Index(md, "#### ⛔ Apply is blocked\n")
	held = strings.Index(md, "#### ⏸️ Not applied until unblocked\n")
	if blocked < 0 || held < blocked {
		t.Fatalf("the markdown view does not list what blocks apply, then the clusters held back:\n%s", md)
	}
	if i := strings.Index(md, "- `cluster.api-prod` is blocked"); i < held {
		t.Errorf("the markdown view lists the held cluster before its section:\n%s", md)
	}

	var got struct {
		Blocked  bool
		Blockers []struct{ Kind string }
	}
	if err := json.Unmarshal([]byte(js), &got); err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, b := range got.Blockers {
		kinds = append(kinds, b.Kind)
	}
	if !got.Blocked || !cmp.Equal(kinds, []string{"guardrail", "constraint", "constraint"}) {
		t.Errorf("JSON: blocked = %v, blockers of kinds %q; want true, and the guardrail then the constraints", got.Blocked, kinds)
	}
}

// TestPlanMarkdownCutKeepsBlockers checks that what blocks apply is
// never what the markdown limit cuts: under a limit that leaves out most
// destroys and every detail, the blockers are all listed, hints
// included, before anything else.
func TestPlanMarkdownCutKeepsBlockers(t *testing.T) {
	t.Parallel()
	p := bigPlan(200)
	rc := fixture(t, "railings-cluster")
	p.Clusters, p.Guardrails = rc.Clusters, rc.Guardrails
	p.Verdicts = []*planner.Verdict{
		{Guardrail: "policy.main", Enforcement: planner.Mandatory, Result: planner.VerdictFail, Message: "this apply destroys 10 objects; at most 2 may go in one apply"},
		{Guardrail: "guardrail.prod-freeze", Enforcement: planner.Overridable, Address: "local_file.f[1]", Result: planner.VerdictFail, Message: "prod files do not change during the release freeze"},
	}
	const limit = 2500
	md := renderMarkdown(p, limit)
	if len(md) >= limit {
		t.Errorf("markdown is %d bytes, want fewer than %d", len(md), limit)
	}
	blocked := strings.Index(md, "#### ⛔ Apply is blocked")
	destroys := strings.Index(md, "#### ⚠️ Destroys and replacements")
	if blocked < 0 || destroys < blocked {
		t.Fatalf("the blockers are not listed first:\n%s", md)
	}
	for _, want := range []string{
		"`policy.main` (mandatory) fails on the plan as a whole",
		"to go ahead: `tack apply -override=guardrail.prod-freeze -reason=\"…\"`",
		"to go ahead: `tack approve cluster.api-prod 1.4.2`",
		"to go ahead: `tack veto -remove prod 1.4.2`",
	} {
		if i := strings.Index(md, want); i < blocked || i > destroys {
			t.Errorf("the blockers lack %q:\n%s", want, md[:destroys])
		}
	}
	// The limit did bite: the destroys are cut.
	if !strings.Contains(md[destroys:], "more, not listed (2,500-character limit)._") {
		t.Errorf("the destroys were not cut:\n%s", md)
	}
}

// TestPlanRailingsQuiet checks that a plan whose guardrails applied to
// none of its changes, as tack's built-in ones of clusters do in a plan
// without clusters, reads as it did before guardrails: they are in the
// JSON, and nowhere else.
func TestPlanRailingsQuiet(t *testing.T) {
	t.Parallel()
	p := fixture(t, "create")
	p.Guardrails = []*planner.GuardrailCheck{
		{Name: "guardrail.traffic-guard", Enforcement: planner.Mandatory, Source: planner.GuardrailBuiltin},
		{Name: "guardrail.capacity-drop", Enforcement: planner.Overridable, Source: planner.GuardrailBuiltin},
	}
	human, js, md := renderAll(t, p)
	wantHuman, wantJSON, wantMD := renderAll(t, fixture(t, "create"))
	if diff := cmp.Diff(wantHuman, human); diff != "" {
		t.Errorf("human view (-without guardrails +with):\n%s", diff)
	}
	if diff := cmp.Diff(wantMD, md); diff != "" {
		t.Errorf("markdown view (-without guardrails +with):\n%s", diff)
	}
	if js == wantJSON || !strings.Contains(js, `"name": "guardrail.capacity-drop"`) {
		t.Errorf("the JSON view does not list the guardrails:\n%s", js)
	}
}
