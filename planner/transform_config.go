package planner

import (
	"github.com/hashicorp/hcl/v2"

	"github.com/tackhq/tack/config"
)

// configTransformer adds a node for each local value, resource, data
// source and output of the configuration. A destroy plan has no use for
// resources or outputs: everything recorded goes.
type configTransformer struct{}

func (configTransformer) transform(g *graph, w *walker) hcl.Diagnostics {
	m := w.cfg.Module
	for _, name := range sortedKeys(m.Locals) {
		g.add(&nodeLocal{l: m.Locals[name]})
	}
	if w.opts.Mode == DestroyMode {
		return nil
	}
	for _, set := range []map[string]*config.Resource{m.Resources, m.DataResources} {
		for _, key := range sortedKeys(set) {
			g.add(&nodePlanResource{r: set[key]})
		}
	}
	for _, name := range sortedKeys(m.Outputs) {
		g.add(&nodeOutput{o: m.Outputs[name]})
	}
	return nil
}
