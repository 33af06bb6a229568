package platform

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Options configure [Supervise].
type Options struct {
	// Dir is the platform directory: state, socket, lock and logs.
	Dir string
	// Env is the environment instances start from (the user's command
	// gets it, minus tack's plugin variables, plus its group's env and
	// PORT, TACK_SERVER_GROUP, TACK_VERSION…). cmd/ passes os.Environ().
	Env []string
	// Log receives the supervisor's own log lines; nil discards them.
	Log io.Writer
	// Idle is how long a supervisor that manages nothing waits for a
	// call before it exits; zero means two seconds. It covers the moment
	// between a client starting a supervisor and its first call.
	Idle time.Duration
}

// ErrRunning is returned by [Supervise] when another supervisor holds the
// platform directory.
var ErrRunning = errors.New("another supervisor is running for this platform directory")

// Supervisor is the running platform; see [Supervise].
//
// Its model (groups, instances, load balancers) is guarded by mu. The load
// balancers' request path never takes mu: it reads an immutable routing
// table through an atomic pointer, rebuilt under mu whenever traffic,
// health or instances change.
type Supervisor struct {
	dir  string
	env  []string
	log  *log.Logger
	idle time.Duration

	mu       sync.Mutex
	groups   map[string]*group
	lbs      map[string]*balancer
	ports    map[int]bool // handed to live instances
	calls    int          // API calls in progress
	lastCall time.Time
	exiting  bool
	apiLn    net.Listener
	dirty    bool // the model differs from state.json
	wake     chan struct{}

	// proxyTransport carries load-balanced requests, keeping connections
	// to instances alive; health checks use their own client without.
	proxyTransport *http.Transport
	healthClient   *http.Client
	// bg counts the goroutines that watch for the supervisor stopping
	// (health checks, adopted instances' watchers), for Supervise to wait
	// for before it returns; process monitors and drains are not counted,
	// since the processes outlive a stopped supervisor.
	bg sync.WaitGroup
	// stopping is closed when Supervise starts shutting down.
	stopping chan struct{}
}

// Supervise runs the platform in opts.Dir until it manages nothing (no
// groups, no load balancers) and no call came for opts.Idle, or until ctx
// is done. It returns [ErrRunning] at once when another supervisor holds
// the directory.
//
// When ctx is done it stops listening and returns, but leaves instances
// running: the next supervisor adopts them. Only destroying a group stops
// its processes.
func Supervise(ctx context.Context, opts Options) error {
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating the platform directory: %w", err)
	}
	lock, err := os.OpenFile(filepath.Join(dir, lockFile), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	defer lock.Close()
	if err := unix.Flock(int(lock.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		if errors.Is(err, unix.EWOULDBLOCK) {
			return ErrRunning
		}
		return fmt.Errorf("locking the platform directory: %w", err)
	}
	// The lock is released when the process exits; the pid is for people
	// (and tests) who want to find the supervisor.
	_ = os.WriteFile(filepath.Join(dir, pidFile), fmt.Appendf(nil, "%d\n", os.Getpid()), 0o600)

	out := opts.Log
	if out == nil {
		out = io.Discard
	}
	s := &Supervisor{
		dir:      dir,
		env:      instanceBaseEnv(opts.Env),
		log:      log.New(out, "", log.LstdFlags|log.Lmicroseconds),
		idle:     opts.Idle,
		groups:   map[string]*group{},
		lbs:      map[string]*balancer{},
		ports:    map[int]bool{},
		lastCall: time.Now(),
		wake:     make(chan struct{}, 1),
		stopping: make(chan struct{}),
		proxyTransport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 2 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        1024,
			MaxIdleConnsPerHost: 256,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
		},
		healthClient: &http.Client{
			Transport:     &http.Transport{DisableKeepAlives: true, DisableCompression: true},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
	if s.idle <= 0 {
		s.idle = 2 * time.Second
	}
	s.log.Printf("supervisor %d starting in %s", os.Getpid(), dir)
	if err := s.restore(); err != nil {
		return err
	}

	sock := filepath.Join(dir, socketFile)
	_ = os.Remove(sock) // a dead supervisor's; we hold the lock
	ln, err := net.Listen("unix", sock)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", sock, err)
	}
	_ = os.Chmod(sock, 0o600)
	s.mu.Lock()
	s.apiLn = ln
	s.mu.Unlock()
	api := &http.Server{Handler: s.routes(), ReadHeaderTimeout: 10 * time.Second, ErrorLog: s.log}
	go func() { _ = api.Serve(ln) }()

	s.loop(ctx)

	close(s.stopping)
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_ = api.Shutdown(shutdown)
	_ = os.Remove(sock)
	s.mu.Lock()
	lbs := mapValues(s.lbs)
	s.mu.Unlock()
	for _, lb := range lbs {
		lb.close(shutdown)
	}
	s.mu.Lock()
	if s.dirty {
		s.save()
	}
	s.mu.Unlock()
	waitGroup(&s.bg, 5*time.Second)
	s.log.Printf("supervisor %d exiting", os.Getpid())
	return nil
}

// instanceBaseEnv is env without what tack's plugin machinery put there
// for the provider, which the user's processes must not inherit.
func instanceBaseEnv(env []string) []string {
	var out []string
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "TACK_PLUGIN_") || strings.HasPrefix(name, "PLUGIN_") {
			continue
		}
		out = append(out, kv)
	}
	return out
}

// restore rebuilds the model from state.json: load balancers listen again
// on the address they had, live instances are adopted, and the rest are
// replaced by the first pass of the loop.
func (s *Supervisor) restore() error {
	doc, err := readDocument(s.dir)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	known := map[int]bool{}
	for _, gr := range doc.Groups {
		for _, ir := range gr.Instances {
			known[ir.PID] = true
		}
	}
	for _, pid := range orphans(s.dir, known) {
		// Started by a supervisor that died before recording it.
		s.log.Printf("stopping process %d: started for this platform but not in its state", pid)
		_ = unix.Kill(-pid, unix.SIGKILL)
	}
	for _, rec := range doc.LoadBalancers {
		lb := s.newBalancer(rec)
		s.lbs[rec.ID] = lb
		addr := rec.Address
		if addr == "" {
			addr = rec.Listen
		}
		if err := s.listen(lb, addr); err != nil {
			s.log.Printf("load balancer %s: %v; retrying", rec.ID, err)
		}
	}
	for _, gr := range doc.Groups {
		g := newGroup(gr.Group)
		g.nextInstance = gr.NextInstance
		g.destroying = gr.Destroying
		s.groups[g.spec.Name] = g
		for _, ir := range gr.Instances {
			in := newInstance(g.spec.Name, ir)
			g.instances = append(g.instances, in)
			if !alive(ir.PID, ir.StartTicks) {
				in.exited, in.exitedAt = true, time.Now()
				in.exitReason = "exited while no supervisor was watching it"
				close(in.done)
				continue
			}
			s.ports[ir.Port] = true
			s.log.Printf("adopting instance %s (pid %d, port %d)", ir.ID, ir.PID, ir.Port)
			s.bg.Add(1)
			go s.watchAdopted(in)
			if !g.destroying && !in.Terminating {
				s.startChecks(g, in, true)
			}
		}
		if g.destroying {
			s.destroyLocked(g)
			continue
		}
		for _, in := range g.instances {
			if in.Terminating && !in.exited {
				s.retire(g, in)
			}
		}
	}
	for _, lb := range s.lbs {
		s.rebuild(lb)
	}
	s.dirty = true
	s.save()
	return nil
}

// loop reconciles until the supervisor is idle or ctx is done.
func (s *Supervisor) loop(ctx context.Context) {
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	lastPrune := time.Now()
	for {
		select {
		case <-ctx.Done():
			s.mu.Lock()
			s.exiting = true
			s.mu.Unlock()
			return
		case <-s.wake:
		case <-tick.C:
		}
		now := time.Now()
		s.mu.Lock()
		for _, g := range s.groups {
			s.reconcile(g, now)
		}
		for _, lb := range s.lbs {
			if lb.srv == nil && now.Sub(lb.lastTry) >= 2*time.Second {
				addr := lb.rec.Address
				if addr == "" {
					addr = lb.rec.Listen
				}
				if err := s.listen(lb, addr); err != nil {
					s.log.Printf("load balancer %s: %v; retrying", lb.rec.ID, err)
				} else {
					s.dirty = true
				}
			}
		}
		if s.dirty {
			s.save()
		}
		idle := len(s.groups) == 0 && len(s.lbs) == 0 && s.calls == 0 && now.Sub(s.lastCall) >= s.idle
		if idle {
			// Stop accepting now, under mu: a client that finds the
			// socket closed waits for the lock and starts a new
			// supervisor rather than talk to this one.
			s.exiting = true
			_ = s.apiLn.Close()
		}
		lbs := mapValues(s.lbs)
		s.mu.Unlock()
		if idle {
			return
		}
		if now.Sub(lastPrune) > time.Minute {
			lastPrune = now
			for _, lb := range lbs {
				lb.meter.prune(now.Add(-metricsRetention))
			}
		}
	}
}

// poke makes the loop run a pass soon.
func (s *Supervisor) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// save writes the model to state.json. Called with mu held; a failure
// (a full disk) is logged and retried on the next pass.
func (s *Supervisor) save() {
	doc := &document{Groups: []groupRecord{}, LoadBalancers: []LoadBalancer{}}
	for _, name := range sortedKeys(s.groups) {
		g := s.groups[name]
		gr := groupRecord{Group: g.spec, Destroying: g.destroying, NextInstance: g.nextInstance}
		for _, in := range g.instances {
			if !in.exited {
				gr.Instances = append(gr.Instances, in.instanceRecord)
			}
		}
		doc.Groups = append(doc.Groups, gr)
	}
	for _, id := range sortedKeys(s.lbs) {
		rec := s.lbs[id].rec
		rec.Listening, rec.Error = false, ""
		doc.LoadBalancers = append(doc.LoadBalancers, rec)
	}
	if err := writeDocument(s.dir, doc); err != nil {
		s.log.Printf("saving the platform state: %v", err)
		return
	}
	s.dirty = false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func mapValues[V any](m map[string]V) []V {
	out := make([]V, 0, len(m))
	for _, k := range sortedKeys(m) {
		out = append(out, m[k])
	}
	return out
}

// waitGroup waits for wg, at most d.
func waitGroup(wg *sync.WaitGroup, d time.Duration) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
	}
}
