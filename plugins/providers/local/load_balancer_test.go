package local_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tackhq/tack/plugins/sdk"
)

func TestLoadBalancerRoutesToEnabledHealthyGroups(t *testing.T) {
	t.Parallel()
	p := newPlatform(t)
	lb := p.createLB(p.lbConfig(""))
	url := "http://" + lb.GetAttr("address").AsString()
	lbs := []string{lb.GetAttr("id").AsString()}
	v1 := group{seq: 1, version: "v1", size: 2, enabled: true, lbs: lbs}
	v2 := group{seq: 2, version: "v2", size: 2, enabled: false, lbs: lbs}
	v3 := group{seq: 3, version: "v3", size: 2, enabled: true, lbs: lbs, env: map[string]string{"UNHEALTHY": "1"}}
	for _, g := range []group{v1, v2, v3} {
		p.create(g)
	}
	p.waitHealthy(v1.name(), 2)
	p.waitHealthy(v2.name(), 2)
	eventually(t, 10*time.Second, "v3 is down", func() (bool, string) {
		hs := p.health(v3.name())
		return len(hs) == 2 && hs[0].State == sdk.HealthDown && hs[1].State == sdk.HealthDown, fmt.Sprint(hs)
	})

	// v2 is disabled and v3 unhealthy: only v1 answers.
	if diff := cmp.Diff(map[string]int{"v1": 40}, answers(t, url, 40)); diff != "" {
		t.Errorf("answers with v1 alone in rotation (-want +got):\n%s", diff)
	}
	// Enabled at the same weight, v1 and v2 share; v3 still gets nothing.
	p.setTraffic(v2.name(), true, 100)
	got := answers(t, url, 200)
	if got["v1"] < 50 || got["v2"] < 50 || got["v1"]+got["v2"] != 200 {
		t.Errorf("answers with v1 and v2 enabled: %v; want both, about evenly, and nothing else", got)
	}
	// Disabled, v1 takes no new requests.
	p.setTraffic(v1.name(), false, 100)
	if diff := cmp.Diff(map[string]int{"v2": 40}, answers(t, url, 40)); diff != "" {
		t.Errorf("answers after disabling v1 (-want +got):\n%s", diff)
	}
}

func TestWeightsSplitTraffic(t *testing.T) {
	t.Parallel()
	p := newPlatform(t)
	lb := p.createLB(p.lbConfig(""))
	url := "http://" + lb.GetAttr("address").AsString()
	lbs := []string{lb.GetAttr("id").AsString()}
	baseline := group{seq: 1, version: "baseline", size: 1, enabled: true, lbs: lbs}
	canary := group{seq: 2, version: "canary", size: 1, enabled: true, weight: 10, lbs: lbs}
	p.create(baseline)
	p.create(canary)
	p.waitHealthy(baseline.name(), 1)
	p.waitHealthy(canary.name(), 1)

	// A canary at 10 next to a baseline at 100 takes 10% of the requests.
	// With n requests the canary's share has a standard deviation of
	// sqrt(0.1*0.9/n), 1.2% for n=600: the bounds are five of them.
	const n = 600
	share := func() float64 { return float64(answers(t, url, n)["canary"]) / n }
	if s := share(); s < 0.04 || s > 0.16 {
		t.Errorf("canary at weight 10 took %.1f%% of the requests; want about 10%%", 100*s)
	}
	p.setTraffic(baseline.name(), true, 50)
	p.setTraffic(canary.name(), true, 50)
	if s := share(); s < 0.4 || s > 0.6 {
		t.Errorf("canary at 50 against 50 took %.1f%% of the requests; want about 50%%", 100*s)
	}
}

func TestDisablingAndDestroyingDrain(t *testing.T) {
	t.Parallel()
	p := newPlatform(t)
	lb := p.createLB(p.lbConfig("20s"))
	url := "http://" + lb.GetAttr("address").AsString()
	lbs := []string{lb.GetAttr("id").AsString()}
	v1 := group{seq: 1, version: "v1", size: 1, enabled: true, lbs: lbs}
	v2 := group{seq: 2, version: "v2", size: 1, enabled: false, lbs: lbs}
	p.create(v1)
	p.create(v2)
	p.waitHealthy(v1.name(), 1)
	p.waitHealthy(v2.name(), 1)

	// A slow request is in flight to v1 when traffic moves to v2: it
	// completes on v1, and new requests go to v2.
	slow := p.slowRequest(url, v1, "a", 1500)
	p.setTraffic(v2.name(), true, 100)
	p.setTraffic(v1.name(), false, 100)
	if diff := cmp.Diff(map[string]int{"v2": 20}, answers(t, url, 20)); diff != "" {
		t.Errorf("new requests after disabling v1 (-want +got):\n%s", diff)
	}
	if r := <-slow; r.err != nil || r.status != 200 || r.body != "v1" {
		t.Errorf("the request in flight to the disabled group: %d %q %v; want 200 from v1", r.status, r.body, r.err)
	}

	// Destroying a group waits for its requests in flight before it
	// stops the process.
	slow = p.slowRequest(url, v2, "b", 1000)
	p.destroy(v2.name())
	destroyed := time.Now()
	select {
	case r := <-slow:
		if r.err != nil || r.status != 200 || r.body != "v2" {
			t.Errorf("the request in flight to the destroyed group: %d %q %v; want 200 from v2", r.status, r.body, r.err)
		}
		if r.done.After(destroyed) {
			t.Errorf("DestroyServerGroup returned %s before the request in flight completed", r.done.Sub(destroyed))
		}
	default:
		t.Errorf("DestroyServerGroup returned while a request was still in flight")
		<-slow
	}
}

type result struct {
	status int
	body   string
	err    error
	done   time.Time
}

// slowRequest sends GET /slow through the load balancer and returns once
// g's instance has said it started serving it; the channel gets the
// result.
func (p *plat) slowRequest(url string, g group, id string, ms int) <-chan result {
	p.t.Helper()
	out := make(chan result, 1)
	go func() {
		status, body, err := get(fmt.Sprintf("%s/slow?ms=%d&id=%s", url, ms, id))
		out <- result{status, body, err, time.Now()}
	}()
	line := fmt.Sprintf("slow request %s started", id)
	eventually(p.t, 5*time.Second, g.name()+" serves the slow request", func() (bool, string) {
		logs, _ := filepath.Glob(filepath.Join(p.pdir, "logs", g.name(), "*.log"))
		for _, name := range logs {
			if data, _ := os.ReadFile(name); strings.Contains(string(data), line) {
				return true, ""
			}
		}
		return false, "no such line in " + strings.Join(logs, ", ")
	})
	return out
}

func TestMetricsCountRequests(t *testing.T) {
	t.Parallel()
	p := newPlatform(t)
	lb := p.createLB(p.lbConfig(""))
	url := "http://" + lb.GetAttr("address").AsString()
	g := group{seq: 1, version: "v1", size: 2, enabled: true, lbs: []string{lb.GetAttr("id").AsString()}}
	p.create(g)
	// Healthy by the load balancer's checks means in its rotation; no
	// request goes through it before the window starts, since the window
	// is rounded out to whole seconds.
	p.waitHealthy(g.name(), 2)

	start := time.Now()
	send := func(path string, n, want int) {
		for range n {
			if status, _, err := get(url + path); err != nil || status != want {
				t.Fatalf("GET %s: %d %v; want %d", path, status, err, want)
			}
		}
	}
	send("/", 30, http.StatusOK)
	send("/status?code=503", 7, http.StatusServiceUnavailable)
	send("/status?code=500", 3, http.StatusInternalServerError)
	send("/status?code=404", 5, http.StatusNotFound)
	send("/slow?ms=250", 3, http.StatusOK)
	end := time.Now()

	resp := p.c.QueryMetrics(context.Background(), sdk.QueryMetricsRequest{
		Cluster: p.cluster, ServerGroups: []string{g.name(), "api-prod-v099"}, Start: start, End: end.Add(time.Millisecond),
	})
	requireNoErrors(t, "QueryMetrics", resp.Diagnostics)
	if len(resp.ServerGroups) != 2 {
		t.Fatalf("QueryMetrics returned %d groups; want 2", len(resp.ServerGroups))
	}
	m := resp.ServerGroups[0]
	type counts struct {
		Name             string
		Requests, Errors int64
		Histogram        int64 // requests in the histogram
		Slow             int64 // requests in buckets above 250ms
	}
	got := counts{Name: m.Name, Requests: m.Requests, Errors: m.Errors}
	if len(m.LatencyCounts) != len(m.LatencyBounds)+1 {
		t.Fatalf("%d latency counts for %d bounds", len(m.LatencyCounts), len(m.LatencyBounds))
	}
	for i, n := range m.LatencyCounts {
		got.Histogram += n
		if i == len(m.LatencyBounds) || m.LatencyBounds[i] > 250*time.Millisecond {
			got.Slow += n
		}
	}
	want := counts{Name: g.name(), Requests: 48, Errors: 10, Histogram: 48, Slow: 3}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("metrics of %s (-want +got):\n%s", g.name(), diff)
	}
	if other := resp.ServerGroups[1]; other.Name != "api-prod-v099" || other.Requests != 0 {
		t.Errorf("metrics of a group that served nothing: %+v", other)
	}

	// A window before the requests counts none of them.
	before := p.c.QueryMetrics(context.Background(), sdk.QueryMetricsRequest{
		Cluster: p.cluster, ServerGroups: []string{g.name()}, Start: start.Add(-time.Hour), End: start.Add(-time.Minute),
	})
	requireNoErrors(t, "QueryMetrics", before.Diagnostics)
	if n := before.ServerGroups[0].Requests; n != 0 {
		t.Errorf("a window an hour ago counts %d requests", n)
	}
}
