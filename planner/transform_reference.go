package planner

import (
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/tackhq/tack/config/addrs"
)

// referencer is a node whose expressions refer to other objects, in the
// namespace of the module it belongs to.
type referencer interface {
	references() []*addrs.Reference
}

// referenceTransformer makes each node wait for the nodes of the objects
// it refers to (in expressions and depends_on).
type referenceTransformer struct{}

func (referenceTransformer) transform(g *graph, w *walker) hcl.Diagnostics {
	for _, name := range g.names() {
		r, ok := g.nodes[name].(referencer)
		if !ok {
			continue
		}
		var path addrs.Module
		if m, ok := g.nodes[name].(inModule); ok {
			path = m.module()
		}
		for _, ref := range r.references() {
			for _, target := range refNodeNames(g, path, ref.Subject) {
				g.connect(target, name)
			}
		}
	}
	return nil
}

// refNodeNames are the nodes that evaluate a referenced object, seen from
// module path; none for what needs no node (root variables, path, count,
// each).
func refNodeNames(g *graph, path addrs.Module, s addrs.Referenceable) []string {
	p := prefix(path)
	switch a := s.(type) {
	case addrs.InputVariable:
		if path.IsRoot() {
			return nil
		}
		return []string{path.String() + ".var." + a.Name}
	case addrs.LocalValue:
		return []string{p + a.String()}
	case addrs.Resource:
		return []string{p + a.String()}
	case addrs.ResourceInstance:
		return []string{p + a.Resource.String()}
	case addrs.ModuleCallOutput:
		return []string{p + "module." + a.Call.Name + ".output." + a.Name, p + "module." + a.Call.Name + " (expand)"}
	case addrs.ModuleCall:
		// The whole call: every output of the called module.
		child := p + "module." + a.Name + "."
		out := []string{p + "module." + a.Name + " (expand)"}
		for _, n := range g.names() {
			if strings.HasPrefix(n, child+"output.") {
				out = append(out, n)
			}
		}
		return out
	}
	return nil
}
