package main

import (
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
)

// memoryLimit is the Go runtime's memory limit tack sets unless the user
// set GOMEMLIMIT or GOGC: with it, planning or applying ten thousand
// resources peaks under 150 MiB of resident memory instead of about 175,
// for a few percent more time (docs/performance.md).
const memoryLimit = 120 << 20

// gcPercent is the collector's GOGC while the limit holds. With the
// limit bounding the heap, letting it grow to three times what is live,
// rather than Go's twice, makes fewer collections while the heap is
// small, for no more memory at the peak, which the limit sets: in
// interleaved runs a no-change plan of 10,000 objects took a tenth less
// CPU and an apply of them 3% less, and both peaked as high.
const gcPercent = 200

// limitMemory sets memoryLimit and gcPercent, and lifts both for good
// once the live heap after a collection passes three quarters of the
// limit: the collector would then run more and more often, each time
// freeing less than a quarter of the limit, and a configuration larger
// still would crawl. Past that point tack collects as Go does by default
// (GOGC=100, no limit).
func limitMemory(getenv env) {
	if getenv("GOMEMLIMIT") != "" || getenv("GOGC") != "" {
		return
	}
	debug.SetMemoryLimit(memoryLimit)
	debug.SetGCPercent(gcPercent)
	afterEachGC(func(live uint64) bool {
		if keepLimit(live) {
			return true
		}
		debug.SetMemoryLimit(math.MaxInt64)
		debug.SetGCPercent(100)
		return false
	})
}

// keepLimit reports whether memoryLimit still pays with this live heap.
func keepLimit(live uint64) bool { return live <= memoryLimit*3/4 }

// afterEachGC calls f with the live heap after each garbage collection,
// from the runtime's finalizer goroutine, until f returns false.
func afterEachGC(f func(live uint64) bool) {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	// A finalizer runs once its object is found unreachable, at the next
	// collection; each one sets up the next.
	type sentinel struct{ _ *int } // a pointer keeps it out of the tiny allocator, whose objects may never be finalized
	var arm func()
	arm = func() {
		runtime.SetFinalizer(&sentinel{}, func(*sentinel) {
			metrics.Read(sample)
			if sample[0].Value.Kind() == metrics.KindUint64 && f(sample[0].Value.Uint64()) {
				arm()
			}
		})
	}
	arm()
}
