package delivery_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/planner/delivery"
	"github.com/tackhq/tack/plugins/providers/local"
	"github.com/tackhq/tack/plugins/providers/local/localtest"
	"github.com/tackhq/tack/plugins/sdk"
	"github.com/tackhq/tack/plugins/sdk/sdktest"
)

// The engine is tested against the real local platform: its supervisor
// is this test binary run again as `TEST supervise DIR`, and instances
// are the platform's test app, answering / with their version.
func TestMain(m *testing.M) {
	localtest.SuperviseIfAsked()
	os.Exit(m.Run())
}

type platform struct {
	t       *testing.T
	c       *sdk.GRPCClient
	app     string
	schemas sdk.GetSchemaResponse
	cluster sdk.ClusterRef
	lbID    string
	lbAddr  string
}

func newPlatform(t *testing.T) *platform {
	t.Helper()
	// Short: a unix socket's path is limited to about 100 bytes.
	dir, err := os.MkdirTemp("", "td-")
	if err != nil {
		t.Fatal(err)
	}
	app := filepath.Join(dir, "app")
	if out, err := exec.Command("go", "build", "-o", app, "../../plugins/providers/local/testdata/app").CombinedOutput(); err != nil {
		t.Fatalf("building the test app: %v\n%s", err, out)
	}
	p := &platform{t: t, app: app, cluster: sdk.ClusterRef{Name: "api-prod", Application: "api", Stack: "prod"}}
	p.c = sdktest.Serve(t, local.New(localtest.Options()))
	ctx := context.Background()
	p.schemas = p.c.GetSchema(ctx)
	must(t, p.schemas.Diagnostics)
	cfg := cty.ObjectVal(map[string]cty.Value{"directory": cty.StringVal(dir), "platform_directory": cty.NullVal(cty.String)})
	must(t, p.c.ConfigureProvider(ctx, sdk.ConfigureProviderRequest{Config: cfg}).Diagnostics)

	block := p.schemas.ResourceTypes["local_load_balancer"].Block
	lb := block.Object(map[string]cty.Value{
		"listen": cty.StringVal("127.0.0.1:0"),
		"health_check": block.BlockTypes["health_check"].Block.Object(map[string]cty.Value{
			"path": cty.StringVal("/healthz"), "interval": cty.StringVal("100ms"),
			"healthy_threshold": cty.NumberIntVal(2), "unhealthy_threshold": cty.NumberIntVal(2),
		}),
	})
	null := block.NullValue()
	plan := p.c.PlanResourceChange(ctx, sdk.PlanResourceChangeRequest{TypeName: "local_load_balancer", PriorState: null, ProposedNewState: sdk.ProposedNewState(&block, null, lb), Config: lb})
	must(t, plan.Diagnostics)
	applied := p.c.ApplyResourceChange(ctx, sdk.ApplyResourceChangeRequest{TypeName: "local_load_balancer", PriorState: null, PlannedState: plan.PlannedState, Config: lb})
	must(t, applied.Diagnostics)
	p.lbID = applied.NewState.GetAttr("id").AsString()
	p.lbAddr = applied.NewState.GetAttr("address").AsString()

	t.Cleanup(func() {
		// Tear everything down: groups, then the load balancer, so the
		// supervisor exits and no process is left.
		list := p.c.ListServerGroups(ctx, sdk.ListServerGroupsRequest{Cluster: p.cluster})
		for _, g := range list.ServerGroups {
			p.c.DestroyServerGroup(ctx, sdk.DestroyServerGroupRequest{Cluster: p.cluster, Name: g.Name})
		}
		p.c.ApplyResourceChange(ctx, sdk.ApplyResourceChangeRequest{TypeName: "local_load_balancer", PriorState: applied.NewState, PlannedState: null, Config: null})
		_ = os.RemoveAll(dir)
	})
	return p
}

func must(t *testing.T, ds sdk.Diagnostics) {
	t.Helper()
	if err := ds.Err(); err != nil {
		t.Fatal(err)
	}
}

// template is a server group of the test app at version, unhealthy when
// broken.
func (p *platform) template(version string, broken bool) sdk.ServerGroup {
	env := map[string]cty.Value{"X": cty.StringVal("x")}
	if broken {
		env["UNHEALTHY"] = cty.StringVal("1")
	}
	spec := p.schemas.Capabilities.ServerGroupSchema.Block.Object(map[string]cty.Value{
		"command":  cty.ListVal([]cty.Value{cty.StringVal(p.app), cty.StringVal("-version"), cty.StringVal(version)}),
		"artifact": cty.StringVal("app@" + version),
		"env":      cty.MapVal(env),
	})
	return sdk.ServerGroup{Spec: spec, SpecHash: "hash-" + version, Version: version, LoadBalancers: []string{p.lbID}}
}

func (p *platform) live() []delivery.Group {
	list := p.c.ListServerGroups(context.Background(), sdk.ListServerGroupsRequest{Cluster: p.cluster})
	must(p.t, list.Diagnostics)
	var out []delivery.Group
	for _, g := range list.ServerGroups {
		out = append(out, delivery.Group{Name: g.Name, Seq: int(g.Sequence), Enabled: g.Traffic.Enabled,
			Capacity: delivery.Capacity{Min: int(g.Capacity.Min), Desired: int(g.Capacity.Desired), Max: int(g.Capacity.Max)}, Healthy: int(g.Capacity.Desired)})
	}
	return out
}

// deploy plans and runs a red/black deployment of version to sequence
// seq.
func (p *platform) deploy(version string, seq int, broken bool) (delivery.Result, error) {
	live := p.live()
	policy := delivery.Policy{Strategy: "red_black", HealthyDeadline: 8 * time.Second, MaxRemaining: 2}
	next := delivery.GroupName(p.cluster.Name, seq)
	steps, err := delivery.Deploy(policy, live, next, delivery.Capacity{Min: 2, Desired: 2, Max: 4})
	if err != nil {
		p.t.Fatal(err)
	}
	if err := delivery.CheckTrafficGuard(live, steps); err != nil {
		p.t.Fatal(err)
	}
	e := &delivery.Engine{Groups: p.c, Cluster: p.cluster, Template: p.template(version, broken),
		Rollback: delivery.Rollback{OnFailure: true}, Live: live, Poll: 100 * time.Millisecond}
	return e.Run(context.Background(), steps, func(delivery.Record) error { return nil })
}

// load sends requests through the load balancer until stopped, counting
// answers by version and errors.
type load struct {
	mu       sync.Mutex
	versions map[string]int
	order    []string // versions in the order they first answered
	errors   atomic.Int64
	lastErr  atomic.Value
	stop     chan struct{}
	done     chan struct{}
}

func startLoad(addr string) *load {
	l := &load{versions: map[string]int{}, stop: make(chan struct{}), done: make(chan struct{})}
	client := &http.Client{Timeout: 5 * time.Second}
	go func() {
		defer close(l.done)
		for {
			select {
			case <-l.stop:
				return
			default:
			}
			resp, err := client.Get("http://" + addr + "/")
			if err != nil {
				l.errors.Add(1)
				l.lastErr.Store(err.Error())
				continue
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				l.errors.Add(1)
				l.lastErr.Store(resp.Status)
				continue
			}
			v := strings.TrimSpace(string(body))
			l.mu.Lock()
			if l.versions[v] == 0 {
				l.order = append(l.order, v)
			}
			l.versions[v]++
			l.mu.Unlock()
		}
	}()
	return l
}

func (l *load) end() { close(l.stop); <-l.done }

func (l *load) answered() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, c := range l.versions {
		n += c
	}
	return n
}

// waitAnswers waits until n requests have been answered in all.
func (l *load) waitAnswers(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for l.answered() < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d requests answered: %v", l.answered(), n, l.lastErr.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRedBlackAndRollbackUnderLoad(t *testing.T) {
	p := newPlatform(t)
	if res, err := p.deploy("v1", 1, false); err != nil || res.Outcome != "succeeded" {
		t.Fatalf("first deployment: %v %+v", err, res)
	}

	l := startLoad(p.lbAddr)
	// v1 answers through the load balancer before anything else; the
	// load balancer's own health checks may take a moment to pass, and
	// errors until then are not the deployments' doing.
	l.waitAnswers(t, 1)
	errorsBefore := l.errors.Load()

	res, err := p.deploy("v2", 2, false)
	if err != nil || res.Outcome != "succeeded" {
		t.Fatalf("red/black to v2: %v %+v", err, res)
	}
	res, err = p.deploy("v3", 3, true)
	if err == nil || res.Outcome != "rolled_back" {
		t.Fatalf("a broken v3 was not rolled back: %v %+v", err, res)
	}
	if !strings.Contains(err.Error(), "0/2 healthy") {
		t.Errorf("the failure does not say which gate failed and how: %v", err)
	}
	// Traffic keeps flowing after the rollback: fifty more answers.
	l.waitAnswers(t, l.answered()+50)
	l.end()

	if n := l.errors.Load() - errorsBefore; n != 0 {
		t.Errorf("%d requests failed during the deployments (last: %v); want none", n, l.lastErr.Load())
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if strings.Join(l.order, ",") != "v1,v2" || l.versions["v3"] != 0 {
		t.Errorf("versions answered in order %v (%v); want v1 then v2, never v3", l.order, l.versions)
	}
	var names []string
	for _, g := range p.live() {
		names = append(names, fmt.Sprintf("%s enabled=%v", g.Name, g.Enabled))
	}
	want := "api-prod-v001 enabled=false,api-prod-v002 enabled=true"
	if strings.Join(names, ",") != want {
		t.Errorf("groups after the rollback: %v; want %s (v003 destroyed)", names, want)
	}
}
