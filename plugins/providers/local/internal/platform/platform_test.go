package platform

import (
	"math"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestShares(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		weights []int32
		want    []float64
	}{
		{"one group", []int32{100}, []float64{1}},
		{"red/black switch: two at 100 share", []int32{100, 100}, []float64{0.5, 0.5}},
		{"canary at 10 next to its baseline", []int32{100, 10}, []float64{0.9, 0.1}},
		{"percentages that add up", []int32{80, 20}, []float64{0.8, 0.2}},
		{"percentages that do not add up are proportions", []int32{30, 30}, []float64{0.5, 0.5}},
		{"too much for the groups at 100", []int32{100, 60, 60}, []float64{100.0 / 220, 60.0 / 220, 60.0 / 220}},
		{"weight 0 next to others takes nothing", []int32{100, 0}, []float64{1, 0}},
		{"every weight 0 shares equally", []int32{0, 0}, []float64{0.5, 0.5}},
		{"none", nil, []float64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, Shares(tt.weights), cmpopts.EquateApprox(0, 1e-9)); diff != "" {
				t.Errorf("Shares(%v) (-want +got):\n%s", tt.weights, diff)
			}
		})
	}
}

func TestPick(t *testing.T) {
	t.Parallel()
	a1, a2, b1 := &instance{}, &instance{}, &instance{}
	tbl := &table{routes: []route{
		{group: "a", cum: 0.9, instances: []*instance{a1, a2}, next: new(atomic.Uint32)},
		{group: "b", cum: 1, instances: []*instance{b1}, next: new(atomic.Uint32)},
	}}
	tests := []struct {
		name  string
		u     float64
		avoid *instance
		want  []*instance // any of
	}{
		{"low draws pick the first group", 0, nil, []*instance{a1, a2}},
		{"the edge of a share goes to the next group", 0.9, nil, []*instance{b1}},
		{"the last draw", 0.999, nil, []*instance{b1}},
		{"a refused instance is skipped", 0.95, b1, []*instance{a1, a2}},
	}
	for _, tt := range tests {
		got := tbl.pick(tt.u, tt.avoid)
		found := false
		for _, w := range tt.want {
			found = found || got == w
		}
		if !found {
			t.Errorf("%s: pick(%v) chose another instance", tt.name, tt.u)
		}
	}
	// Round robin within a group.
	seen := map[*instance]int{}
	for range 10 {
		seen[tbl.pick(0.1, nil)]++
	}
	if seen[a1] != 5 || seen[a2] != 5 {
		t.Errorf("ten picks in group a went %d and %d; want 5 and 5", seen[a1], seen[a2])
	}
	if (&table{}).pick(0.5, nil) != nil {
		t.Errorf("an empty table picked an instance")
	}
}

func TestSeriesWindows(t *testing.T) {
	t.Parallel()
	s := newSeries()
	at := time.Unix(1_700_000_000, 0)
	s.observe(at.Add(100*time.Millisecond), 3*time.Millisecond, false)
	s.observe(at.Add(900*time.Millisecond), 80*time.Millisecond, true)
	s.observe(at.Add(5*time.Second), 2*time.Minute, false)

	bucketOf := func(d time.Duration) int {
		for i, b := range LatencyBounds {
			if d <= b {
				return i
			}
		}
		return len(LatencyBounds)
	}
	type got struct {
		Requests, Errors int64
		Nonzero          map[int]int64
	}
	query := func(start, end time.Time) got {
		m := newGroupMetrics("g")
		s.addTo(&m, start, end)
		out := got{Requests: m.Requests, Errors: m.Errors, Nonzero: map[int]int64{}}
		for i, n := range m.Counts {
			if n > 0 {
				out.Nonzero[i] = n
			}
		}
		return out
	}
	tests := []struct {
		name       string
		start, end time.Time
		want       got
	}{
		{"everything", at, at.Add(time.Minute), got{3, 1, map[int]int64{bucketOf(3 * time.Millisecond): 1, bucketOf(80 * time.Millisecond): 1, len(LatencyBounds): 1}}},
		{"a window inside a second counts the whole second", at.Add(500 * time.Millisecond), at.Add(600 * time.Millisecond), got{2, 1, map[int]int64{bucketOf(3 * time.Millisecond): 1, bucketOf(80 * time.Millisecond): 1}}},
		{"the end is exclusive", at.Add(-time.Minute), at, got{0, 0, map[int]int64{}}},
		{"a later window", at.Add(2 * time.Second), at.Add(10 * time.Second), got{1, 0, map[int]int64{len(LatencyBounds): 1}}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, query(tt.start, tt.end)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
	s.prune(at.Add(3 * time.Second))
	if diff := cmp.Diff(got{1, 0, map[int]int64{len(LatencyBounds): 1}}, query(at, at.Add(time.Minute))); diff != "" {
		t.Errorf("after pruning the first seconds (-want +got):\n%s", diff)
	}
}

func TestLatencyBounds(t *testing.T) {
	t.Parallel()
	b := LatencyBounds
	if b[0] != 100*time.Microsecond || b[len(b)-1] < time.Minute {
		t.Errorf("bounds run from %s to %s; want 100µs to past a minute", b[0], b[len(b)-1])
	}
	for i := 1; i < len(b); i++ {
		if r := float64(b[i]) / float64(b[i-1]); math.Abs(r-1.25) > 0.01 {
			t.Errorf("bound %d (%s) is %.3f times the one before", i, b[i], r)
		}
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	var got []time.Duration
	for n := range 10 {
		got = append(got, backoff(n))
	}
	want := []time.Duration{0, 0, 500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 30 * time.Second, 30 * time.Second}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("backoff by quick exits in a row (-want +got):\n%s", diff)
	}
}

func TestInstanceBaseEnv(t *testing.T) {
	t.Parallel()
	got := instanceBaseEnv([]string{"PATH=/bin", "TACK_PLUGIN_MAGIC_COOKIE=x", "PLUGIN_MIN_PORT=1", "TACK_LOG=debug", "HOME=/h"})
	if diff := cmp.Diff([]string{"PATH=/bin", "TACK_LOG=debug", "HOME=/h"}, got); diff != "" {
		t.Errorf("the instances' environment (-want +got):\n%s", diff)
	}
}

func TestDocumentRoundTrip(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	empty, err := readDocument(dir)
	if err != nil || !empty.empty() {
		t.Fatalf("a missing state file reads as %+v, %v; want an empty platform", empty, err)
	}
	doc := &document{
		Groups: []groupRecord{{
			Group:        Group{Name: "api-prod-v001", Cluster: ClusterRef{Name: "api-prod"}, Command: []string{"bin/api"}, Dir: "/srv", Capacity: Capacity{Desired: 2, Max: 4}, Traffic: Traffic{Enabled: true, Weight: 100}, CreatedAt: time.Unix(1_700_000_000, 0).UTC()},
			NextInstance: 2,
			Instances:    []instanceRecord{{ID: "api-prod-v001-i1", Slot: 1, Port: 4242, PID: 99, StartTicks: 7, StartedAt: time.Unix(1_700_000_001, 0).UTC(), Log: "/l"}},
		}},
		LoadBalancers: []LoadBalancer{{ID: "lb-1", Listen: "127.0.0.1:0", Address: "127.0.0.1:5000", HealthCheck: HealthCheck{Path: "/healthz", Interval: time.Second}}},
	}
	if err := writeDocument(dir, doc); err != nil {
		t.Fatal(err)
	}
	back, err := readDocument(dir)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(doc, back); diff != "" {
		t.Errorf("state.json round trip (-wrote +read):\n%s", diff)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, ".state.json.tmp-*")); len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
	data := []byte(`{"format_version": 2}`)
	if err := writeFileAtomic(filepath.Join(dir, stateFile), data); err != nil {
		t.Fatal(err)
	}
	if _, err := readDocument(dir); err == nil {
		t.Errorf("a state file from a newer provider was read")
	}
}
