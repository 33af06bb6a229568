package planner

import (
	"github.com/hashicorp/hcl/v2"

	"github.com/tackhq/tack/config"
	"github.com/tackhq/tack/config/addrs"
	"github.com/tackhq/tack/state"
)

// applyChangesTransformer adds a node per configured resource with
// changes to apply, and a node per deletion of an object the
// configuration no longer has (or of any object, in a destroy).
type applyChangesTransformer struct{}

func (applyChangesTransformer) transform(g *graph, w *walker) hcl.Diagnostics {
	byResource := map[string]*nodeApplyResource{}
	for _, c := range w.plan.Changes {
		cfgAddr := c.Addr.ConfigResource()
		r := w.configResource(cfgAddr)
		if c.Action == Delete && (r == nil || w.plan.Mode == DestroyMode || c.Deposed != state.NotDeposed || c.Reason == DeleteBecauseCountIndex || c.Reason == DeleteBecauseEachKey) {
			g.add(&nodeApplyDelete{c: c})
			continue
		}
		if c.Action == NoOp || r == nil {
			continue
		}
		n := byResource[cfgAddr.String()]
		if n == nil {
			n = &nodeApplyResource{path: cfgAddr.Module, r: r}
			byResource[cfgAddr.String()] = n
			g.add(n)
		}
		n.changes = append(n.changes, c)
	}
	var teardowns []string
	for _, c := range w.plan.Clusters {
		if !c.Changes() {
			continue
		}
		n := &nodeApplyCluster{c: c}
		if c.Action != ClusterDestroy {
			n.cfg = w.cfg.Module.Clusters[c.Addr.Name]
		} else {
			teardowns = append(teardowns, n.name())
		}
		g.add(n)
	}
	// A cluster's groups leave before the objects they use (its load
	// balancers) are deleted.
	for _, name := range g.names() {
		if _, ok := g.nodes[name].(*nodeApplyDelete); ok {
			for _, t := range teardowns {
				g.connect(t, name)
			}
		}
	}
	return nil
}

// configValuesTransformer adds the local values and outputs, evaluated
// again with applied values; outputs are recorded in the state.
type configValuesTransformer struct{}

func (configValuesTransformer) transform(g *graph, w *walker) hcl.Diagnostics {
	var visit func(c *config.Config)
	visit = func(c *config.Config) {
		path := addrs.Module(c.Path)
		if w.plan.Mode == DestroyMode && !path.IsRoot() {
			return
		}
		for _, name := range sortedKeys(c.Module.Locals) {
			g.add(&nodeLocal{path: path, l: c.Module.Locals[name]})
		}
		if w.plan.Mode != DestroyMode {
			for _, name := range sortedKeys(c.Module.Outputs) {
				g.add(&nodeOutput{path: path, o: c.Module.Outputs[name]})
			}
		}
		for _, name := range sortedKeys(c.Children) {
			visit(c.Children[name])
		}
	}
	visit(w.cfg)
	if w.plan.Mode == DestroyMode {
		return nil
	}
	m := w.cfg.Module
	// Outputs the configuration dropped leave the state.
	for name := range w.plan.PriorState.Outputs {
		if _, ok := m.Outputs[name]; !ok {
			w.applying.setOutput(name, nil)
		}
	}
	return nil
}

// destroyOrderTransformer orders deletions against the recorded
// dependencies: an object is deleted only after the objects that depend
// on it are deleted, the reverse of the order they were created in.
type destroyOrderTransformer struct{}

func (destroyOrderTransformer) transform(g *graph, w *walker) hcl.Diagnostics {
	deletes := map[string][]string{} // config resource → delete nodes
	deps := map[string][]addrs.ConfigResource{}
	for _, name := range g.names() {
		n, ok := g.nodes[name].(*nodeApplyDelete)
		if !ok {
			continue
		}
		cr := n.c.Addr.ConfigResource().String()
		deletes[cr] = append(deletes[cr], name)
		if ri := w.plan.PriorState.ResourceInstance(n.c.Addr); ri != nil {
			obj := ri.Current
			if n.c.Deposed != state.NotDeposed {
				obj = ri.Deposed[n.c.Deposed]
			}
			if obj != nil {
				deps[name] = obj.Dependencies
			}
		}
	}
	for name, ds := range deps {
		for _, d := range ds {
			for _, target := range deletes[d.String()] {
				// name depends on target: delete name first.
				g.connect(name, target)
			}
		}
	}
	// An object that still refers to one being deleted is updated (to
	// let go of it) before the delete, as Terraform orders them.
	for _, name := range g.names() {
		n, ok := g.nodes[name].(*nodeApplyResource)
		if !ok {
			continue
		}
		for _, ref := range n.references() {
			var res addrs.Resource
			switch s := ref.Subject.(type) {
			case addrs.Resource:
				res = s
			case addrs.ResourceInstance:
				res = s.Resource
			default:
				continue
			}
			for _, target := range deletes[prefix(n.path)+res.String()] {
				g.connect(name, target)
			}
		}
	}
	return nil
}
