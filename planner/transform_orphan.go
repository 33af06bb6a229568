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
	w.recorded = map[string][]addrs.AbsResource{}
	for _, key := range sortedKeys(s.Resources) {
		res := s.Resources[key]
		cfgAddr := res.Addr.Config().String()
		w.recorded[cfgAddr] = append(w.recorded[cfgAddr], res.Addr)
		if w.opts.Mode != DestroyMode && w.configResource(res.Addr.Config()) != nil {
			continue
		}
		g.add(&nodePlanOrphan{addr: res.Addr})
	}
	for _, name := range sortedKeys(s.Clusters) {
		if w.opts.Mode != DestroyMode && w.cfg.Module.Clusters[name] != nil {
			continue
		}
		g.add(&nodePlanClusterDestroy{rec: s.Clusters[name].DeepCopy()})
	}
	return nil
}

// recordedOf are the recorded resources of one resource block, in every
// module instance.
func (w *walker) recordedOf(c addrs.ConfigResource) []addrs.AbsResource {
	return w.recorded[c.String()]
}

// recordedResource is a copy of a resource's record in the refreshed
// state, or nil.
func (w *walker) recordedResource(addr addrs.AbsResource) *state.Resource {
	return w.recordedResourceIf(addr, func(*state.Resource) bool { return true })
}

// recordedResourceIf is recordedResource when want says the record is
// wanted, asked of the record itself; nil otherwise.
func (w *walker) recordedResourceIf(addr addrs.AbsResource, want func(*state.Resource) bool) *state.Resource {
	s := w.refreshed.Lock()
	defer w.refreshed.Unlock()
	if r := s.Resource(addr); r != nil && want(r) {
		return r.DeepCopy()
	}
	return nil
}

// configResource is the configuration's block for a resource, or nil.
func (w *walker) configResource(c addrs.ConfigResource) *config.Resource {
	mc := w.configAt(c.Module)
	if mc == nil {
		return nil
	}
	set := mc.Module.Resources
	if c.Resource.Mode == addrs.DataResourceMode {
		set = mc.Module.DataResources
	}
	return set[c.Resource.Type+"."+c.Resource.Name]
}
