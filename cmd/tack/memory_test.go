package main

import (
	"runtime"
	"testing"
	"time"
)

// The hook runs after every collection, with a live heap the runtime
// measured, until it says to stop.
func TestAfterEachGC(t *testing.T) {
	calls := make(chan uint64, 10)
	afterEachGC(func(live uint64) bool {
		calls <- live
		return len(calls) < 2
	})
	for i := range 2 {
		runtime.GC()
		select {
		case live := <-calls:
			if live == 0 {
				t.Errorf("collection %d: live heap 0", i+1)
			}
			calls <- live // counted towards stopping
		case <-time.After(30 * time.Second):
			t.Fatalf("collection %d: the hook did not run", i+1)
		}
	}
	// Stopped after the second: a third collection calls nothing.
	runtime.GC()
	runtime.GC()
	if n := len(calls); n != 2 {
		t.Errorf("after the hook said stop, it ran %d more times", n-2)
	}
}

func TestKeepLimit(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		live uint64
		keep bool
	}{
		{0, true},
		{60 << 20, true},
		{90 << 20, true},
		{90<<20 + 1, false},
		{1 << 30, false},
	} {
		if got := keepLimit(tt.live); got != tt.keep {
			t.Errorf("keepLimit(%d MiB) = %v, want %v", tt.live>>20, got, tt.keep)
		}
	}
}
