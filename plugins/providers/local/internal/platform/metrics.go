package platform

import (
	"slices"
	"sync"
	"time"
)

// Metrics are counted per server group by each load balancer, in buckets
// of one second, kept for metricsRetention. A query sums the buckets that
// overlap its window, so its edges are as precise as a second. They live in
// the supervisor's memory only: a supervisor restart starts them afresh,
// which a canary analysis sees as a window with fewer requests.

// metricsRetention is how long counts are kept: longer than any canary
// analysis a laptop runs.
const metricsRetention = 3 * time.Hour

// LatencyBounds are the histogram's upper bounds: from 100µs, each a
// quarter above the last, to past a minute. Fine buckets matter because
// canary analysis compares latency distributions rebuilt from them.
var LatencyBounds = func() []time.Duration {
	var bounds []time.Duration
	for b := float64(100 * time.Microsecond); b < float64(90*time.Second); b *= 1.25 {
		bounds = append(bounds, time.Duration(b).Round(time.Microsecond))
	}
	return bounds
}()

// bucket is one second of one group's requests.
type bucket struct {
	requests, errors int64
	// counts has one count per bound and one for longer requests.
	counts []int64
}

// series is one group's buckets at one load balancer; safe for concurrent
// use.
type series struct {
	mu      sync.Mutex
	buckets map[int64]*bucket // by Unix second
}

func newSeries() *series { return &series{buckets: map[int64]*bucket{}} }

// observe counts one request that ended at `at` after d; isErr when it was
// answered with a 5xx.
func (s *series) observe(at time.Time, d time.Duration, isErr bool) {
	i, _ := slices.BinarySearch(LatencyBounds, d)
	sec := at.Unix()
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.buckets[sec]
	if b == nil {
		b = &bucket{counts: make([]int64, len(LatencyBounds)+1)}
		s.buckets[sec] = b
	}
	b.requests++
	if isErr {
		b.errors++
	}
	b.counts[i]++
}

// addTo adds the buckets overlapping [start, end) to m, whose Counts must
// have len(LatencyBounds)+1 entries.
func (s *series) addTo(m *GroupMetrics, start, end time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for sec, b := range s.buckets {
		from := time.Unix(sec, 0)
		if !from.Before(end) || !from.Add(time.Second).After(start) {
			continue
		}
		m.Requests += b.requests
		m.Errors += b.errors
		for i, n := range b.counts {
			m.Counts[i] += n
		}
	}
}

// prune drops buckets older than before.
func (s *series) prune(before time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for sec := range s.buckets {
		if time.Unix(sec, 0).Add(time.Second).Before(before) {
			delete(s.buckets, sec)
		}
	}
}

// meter is one load balancer's series, by group name.
type meter struct {
	mu     sync.RWMutex
	series map[string]*series
}

func newMeter() *meter { return &meter{series: map[string]*series{}} }

func (m *meter) of(group string) *series {
	m.mu.RLock()
	s := m.series[group]
	m.mu.RUnlock()
	if s != nil {
		return s
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if s = m.series[group]; s == nil {
		s = newSeries()
		m.series[group] = s
	}
	return s
}

func (m *meter) addTo(out *GroupMetrics, start, end time.Time) {
	m.mu.RLock()
	s := m.series[out.Name]
	m.mu.RUnlock()
	if s != nil {
		s.addTo(out, start, end)
	}
}

// prune drops old buckets. An emptied series stays: a request being
// counted may hold it, and one per group ever served is small.
func (m *meter) prune(before time.Time) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	for _, s := range m.series {
		s.prune(before)
	}
}

func newGroupMetrics(name string) GroupMetrics {
	return GroupMetrics{Name: name, Bounds: slices.Clone(LatencyBounds), Counts: make([]int64, len(LatencyBounds)+1)}
}
