package local_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/plugins/providers/local"
	"github.com/tackhq/tack/plugins/providers/local/localtest"
	"github.com/tackhq/tack/plugins/sdk"
	"github.com/tackhq/tack/plugins/sdk/sdktest"
)

// The platform tests run real processes: the supervisor is this test
// binary, run again as `TEST supervise DIR` (TestMain answers it), and
// instances are testdata/app, built once.

func TestMain(m *testing.M) {
	localtest.SuperviseIfAsked()
	code := m.Run()
	if appDir != "" {
		_ = os.RemoveAll(appDir)
	}
	os.Exit(code)
}

var (
	appOnce sync.Once
	appDir  string
	appPath string
	appErr  error
)

// testApp builds testdata/app once per test binary and returns its path.
func testApp(t testing.TB) string {
	t.Helper()
	appOnce.Do(func() {
		if appDir, appErr = os.MkdirTemp("", "tack-app-"); appErr != nil {
			return
		}
		appPath = filepath.Join(appDir, "app")
		out, err := exec.Command("go", "build", "-o", appPath, "./testdata/app").CombinedOutput()
		if err != nil {
			appErr = fmt.Errorf("go build ./testdata/app: %v\n%s", err, out)
		}
	})
	if appErr != nil {
		t.Fatal(appErr)
	}
	return appPath
}

// plat is one test's platform: a provider served over gRPC, configured
// with a fresh directory, whose supervisor and instances the test owns.
type plat struct {
	t       testing.TB
	c       *sdk.GRPCClient
	dir     string // the provider's directory
	pdir    string // the platform directory
	token   string // in every instance's environment, to find them in /proc
	app     string
	schemas sdk.GetSchemaResponse
	cluster sdk.ClusterRef
	lbs     []string
}

func newPlatform(t testing.TB) *plat {
	t.Helper()
	// A short directory: a unix socket's path is limited to ~100 bytes,
	// and t.TempDir() includes the test's name.
	dir, err := os.MkdirTemp("", "tl-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	p := &plat{
		t: t, dir: dir, pdir: filepath.Join(dir, ".tack", "local"), token: filepath.Base(dir), app: testApp(t),
		cluster: sdk.ClusterRef{Name: "api-prod", Application: "api", Stack: "prod"},
	}
	p.c = sdktest.Serve(t, local.New(localtest.Options()))
	cfg := providerConfig(cty.StringVal(dir))
	requireNoErrors(t, "ConfigureProvider", p.c.ConfigureProvider(context.Background(), sdk.ConfigureProviderRequest{Config: cfg}).Diagnostics)
	p.schemas = p.c.GetSchema(context.Background())
	requireNoErrors(t, "GetSchema", p.schemas.Diagnostics)
	t.Cleanup(p.teardown)
	return p
}

// teardown destroys what the test left, then fails the test unless the
// supervisor exited and no instance is left; it kills what it finds so
// that no test leaves a process behind.
func (p *plat) teardown() {
	t := p.t
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	list := p.c.ListServerGroups(ctx, sdk.ListServerGroupsRequest{Cluster: p.cluster})
	for _, g := range list.ServerGroups {
		p.c.DestroyServerGroup(ctx, sdk.DestroyServerGroupRequest{Cluster: p.cluster, Name: g.Name})
	}
	for _, id := range p.lbs {
		p.deleteLB(ctx, id)
	}
	supervisorExits(t, p.pdir)
	if t.Failed() {
		if data, err := os.ReadFile(filepath.Join(p.pdir, "supervisor.log")); err == nil {
			t.Logf("supervisor.log:\n%s", data)
		}
	}
	if pids := p.instancePIDs(); len(pids) > 0 {
		t.Errorf("instances still running after everything was destroyed: %v", pids)
		for _, pid := range pids {
			_ = syscall.Kill(-pid, syscall.SIGKILL)
		}
	}
}

// instancePIDs are the live processes carrying this test's token in their
// environment: the instances, whatever the platform says about them.
func (p *plat) instancePIDs() []int {
	p.t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		p.t.Fatal(err)
	}
	marker := []byte("\x00TACK_TEST_TOKEN=" + p.token + "\x00")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil || !bytes.Contains(append([]byte{0}, env...), marker) || zombie(pid) {
			continue
		}
		pids = append(pids, pid)
	}
	slices.Sort(pids)
	return pids
}

// instanceEnv is one variable of a process's environment.
func instanceEnv(t testing.TB, pid int, name string) string {
	t.Helper()
	env, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
	if err != nil {
		t.Fatal(err)
	}
	for kv := range strings.SplitSeq(string(env), "\x00") {
		if v, ok := strings.CutPrefix(kv, name+"="); ok {
			return v
		}
	}
	return ""
}

func zombie(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	i := bytes.LastIndexByte(stat, ')')
	return i < 0 || len(stat) < i+3 || stat[i+2] == 'Z'
}

func (p *plat) supervisorPID() int { return supervisorPID(p.pdir) }

// supervisorPID is the pid of the running supervisor of the platform in
// pdir, or 0: the process named in supervisor.pid, if it still runs as
// one.
func supervisorPID(pdir string) int {
	data, err := os.ReadFile(filepath.Join(pdir, "supervisor.pid"))
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || zombie(pid) || !bytes.Contains(cmdline, []byte("supervise\x00"+pdir)) {
		return 0
	}
	return pid
}

// supervisorExits fails the test unless the supervisor of the platform in
// pdir exits soon (killing it if not), for tests that leave the platform
// empty.
func supervisorExits(t testing.TB, pdir string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && supervisorPID(pdir) != 0 {
		time.Sleep(20 * time.Millisecond)
	}
	if pid := supervisorPID(pdir); pid != 0 {
		t.Errorf("the supervisor (pid %d) still runs on an empty platform", pid)
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}

// eventually polls cond until it holds, failing the test with cond's last
// description at the deadline.
func eventually(t testing.TB, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, last := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not so within %s; last seen: %s", what, timeout, last)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// lbConfig is a local_load_balancer configuration with quick health
// checks of /healthz.
func (p *plat) lbConfig(drain string) cty.Value {
	block := p.schemas.ResourceTypes["local_load_balancer"].Block
	hc := block.BlockTypes["health_check"].Block.Object(map[string]cty.Value{
		"path":                cty.StringVal("/healthz"),
		"interval":            cty.StringVal("100ms"),
		"healthy_threshold":   cty.NumberIntVal(2),
		"unhealthy_threshold": cty.NumberIntVal(2),
	})
	attrs := map[string]cty.Value{"listen": cty.StringVal("127.0.0.1:0"), "health_check": hc}
	if drain != "" {
		attrs["drain_timeout"] = cty.StringVal(drain)
	}
	return block.Object(attrs)
}

// createLB applies a load balancer configuration and returns its state.
func (p *plat) createLB(cfg cty.Value) cty.Value {
	p.t.Helper()
	block := p.schemas.ResourceTypes["local_load_balancer"].Block
	prior := block.NullValue()
	plan := p.c.PlanResourceChange(context.Background(), sdk.PlanResourceChangeRequest{
		TypeName: "local_load_balancer", PriorState: prior, ProposedNewState: sdk.ProposedNewState(&block, prior, cfg), Config: cfg,
	})
	requireNoErrors(p.t, "PlanResourceChange", plan.Diagnostics)
	resp := p.c.ApplyResourceChange(context.Background(), sdk.ApplyResourceChangeRequest{
		TypeName: "local_load_balancer", PriorState: prior, PlannedState: plan.PlannedState, Config: cfg,
	})
	requireNoErrors(p.t, "ApplyResourceChange", resp.Diagnostics)
	p.lbs = append(p.lbs, resp.NewState.GetAttr("id").AsString())
	return resp.NewState
}

func (p *plat) deleteLB(ctx context.Context, id string) {
	block := p.schemas.ResourceTypes["local_load_balancer"].Block
	state := block.Object(map[string]cty.Value{"id": cty.StringVal(id), "listen": cty.StringVal("127.0.0.1:0")})
	resp := p.c.ApplyResourceChange(ctx, sdk.ApplyResourceChangeRequest{
		TypeName: "local_load_balancer", PriorState: state, PlannedState: block.NullValue(), Config: block.NullValue(),
	})
	if err := resp.Diagnostics.Err(); err != nil {
		p.t.Errorf("deleting load balancer %s: %v", id, err)
	}
}

// group describes a server group to create.
type group struct {
	seq      int32
	version  string
	size     int64
	enabled  bool
	weight   int32 // 0 means 100
	lbs      []string
	env      map[string]string
	args     []string // after the app's path; default -version VERSION
	stopWait string
}

func (g group) name() string { return fmt.Sprintf("api-prod-v%03d", g.seq) }

// spec is the server_group block of g.
func (p *plat) spec(g group) cty.Value {
	args := g.args
	if args == nil {
		args = []string{"-version", g.version}
	}
	command := []cty.Value{cty.StringVal(p.app)}
	for _, a := range args {
		command = append(command, cty.StringVal(a))
	}
	env := map[string]cty.Value{"TACK_TEST_TOKEN": cty.StringVal(p.token)}
	for k, v := range g.env {
		env[k] = cty.StringVal(v)
	}
	attrs := map[string]cty.Value{
		"command":  cty.ListVal(command),
		"artifact": cty.StringVal("app@" + g.version),
		"env":      cty.MapVal(env),
	}
	if g.stopWait != "" {
		attrs["stop_timeout"] = cty.StringVal(g.stopWait)
	}
	return p.schemas.Capabilities.ServerGroupSchema.Block.Object(attrs)
}

func (p *plat) serverGroup(g group) sdk.ServerGroup {
	weight := g.weight
	if weight == 0 {
		weight = 100
	}
	return sdk.ServerGroup{
		Name: g.name(), Cluster: p.cluster, Sequence: g.seq, Spec: p.spec(g), SpecHash: "hash-" + g.version,
		Capacity: sdk.Capacity{Min: 0, Desired: g.size, Max: 10},
		Traffic:  sdk.Traffic{Enabled: g.enabled, Weight: weight}, LoadBalancers: g.lbs,
	}
}

func (p *plat) create(g group) sdk.ServerGroup {
	p.t.Helper()
	resp := p.c.CreateServerGroup(context.Background(), sdk.CreateServerGroupRequest{ServerGroup: p.serverGroup(g)})
	requireNoErrors(p.t, "CreateServerGroup "+g.name(), resp.Diagnostics)
	return resp.ServerGroup
}

func (p *plat) health(name string) []sdk.InstanceHealth {
	p.t.Helper()
	resp := p.c.GetHealth(context.Background(), sdk.GetHealthRequest{Cluster: p.cluster, Name: name})
	requireNoErrors(p.t, "GetHealth "+name, resp.Diagnostics)
	return resp.Instances
}

// waitHealthy polls GetHealth until exactly n instances of the group are
// up and no other instance is listed.
func (p *plat) waitHealthy(name string, n int) []sdk.InstanceHealth {
	p.t.Helper()
	var last []sdk.InstanceHealth
	eventually(p.t, 15*time.Second, fmt.Sprintf("%s has %d healthy instances", name, n), func() (bool, string) {
		last = p.health(name)
		up := 0
		for _, in := range last {
			if in.State == sdk.HealthUp {
				up++
			}
		}
		return up == n && len(last) == n, fmt.Sprint(last)
	})
	return last
}

func (p *plat) setTraffic(name string, enabled bool, weight int32) {
	p.t.Helper()
	resp := p.c.SetTraffic(context.Background(), sdk.SetTrafficRequest{Cluster: p.cluster, Name: name, Traffic: sdk.Traffic{Enabled: enabled, Weight: weight}})
	requireNoErrors(p.t, "SetTraffic "+name, resp.Diagnostics)
}

func (p *plat) destroy(name string) {
	p.t.Helper()
	resp := p.c.DestroyServerGroup(context.Background(), sdk.DestroyServerGroupRequest{Cluster: p.cluster, Name: name})
	requireNoErrors(p.t, "DestroyServerGroup "+name, resp.Diagnostics)
}

// httpClient keeps connections alive, as a real client of the load
// balancer would.
var httpClient = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

// get returns the status and trimmed body of GET url.
func get(url string) (int, string, error) {
	resp, err := httpClient.Get(url)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(body)), err
}

// answers sends n requests to url and counts the bodies of the 200s;
// anything else fails the test.
func answers(t testing.TB, url string, n int) map[string]int {
	t.Helper()
	out := map[string]int{}
	for range n {
		status, body, err := get(url)
		if err != nil || status != http.StatusOK {
			t.Fatalf("GET %s: %d %q %v", url, status, body, err)
		}
		out[body]++
	}
	return out
}
