package platform

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httputil"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// balancer is a load balancer: an HTTP reverse proxy in front of the
// healthy instances of the enabled groups attached to it.
type balancer struct {
	rec LoadBalancer // guarded by the supervisor's mu

	// Guarded by the supervisor's mu.
	srv     *http.Server
	ln      net.Listener
	lastTry time.Time
	err     string

	// table is what requests are routed by; see [Supervisor.rebuild].
	table atomic.Pointer[table]
	meter *meter
	proxy *httputil.ReverseProxy
}

// table is an immutable routing decision: each group in rotation with its
// cumulative share of requests and its healthy instances.
type table struct {
	routes []route
}

type route struct {
	group     string
	cum       float64 // upper end of the group's share in [0, 1)
	instances []*instance
	next      *atomic.Uint32 // round robin over instances
}

// pick chooses an instance for a request: a group by weight (u is uniform
// in [0, 1)), then the group's next instance in turn. It skips avoid, the
// instance a request just failed to reach, and returns nil when no
// instance is in rotation.
func (t *table) pick(u float64, avoid *instance) *instance {
	if t == nil || len(t.routes) == 0 {
		return nil
	}
	i, _ := slices.BinarySearchFunc(t.routes, u, func(r route, u float64) int {
		if r.cum <= u {
			return -1
		}
		return 1
	})
	i = min(i, len(t.routes)-1)
	for range len(t.routes) {
		r := &t.routes[i]
		n := uint32(len(r.instances))
		start := r.next.Add(1)
		for k := range n {
			if in := r.instances[(start+k)%n]; in != avoid {
				return in
			}
		}
		i = (i + 1) % len(t.routes)
	}
	return nil
}

// Shares is how traffic splits between the groups in rotation (enabled,
// with at least one healthy instance) given their weights. A weight is a
// percentage of the requests: groups below 100 get that percentage, and
// the groups at 100 share equally what the others leave. When nothing is
// left for them, or no group is at 100, the weights are proportions (and
// if every weight is 0, the groups share equally). So a canary at 10 next
// to its baseline at 100 takes 10%; two groups at 100 during a red/black
// switch take half each; 80 and 20 take 80% and 20%.
func Shares(weights []int32) []float64 {
	shares := make([]float64, len(weights))
	if len(weights) == 0 {
		return shares
	}
	var full int
	var partial, total float64
	for _, w := range weights {
		w = min(max(w, 0), 100)
		if w == 100 {
			full++
		} else {
			partial += float64(w)
		}
		total += float64(w)
	}
	switch {
	case full > 0 && partial < 100:
		rest := (100 - partial) / float64(full)
		for i, w := range weights {
			if w >= 100 {
				shares[i] = rest / 100
			} else {
				shares[i] = float64(max(w, 0)) / 100
			}
		}
	case total == 0:
		for i := range shares {
			shares[i] = 1 / float64(len(weights))
		}
	default:
		for i, w := range weights {
			shares[i] = float64(min(max(w, 0), 100)) / total
		}
	}
	return shares
}

// rebuild recomputes lb's routing table from the model. Called with mu
// held, whenever traffic, health or instances change.
func (s *Supervisor) rebuild(lb *balancer) {
	var routes []route
	var weights []int32
	for _, name := range sortedKeys(s.groups) {
		g := s.groups[name]
		if g.destroying || !g.spec.Traffic.Enabled || !slices.Contains(g.spec.LoadBalancers, lb.rec.ID) {
			continue
		}
		var ins []*instance
		for _, in := range g.instances {
			if c := in.checks[lb.rec.ID]; c != nil && c.state == StateUp && !in.exited && !in.Terminating {
				ins = append(ins, in)
			}
		}
		if len(ins) == 0 {
			continue
		}
		routes = append(routes, route{group: name, instances: ins, next: new(atomic.Uint32)})
		weights = append(weights, g.spec.Traffic.Weight)
	}
	var cum float64
	for i, share := range Shares(weights) {
		cum += share
		routes[i].cum = cum
	}
	if n := len(routes); n > 0 {
		routes[n-1].cum = 1 // no gap from rounding
	}
	lb.table.Store(&table{routes: routes})
}

// rebuildFor rebuilds the tables of g's load balancers. Called with mu
// held.
func (s *Supervisor) rebuildFor(g *group) {
	for _, id := range g.spec.LoadBalancers {
		if lb := s.lbs[id]; lb != nil {
			s.rebuild(lb)
		}
	}
}

func (s *Supervisor) newBalancer(rec LoadBalancer) *balancer {
	lb := &balancer{rec: rec, meter: newMeter()}
	lb.table.Store(&table{})
	lb.proxy = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			a := pr.In.Context().Value(attemptKey{}).(*attempt)
			pr.Out.URL.Scheme = "http"
			pr.Out.URL.Host = a.in.addr
			pr.Out.Host = pr.In.Host
			pr.SetXForwarded()
		},
		Transport:  &retrying{base: s.proxyTransport, lb: lb},
		BufferPool: bufferPool{},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
				// The client went away; nobody reads this.
				w.WriteHeader(statusClientClosed)
				return
			}
			w.WriteHeader(http.StatusBadGateway)
		},
		ErrorLog: s.log,
	}
	return lb
}

// statusClientClosed records a request its client abandoned (nginx's
// 499): not the server group's error.
const statusClientClosed = 499

// listen starts serving lb on addr, replacing the listener it had (whose
// requests in flight finish). Called with mu held.
func (s *Supervisor) listen(lb *balancer, addr string) error {
	lb.lastTry = time.Now()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		lb.err = err.Error()
		return err
	}
	old := lb.srv
	lb.srv = &http.Server{Handler: lb, ReadHeaderTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute, ErrorLog: s.log}
	lb.ln = ln
	lb.err = ""
	lb.rec.Address = ln.Addr().String()
	go func(srv *http.Server) { _ = srv.Serve(ln) }(lb.srv)
	if old != nil {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), drainOf(lb.rec))
			defer cancel()
			_ = old.Shutdown(ctx)
		}()
	}
	return nil
}

func drainOf(rec LoadBalancer) time.Duration {
	if rec.DrainTimeout > 0 {
		return rec.DrainTimeout
	}
	return DefaultDrainTimeout
}

// close stops listening and waits for requests in flight, until ctx is
// done.
func (lb *balancer) close(ctx context.Context) {
	if lb.srv != nil {
		if err := lb.srv.Shutdown(ctx); err != nil {
			_ = lb.srv.Close()
		}
	}
}

type attemptKey struct{}

// attempt is the instance a request is being sent to; the transport moves
// it when the first choice refuses the connection.
type attempt struct {
	in *instance
}

func (lb *balancer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	in := lb.table.Load().pick(rand.Float64(), nil)
	if in == nil {
		http.Error(w, "no healthy instance to route to", http.StatusServiceUnavailable)
		return
	}
	in.inflight.Add(1)
	a := &attempt{in: in}
	sw := &statusWriter{ResponseWriter: w}
	lb.proxy.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), attemptKey{}, a)))
	a.in.inflight.Add(-1)
	status := sw.status
	if status == 0 {
		status = http.StatusOK
	}
	end := time.Now()
	lb.meter.of(a.in.group).observe(end, end.Sub(start), status >= 500 && status != statusClientClosed)
}

// retrying sends a request to another instance when the chosen one
// refuses the connection (it just exited, and its health check has not
// noticed yet). Such a request never reached a server, so resending it is
// safe whenever its body can be sent again.
type retrying struct {
	base http.RoundTripper
	lb   *balancer
}

func (t *retrying) RoundTrip(req *http.Request) (*http.Response, error) {
	a := req.Context().Value(attemptKey{}).(*attempt)
	for tries := 1; ; tries++ {
		resp, err := t.base.RoundTrip(req)
		if err == nil || tries == 3 || !errors.Is(err, syscall.ECONNREFUSED) || (req.Body != nil && req.Body != http.NoBody) {
			return resp, err
		}
		next := t.lb.table.Load().pick(rand.Float64(), a.in)
		if next == nil {
			return resp, err
		}
		next.inflight.Add(1)
		a.in.inflight.Add(-1)
		a.in = next
		req = req.Clone(req.Context())
		req.URL.Host = next.addr
	}
}

// statusWriter remembers the status a response was sent with.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach Flush and Hijack.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// bufferPool recycles the proxy's copy buffers.
type bufferPool struct{}

var buffers = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

func (bufferPool) Get() []byte  { return *buffers.Get().(*[]byte) }
func (bufferPool) Put(b []byte) { buffers.Put(&b) }
