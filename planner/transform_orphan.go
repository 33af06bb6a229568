package planner

import (
	"github.com/hashicorp/hcl/v2"

	"github.com/tackhq/tack/config"
	"github.com/tackhq/tack/config/addrs"
	"github.com/tackhq/tack/state"
)

// orphanTransformer adds a node for each resource in the state that the
// configuration no longer declares (or every resource, in a destroy
// plan): its objects are planned for deletion.
type orphanTransformer struct{}

func (orphanTransformer) transform(g *graph, w *walker) hcl.Diagnostics {
	// The graph is built before the walk starts: nothing else touches
	// the state yet.
	s := w.refreshed.Lock()
	defer w.refreshed.Unlock()
	for _, key := range sortedKeys(s.Resources) {
		res := s.Resources[key]
		if w.opts.Mode != DestroyMode && w.configResource(res.Addr.Resource) != nil {
			continue
		}
		g.add(&nodePlanOrphan{addr: res.Addr})
	}
	return nil
}

// recordedResource is a copy of a resource's record in the refreshed
// state, or nil.
func (w *walker) recordedResource(addr addrs.AbsResource) *state.Resource {
	s := w.refreshed.Lock()
	defer w.refreshed.Unlock()
	if r := s.Resource(addr); r != nil {
		return r.DeepCopy()
	}
	return nil
}

// configResource is the configuration's block for a root module
// resource, or nil.
func (w *walker) configResource(r addrs.Resource) *config.Resource {
	set := w.cfg.Module.Resources
	if r.Mode == addrs.DataResourceMode {
		set = w.cfg.Module.DataResources
	}
	return set[r.Type+"."+r.Name]
}
