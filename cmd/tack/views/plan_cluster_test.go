package views

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
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

// The cluster plans the view tests render. Their steps come from the
// delivery package's strategies, as the planner's do, so that the
// goldens show what a user will see for each strategy.

// serverGroupSchema is the local provider's server_group block.
var serverGroupSchema = &sdk.Block{
	Attributes: map[string]*sdk.Attribute{
		"command":           {Type: cty.List(cty.String), Required: true},
		"artifact":          {Type: cty.String, Optional: true},
		"version":           {Type: cty.String, Optional: true},
		"env":               {Type: cty.Map(cty.String), Optional: true},
		"working_directory": {Type: cty.String, Optional: true},
		"stop_timeout":      {Type: cty.String, Optional: true},
	},
	BlockTypes: map[string]*sdk.NestedBlock{
		"health_check": {Nesting: sdk.NestingSingle, Block: sdk.Block{Attributes: map[string]*sdk.Attribute{
			"path":     {Type: cty.String, Optional: true},
			"interval": {Type: cty.String, Optional: true},
		}}},
	},
}

func init() {
	testSchemas["tack/local"][planner.ServerGroupSchemaKey] = serverGroupSchema
}

// spec is api's server_group block at a version; env adds to its
// environment.
func spec(version string, env map[string]cty.Value) cty.Value {
	vars := map[string]cty.Value{"LOG_LEVEL": str("info")}
	for k, v := range env {
		vars[k] = v
	}
	return serverGroupSchema.Object(map[string]cty.Value{
		"command":      strs("bin/api", "--version", version),
		"artifact":     str("bin/api@" + version),
		"env":          cty.MapVal(vars),
		"health_check": serverGroupSchema.BlockTypes["health_check"].Block.Object(map[string]cty.Value{"path": str("/healthz"), "interval": str("1s")}),
	})
}

var (
	apiProd   = sdk.ClusterRef{Name: "api-prod", Application: "api", Stack: "prod"}
	prodSize  = delivery.Capacity{Min: 2, Desired: 3, Max: 6}
	redBlack  = delivery.Policy{Strategy: "red_black", DelayBeforeDisable: 5 * time.Second, MaxRemaining: 2, MinHealthyPercent: 100, HealthyDeadline: 2 * time.Minute}
	canary    = delivery.Policy{Strategy: "canary", MaxRemaining: 2, MinHealthyPercent: 100, HealthyDeadline: 2 * time.Minute, CanaryWeight: 10, CanaryCapacity: 1, CanaryDuration: 5 * time.Minute}
	nullSpec  = cty.NullVal(cty.DynamicPseudoType)
	lbIDs     = cty.ListVal([]cty.Value{str("lb-1")})
	lbUnknown = cty.UnknownVal(cty.List(cty.String))
)

func group(seq int, c delivery.Capacity, enabled bool) delivery.Group {
	return delivery.Group{Name: delivery.GroupName(apiProd.Name, seq), Seq: seq, Capacity: c, Enabled: enabled, Healthy: c.Desired}
}

// clusterChange is a change of cluster.api-prod with what every change
// has; the fixture sets the rest.
func clusterChange(act planner.ClusterAction, policy delivery.Policy, live ...delivery.Group) *planner.ClusterChange {
	return &planner.ClusterChange{
		Addr: addrs.Cluster{Name: apiProd.Name}, Ref: apiProd, Provider: localProvider,
		Action: act, Strategy: policy.Strategy, Capacity: prodSize,
		Spec: nullSpec, Current: nullSpec, LoadBalancers: lbIDs,
		Live: live, Policy: policy, Judgement: delivery.DefaultJudgement, Rollback: delivery.Rollback{OnFailure: true},
	}
}

func mustSteps(steps []delivery.Step, err error) []delivery.Step {
	if err != nil {
		panic(err)
	}
	return steps
}

// redBlackDeploy is api-prod going from v042 to v043 by red/black,
// v040 retired.
func redBlackDeploy() *planner.ClusterChange {
	token := map[string]cty.Value{"API_TOKEN": secret(str("tok-SECRET"))}
	c := clusterChange(planner.ClusterDeploy, redBlack, group(40, prodSize, false), group(42, prodSize, true))
	c.Reason, c.Version, c.Group = "server_group changed: artifact, command", "1.4.2", "api-prod-v043"
	c.Current, c.Spec = spec("1.4.1", token), spec("1.4.2", token)
	c.Steps = mustSteps(delivery.Deploy(c.Policy, c.Live, c.Group, c.Capacity))
	return c
}

var clusterFixtures = []planFixture{
	{"cluster-create", func() *planner.Plan {
		c := clusterChange(planner.ClusterCreate, redBlack)
		c.Reason, c.Version, c.Group = "the cluster has no server group yet", "1.4.2", "api-prod-v000"
		c.Spec = spec("1.4.2", map[string]cty.Value{"UPSTREAM": unknown})
		c.LoadBalancers = lbUnknown
		c.Steps = mustSteps(delivery.Deploy(c.Policy, nil, c.Group, c.Capacity))
		p := newPlan(change("local_load_balancer.api", planner.Create, cty.NilVal, lb(map[string]cty.Value{
			"id": unknown, "name": str("api"), "listen": str("127.0.0.1:8080"),
		})))
		p.Clusters = []*planner.ClusterChange{c}
		return p
	}},

	{"cluster-red-black", func() *planner.Plan {
		// The staging cluster has nothing to do, and is not shown.
		same := spec("1.4.1", nil)
		staging := clusterChange(planner.ClusterNoOp, redBlack, delivery.Group{Name: "api-staging-v007", Seq: 7, Capacity: prodSize, Enabled: true, Healthy: 3})
		staging.Addr, staging.Ref = addrs.Cluster{Name: "api-staging"}, sdk.ClusterRef{Name: "api-staging", Application: "api", Stack: "staging"}
		staging.Current, staging.Spec, staging.Version = same, same, "1.4.1"
		p := newPlan()
		p.Clusters = []*planner.ClusterChange{redBlackDeploy(), staging}
		return p
	}},

	{"cluster-canary", func() *planner.Plan {
		c := clusterChange(planner.ClusterDeploy, canary, group(42, prodSize, true))
		c.Reason, c.Version, c.Group = "server_group changed: artifact, command", "1.5.0", "api-prod-v043"
		c.Current, c.Spec = spec("1.4.2", nil), spec("1.5.0", nil)
		c.Steps = mustSteps(delivery.Deploy(c.Policy, c.Live, c.Group, c.Capacity))
		return &planner.Plan{Lineage: "8d2f0c52-6c1e-4b8e-9f3a-2f6f3c1d9e70", Serial: 7, Schemas: testSchemas, Created: planCreated,
			Clusters: []*planner.ClusterChange{c}}
	}},

	{"cluster-resize", func() *planner.Plan {
		c := clusterChange(planner.ClusterResize, redBlack, group(42, prodSize, true))
		c.Capacity = delivery.Capacity{Min: 2, Desired: 5, Max: 10}
		c.Reason, c.Version, c.Group = "capacity changed: desired 3 → 5 (min 2 → 2, max 6 → 10)", "1.4.2", "api-prod-v042"
		c.Current, c.Spec = spec("1.4.2", nil), spec("1.4.2", nil)
		c.Steps = delivery.Resize(c.Group, c.Capacity)
		p := newPlan()
		p.Clusters = []*planner.ClusterChange{c}
		return p
	}},

	{"cluster-resume", func() *planner.Plan {
		// An apply was killed after v043 was created and found healthy,
		// before traffic moved to it.
		v043 := group(43, prodSize, false)
		c := clusterChange(planner.ClusterResume, redBlack, group(41, prodSize, false), group(42, prodSize, true), v043)
		c.Reason, c.Version, c.Group = "the deployment of api-prod-v043 stopped before it finished", "1.4.2", v043.Name
		c.Current, c.Spec = spec("1.4.1", nil), spec("1.4.2", nil)
		c.Steps = delivery.Resume(c.Policy, c.Live, c.Group, c.Capacity)
		p := newPlan()
		p.Clusters = []*planner.ClusterChange{c}
		return p
	}},

	{"cluster-destroy", func() *planner.Plan {
		c := clusterChange(planner.ClusterDestroy, redBlack, group(41, prodSize, false), group(42, prodSize, true))
		c.Reason, c.Strategy, c.Capacity = "it is not in the configuration", "", delivery.Capacity{}
		c.Current, c.LoadBalancers = spec("1.4.2", nil), cty.ListValEmpty(cty.String)
		c.Steps = delivery.Teardown(c.Live)
		// Every group of api-old went outside tack: only its record goes.
		old := clusterChange(planner.ClusterDestroy, redBlack)
		old.Addr, old.Ref = addrs.Cluster{Name: "api-old"}, sdk.ClusterRef{Name: "api-old", Application: "api", Stack: "old"}
		old.Reason, old.Strategy, old.Capacity = "it is not in the configuration", "", delivery.Capacity{}
		p := newPlan()
		p.Clusters = []*planner.ClusterChange{old, c}
		return p
	}},

	{"cluster-blocked", func() *planner.Plan {
		c := redBlackDeploy()
		c.Intended, c.Action = c.Action, planner.ClusterBlocked
		c.Blocked = "outside the delivery policy's window (mon, tue, wed, thu 09:00-16:00 America/Los_Angeles)"
		p := newPlan(change("local_file.notes", planner.Update,
			file(map[string]cty.Value{"id": str("n-1"), "filename": str("out/notes.txt"), "content": str("1.4.1")}),
			file(map[string]cty.Value{"id": str("n-1"), "filename": str("out/notes.txt"), "content": str("1.4.2")})))
		p.Clusters = []*planner.ClusterChange{c}
		return p
	}},

	{"cluster-drift", func() *planner.Plan {
		// Someone scaled v042 down by hand and destroyed v041; the plan
		// scales v042 back up.
		c := clusterChange(planner.ClusterResize, redBlack, group(42, delivery.Capacity{Min: 1, Desired: 1, Max: 6}, true))
		c.Reason, c.Version, c.Group = "capacity changed: desired 1 → 3 (min 1 → 2, max 6 → 6)", "1.4.2", "api-prod-v042"
		c.Current, c.Spec = spec("1.4.2", nil), spec("1.4.2", nil)
		c.Steps = delivery.Resize(c.Group, c.Capacity)
		p := newPlan()
		p.Clusters = []*planner.ClusterChange{c}
		p.ClusterDrift = []*planner.ClusterDrift{
			{Cluster: "api-prod", Group: "api-prod-v041", Change: "was destroyed outside tack"},
			{Cluster: "api-prod", Group: "api-prod-v042", Change: "resized outside tack from 3 to 1 instances"},
		}
		return p
	}},

	{"cluster-drift-refresh-only", func() *planner.Plan {
		p := newPlan()
		p.Mode = planner.RefreshOnlyMode
		p.ClusterDrift = []*planner.ClusterDrift{{Cluster: "api-prod", Group: "api-prod-v042", Change: "was disabled outside tack"}}
		return p
	}},
}

// TestPlanClusterSteps checks the human view's steps against the
// deployment a user was promised (DESIGN.md, Delivery): the red/black
// steps in order, numbered, and a canary's failure branch under its
// analysis.
func TestPlanClusterSteps(t *testing.T) {
	t.Parallel()
	// The steps are the lines after the last blank line of the cluster
	// block.
	steps := func(name string) []string {
		var b bytes.Buffer
		RenderPlan(&b, fixture(t, name), PlanOpts{})
		lines := strings.Split(b.String(), "\n")
		start := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "  ~ cluster ") })
		if start < 0 {
			t.Fatalf("no cluster block in:\n%s", b.String())
		}
		lines = lines[start:]
		lines = lines[:slices.Index(lines, "    }")]
		lines = lines[slices.Index(lines, "")+1:]
		for slices.Contains(lines, "") {
			lines = lines[slices.Index(lines, "")+1:]
		}
		for i, l := range lines {
			lines[i] = strings.TrimPrefix(l, "        ")
		}
		return lines
	}
	for _, tt := range []struct {
		name string
		want []string
	}{
		{"cluster-red-black", []string{
			"1. create api-prod-v043 (3 instances, disabled)",
			"2. wait until 3/3 healthy (deadline 2m)",
			"3. enable api-prod-v043",
			"4. wait until 3/3 healthy (deadline 2m)",
			"5. wait 5s",
			"6. disable api-prod-v042",
			"7. destroy api-prod-v040",
		}},
		{"cluster-canary", []string{
			// Ten steps: the numbers are right-aligned.
			" 1. create api-prod-v043 (1 instance, disabled)",
			" 2. wait until 1/1 healthy (deadline 2m)",
			" 3. send 10% of traffic to api-prod-v043",
			" 4. wait until 1/1 healthy (deadline 2m)",
			" 5. analyze api-prod-v043 against api-prod-v042 for 5m",
			"      if the canary fails:",
			"        disable api-prod-v043",
			"        destroy api-prod-v043",
			"      if it passes:",
			" 6. resize api-prod-v043 to 3 instances",
			" 7. wait until 3/3 healthy (deadline 2m)",
			" 8. enable api-prod-v043",
			" 9. wait until 3/3 healthy (deadline 2m)",
			"10. disable api-prod-v042",
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, steps(tt.name)); diff != "" {
				t.Errorf("steps (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPlanClusterSummary checks the summary lines: Terraform's for
// resources as it was, and the clusters' after it, naming only what
// there is, in a fixed order.
func TestPlanClusterSummary(t *testing.T) {
	t.Parallel()
	p := newPlan()
	for _, act := range []planner.ClusterAction{planner.ClusterBlocked, planner.ClusterDestroy, planner.ClusterResume, planner.ClusterResize, planner.ClusterDeploy, planner.ClusterCreate, planner.ClusterNoOp, planner.ClusterDeploy} {
		c := redBlackDeploy()
		c.Action = act
		p.Clusters = append(p.Clusters, c)
	}
	var b bytes.Buffer
	RenderPlan(&b, p, PlanOpts{})
	want := "Plan: 0 to add, 0 to change, 0 to replace, 0 to destroy.\nClusters: 1 to create, 2 to deploy, 1 to resize, 1 to resume, 1 to destroy, 1 blocked.\n"
	if !strings.Contains(b.String(), want) {
		t.Errorf("the summary is not\n%s\nin:\n%s", want, b.String())
	}

	// Only no-op clusters: no changes, no second line.
	p.Clusters = p.Clusters[6:7]
	b.Reset()
	RenderPlan(&b, p, PlanOpts{})
	if out := b.String(); !strings.HasPrefix(out, "No changes.") || strings.Contains(out, "Clusters:") {
		t.Errorf("a plan whose clusters do nothing says:\n%s", out)
	}
}

// TestPlanJSONClusterSteps checks what a program reads of a canary: the
// kinds, the numbers of each kind, and the failure branch.
func TestPlanJSONClusterSteps(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := RenderPlanJSON(&b, fixture(t, "cluster-canary")); err != nil {
		t.Fatal(err)
	}
	var got struct {
		ClusterSummary map[string]int `json:"cluster_summary"`
		ClusterChanges []struct {
			Action string
			Steps  []map[string]any
		} `json:"cluster_changes"`
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.ClusterSummary["deploy"] != 1 || len(got.ClusterChanges) != 1 {
		t.Fatalf("summary %v and %d cluster changes, want 1 deploy", got.ClusterSummary, len(got.ClusterChanges))
	}
	steps := got.ClusterChanges[0].Steps
	var kinds []string
	for _, s := range steps {
		kinds = append(kinds, s["kind"].(string))
	}
	if want := []string{"create", "wait_healthy", "set_weight", "wait_healthy", "analyze", "resize", "wait_healthy", "enable", "wait_healthy", "disable"}; !cmp.Equal(kinds, want) {
		t.Errorf("kinds = %v, want %v", kinds, want)
	}
	if steps[1]["deadline_seconds"] != 120.0 || steps[1]["healthy"] != 1.0 {
		t.Errorf("the first health gate is %v, want 1 healthy within 120 seconds", steps[1])
	}
	if steps[2]["weight"] != 10.0 || steps[4]["duration_seconds"] != 300.0 || steps[4]["baseline"] != "api-prod-v042" {
		t.Errorf("the canary's weight and analysis are %v and %v", steps[2], steps[4])
	}
	onFail, _ := steps[4]["on_fail"].([]any)
	if len(onFail) != 2 || onFail[1].(map[string]any)["description"] != "destroy api-prod-v043" {
		t.Errorf("on_fail = %v, want disable and destroy of the canary", onFail)
	}
}

// TestPlanMarkdownLimitClusters checks that cluster changes live within
// the markdown limit as resource changes do: under it, every blocked
// cluster listed before the details, and a true note of what was cut.
func TestPlanMarkdownLimitClusters(t *testing.T) {
	t.Parallel()
	const n = 300
	p := newPlan()
	blocked := 0
	for i := range n {
		c := redBlackDeploy()
		c.Addr = addrs.Cluster{Name: fmt.Sprintf("api-%03d", i)}
		if i%10 == 0 {
			c.Intended, c.Action, c.Blocked = c.Action, planner.ClusterBlocked, "outside the delivery window"
			blocked++
		}
		p.Clusters = append(p.Clusters, c)
	}
	var b bytes.Buffer
	if err := RenderPlanMarkdown(&b, p); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	if len(md) >= MarkdownLimit {
		t.Fatalf("markdown is %d bytes, want fewer than %d", len(md), MarkdownLimit)
	}
	if want := fmt.Sprintf("**Clusters: %d to deploy, %d blocked.**", n-blocked, blocked); !strings.Contains(md, want) {
		t.Errorf("markdown lacks %q", want)
	}
	list := md[:strings.Index(md, "<details>")]
	if got := strings.Count(list, "is blocked: outside the delivery window"); got != blocked {
		t.Errorf("%d blocked clusters listed before the details, want %d", got, blocked)
	}
	shown := strings.Count(md, "<details>")
	note := fmt.Sprintf("_Output cut: %d of %d changes are not shown in detail (65,536-character limit).", n-shown, n)
	if shown < 20 || !strings.Contains(md, note) {
		t.Errorf("%d details shown; the note %q is missing:\n…%s", shown, note, md[max(0, len(md)-400):])
	}
	if strings.Count(md, "<details>") != strings.Count(md, "</details>") {
		t.Error("a details block is cut in the middle")
	}
}
