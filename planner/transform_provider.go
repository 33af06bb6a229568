package planner

import (
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
	for _, name := range g.names() {
		u, ok := g.nodes[name].(providerUser)
		if !ok {
			continue
		}
		key := u.provider(w)
		pn := &nodeProvider{key: key, cfg: w.cfg.Module.ProviderConfigs[key.String()]}
		if _, ok := g.nodes[pn.name()]; !ok {
			g.add(pn)
		}
		g.connect(pn.name(), name)
	}
	return nil
}
