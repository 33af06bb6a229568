package planner

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/config"
	"github.com/tackhq/tack/config/addrs"
	"github.com/tackhq/tack/plugins/sdk"
	"github.com/tackhq/tack/state"
)

// readAheadTransformer adds nodes that read the objects the state records
// for the configuration's resources back through their provider as soon
// as it is configured, while the walk is still planning what they depend
// on: a node per walk slot and provider configuration, taking the
// objects in turn. A refresh needs only the recorded
// object, never an upstream value; without this, a chain of a thousand
// resources made a thousand refreshes one after another, each waiting
// for the plan of the one before.
//
// The nodes only read ahead: the plan of each object takes what was read
// (or reads itself, if it gets there first) and does everything else a
// refresh does — events, drift, the refreshed state — as before, so a
// plan is the same with them or without. They run when the walk has a
// free slot and no other node is ready (see [lowPriority]), so they
// count towards -parallelism and never delay the nodes that plan.
//
// It is not part of buildPlanGraph: `tack graph` shows what depends on
// what, and nothing depends on these nodes.
type readAheadTransformer struct{}

func (readAheadTransformer) transform(g *graph, w *walker) hcl.Diagnostics {
	if w.opts.SkipRefresh || len(w.opts.Targets) > 0 || (w.opts.Mode != NormalMode && w.opts.Mode != RefreshOnlyMode) {
		return nil
	}
	w.readAhead = map[string]*readAhead{}
	w.readAheadOf = map[string][]*readAhead{}
	ahead, keep := planAheadChoices(g, w)
	depth := g.depths()
	queues := map[providerKey]*readAheadQueue{}
	var keys []providerKey
	s := w.refreshed.Lock()
	for _, name := range g.names() {
		n, ok := g.nodes[name].(*nodePlanResource)
		if !ok || n.r.Mode != config.ManagedMode {
			continue
		}
		key := n.provider(w)
		cfgAddr := addrs.ConfigResource{Module: n.path, Resource: n.r.Addr()}
		for _, abs := range w.recordedOf(cfgAddr) {
			rs := s.Resource(abs)
			if rs == nil {
				continue
			}
			for _, ik := range sortedInstanceKeys(rs.Instances) {
				if rs.Instances[ik].Current == nil {
					continue
				}
				q := queues[key]
				if q == nil {
					q = &readAheadQueue{}
					queues[key] = q
					keys = append(keys, key)
				}
				e := &readAhead{addr: abs.Instance(ik), plan: n, depth: depth[name], ahead: ahead[name], keep: keep[cfgAddr.String()]}
				w.readAhead[e.addr.String()] = e
				if e.keep {
					w.readAheadOf[abs.String()] = append(w.readAheadOf[abs.String()], e)
				}
				q.entries = append(q.entries, e)
			}
		}
	}
	w.refreshed.Unlock()
	// The objects are read in the order the walk will plan them, so
	// that a chain's reads (and plans ahead) stay in front of it.
	for _, q := range queues {
		sort.SliceStable(q.entries, func(i, j int) bool { return q.entries[i].depth < q.entries[j].depth })
	}
	// A node per slot the walk may give them: the walk keeps one slot
	// for the nodes that plan.
	for _, key := range keys {
		for i := range w.p.opts.Parallelism - 1 {
			n := &nodeReadAhead{key: key, i: i, q: queues[key]}
			g.add(n)
			g.connect((&nodeProvider{key: key}).name(), n.name())
		}
	}
	return nil
}

// depths are, for each node, the longest run of nodes it waits for one
// after another: the walk can start a node of depth d only after d
// others have run in turn.
func (g *graph) depths() map[string]int {
	depth := make(map[string]int, len(g.nodes))
	var of func(string) int
	of = func(n string) int {
		if d, ok := depth[n]; ok {
			return d
		}
		depth[n] = 0 // a cycle is reported elsewhere; this stops the recursion
		d := 0
		for dep := range g.deps[n] {
			d = max(d, of(dep)+1)
		}
		depth[n] = d
		return d
	}
	for n := range g.nodes {
		of(n)
	}
	return depth
}

// readAheadQueue are the objects to read ahead through one provider
// configuration, which its nodes take in turn.
type readAheadQueue struct {
	next    atomic.Int64
	entries []*readAhead
}

// readAhead is one object's decode and ReadResource, done once by
// whichever comes first: a read-ahead node or the object's plan.
type readAhead struct {
	addr addrs.AbsResourceInstance
	plan *nodePlanResource
	// depth is the plan node's (see [graph.depths]).
	depth int
	// ahead says to plan the object ahead too, once read (see
	// [planAhead]); keep, that plans ahead of others read value, so it
	// stays after the object's own plan has taken the rest.
	ahead, keep bool

	once sync.Once
	// src is the recorded object read; a plan uses the result only for
	// the same object. Nil when there was none.
	src    *state.ObjectSrc
	prior  *state.Object
	diags  hcl.Diagnostics // from decoding src
	resp   sdk.ReadResourceResponse
	start  time.Time
	finish time.Time
	// When the read found the object: value is it as read, with the
	// prior's marks and the schema's sensitive ones; drifted says it
	// differs from prior; record is its encoding for the state (nil when
	// src stands unchanged), or recordErr why there is none.
	value     cty.Value
	drifted   bool
	record    *state.ObjectSrc
	recordErr error

	// planOnce guards planned, the plan made ahead: the object's own plan
	// claims it, waiting for one under way, so none starts after.
	planOnce sync.Once
	planned  *plannedAhead
}

// reader reads the recorded object cur (unmarked) from the provider; it
// may plan it in the same call, and then returns that plan too.
type reader func(ctx context.Context, cur cty.Value) (sdk.ReadResourceResponse, *plannedAhead)

// do decodes the recorded object (src, or the state's when src is nil)
// and reads it from the provider, once, with read (a plain ReadResource
// when nil); later calls wait for the first. A plan read made is the
// object's plan made ahead.
func (e *readAhead) do(ctx context.Context, w *walker, pi *providerInstance, schema *sdk.Schema, src *state.ObjectSrc, read reader) {
	e.once.Do(func() {
		if src == nil {
			ri := w.refreshed.ResourceInstance(e.addr)
			if ri == nil || ri.Current == nil {
				return
			}
			src = ri.Current
		}
		e.src = src
		e.prior, e.diags = decodeObject(ctx, pi, e.plan.r.Type, schema, src, e.addr)
		if e.diags.HasErrors() {
			return
		}
		e.start = time.Now()
		cur, _ := unmarkDeep(e.prior.Value)
		var planned *plannedAhead
		if read != nil {
			e.resp, planned = read(ctx, cur)
		} else {
			e.resp = pi.prov.ReadResource(ctx, sdk.ReadResourceRequest{TypeName: e.plan.r.Type, CurrentState: cur})
		}
		e.finish = time.Now()
		if !e.resp.Diagnostics.HasErrors() && !e.resp.NewState.IsNull() {
			e.value, e.drifted, e.record, e.recordErr = refreshedObject(e.prior, src, e.resp.NewState, schema)
		}
		if planned != nil {
			e.planOnce.Do(func() { e.planned = planned })
		}
	})
}

// release lets go of what was read, once the plan has taken it: the
// walk keeps every entry to its end. The value stays when plans ahead
// of others may read it. A plan ahead of this object under way finishes
// first, and none starts after.
func (e *readAhead) release() {
	e.planOnce.Do(func() {})
	e.src, e.prior, e.resp, e.record = nil, nil, sdk.ReadResourceResponse{}, nil
	if !e.keep {
		e.value = cty.NilVal
	}
}

// claimPlanned returns the plan made ahead of the object, waiting for
// one under way, and stops any from starting; nil when there is none.
func (e *readAhead) claimPlanned() *plannedAhead {
	e.planOnce.Do(func() {})
	p := e.planned
	e.planned = nil
	return p
}

// takeReadAhead decodes and reads the object src recorded at addr (with
// read), or returns what was read ahead of it; nil when nothing is read
// ahead at addr, or what was is another object (the plan then reads it
// itself).
func (w *walker) takeReadAhead(ctx context.Context, pi *providerInstance, schema *sdk.Schema, addr addrs.AbsResourceInstance, src *state.ObjectSrc, read reader) *readAhead {
	e := w.readAhead[addr.String()]
	if e == nil {
		return nil
	}
	e.do(ctx, w, pi, schema, src, read)
	if e.src == nil || e.src.SchemaVersion != src.SchemaVersion || !bytes.Equal(e.src.AttrsJSON, src.AttrsJSON) {
		return nil
	}
	return e
}

// nodeReadAhead reads ahead, one after another, the objects of its queue
// that no other node or plan has taken yet.
type nodeReadAhead struct {
	key providerKey
	i   int
	q   *readAheadQueue
}

func (n *nodeReadAhead) name() string {
	return fmt.Sprintf("read ahead %d provider.%s", n.i, n.key)
}

func (n *nodeReadAhead) lowPriority() bool { return true }

// execute never fails: a read that fails is the plan's to report, with
// the object it belongs to.
func (n *nodeReadAhead) execute(ctx context.Context, w *walker) hcl.Diagnostics {
	if w.providers.get(n.key) == nil {
		return nil
	}
	for !w.interrupted() && !w.failed.Load() {
		i := int(n.q.next.Add(1)) - 1
		if i >= len(n.q.entries) {
			return nil
		}
		e := n.q.entries[i]
		pi, schema, ok := w.readNow(ctx, e)
		if !ok {
			continue
		}
		if e.ahead {
			e.planOnce.Do(func() { e.planned = planAhead(ctx, w, pi, schema, e) })
		}
	}
	return nil
}
