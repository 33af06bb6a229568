package planner

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"

	"github.com/tackhq/tack/config"
	"github.com/tackhq/tack/config/addrs"
)

// configTransformer adds a node for each local value, resource, data
// source and output of every module of the configuration. A destroy plan
// has no use for resources or outputs: everything recorded goes.
type configTransformer struct{}

func (configTransformer) transform(g *graph, w *walker) hcl.Diagnostics {
	var visit func(c *config.Config)
	visit = func(c *config.Config) {
		path := addrs.Module(c.Path)
		m := c.Module
		if w.opts.Mode == DestroyMode && !path.IsRoot() {
			return // a destroy evaluates nothing inside modules
		}
		for _, name := range sortedKeys(m.Locals) {
			g.add(&nodeLocal{path: path, l: m.Locals[name]})
		}
		if w.opts.Mode != DestroyMode {
			for _, set := range []map[string]*config.Resource{m.Resources, m.DataResources} {
				for _, key := range sortedKeys(set) {
					g.add(&nodePlanResource{path: path, r: set[key]})
				}
			}
			for _, name := range sortedKeys(m.Outputs) {
				g.add(&nodeOutput{path: path, o: m.Outputs[name]})
			}
		}
		for _, name := range sortedKeys(c.Children) {
			visit(c.Children[name])
		}
	}
	visit(w.cfg)
	if w.opts.Mode != DestroyMode {
		for _, name := range sortedKeys(w.cfg.Module.Clusters) {
			g.add(&nodePlanCluster{c: w.cfg.Module.Clusters[name]})
		}
	}
	return clustersInModules(w.cfg)
}

// clustersInModules refuses clusters declared in called modules: a
// cluster's name is global to the state (it names the server groups on
// the platform), and module instances would need to share it.
func clustersInModules(root *config.Config) hcl.Diagnostics {
	var diags hcl.Diagnostics
	var visit func(c *config.Config)
	visit = func(c *config.Config) {
		for _, name := range sortedKeys(c.Children) {
			child := c.Children[name]
			for _, cname := range sortedKeys(child.Module.Clusters) {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Cluster in a module",
					Detail:   fmt.Sprintf("Cluster %q is declared in module %s. Clusters belong in the root module: their names are global, and each names server groups on its platform.", cname, addrs.Module(child.Path)),
					Subject:  child.Module.Clusters[cname].DeclRange.Ptr(),
				})
			}
			visit(child)
		}
	}
	visit(root)
	return diags
}
