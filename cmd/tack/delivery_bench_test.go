package main

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkRedBlack deploys a new version of a 3-instance cluster by
// red/black with tack apply, the real binaries, once an iteration, and
// reports what tack itself costs: the whole apply (process start to
// exit: loading, refreshing, planning, creating, switching traffic,
// retiring the oldest group, saving state) less the time its
// wait_healthy steps spent waiting for the instances' health checks,
// which the configuration decides. The target is ≤ 1 s.
//
//	go test -run '^$' -bench RedBlack -benchtime 10x ./cmd/tack/
func BenchmarkRedBlack(b *testing.B) {
	e := newE2E(b, `
  strategy = "red_black"
  red_black { max_remaining_server_groups = 2 }`, 3)
	e.mustApply("v0", nil)
	var total, waits time.Duration
	n := 0
	for b.Loop() {
		n++
		r := e.mustApply(fmt.Sprintf("v%d", n), nil)
		total += r.End.Sub(r.Start)
		waits += r.healthWaits(b)
	}
	per := func(d time.Duration) float64 { return d.Seconds() / float64(n) }
	b.ReportMetric(per(total), "apply-s/op")
	b.ReportMetric(per(waits), "health-wait-s/op")
	b.ReportMetric(per(total-waits), "apply-less-health-s/op")
}

// healthWaits is the time the run's wait_healthy steps took, from their
// start to their end; they are the steps that report health.
func (r jsonRun) healthWaits(tb testing.TB) time.Duration {
	tb.Helper()
	waiting := map[int]bool{}
	for _, s := range r.Steps {
		if s.Phase == "health" {
			waiting[s.Index] = true
		}
	}
	if len(waiting) == 0 {
		tb.Fatalf("the apply waited for no health:\n%s", r.Out)
	}
	var d time.Duration
	started := map[int]time.Time{}
	for _, s := range r.Steps {
		switch {
		case !waiting[s.Index]:
		case s.Phase == "started":
			started[s.Index] = s.At
		case s.Phase == "done" || s.Phase == "failed":
			d += s.At.Sub(started[s.Index])
		}
	}
	return d
}
