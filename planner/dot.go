package planner

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// GraphDOT is the plan's dependency graph in Graphviz's DOT language: an
// edge from a to b means b waits for a. It starts no provider.
func (p *Planner) GraphDOT(opts PlanOpts) (string, hcl.Diagnostics) {
	w := newWalker(p, opts, p.opts.State)
	g, diags := buildPlanGraph(w, nil)
	if diags.HasErrors() {
		return "", diags
	}
	var b strings.Builder
	b.WriteString("digraph tack {\n  compound = \"true\"\n  newrank = \"true\"\n  rankdir = \"RL\"\n")
	for _, name := range g.names() {
		fmt.Fprintf(&b, "  %q [label=%q, shape=%s]\n", name, name, dotShape(g.nodes[name]))
	}
	for _, name := range g.names() {
		for _, dep := range sortedSet(g.deps[name]) {
			fmt.Fprintf(&b, "  %q -> %q\n", name, dep)
		}
	}
	b.WriteString("}\n")
	return b.String(), diags
}

func dotShape(n node) string {
	switch n.(type) {
	case *nodeProvider:
		return "diamond"
	case *nodePlanResource, *nodePlanOrphan:
		return "box"
	}
	return "note"
}
