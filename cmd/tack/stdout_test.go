package main

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// recorder is an io.Writer that keeps each write, and can hold the first
// one until released.
type recorder struct {
	mu     sync.Mutex
	writes []string
	hold   chan struct{} // when set, the first write waits for it to close
	held   chan struct{} // closed once the first write is waiting
}

func (r *recorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	first := len(r.writes) == 0
	r.writes = append(r.writes, string(p))
	r.mu.Unlock()
	if first && r.hold != nil {
		close(r.held)
		<-r.hold
	}
	return len(p), nil
}

func (r *recorder) all() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.writes, "")
}

// Lines from many goroutines all come out whole, each goroutine's in its
// order, by the time Flush returns.
func TestStdoutWriterKeepsEveryLine(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	out := newStdoutWriter(rec)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for n := range 500 {
				fmt.Fprintf(out, "g%d line %d\n", g, n)
			}
		})
	}
	wg.Wait()
	out.Flush()
	next := map[string]int{}
	lines := strings.Split(strings.TrimSuffix(rec.all(), "\n"), "\n")
	for _, l := range lines {
		var g, n int
		if _, err := fmt.Sscanf(l, "g%d line %d", &g, &n); err != nil {
			t.Fatalf("a line came out broken: %q", l)
		}
		key := fmt.Sprint(g)
		if n != next[key] {
			t.Fatalf("goroutine %d: line %d came after line %d", g, n, next[key]-1)
		}
		next[key]++
	}
	if len(lines) != 8*500 {
		t.Errorf("%d lines, want %d", len(lines), 8*500)
	}
}

// Lines added while a write is under way go out together in the next
// one, and what goes to stderr waits until stdout is written.
func TestStdoutWriterGathersLines(t *testing.T) {
	t.Parallel()
	rec := &recorder{hold: make(chan struct{}), held: make(chan struct{})}
	out := newStdoutWriter(rec)
	fmt.Fprintln(out, "first")
	<-rec.held
	for n := range 100 {
		fmt.Fprintf(out, "line %d\n", n)
	}
	// stderr notes what stdout had when the error came.
	var stdoutThen string
	stderr := writerFunc(func(p []byte) (int, error) {
		stdoutThen = rec.all()
		return len(p), nil
	})
	errDone := make(chan struct{})
	go func() {
		defer close(errDone)
		fmt.Fprintln(afterFlush{w: stderr, flush: out.Flush}, "Error: after the lines")
	}()
	close(rec.hold)
	<-errDone
	if !strings.HasSuffix(stdoutThen, "line 99\n") {
		t.Errorf("the error was written before stdout was: stdout then held %q", stdoutThen)
	}
	rec.mu.Lock()
	writes := len(rec.writes)
	rec.mu.Unlock()
	if writes != 2 {
		t.Errorf("%d writes, want 2: the first line, then the hundred added while it was written", writes)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
