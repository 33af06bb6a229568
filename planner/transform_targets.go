package planner

import (
	"github.com/hashicorp/hcl/v2"
)

// targeted is a node that a -target address can select.
type targeted interface {
	targetedBy(w *walker) bool
}

// targetsTransformer, when the plan has -target addresses, keeps only the
// targeted nodes and what they depend on.
type targetsTransformer struct{}

func (targetsTransformer) transform(g *graph, w *walker) hcl.Diagnostics {
	if len(w.opts.Targets) == 0 {
		return nil
	}
	keep := map[string]bool{}
	var visit func(string)
	visit = func(n string) {
		if keep[n] {
			return
		}
		keep[n] = true
		for d := range g.deps[n] {
			visit(d)
		}
	}
	for _, name := range g.names() {
		if t, ok := g.nodes[name].(targeted); ok && t.targetedBy(w) {
			visit(name)
		}
	}
	for _, name := range g.names() {
		if !keep[name] {
			g.remove(name)
		}
	}
	return nil
}
