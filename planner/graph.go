package planner

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"
)

// node is one vertex of a plan or apply graph: something to evaluate,
// plan or apply once the nodes it depends on are done.
type node interface {
	// name identifies the node in the graph, in messages and in DOT.
	name() string
	// execute does the node's work; diagnostics with errors stop the walk
	// from starting new nodes.
	execute(ctx context.Context, w *walker) hcl.Diagnostics
}

// graph is a directed acyclic graph of nodes; an edge from a to b means a
// runs before b (b depends on a).
type graph struct {
	nodes map[string]node
	// deps[b] are the nodes b depends on.
	deps map[string]map[string]bool
	// sorted are the names of nodes in order, once names sorted them,
	// until a node is added or removed: each step of building and walking
	// the graph lists them, and sorting ten thousand names each time was
	// a tenth of building the graph.
	sorted []string
}

func newGraph() *graph {
	return &graph{nodes: map[string]node{}, deps: map[string]map[string]bool{}}
}

func (g *graph) add(n node) {
	if _, ok := g.nodes[n.name()]; !ok {
		g.sorted = nil
	}
	g.nodes[n.name()] = n
	if g.deps[n.name()] == nil {
		g.deps[n.name()] = map[string]bool{}
	}
}

// connect makes b depend on a. Unknown names are ignored: a reference to
// an object the graph does not hold has been reported by validation.
func (g *graph) connect(a, b string) {
	if a == b {
		return
	}
	if _, ok := g.nodes[a]; !ok {
		return
	}
	if _, ok := g.nodes[b]; !ok {
		return
	}
	g.deps[b][a] = true
}

func (g *graph) remove(name string) {
	delete(g.nodes, name)
	g.sorted = nil
	delete(g.deps, name)
	for _, d := range g.deps {
		delete(d, name)
	}
}

// names are the names of the nodes in order. The slice is shared: the
// caller must not change it.
func (g *graph) names() []string {
	if g.sorted == nil {
		g.sorted = make([]string, 0, len(g.nodes))
		for n := range g.nodes {
			g.sorted = append(g.sorted, n)
		}
		sort.Strings(g.sorted)
	}
	return g.sorted
}

// cycles returns each cycle of the graph as the names on it, in order,
// found with Tarjan's strongly connected components.
func (g *graph) cycles() [][]string {
	index := map[string]int{}
	low := map[string]int{}
	onStack := map[string]bool{}
	var stack []string
	var out [][]string
	next := 0
	var visit func(v string)
	visit = func(v string) {
		index[v], low[v] = next, next
		next++
		stack = append(stack, v)
		onStack[v] = true
		for _, w := range sortedSet(g.deps[v]) {
			if _, seen := index[w]; !seen {
				visit(w)
				low[v] = min(low[v], low[w])
			} else if onStack[w] {
				low[v] = min(low[v], index[w])
			}
		}
		if low[v] == index[v] {
			var scc []string
			for {
				w := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[w] = false
				scc = append(scc, w)
				if w == v {
					break
				}
			}
			if len(scc) > 1 {
				sort.Strings(scc)
				out = append(out, scc)
			}
		}
	}
	for _, v := range g.names() {
		if _, seen := index[v]; !seen {
			visit(v)
		}
	}
	return out
}

// checkCycles is a diagnostic naming every object on each cycle.
func (g *graph) checkCycles() hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, c := range g.cycles() {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Cycle between objects",
			Detail: fmt.Sprintf("These objects depend on each other, so none can be planned first: %s. Break the cycle by removing one of the references (or depends_on entries) between them.",
				strings.Join(c, ", ")),
		})
	}
	return diags
}

func sortedSet(s map[string]bool) []string {
	out := make([]string, 0, len(s))
	for k := range s {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// lowPriority is a node that the walk starts only when no other node is
// ready: work that merely gets ahead (see [readAheadTransformer]).
type lowPriority interface {
	lowPriority() bool
}

// walk runs every node once all it depends on are done, at most
// parallelism at a time. The first error (or ctx's cancellation) stops
// new nodes from starting; nodes already running finish.
func (g *graph) walk(ctx context.Context, w *walker, parallelism int) hcl.Diagnostics {
	if parallelism < 1 {
		parallelism = 1
	}
	waiting := map[string]int{}
	dependents := map[string][]string{}
	// ready are the nodes whose dependencies are done; later are those of
	// them that run only when no other node is ready.
	var ready, later []string
	isLater := func(n string) bool {
		lp, ok := g.nodes[n].(lowPriority)
		return ok && lp.lowPriority()
	}
	enqueue := func(n string) {
		if isLater(n) {
			later = append(later, n)
		} else {
			ready = append(ready, n)
		}
	}
	for _, n := range g.names() {
		waiting[n] = len(g.deps[n])
		for d := range g.deps[n] {
			dependents[d] = append(dependents[d], n)
		}
		if waiting[n] == 0 {
			enqueue(n)
		}
	}

	var (
		mu      sync.Mutex
		diags   hcl.Diagnostics
		stopped bool
		running int
		// runningLater counts the running nodes of later.
		runningLater int
		done         = make(chan string)
	)
	// Nodes call providers with a context that Ctrl-C does not cancel:
	// an operation in flight finishes (a cloud call cut off half way
	// leaves an object nobody recorded). Nodes that loop over instances
	// check w.interrupted between them.
	w.interrupt = ctx
	calls := context.WithoutCancel(ctx)
	// parallelism workers run the nodes: a graph of ten thousand
	// independent nodes must not hold ten thousand stacks, and a worker
	// keeps the stack its nodes grew, where a goroutine per node grew
	// one anew each time (a twentieth of a plan's CPU). launch hands a
	// node over only while fewer than parallelism run, so a worker is
	// free to take it.
	work := make(chan string)
	defer close(work)
	for range parallelism {
		go func() {
			for name := range work {
				d := g.nodes[name].execute(calls, w)
				mu.Lock()
				diags = append(diags, d...)
				if d.HasErrors() {
					stopped = true
					w.failed.Store(true)
				}
				mu.Unlock()
				done <- name
			}
		}()
	}
	launch := func() {
		for running < parallelism {
			var name string
			switch {
			case len(ready) > 0:
				name, ready = ready[0], ready[1:]
			case len(later) > 0 && runningLater < max(1, parallelism-1):
				// One slot stays free for a node that becomes ready.
				name, later = later[0], later[1:]
				runningLater++
			default:
				return
			}
			running++
			work <- name
		}
	}
	launch()
	for running > 0 {
		name := <-done
		running--
		if isLater(name) {
			runningLater--
		}
		mu.Lock()
		halt := stopped
		mu.Unlock()
		if halt || ctx.Err() != nil {
			ready, later = nil, nil
			continue
		}
		for _, d := range dependents[name] {
			waiting[d]--
			if waiting[d] == 0 {
				enqueue(d)
			}
		}
		launch()
	}
	if ctx.Err() != nil && !diags.HasErrors() {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Operation interrupted",
			Detail:   "tack was interrupted: it finished the operations in flight and started no new ones.",
		})
	}
	return diags
}
