package local_test

import (
	"io"
	"net/http"
	"slices"
	"testing"
	"time"
)

// BenchmarkLoadBalancerOverhead measures the latency the load balancer
// adds to a request. Each iteration, paced at one per millisecond (about
// 1,000 requests a second through the proxy), sends GET / through the
// load balancer and then straight to the instance behind it, over
// kept-alive connections. It reports the 50th and 99th percentiles of
// both and their differences, the added latency:
//
//	go test -run '^$' -bench LoadBalancerOverhead -benchtime 5000x -count 5 ./plugins/providers/local/
func BenchmarkLoadBalancerOverhead(b *testing.B) {
	p := newPlatform(b)
	lb := p.createLB(p.lbConfig(""))
	g := group{seq: 1, version: "bench", size: 1, enabled: true, lbs: []string{lb.GetAttr("id").AsString()}}
	p.create(g)
	p.waitHealthy(g.name(), 1)
	pids := p.instancePIDs()
	if len(pids) != 1 {
		b.Fatalf("instances %v; want 1", pids)
	}
	viaLB := "http://" + lb.GetAttr("address").AsString() + "/"
	direct := "http://127.0.0.1:" + instanceEnv(b, pids[0], "PORT") + "/"
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	timed := func(url string) time.Duration {
		start := time.Now()
		resp, err := client.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("GET %s: %s", url, resp.Status)
		}
		return time.Since(start)
	}
	for range 200 { // connections up, code paths warm
		timed(viaLB)
		timed(direct)
	}

	var proxied, straight []time.Duration
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for b.Loop() {
		<-tick.C
		proxied = append(proxied, timed(viaLB))
		straight = append(straight, timed(direct))
	}
	b.StopTimer()
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	lb50, lb99 := percentile(proxied, 50), percentile(proxied, 99)
	d50, d99 := percentile(straight, 50), percentile(straight, 99)
	b.ReportMetric(ms(lb50), "lb-p50-ms")
	b.ReportMetric(ms(lb99), "lb-p99-ms")
	b.ReportMetric(ms(d50), "direct-p50-ms")
	b.ReportMetric(ms(d99), "direct-p99-ms")
	b.ReportMetric(ms(lb50-d50), "added-p50-ms")
	b.ReportMetric(ms(lb99-d99), "added-p99-ms")
}

// percentile is the p-th percentile of ds, by the nearest rank.
func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return s[max(i-1, 0)]
}
