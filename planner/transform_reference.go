package planner

import (
	"github.com/hashicorp/hcl/v2"

	"github.com/tackhq/tack/config/addrs"
)

// referencer is a node whose expressions refer to other objects.
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
		for _, ref := range r.references() {
			if target := refNodeName(ref.Subject); target != "" {
				g.connect(target, name)
			}
		}
	}
	return nil
}

// refNodeName is the name of the node that evaluates a referenced object;
// empty for what needs no node (variables, path, count, each).
func refNodeName(s addrs.Referenceable) string {
	switch a := s.(type) {
	case addrs.LocalValue:
		return a.String()
	case addrs.Resource:
		return a.String()
	case addrs.ResourceInstance:
		return a.Resource.String()
	}
	return ""
}
