package main

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strings"
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

// limitMemoryChild runs limitMemory in a test process of its own (the
// settings are the process's) and prints the memory limit and GOGC, then
// again once the live heap has passed three quarters of the limit.
func limitMemoryChild() {
	limitMemory(os.Getenv)
	settings := func() string {
		gogc := debug.SetGCPercent(100)
		debug.SetGCPercent(gogc)
		return fmt.Sprintf("limit=%d gogc=%d", debug.SetMemoryLimit(-1), gogc)
	}
	fmt.Println(settings())
	live := make([][]byte, 0, 100)
	for range 100 {
		live = append(live, make([]byte, 1<<20))
	}
	deadline := time.Now().Add(30 * time.Second)
	for debug.SetMemoryLimit(-1) == memoryLimit && time.Now().Before(deadline) {
		runtime.GC()
	}
	runtime.KeepAlive(live)
	fmt.Println(settings())
}

// Unless the user set GOGC or GOMEMLIMIT, tack limits its memory and
// lets the heap grow to three times what is live within the limit; once
// the live heap nears the limit, it collects as Go does by default.
func TestLimitMemory(t *testing.T) {
	if os.Getenv("TACK_TEST_LIMIT_MEMORY") != "" {
		limitMemoryChild()
		os.Exit(0)
	}
	t.Parallel()
	for _, tc := range []struct {
		env         []string
		first, then string
	}{
		{nil, fmt.Sprintf("limit=%d gogc=200", memoryLimit), fmt.Sprintf("limit=%d gogc=100", int64(math.MaxInt64))},
		{[]string{"GOGC=50"}, fmt.Sprintf("limit=%d gogc=50", int64(math.MaxInt64)), fmt.Sprintf("limit=%d gogc=50", int64(math.MaxInt64))},
		{[]string{"GOMEMLIMIT=1GiB"}, fmt.Sprintf("limit=%d gogc=100", 1<<30), fmt.Sprintf("limit=%d gogc=100", 1<<30)},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestLimitMemory$")
		cmd.Env = append(append(os.Environ(), "TACK_TEST_LIMIT_MEMORY=1", "GOGC=", "GOMEMLIMIT="), tc.env...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%v: %v", tc.env, err)
		}
		if got, want := strings.TrimSpace(string(out)), tc.first+"\n"+tc.then; got != want {
			t.Errorf("with %v:\n%s\nwant\n%s", tc.env, got, want)
		}
	}
}
