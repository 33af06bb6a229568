package views

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/config/addrs"
	"github.com/tackhq/tack/planner"
	"github.com/tackhq/tack/planner/delivery"
	"github.com/tackhq/tack/state"
)

var t0 = time.Date(2025, 1, 2, 3, 4, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

// applyRun drives a view through an apply in which two operations
// overlap, with heartbeats between events: the same script for the human
// and the JSON views. tick is the view's Tick; clock, when not nil, is set
// to the time of each event before it is emitted.
func applyRun(emit func(planner.Event), tick func(time.Time), clock *time.Time) {
	set := func(d time.Duration) {
		if clock != nil {
			*clock = at(d)
		}
	}
	a, b := mustAddr("local_file.a"), mustAddr("local_file.b")
	set(0)
	emit(planner.OperationStarted{Addr: mustAddr("local_file.r"), Op: planner.OpRefresh, ID: "r-1", At: at(0)})
	emit(planner.OperationDone{Addr: mustAddr("local_file.r"), Op: planner.OpRefresh, ID: "r-1", Elapsed: 300 * time.Millisecond})
	emit(planner.OperationStarted{Addr: a, Op: planner.OpCreate, At: at(0)})
	set(2 * time.Second)
	emit(planner.OperationStarted{Addr: b, Op: planner.OpDelete, ID: "b-1", At: at(2 * time.Second)})
	tick(at(5 * time.Second))  // nothing is due
	tick(at(10 * time.Second)) // a has run 10s
	tick(at(11 * time.Second)) // b has run 9s: not yet
	tick(at(12 * time.Second)) // b has run 10s
	set(14500 * time.Millisecond)
	emit(planner.OperationDone{Addr: b, Op: planner.OpDelete, ID: "b-1", Elapsed: 12500 * time.Millisecond})
	tick(at(20 * time.Second)) // a again
	tick(at(45 * time.Second)) // ticks were missed: one line, not two
	set(47 * time.Second)
	emit(planner.OperationDone{Addr: a, Op: planner.OpCreate, ID: "a-1", Elapsed: 47 * time.Second})
	tick(at(60 * time.Second)) // nothing is in flight

	u, d, c, i := mustAddr("local_file.u"), mustAddr("data.local_command.v"), mustAddr("local_file.c[0]"), mustAddr("local_file.imp")
	set(61 * time.Second)
	emit(planner.OperationStarted{Addr: u, Op: planner.OpUpdate, ID: "u-1", At: at(61 * time.Second)})
	emit(planner.OperationDone{Addr: u, Op: planner.OpUpdate, ID: "u-1", Elapsed: 1200 * time.Millisecond})
	emit(planner.OperationStarted{Addr: d, Op: planner.OpRead, At: at(61 * time.Second)})
	emit(planner.OperationDone{Addr: d, Op: planner.OpRead, ID: "v1.2.3", Elapsed: 40 * time.Millisecond})
	emit(planner.OperationStarted{Addr: i, Op: planner.OpImport, ID: "out/imp.txt", At: at(61 * time.Second)})
	emit(planner.OperationDone{Addr: i, Op: planner.OpImport, ID: "out/imp.txt", Elapsed: time.Second})
	emit(planner.OperationStarted{Addr: c, Op: planner.OpCreate, At: at(61 * time.Second)})
	set(63 * time.Second)
	emit(planner.OperationFailed{Addr: c, Op: planner.OpCreate, Elapsed: 2 * time.Second, Diagnostics: hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Permission denied"}}})
	emit(planner.StateSaved{Serial: 8})
}

func TestProgress(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	p := NewProgress(&b, false)
	applyRun(p.Emit, p.Tick, nil)
	p.Summary(planner.NormalMode)

	want := `local_file.r: Refreshing state... [id=r-1]
local_file.a: Creating...
local_file.b: Destroying... [id=b-1]
local_file.a: Still creating... [10s elapsed]
local_file.b: Still destroying... [id=b-1, 10s elapsed]
local_file.b: Destruction complete after 12s
local_file.a: Still creating... [20s elapsed]
local_file.a: Still creating... [45s elapsed]
local_file.a: Creation complete after 47s [id=a-1]
local_file.u: Modifying... [id=u-1]
local_file.u: Modifications complete after 1s [id=u-1]
data.local_command.v: Reading...
data.local_command.v: Read complete after 0s [id=v1.2.3]
local_file.imp: Importing... [id=out/imp.txt]
local_file.imp: Import complete after 1s [id=out/imp.txt]
local_file.c[0]: Creating...
local_file.c[0]: Creation failed after 2s

Apply complete! Resources: 1 imported, 1 added, 1 changed, 1 destroyed.
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("progress mismatch (-want +got):\n%s", diff)
	}
	if got, want := p.Applied(), (ApplyCounts{Imported: 1, Added: 1, Changed: 1, Destroyed: 1}); !cmp.Equal(got, want) {
		t.Errorf("Applied() = %+v, want %+v", got, want)
	}
}

func TestProgressColor(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	p := NewProgress(&b, true)
	a := mustAddr("local_file.a")
	p.Emit(planner.OperationStarted{Addr: a, Op: planner.OpCreate, At: t0})
	p.Emit(planner.OperationFailed{Addr: a, Op: planner.OpCreate, Elapsed: time.Second})
	p.Summary(planner.DestroyMode)
	want := "\x1b[1mlocal_file.a: Creating...\x1b[0m\n" +
		"\x1b[1;31mlocal_file.a: Creation failed after 1s\x1b[0m\n" +
		"\n\x1b[1;32mDestroy complete!\x1b[0m Resources: 0 destroyed.\n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("coloured progress mismatch (-want +got):\n%s", diff)
	}
}

// TestProgressProviderText checks that an id from a provider cannot move
// the cursor or change colours on the reader's terminal.
func TestProgressProviderText(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	p := NewProgress(&b, false)
	p.Emit(planner.OperationDone{Addr: mustAddr("local_file.a"), Op: planner.OpCreate, ID: "x\x1b[2Jy\n", Elapsed: time.Second})
	if got, want := b.String(), "local_file.a: Creation complete after 1s [id=x\\u001b[2Jy\\n]\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestJSONProgress(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	clock := t0
	p := NewJSONProgress(&b, func() time.Time { return clock })
	p.Version("0.1.0")
	ch := change("local_file.a", planner.Create, cty.NilVal, file(nil))
	p.Emit(planner.ChangePlanned{Change: ch})
	noop := change("local_file.same", planner.NoOp, file(nil), file(nil))
	p.Emit(planner.ChangePlanned{Change: noop}) // says nothing
	mv := change("local_file.new", planner.NoOp, file(nil), file(nil))
	mv.PrevRunAddr = mustAddr("local_file.old")
	p.Emit(planner.ChangePlanned{Change: mv})
	rep := change(`local_file.k["x"]`, planner.DeleteThenCreate, file(nil), file(nil))
	rep.Reason = planner.ReplaceByRequest
	p.Emit(planner.ChangePlanned{Change: rep})
	applyRun(p.Emit, p.Tick, &clock)
	p.Summary(planner.NormalMode)
	if err := p.Err(); err != nil {
		t.Fatal(err)
	}

	// Every line is one JSON object with the common fields first.
	sc := bufio.NewScanner(bytes.NewReader(b.Bytes()))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line is not JSON: %v\n%s", err, sc.Text())
		}
		if !strings.HasPrefix(sc.Text(), `{"@level":`) || m["@module"] != "tack.ui" || m["@timestamp"] == nil || m["type"] == nil {
			t.Errorf("line lacks the common fields: %s", sc.Text())
		}
	}
	checkGolden(t, filepath.Join("testdata", "progress", "json.golden"), b.Bytes())
}

// TestProgressConcurrent emits from many goroutines while ticking, as the
// apply walk does; run with -race it checks the locking, and it checks
// that lines never run into each other.
func TestProgressConcurrent(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	p := NewProgress(&b, false)
	var jb bytes.Buffer
	jp := NewJSONProgress(&jb, func() time.Time { return t0 })
	const n = 50
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			addr := mustAddr(fmt.Sprintf("local_file.f[%d]", i))
			for _, e := range []planner.Event{
				planner.OperationStarted{Addr: addr, Op: planner.OpCreate, At: t0},
				planner.OperationDone{Addr: addr, Op: planner.OpCreate, ID: fmt.Sprint(i), Elapsed: time.Second},
			} {
				p.Emit(e)
				jp.Emit(e)
			}
		})
	}
	wg.Go(func() {
		for s := range 30 {
			p.Tick(at(time.Duration(s) * time.Second))
			jp.Tick(at(time.Duration(s) * time.Second))
		}
	})
	wg.Wait()
	if got := p.Applied().Added; got != n {
		t.Errorf("Applied().Added = %d, want %d", got, n)
	}
	for _, line := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
		if !strings.HasPrefix(line, "local_file.f[") || strings.Count(line, "local_file") != 1 {
			t.Errorf("garbled line %q", line)
		}
	}
	for _, line := range strings.Split(strings.TrimSuffix(jb.String(), "\n"), "\n") {
		if !json.Valid([]byte(line)) {
			t.Errorf("garbled JSON line %q", line)
		}
	}
}

func TestApplySummary(t *testing.T) {
	t.Parallel()
	tests := []struct {
		mode planner.Mode
		c    ApplyCounts
		want string
	}{
		{planner.NormalMode, ApplyCounts{Added: 1}, "Apply complete! Resources: 1 added, 0 changed, 0 destroyed."},
		{planner.NormalMode, ApplyCounts{Imported: 2, Added: 1, Changed: 3, Destroyed: 4}, "Apply complete! Resources: 2 imported, 1 added, 3 changed, 4 destroyed."},
		{planner.RefreshOnlyMode, ApplyCounts{}, "Apply complete! Resources: 0 added, 0 changed, 0 destroyed."},
		{planner.DestroyMode, ApplyCounts{Destroyed: 3}, "Destroy complete! Resources: 3 destroyed."},
	}
	// Cluster changes, counted from the events that end them.
	var c ApplyCounts
	c.Added = 1
	for _, e := range []planner.ClusterChanged{
		{Action: planner.ClusterDeploy, Outcome: state.DeploymentSucceeded},
		{Action: planner.ClusterDeploy, Outcome: state.DeploymentSucceeded},
		{Action: planner.ClusterResize, Outcome: state.DeploymentSucceeded},
		{Action: planner.ClusterDeploy, Outcome: state.DeploymentRolledBack},
	} {
		c.addCluster(e)
	}
	tests = append(tests, struct {
		mode planner.Mode
		c    ApplyCounts
		want string
	}{planner.NormalMode, c, "Apply complete! Resources: 1 added, 0 changed, 0 destroyed. Clusters: 2 deployed, 1 resized, 1 rolled back."})
	for _, tt := range tests {
		if got := ApplySummary(tt.mode, tt.c); got != tt.want {
			t.Errorf("ApplySummary(%v, %+v) = %q, want %q", tt.mode, tt.c, got, tt.want)
		}
	}
}

// A deployment step that runs long (a health wait, a canary's analysis)
// gets the heartbeat operations get, and none once it ended.
func TestProgressDeploymentHeartbeat(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	p := NewProgress(&b, false)
	start := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	cluster := addrs.Cluster{Name: "api-prod"}
	wait := delivery.Step{Kind: delivery.StepWait, Duration: 5 * time.Minute}
	p.Emit(planner.DeploymentProgress{Cluster: cluster, Progress: delivery.Progress{Index: 3, Step: wait, Phase: "started", At: start}})
	p.Tick(start.Add(9 * time.Second))
	p.Tick(start.Add(10 * time.Second))
	p.Tick(start.Add(15 * time.Second))
	p.Tick(start.Add(20 * time.Second))
	p.Emit(planner.DeploymentProgress{Cluster: cluster, Progress: delivery.Progress{Index: 3, Step: wait, Phase: "done", At: start.Add(5 * time.Minute)}})
	p.Tick(start.Add(6 * time.Minute))
	want := `cluster.api-prod: wait 5m...
cluster.api-prod: Still running wait 5m... [10s elapsed]
cluster.api-prod: Still running wait 5m... [20s elapsed]
cluster.api-prod: wait 5m done
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("deployment heartbeat (-want +got):\n%s", diff)
	}
}

// A deployment waiting for an upstream soak says what it waits for and
// until when, in both views.
func TestProgressSoak(t *testing.T) {
	t.Parallel()
	e := planner.SoakWaiting{Cluster: addrs.Cluster{Name: "api-prod"}, Upstream: []string{"cluster.api-staging"}, Until: time.Date(2026, 11, 23, 10, 20, 0, 0, time.UTC)}
	var b bytes.Buffer
	p := NewProgress(&b, false)
	p.Emit(e)
	start := time.Date(2026, 11, 23, 10, 10, 0, 0, time.UTC)
	p.Tick(start)
	p.Tick(start.Add(10 * time.Second))
	p.Emit(planner.ClusterChanged{Cluster: e.Cluster, Action: planner.ClusterDeploy, Outcome: "succeeded"})
	p.Tick(start.Add(20 * time.Second))
	want := `cluster.api-prod: waiting until 2026-11-23 10:20:00 UTC for cluster.api-staging to soak...
cluster.api-prod: Still waiting for the soak of cluster.api-staging... [10s elapsed]
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("human (-want +got):\n%s", diff)
	}
	b.Reset()
	NewJSONProgress(&b, func() time.Time { return t0 }).Emit(e)
	var msg struct {
		Type       string `json:"type"`
		Deployment struct {
			Cluster  string   `json:"cluster"`
			Phase    string   `json:"phase"`
			Upstream []string `json:"upstream"`
			Until    string   `json:"until"`
		} `json:"deployment"`
	}
	if err := json.Unmarshal(b.Bytes(), &msg); err != nil {
		t.Fatalf("%v: %s", err, b.String())
	}
	d := msg.Deployment
	if msg.Type != "deployment_step" || d.Cluster != "cluster.api-prod" || d.Phase != "soak" || !cmp.Equal(d.Upstream, []string{"cluster.api-staging"}) || d.Until != "2026-11-23T10:20:00Z" {
		t.Errorf("json: %s", b.String())
	}
}

// The -json stream gets the deployment heartbeat too: a program waiting
// on a long health gate or soak sees tack is alive.
func TestJSONProgressDeploymentHeartbeat(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	start := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	p := NewJSONProgress(&b, func() time.Time { return start })
	cluster := addrs.Cluster{Name: "api-prod"}
	wait := delivery.Step{Kind: delivery.StepWait, Duration: 5 * time.Minute}
	p.Emit(planner.DeploymentProgress{Cluster: cluster, Progress: delivery.Progress{Index: 3, Step: wait, Phase: "started", At: start}})
	p.Tick(start.Add(9 * time.Second))
	p.Tick(start.Add(10 * time.Second))
	p.Emit(planner.DeploymentProgress{Cluster: cluster, Progress: delivery.Progress{Index: 3, Step: wait, Phase: "done", At: start.Add(5 * time.Minute)}})
	p.Tick(start.Add(6 * time.Minute))
	type deployment struct {
		Phase          string `json:"phase"`
		Step           string `json:"step"`
		ElapsedSeconds int64  `json:"elapsed_seconds"`
	}
	var got []deployment
	sc := bufio.NewScanner(&b)
	for sc.Scan() {
		var m struct {
			Message    string      `json:"@message"`
			Deployment *deployment `json:"deployment"`
		}
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		if m.Deployment != nil {
			got = append(got, *m.Deployment)
		}
	}
	want := []deployment{{Phase: "started", Step: "wait 5m"}, {Phase: "running", Step: "wait 5m", ElapsedSeconds: 10}, {Phase: "done", Step: "wait 5m"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("deployment messages (-want +got):\n%s", diff)
	}
}
