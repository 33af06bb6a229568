package planner

import (
	"context"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/config"
	"github.com/tackhq/tack/config/addrs"
	"github.com/tackhq/tack/planner/delivery"
	"github.com/tackhq/tack/plugins/sdk"
	"github.com/tackhq/tack/plugins/sdk/sdktest"
	"github.com/tackhq/tack/state"
)

// clusterConfig is a cluster of the local platform's test app behind a
// load balancer, delivered by red/black; version and extra server_group
// arguments vary.
func clusterConfig(app, version, extra string, desired int) string {
	return `
application "api" { owner = "edge@example.com" }

resource "local_load_balancer" "api" {
  listen = "127.0.0.1:0"
  health_check {
    path = "/healthz"
    interval = "100ms"
    healthy_threshold = 1
    unhealthy_threshold = 1
  }
}

delivery_policy "safe" {
  strategy = "red_black"
  red_black { max_remaining_server_groups = 2 }
  health { healthy_deadline = "5s" }
  rollback { on_failure = true }
}

cluster "api-prod" {
  application    = application.api
  stack          = "prod"
  provider       = local
  delivery       = delivery_policy.safe
  load_balancers = [local_load_balancer.api.id]
  capacity { desired = ` + strconv.Itoa(desired) + ` }
  server_group {
    command = ["` + app + `"]
    version = "` + version + `"
    ` + extra + `
    health_check {
      path = "/healthz"
      interval = "100ms"
      healthy_threshold = 1
      unhealthy_threshold = 1
    }
  }
}

output "address" { value = local_load_balancer.api.address }
`
}

// buildApp builds the local platform's test app into dir.
func buildApp(t *testing.T, dir string) string {
	t.Helper()
	app := filepath.Join(dir, "app")
	if out, err := exec.Command("go", "build", "-o", app, "../plugins/providers/local/testdata/app").CombinedOutput(); err != nil {
		t.Fatalf("building the test app: %v\n%s", err, out)
	}
	return app
}

// applyErr plans and applies src, returning apply's diagnostics and
// keeping the state it returns.
func (f *fixture) applyErr(src string, opts PlanOpts) (*Plan, hcl.Diagnostics) {
	f.t.Helper()
	cfg := f.config(src)
	plan, diags := f.planner(cfg).Plan(context.Background(), opts)
	if diags.HasErrors() {
		f.t.Fatalf("plan: %s", diags.Error())
	}
	s, diags := f.planner(cfg).Apply(context.Background(), plan, func(*state.State) error { return nil })
	f.state = s
	return plan, diags
}

func (f *fixture) get(path string) string {
	f.t.Helper()
	addr := f.state.Outputs["address"].Value.AsString()
	resp, err := http.Get("http://" + addr + path)
	if err != nil {
		f.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return strings.TrimSpace(string(b))
}

func clusterChange(t *testing.T, p *Plan, name string) *ClusterChange {
	t.Helper()
	for _, c := range p.Clusters {
		if c.Addr.Name == name {
			return c
		}
	}
	t.Fatalf("the plan has no change for cluster.%s", name)
	return nil
}

func groupSummary(c *state.Cluster) []string {
	var out []string
	for _, g := range c.ServerGroups {
		s := g.Name + " " + g.Version
		if g.Enabled {
			s += " enabled"
		} else {
			s += " disabled"
		}
		out = append(out, s)
	}
	return out
}

func TestClusterLifecycle(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	app := buildApp(t, f.dir)
	t.Cleanup(func() { f.applyErr(clusterConfig(app, "v1", "", 1), PlanOpts{Mode: DestroyMode}) })

	// First apply: the cluster's first group, created, healthy, enabled.
	plan, diags := f.applyErr(clusterConfig(app, "v1", "", 2), PlanOpts{})
	if diags.HasErrors() {
		t.Fatalf("first apply: %s", diags.Error())
	}
	ch := clusterChange(t, plan, "api-prod")
	wantSteps := []string{"create api-prod-v000 (2 instances, disabled)", "wait until 2/2 healthy (deadline 5s)", "enable api-prod-v000", "wait until 2/2 healthy (deadline 5s)"}
	if ch.Action != ClusterCreate || !cmp.Equal(delivery.Lines(ch.Steps), wantSteps) {
		t.Errorf("first plan: %s with steps %q; want create with %q", ch.Action, delivery.Lines(ch.Steps), wantSteps)
	}
	if got := f.get("/"); got != "v1" {
		t.Errorf("the load balancer answers %q; want v1", got)
	}
	c := f.state.Clusters["api-prod"]
	if c == nil || !cmp.Equal(groupSummary(c), []string{"api-prod-v000 v1 enabled"}) {
		t.Fatalf("state's cluster after the first apply: %v", c)
	}
	if h := c.History; len(h) != 1 || h[0].Outcome != state.DeploymentSucceeded || len(h[0].Steps) != 4 {
		t.Errorf("history after the first apply: %+v; want one succeeded deployment of 4 steps", h)
	}

	// Nothing changed: nothing to do.
	if ch := clusterChange(t, f.plan(clusterConfig(app, "v1", "", 2), PlanOpts{}), "api-prod"); ch.Action != ClusterNoOp {
		t.Errorf("unchanged cluster planned %s (%s); want no-op", ch.Action, ch.Reason)
	}

	// Capacity alone: resized in place.
	plan, diags = f.applyErr(clusterConfig(app, "v1", "", 3), PlanOpts{})
	if diags.HasErrors() {
		t.Fatalf("resize: %s", diags.Error())
	}
	if ch := clusterChange(t, plan, "api-prod"); ch.Action != ClusterResize || !cmp.Equal(delivery.Lines(ch.Steps), []string{"resize api-prod-v000 to 3 instances"}) {
		t.Errorf("capacity change planned %s %q; want a resize of api-prod-v000", ch.Action, delivery.Lines(ch.Steps))
	}

	// A new version: red/black to v001.
	plan, diags = f.applyErr(clusterConfig(app, "v2", "", 3), PlanOpts{})
	if diags.HasErrors() {
		t.Fatalf("deploy v2: %s", diags.Error())
	}
	ch = clusterChange(t, plan, "api-prod")
	wantSteps = []string{"create api-prod-v001 (3 instances, disabled)", "wait until 3/3 healthy (deadline 5s)", "enable api-prod-v001", "wait until 3/3 healthy (deadline 5s)", "disable api-prod-v000"}
	if ch.Action != ClusterDeploy || ch.Reason != "server_group changed: version" || !cmp.Equal(delivery.Lines(ch.Steps), wantSteps) {
		t.Errorf("v2 plan: %s (%s) %q; want deploy (server_group changed: version) %q", ch.Action, ch.Reason, delivery.Lines(ch.Steps), wantSteps)
	}
	if got := f.get("/"); got != "v2" {
		t.Errorf("after the deployment the load balancer answers %q; want v2", got)
	}
	if got := groupSummary(f.state.Clusters["api-prod"]); !cmp.Equal(got, []string{"api-prod-v000 v1 disabled", "api-prod-v001 v2 enabled"}) {
		t.Errorf("groups after v2: %q", got)
	}

	// A broken version fails its health gate and is rolled back: v2
	// serves throughout, the broken group is gone, and the apply fails
	// saying why.
	_, diags = f.applyErr(clusterConfig(app, "v3", `env = { UNHEALTHY = "1" }`, 3), PlanOpts{})
	if !diags.HasErrors() || !strings.Contains(diags.Error(), "rolled back") || !strings.Contains(diags.Error(), "api-prod-v002 had 0/3 healthy") {
		t.Errorf("broken v3 apply: %v; want a failure saying the health gate failed and it was rolled back", diags)
	}
	if got := f.get("/"); got != "v2" {
		t.Errorf("after the rollback the load balancer answers %q; want v2", got)
	}
	c = f.state.Clusters["api-prod"]
	if got := groupSummary(c); !cmp.Equal(got, []string{"api-prod-v000 v1 disabled", "api-prod-v001 v2 enabled"}) {
		t.Errorf("groups after the rollback: %q", got)
	}
	if last := c.History[len(c.History)-1]; last.Outcome != state.DeploymentRolledBack || last.ServerGroup != "api-prod-v002" {
		t.Errorf("last deployment %+v; want api-prod-v002 rolled back", last)
	}

	// tack rollback: v1's group serves again, v2's is disabled, and the
	// rollback is in the history.
	var shown *ClusterChange
	s, diags := f.planner(f.config(clusterConfig(app, "v2", "", 3))).Rollback(context.Background(), addrs.Cluster{Name: "api-prod"},
		func(*state.State) error { return nil }, func(c *ClusterChange) bool { shown = c; return true })
	f.state = s
	if diags.HasErrors() {
		t.Fatalf("rollback: %s", diags.Error())
	}
	wantSteps = []string{"wait until 3/3 healthy (deadline 5s)", "enable api-prod-v000", "disable api-prod-v001"}
	if shown == nil || !cmp.Equal(delivery.Lines(shown.Steps), wantSteps) {
		t.Errorf("rollback asked to confirm %v; want steps %q", shown, wantSteps)
	}
	if got := f.get("/"); got != "v1" {
		t.Errorf("after tack rollback the load balancer answers %q; want v1", got)
	}
	c = f.state.Clusters["api-prod"]
	if got := groupSummary(c); !cmp.Equal(got, []string{"api-prod-v000 v1 enabled", "api-prod-v001 v2 disabled"}) {
		t.Errorf("groups after tack rollback: %q", got)
	}
	if last := c.History[len(c.History)-1]; last.Kind != state.DeploymentRollback || last.Outcome != state.DeploymentSucceeded || !cmp.Equal(last.From, []string{"api-prod-v001"}) {
		t.Errorf("last deployment %+v; want a succeeded rollback from api-prod-v001", last)
	}
	// The configuration still asks for v2: the next plan says so.
	if ch := clusterChange(t, f.plan(clusterConfig(app, "v2", "", 3), PlanOpts{}), "api-prod"); ch.Action != ClusterResume || !strings.Contains(ch.Reason, "tack rollback") {
		t.Errorf("plan after tack rollback: %s (%s); want a resume that names the rollback", ch.Action, ch.Reason)
	}

	// Destroy: the cluster goes before its load balancer.
	plan, diags = f.applyErr(clusterConfig(app, "v2", "", 3), PlanOpts{Mode: DestroyMode})
	if diags.HasErrors() {
		t.Fatalf("destroy: %s", diags.Error())
	}
	if ch := clusterChange(t, plan, "api-prod"); ch.Action != ClusterDestroy {
		t.Errorf("destroy planned %s for the cluster", ch.Action)
	}
	if c := f.state.Clusters["api-prod"]; c != nil {
		t.Errorf("the destroyed cluster is still recorded: %v", groupSummary(c))
	}
}

// TestClusterDrift changes the live groups behind tack's back: the plan
// shows each change as drift and puts the cluster back as configured.
func TestClusterDrift(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	app := buildApp(t, f.dir)
	src := clusterConfig(app, "v1", "", 2)
	t.Cleanup(func() { f.applyErr(src, PlanOpts{Mode: DestroyMode}) })
	if _, diags := f.applyErr(src, PlanOpts{}); diags.HasErrors() {
		t.Fatalf("apply: %s", diags.Error())
	}

	// A second client of the same platform, as another operator's tool.
	ctx := context.Background()
	other := sdktest.Serve(t, localProvider())
	other.GetSchema(ctx)
	cfg := cty.ObjectVal(map[string]cty.Value{"directory": cty.StringVal(f.dir), "platform_directory": cty.NullVal(cty.String)})
	if err := other.ConfigureProvider(ctx, sdk.ConfigureProviderRequest{Config: cfg}).Diagnostics.Err(); err != nil {
		t.Fatal(err)
	}
	ref := sdk.ClusterRef{Name: "api-prod", Application: "api", Stack: "prod"}
	if err := other.ResizeServerGroup(ctx, sdk.ResizeServerGroupRequest{Cluster: ref, Name: "api-prod-v000", Capacity: sdk.Capacity{Min: 1, Desired: 1, Max: 2}}).Diagnostics.Err(); err != nil {
		t.Fatal(err)
	}
	plan := f.plan(src, PlanOpts{})
	drift := func(p *Plan) []string {
		var out []string
		for _, d := range p.ClusterDrift {
			out = append(out, d.Group+" "+d.Change)
		}
		return out
	}
	if got, want := drift(plan), []string{"api-prod-v000 was resized outside tack from 2 instances to 1 instance"}; !cmp.Equal(got, want) {
		t.Errorf("drift after a resize by hand: %q; want %q", got, want)
	}
	if ch := clusterChange(t, plan, "api-prod"); ch.Action != ClusterResize || !cmp.Equal(delivery.Lines(ch.Steps), []string{"resize api-prod-v000 to 2 instances"}) {
		t.Errorf("plan after a resize by hand: %s %q; want the resize back to 2", ch.Action, delivery.Lines(ch.Steps))
	}

	// Disabled by hand (and resized back, so only that differs once the
	// plan above is applied).
	if _, diags := f.applyErr(src, PlanOpts{}); diags.HasErrors() {
		t.Fatalf("apply the resize: %s", diags.Error())
	}
	if err := other.SetTraffic(ctx, sdk.SetTrafficRequest{Cluster: ref, Name: "api-prod-v000", Traffic: sdk.Traffic{Enabled: false}}).Diagnostics.Err(); err != nil {
		t.Fatal(err)
	}
	plan = f.plan(src, PlanOpts{})
	if got, want := drift(plan), []string{"api-prod-v000 was disabled outside tack"}; !cmp.Equal(got, want) {
		t.Errorf("drift after a disable by hand: %q; want %q", got, want)
	}
	ch := clusterChange(t, plan, "api-prod")
	if want := []string{"wait until 2/2 healthy (deadline 5s)", "enable api-prod-v000", "wait until 2/2 healthy (deadline 5s)"}; ch.Action != ClusterResume || !cmp.Equal(delivery.Lines(ch.Steps), want) {
		t.Errorf("plan after a disable by hand: %s %q; want resume %q", ch.Action, delivery.Lines(ch.Steps), want)
	}
	if _, diags := f.applyErr(src, PlanOpts{}); diags.HasErrors() {
		t.Fatalf("apply the resume: %s", diags.Error())
	}
	if got := f.get("/"); got != "v1" {
		t.Errorf("after the resume the load balancer answers %q; want v1", got)
	}
	if ch := clusterChange(t, f.plan(src, PlanOpts{}), "api-prod"); ch.Action != ClusterNoOp {
		t.Errorf("after putting it back the plan is %s (%s); want no-op", ch.Action, ch.Reason)
	}

	// A replaced load balancer has a new id: the groups registered with
	// the old one would serve nobody, so a new group is deployed behind
	// the new one.
	replace, _ := addrs.ParseAbsResourceInstanceStr("local_load_balancer.api")
	plan, diags := f.applyErr(src, PlanOpts{Replace: []addrs.AbsResourceInstance{replace}})
	if diags.HasErrors() {
		t.Fatalf("apply replacing the load balancer: %s", diags.Error())
	}
	if ch := clusterChange(t, plan, "api-prod"); ch.Action != ClusterDeploy {
		t.Errorf("with the load balancer replaced the cluster is planned %s (%s); want a deploy", ch.Action, ch.Reason)
	}
	if got := f.get("/"); got != "v1" {
		t.Errorf("through the new load balancer %q answers; want v1", got)
	}
}

// A sensitive value in a server_group reaches the platform without its
// mark, as a resource's does: the mark is tack's, for showing values.
func TestClusterSensitiveSpec(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	app := buildApp(t, f.dir)
	src := clusterConfig(app, "v1", `env = { TOKEN = var.token }`, 1) + `
variable "token" {
  type      = string
  sensitive = true
}
`
	vars := map[string]*config.InputValue{"token": {Value: cty.StringVal("hunter2").Mark(config.Sensitive)}}
	t.Cleanup(func() {
		p := f.planner(f.config(src))
		p.opts.Variables = vars
		if plan, diags := p.Plan(context.Background(), PlanOpts{Mode: DestroyMode}); !diags.HasErrors() {
			_, _ = p.Apply(context.Background(), plan, func(*state.State) error { return nil })
		}
	})
	f.applyPlan(src, f.planWithVars(src, vars), vars)
	if got := f.get("/"); got != "v1" {
		t.Errorf("the load balancer answers %q; want v1", got)
	}
}
