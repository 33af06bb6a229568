package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// loadRate is the requests a second a [load] sends, over loadWorkers
// goroutines: the 200 and a margin.
const (
	loadRate    = 250
	loadWorkers = 8
	// loadFresh is how often (one request in loadFresh, per worker) a
	// request goes out on a new connection instead of a kept-alive one,
	// so that the load balancer's accepting is tested as well as its
	// reuse.
	loadFresh = 20
	// loadTimeout is each request's limit: far above the proxied
	// latency (a millisecond), well below a test's length.
	loadTimeout = 2 * time.Second
)

// response is what one request of a [load] got.
type response struct {
	Worker int
	// Start is when the request was sent, End when its answer (or
	// failure) came; both from this process's clock.
	Start, End time.Time
	Fresh      bool // sent on a new connection
	Status     int  // 0 when the request failed
	// Body is the answer, trimmed: the test app's version.
	Body string
	Err  error
	// Reset is set when the failure was the connection being reset or
	// closed under the request, which a user sees as a broken page.
	Reset bool
}

func (r response) String() string {
	at := r.End.Format("15:04:05.000000")
	switch {
	case r.Err != nil:
		return fmt.Sprintf("%s worker %d: %v (reset %v)", at, r.Worker, r.Err, r.Reset)
	default:
		return fmt.Sprintf("%s worker %d: %d %q", at, r.Worker, r.Status, r.Body)
	}
}

// load sends GET requests to a URL continuously, at [loadRate] a second,
// until stopped, and keeps every response in the order they arrived.
type load struct {
	url    string
	cancel context.CancelFunc
	done   sync.WaitGroup

	mu        sync.Mutex
	responses []response
	arrived   chan struct{} // closed and replaced whenever one arrives
	started   time.Time
}

// startLoad starts sending requests to url. Stop it with [load.stop];
// the test's cleanup stops it too.
func startLoad(tb testing.TB, url string) *load {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	l := &load{url: url, cancel: cancel, arrived: make(chan struct{}), started: time.Now()}
	// One pacer hands out a ticket every 1/loadRate s to whichever
	// worker is free, so that a slow answer does not slow the load; after
	// a stall (a busy machine) it catches up with what is due, up to a
	// quarter of a second's worth.
	tickets := make(chan struct{})
	l.done.Add(1)
	go func() {
		defer l.done.Done()
		defer close(tickets)
		interval := time.Second / loadRate
		next := time.Now()
		timer := time.NewTimer(0)
		defer timer.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-timer.C:
			}
			now := time.Now()
			if behind := now.Sub(next); behind > time.Second/4 {
				next = now.Add(-time.Second / 4)
			}
			for !next.After(now) {
				select {
				case tickets <- struct{}{}:
				case <-ctx.Done():
					return
				}
				next = next.Add(interval)
			}
			timer.Reset(time.Until(next))
		}
	}()
	for w := range loadWorkers {
		l.done.Add(1)
		go func() {
			defer l.done.Done()
			l.work(w, tickets)
		}()
	}
	tb.Cleanup(func() { l.stop() })
	return l
}

func (l *load) work(worker int, tickets <-chan struct{}) {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: loadTimeout}).DialContext,
		MaxIdleConnsPerHost: 1,
		DisableCompression:  true,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: loadTimeout}
	n := 0
	for range tickets {
		n++
		fresh := n%loadFresh == 0
		if fresh {
			tr.CloseIdleConnections()
		}
		r := response{Worker: worker, Fresh: fresh, Start: time.Now()}
		resp, err := client.Get(l.url)
		if err == nil {
			var body []byte
			body, err = io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			r.Status, r.Body = resp.StatusCode, strings.TrimSpace(string(body))
		}
		r.End = time.Now()
		if err != nil {
			r.Status, r.Err, r.Reset = 0, err, isReset(err)
		}
		l.mu.Lock()
		l.responses = append(l.responses, r)
		close(l.arrived)
		l.arrived = make(chan struct{})
		l.mu.Unlock()
	}
}

// isReset tells a connection reset or closed under a request from other
// failures.
func isReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// stop ends the load, waits for requests in flight, and returns every
// response in the order they arrived.
func (l *load) stop() []response {
	l.cancel()
	l.done.Wait()
	return l.snapshot()
}

func (l *load) snapshot() []response {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]response(nil), l.responses...)
}

// waitFor waits until n more responses than now have arrived, so that a
// test knows the load reaches the load balancer before it changes
// anything. It fails the test if they take longer than a generous
// deadline.
func (l *load) waitFor(tb testing.TB, n int) {
	tb.Helper()
	l.mu.Lock()
	want := len(l.responses) + n
	l.mu.Unlock()
	deadline := time.NewTimer(30 * time.Second)
	defer deadline.Stop()
	for {
		l.mu.Lock()
		got, arrived := len(l.responses), l.arrived
		l.mu.Unlock()
		if got >= want {
			return
		}
		select {
		case <-arrived:
		case <-deadline.C:
			tb.Fatalf("%d responses of %d came from %s within 30s", got-(want-n), n, l.url)
		}
	}
}

// loadReport is a summary of responses for assertions and logs.
type loadReport struct {
	Requests, Fresh int
	// Failed are requests that got no answer, Resets those of them whose
	// connection was reset; NotOK those answered with another status
	// than 200.
	Failed, Resets, NotOK []response
	// Versions counts the answers by body.
	Versions map[string]int
	Rate     float64 // requests a second, over the span of the load
}

func report(rs []response) loadReport {
	rep := loadReport{Requests: len(rs), Versions: map[string]int{}}
	var first, last time.Time
	for _, r := range rs {
		if first.IsZero() || r.Start.Before(first) {
			first = r.Start
		}
		if r.End.After(last) {
			last = r.End
		}
		if r.Fresh {
			rep.Fresh++
		}
		switch {
		case r.Err != nil:
			rep.Failed = append(rep.Failed, r)
			if r.Reset {
				rep.Resets = append(rep.Resets, r)
			}
		case r.Status != http.StatusOK:
			rep.NotOK = append(rep.NotOK, r)
		}
		if r.Err == nil {
			rep.Versions[r.Body]++
		}
	}
	if span := last.Sub(first).Seconds(); span > 0 {
		rep.Rate = float64(len(rs)) / span
	}
	return rep
}

func (rep loadReport) String() string {
	return fmt.Sprintf("%d requests (%.0f/s, %d on new connections): %d failed (%d resets), %d not 200; versions %v",
		rep.Requests, rep.Rate, rep.Fresh, len(rep.Failed), len(rep.Resets), len(rep.NotOK), rep.Versions)
}

// firstFew lists up to five responses, for a failure message.
func firstFew(rs []response) string {
	var b strings.Builder
	for i, r := range rs {
		if i == 5 {
			fmt.Fprintf(&b, "\n\t… and %d more", len(rs)-5)
			break
		}
		b.WriteString("\n\t" + r.String())
	}
	return b.String()
}
