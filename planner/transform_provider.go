package planner

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// providerUser is a node that calls a provider.
type providerUser interface {
	provider(w *walker) providerKey
}

// providerTransformer adds a node for each provider configuration that
// some node uses, and makes those nodes wait for it.
type providerTransformer struct{}

func (providerTransformer) transform(g *graph, w *walker) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, name := range g.names() {
		u, ok := g.nodes[name].(providerUser)
		if !ok {
			continue
		}
		key := u.provider(w)
		cfg := w.cfg.Module.ProviderConfigs[key.String()]
		if cfg == nil && key.alias != "" {
			// An aliased configuration exists only as written: guessing
			// at it could point the provider at the wrong place, and a
			// delete at the wrong object.
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Provider configuration not present",
				Detail: fmt.Sprintf("%s needs the provider configuration %s, which the configuration no longer has. Add the provider block back (with alias = %q) until the objects that use it are destroyed or moved.",
					strings.TrimPrefix(name, "orphan "), key, key.alias),
			})
			continue
		}
		pn := &nodeProvider{key: key, cfg: cfg}
		if _, ok := g.nodes[pn.name()]; !ok {
			g.add(pn)
		}
		g.connect(pn.name(), name)
	}
	return diags
}
