package local_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/plugins/sdk"
)

func TestServerGroupLifecycle(t *testing.T) {
	t.Parallel()
	p := newPlatform(t)
	lb := p.createLB(p.lbConfig(""))
	url := "http://" + lb.GetAttr("address").AsString()
	g := group{seq: 1, version: "1.0.0", size: 3, enabled: true, lbs: []string{lb.GetAttr("id").AsString()}, env: map[string]string{"GREETING": "hi"}}

	created := p.create(g)
	if created.CreatedAt.IsZero() {
		t.Errorf("CreateServerGroup returned no creation time")
	}
	p.waitHealthy(g.name(), 3)

	// List gives back the group as created, spec included.
	list := p.c.ListServerGroups(context.Background(), sdk.ListServerGroupsRequest{Cluster: p.cluster})
	requireNoErrors(t, "ListServerGroups", list.Diagnostics)
	want := p.serverGroup(g)
	want.Version = "1.0.0" // from the artifact, the core having given none
	want.CreatedAt = created.CreatedAt
	if diff := cmp.Diff([]sdk.ServerGroup{want}, list.ServerGroups, cmp.Comparer(func(a, b cty.Value) bool { return a.RawEquals(b) })); diff != "" {
		t.Errorf("ListServerGroups (-want +got):\n%s", diff)
	}
	other := p.c.ListServerGroups(context.Background(), sdk.ListServerGroupsRequest{Cluster: sdk.ClusterRef{Name: "api-staging"}})
	if len(other.ServerGroups) != 0 {
		t.Errorf("another cluster lists %d groups; want none", len(other.ServerGroups))
	}

	// Each instance is a process with its own port and the platform's
	// variables, and writes to its log file.
	pids := p.instancePIDs()
	if len(pids) != 3 {
		t.Fatalf("%d processes carry the test's token; want 3", len(pids))
	}
	ports := map[string]bool{}
	for _, pid := range pids {
		ports[instanceEnv(t, pid, "PORT")] = true
		if got := instanceEnv(t, pid, "TACK_SERVER_GROUP"); got != g.name() {
			t.Errorf("pid %d: TACK_SERVER_GROUP=%q; want %q", pid, got, g.name())
		}
	}
	if len(ports) != 3 {
		t.Errorf("instances share ports: %v", ports)
	}
	status, body, err := get(url + "/env")
	if err != nil || status != 200 {
		t.Fatalf("GET /env through the load balancer: %d %v", status, err)
	}
	for _, line := range []string{"TACK_SERVER_GROUP=api-prod-v001", "TACK_CLUSTER=api-prod", "TACK_VERSION=1.0.0", "GREETING=hi"} {
		if !strings.Contains(body+"\n", line+"\n") {
			t.Errorf("the instance's environment lacks %s:\n%s", line, body)
		}
	}
	logs, _ := filepath.Glob(filepath.Join(p.pdir, "logs", g.name(), "*.log"))
	if len(logs) != 3 {
		t.Errorf("log files %v; want 3", logs)
	}
	for _, name := range logs {
		data, _ := os.ReadFile(name)
		if !strings.Contains(string(data), "app 1.0.0 listening on 127.0.0.1:") {
			t.Errorf("%s does not hold the instance's output: %q", name, data)
		}
	}

	// Resize in place: down drains and stops the extra processes, up
	// starts new ones.
	for _, size := range []int64{1, 2} {
		resp := p.c.ResizeServerGroup(context.Background(), sdk.ResizeServerGroupRequest{Cluster: p.cluster, Name: g.name(), Capacity: sdk.Capacity{Desired: size, Max: 10}})
		requireNoErrors(t, "ResizeServerGroup", resp.Diagnostics)
		p.waitHealthy(g.name(), int(size))
		eventually(t, 10*time.Second, fmt.Sprintf("%d processes", size), func() (bool, string) {
			pids := p.instancePIDs()
			return len(pids) == int(size), fmt.Sprint(pids)
		})
	}
	list = p.c.ListServerGroups(context.Background(), sdk.ListServerGroupsRequest{Cluster: p.cluster})
	if got := list.ServerGroups[0].Capacity.Desired; got != 2 {
		t.Errorf("after resizing to 2, List says %d", got)
	}

	// Destroy answers once the processes are gone.
	p.destroy(g.name())
	if pids := p.instancePIDs(); len(pids) != 0 {
		t.Errorf("processes left right after DestroyServerGroup: %v", pids)
	}
	list = p.c.ListServerGroups(context.Background(), sdk.ListServerGroupsRequest{Cluster: p.cluster})
	if len(list.ServerGroups) != 0 {
		t.Errorf("List after destroy: %v", list.ServerGroups)
	}
	if h := p.c.GetHealth(context.Background(), sdk.GetHealthRequest{Cluster: p.cluster, Name: g.name()}); !h.Diagnostics.HasErrors() {
		t.Errorf("GetHealth of a destroyed group succeeded: %v", h.Instances)
	}
	// Destroying it again is not an error: an interrupted apply retries.
	p.destroy(g.name())

	// With the load balancer gone too, the supervisor exits.
	p.deleteLB(context.Background(), lb.GetAttr("id").AsString())
	eventually(t, 10*time.Second, "the supervisor exits", func() (bool, string) {
		pid := p.supervisorPID()
		return pid == 0, fmt.Sprint("pid ", pid)
	})
}

func TestCrashedInstanceIsReplaced(t *testing.T) {
	t.Parallel()
	p := newPlatform(t)
	// No load balancer: health is whether the port accepts connections.
	g := group{seq: 7, version: "1.0.0", size: 2}
	p.create(g)
	before := p.waitHealthy(g.name(), 2)
	pids := p.instancePIDs()
	if len(pids) != 2 {
		t.Fatalf("processes %v; want 2", pids)
	}
	if err := syscall.Kill(pids[0], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "two processes, one of them new", func() (bool, string) {
		now := p.instancePIDs()
		return len(now) == 2 && !contains(now, pids[0]), fmt.Sprint(now)
	})
	after := p.waitHealthy(g.name(), 2)
	ids := func(hs []sdk.InstanceHealth) []string {
		var out []string
		for _, h := range hs {
			out = append(out, h.ID)
		}
		return out
	}
	if diff := cmp.Diff(ids(before), ids(after), cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff == "" {
		t.Errorf("the same instance IDs after a replacement: %v", ids(after))
	}
}

func contains(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func TestRelativeCommandRunsInTheProviderDirectory(t *testing.T) {
	t.Parallel()
	p := newPlatform(t)
	// As a configuration says command = ["bin/api", …]: the program and
	// the instances' working directory are the provider's directory.
	app, err := os.ReadFile(p.app)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(p.dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(p.dir, "bin", "api"), app, 0o755); err != nil {
		t.Fatal(err)
	}
	g := group{seq: 1, version: "1.0.0", size: 1}
	sg := p.serverGroup(g)
	attrs := sg.Spec.AsValueMap()
	attrs["command"] = cty.ListVal([]cty.Value{cty.StringVal("bin/api")})
	sg.Spec = cty.ObjectVal(attrs)
	requireNoErrors(t, "CreateServerGroup", p.c.CreateServerGroup(context.Background(), sdk.CreateServerGroupRequest{ServerGroup: sg}).Diagnostics)
	p.waitHealthy(g.name(), 1)
	pids := p.instancePIDs()
	if len(pids) != 1 {
		t.Fatalf("processes %v; want 1", pids)
	}
	cwd, err := os.Readlink(fmt.Sprintf("/proc/%d/cwd", pids[0]))
	if err != nil || cwd != p.dir {
		t.Errorf("the instance runs in %q (%v); want the provider's directory %q", cwd, err, p.dir)
	}
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pids[0]))
	if err != nil || exe != filepath.Join(p.dir, "bin", "api") {
		t.Errorf("the instance runs %q (%v); want bin/api in the provider's directory", exe, err)
	}
}

func TestBrokenCommandSaysWhy(t *testing.T) {
	t.Parallel()
	p := newPlatform(t)
	// The app refuses an unknown flag, printing why, and exits 2: the
	// platform keeps restarting it with a growing delay.
	g := group{seq: 3, version: "3.0.0", size: 1, args: []string{"-no-such-flag"}}
	p.create(g)
	eventually(t, 10*time.Second, "the instance is down with its exit status and output", func() (bool, string) {
		hs := p.health(g.name())
		if len(hs) != 1 {
			return false, fmt.Sprint(hs)
		}
		r := hs[0].Reason
		return hs[0].State == sdk.HealthDown && strings.Contains(r, "exited with status 2") &&
			strings.Contains(r, "flag provided but not defined: -no-such-flag"), fmt.Sprint(hs)
	})
}

func TestUnhealthyInstanceSaysWhy(t *testing.T) {
	t.Parallel()
	p := newPlatform(t)
	lb := p.createLB(p.lbConfig(""))
	g := group{seq: 4, version: "4.0.0", size: 1, enabled: true, lbs: []string{lb.GetAttr("id").AsString()}, env: map[string]string{"UNHEALTHY": "1"}}
	p.create(g)
	eventually(t, 10*time.Second, "the instance is down with its health check's answer", func() (bool, string) {
		hs := p.health(g.name())
		return len(hs) == 1 && hs[0].State == sdk.HealthDown && strings.Contains(hs[0].Reason, "GET /healthz: HTTP 500") &&
			strings.Contains(hs[0].Reason, "last output: app 4.0.0 listening"), fmt.Sprint(hs)
	})
	// Nothing healthy to route to.
	status, _, err := get("http://" + lb.GetAttr("address").AsString())
	if err != nil || status != 503 {
		t.Errorf("GET through a load balancer with no healthy instance: %d, %v; want 503", status, err)
	}
}

func TestSupervisorRestartKeepsThePlatform(t *testing.T) {
	t.Parallel()
	p := newPlatform(t)
	lb := p.createLB(p.lbConfig(""))
	url := "http://" + lb.GetAttr("address").AsString()
	g := group{seq: 5, version: "5.0.0", size: 2, enabled: true, lbs: []string{lb.GetAttr("id").AsString()}}
	p.create(g)
	p.waitHealthy(g.name(), 2)
	if got := answers(t, url, 5); got["5.0.0"] != 5 {
		t.Fatalf("answers before: %v", got)
	}
	pids := p.instancePIDs()
	first := p.supervisorPID()
	if first == 0 {
		t.Fatal("no supervisor is running")
	}
	if err := syscall.Kill(first, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "the supervisor is gone", func() (bool, string) { return p.supervisorPID() == 0, "" })
	// The proxy died with it; the instances did not.
	if _, _, err := get(url); err == nil {
		t.Errorf("the load balancer answered with its supervisor dead")
	}
	for _, pid := range pids {
		port := instanceEnv(t, pid, "PORT")
		if status, body, err := get("http://127.0.0.1:" + port); err != nil || status != 200 || body != "5.0.0" {
			t.Errorf("instance %d on port %s after the supervisor died: %d %q %v", pid, port, status, body, err)
		}
	}

	// The next call starts a new supervisor, which adopts the instances
	// and listens again on the same address.
	list := p.c.ListServerGroups(context.Background(), sdk.ListServerGroupsRequest{Cluster: p.cluster})
	requireNoErrors(t, "ListServerGroups", list.Diagnostics)
	if len(list.ServerGroups) != 1 || list.ServerGroups[0].Name != g.name() || !list.ServerGroups[0].Traffic.Enabled {
		t.Fatalf("groups after the restart: %+v", list.ServerGroups)
	}
	if second := p.supervisorPID(); second == 0 || second == first {
		t.Fatalf("supervisor after the call: pid %d (before: %d)", second, first)
	}
	p.waitHealthy(g.name(), 2)
	if diff := cmp.Diff(pids, p.instancePIDs()); diff != "" {
		t.Errorf("instances were replaced instead of adopted (-before +after):\n%s", diff)
	}
	eventually(t, 5*time.Second, "the load balancer answers again", func() (bool, string) {
		status, body, err := get(url)
		return err == nil && status == 200 && body == "5.0.0", fmt.Sprint(status, body, err)
	})
	if got := answers(t, url, 10); got["5.0.0"] != 10 {
		t.Errorf("answers after: %v", got)
	}
	// An adopted instance that dies is replaced too.
	if err := syscall.Kill(pids[0], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the adopted instance is replaced", func() (bool, string) {
		now := p.instancePIDs()
		return len(now) == 2 && !contains(now, pids[0]), fmt.Sprint(now)
	})
	p.waitHealthy(g.name(), 2)
}

func TestSupervisorKilledMidDestroyFinishesIt(t *testing.T) {
	t.Parallel()
	p := newPlatform(t)
	lb := p.createLB(p.lbConfig("30s"))
	url := "http://" + lb.GetAttr("address").AsString()
	g := group{seq: 1, version: "1.0.0", size: 1, enabled: true, lbs: []string{lb.GetAttr("id").AsString()}}
	p.create(g)
	p.waitHealthy(g.name(), 1)
	// A request in flight holds the destroy in its drain; the caller
	// gives up waiting, and the supervisor dies before it is done.
	slow := p.slowRequest(url, g, "held", 20000)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if resp := p.c.DestroyServerGroup(ctx, sdk.DestroyServerGroupRequest{Cluster: p.cluster, Name: g.name()}); !resp.Diagnostics.HasErrors() {
		t.Fatalf("DestroyServerGroup answered before the drain ended")
	}
	pid := p.supervisorPID()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if r := <-slow; r.err == nil {
		t.Logf("the held request ended with %d", r.status)
	}
	if len(p.instancePIDs()) != 1 {
		t.Fatalf("the instance should have outlived its supervisor: %v", p.instancePIDs())
	}

	// The next call's supervisor knows the group was being destroyed:
	// it is not listed, and its process is stopped.
	list := p.c.ListServerGroups(context.Background(), sdk.ListServerGroupsRequest{Cluster: p.cluster})
	requireNoErrors(t, "ListServerGroups", list.Diagnostics)
	if len(list.ServerGroups) != 0 {
		t.Errorf("a group being destroyed is listed after a restart: %v", list.ServerGroups)
	}
	eventually(t, 10*time.Second, "the destroyed group's process is gone", func() (bool, string) {
		pids := p.instancePIDs()
		return len(pids) == 0, fmt.Sprint(pids)
	})
}

func TestEmptyPlatformStartsNothing(t *testing.T) {
	t.Parallel()
	p := newPlatform(t)
	ctx := context.Background()
	list := p.c.ListServerGroups(ctx, sdk.ListServerGroupsRequest{Cluster: p.cluster})
	requireNoErrors(t, "ListServerGroups", list.Diagnostics)
	destroy := p.c.DestroyServerGroup(ctx, sdk.DestroyServerGroupRequest{Cluster: p.cluster, Name: "api-prod-v001"})
	requireNoErrors(t, "DestroyServerGroup of nothing", destroy.Diagnostics)
	metrics := p.c.QueryMetrics(ctx, sdk.QueryMetricsRequest{Cluster: p.cluster, ServerGroups: []string{"api-prod-v001"}, Start: time.Now().Add(-time.Minute), End: time.Now()})
	requireNoErrors(t, "QueryMetrics", metrics.Diagnostics)
	if len(list.ServerGroups) != 0 || len(metrics.ServerGroups) != 1 || metrics.ServerGroups[0].Requests != 0 {
		t.Errorf("an empty platform answered %v and %v", list.ServerGroups, metrics.ServerGroups)
	}
	if _, err := os.Stat(filepath.Join(p.pdir, "supervisor.pid")); !os.IsNotExist(err) {
		t.Errorf("reading an empty platform started a supervisor (supervisor.pid: %v)", err)
	}
}

func TestCreateServerGroupRefusals(t *testing.T) {
	t.Parallel()
	p := newPlatform(t)
	ok := group{seq: 1, version: "1.0.0", size: 1}
	p.create(ok)

	with := func(g group, edit func(*sdk.ServerGroup)) sdk.ServerGroup {
		sg := p.serverGroup(g)
		edit(&sg)
		return sg
	}
	specWith := func(sg *sdk.ServerGroup, name string, v cty.Value) {
		attrs := sg.Spec.AsValueMap()
		attrs[name] = v
		sg.Spec = cty.ObjectVal(attrs)
	}
	tests := []struct {
		name string
		sg   sdk.ServerGroup
		want []diag
	}{
		{
			name: "unknown load balancer",
			sg:   with(group{seq: 2, version: "2", size: 1, lbs: []string{"lb-nope"}}, func(*sdk.ServerGroup) {}),
			want: []diag{{"Not found on the local platform", ""}},
		},
		{
			name: "command not found",
			sg: with(group{seq: 3, version: "3", size: 1}, func(sg *sdk.ServerGroup) {
				specWith(sg, "command", cty.ListVal([]cty.Value{cty.StringVal("bin/no-such-program")}))
			}),
			want: []diag{{"Invalid request to the local platform", ""}},
		},
		{
			name: "empty command",
			sg: with(group{seq: 4, version: "4", size: 1}, func(sg *sdk.ServerGroup) {
				specWith(sg, "command", cty.ListValEmpty(cty.String))
			}),
			want: []diag{{"Empty command", "command"}},
		},
		{
			name: "invalid stop timeout and health check",
			sg: with(group{seq: 5, version: "5", size: 1}, func(sg *sdk.ServerGroup) {
				specWith(sg, "stop_timeout", cty.StringVal("soon"))
				hcType := sg.Spec.Type().AttributeType("health_check")
				specWith(sg, "health_check", cty.ObjectVal(map[string]cty.Value{
					"path": cty.StringVal("healthz"), "interval": cty.NullVal(cty.String), "timeout": cty.NullVal(cty.String),
					"healthy_threshold": cty.NumberIntVal(0), "unhealthy_threshold": cty.NullVal(hcType.AttributeType("unhealthy_threshold")),
				}))
			}),
			want: []diag{{"Invalid duration", "stop_timeout"}, {"Invalid threshold", "health_check.healthy_threshold"}, {"Invalid health check path", "health_check.path"}},
		},
		{
			name: "desired above max",
			sg:   with(group{seq: 6, version: "6", size: 11}, func(*sdk.ServerGroup) {}),
			want: []diag{{"Invalid request to the local platform", ""}},
		},
		{
			name: "same name, another spec",
			sg:   with(group{seq: 1, version: "1.0.1", size: 1}, func(*sdk.ServerGroup) {}),
			want: []diag{{"Conflict on the local platform", ""}},
		},
		{
			name: "the same request again is accepted",
			sg:   p.serverGroup(ok),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := p.c.CreateServerGroup(context.Background(), sdk.CreateServerGroupRequest{ServerGroup: tt.sg})
			if diff := cmp.Diff(tt.want, diags(resp.Diagnostics)); diff != "" {
				t.Errorf("diagnostics (-want +got):\n%s\n%v", diff, resp.Diagnostics)
			}
		})
	}
	list := p.c.ListServerGroups(context.Background(), sdk.ListServerGroupsRequest{Cluster: p.cluster})
	if len(list.ServerGroups) != 1 {
		t.Errorf("groups after the refusals: %v; want only %s", list.ServerGroups, ok.name())
	}
}

func TestLoadBalancerListenConflict(t *testing.T) {
	t.Parallel()
	p := newPlatform(t)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	block := p.schemas.ResourceTypes["local_load_balancer"].Block
	cfg := block.Object(map[string]cty.Value{"listen": cty.StringVal(taken.Addr().String())})
	prior := block.NullValue()
	plan := p.c.PlanResourceChange(context.Background(), sdk.PlanResourceChangeRequest{
		TypeName: "local_load_balancer", PriorState: prior, ProposedNewState: sdk.ProposedNewState(&block, prior, cfg), Config: cfg,
	})
	requireNoErrors(t, "PlanResourceChange", plan.Diagnostics)
	if got := plan.PlannedState.GetAttr("address"); !got.RawEquals(cty.StringVal(taken.Addr().String())) {
		t.Errorf("planned address %#v; want the listen address", got)
	}
	resp := p.c.ApplyResourceChange(context.Background(), sdk.ApplyResourceChangeRequest{
		TypeName: "local_load_balancer", PriorState: prior, PlannedState: plan.PlannedState, Config: cfg,
	})
	if diff := cmp.Diff([]diag{{"Cannot listen", "listen"}}, diags(resp.Diagnostics)); diff != "" {
		t.Errorf("diagnostics (-want +got):\n%s", diff)
	}
	if !resp.NewState.IsNull() {
		t.Errorf("a load balancer that could not listen was recorded: %#v", resp.NewState)
	}
}
