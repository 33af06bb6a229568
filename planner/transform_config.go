package planner

import (
	"fmt"
	"strings"

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

// clustersInModules refuses clusters, environments and guardrails
// declared in called modules: a cluster's name is global to the state (it
// names the server groups on the platform), and module instances would
// need to share it; environments and guardrails govern the whole plan,
// so the root module that applies it declares them.
func clustersInModules(root *config.Config) hcl.Diagnostics {
	var diags hcl.Diagnostics
	refuse := func(child *config.Config, what, name, why string, at hcl.Range) {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  strings.ToUpper(what[:1]) + what[1:] + " in a module",
			Detail:   fmt.Sprintf("%s %q is declared in module %s. %s", strings.ToUpper(what[:1])+what[1:], name, addrs.Module(child.Path), why),
			Subject:  at.Ptr(),
		})
	}
	var visit func(c *config.Config)
	visit = func(c *config.Config) {
		for _, name := range sortedKeys(c.Children) {
			child := c.Children[name]
			m := child.Module
			for _, n := range sortedKeys(m.Clusters) {
				refuse(child, "cluster", n, "Clusters belong in the root module: their names are global, and each names server groups on its platform.", m.Clusters[n].DeclRange)
			}
			for _, n := range sortedKeys(m.Environments) {
				refuse(child, "environment", n, "Environments belong in the root module: they govern every cluster of the plan.", m.Environments[n].DeclRange)
			}
			for _, n := range sortedKeys(m.Guardrails) {
				refuse(child, "guardrail", n, "Guardrails belong in the root module: they judge every change of the plan, and one in a module would be ignored.", m.Guardrails[n].DeclRange)
			}
			visit(child)
		}
	}
	visit(root)
	return diags
}
