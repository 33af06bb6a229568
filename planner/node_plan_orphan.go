package planner

import (
	"context"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/tackhq/tack/config/addrs"
	"github.com/tackhq/tack/state"
)

// nodePlanOrphan plans the deletion of every object of a recorded
// resource that the configuration no longer declares (or of every
// resource, in a destroy plan).
type nodePlanOrphan struct{ addr addrs.AbsResource }

func (n *nodePlanOrphan) name() string { return "orphan " + n.addr.String() }

func (n *nodePlanOrphan) targetedBy(w *walker) bool {
	for _, t := range w.opts.Targets {
		if t.ContainingResource().Equal(n.addr) {
			return true
		}
	}
	return false
}

func (n *nodePlanOrphan) provider(w *walker) providerKey {
	rs := w.recordedResource(n.addr)
	return orphanProviderKey(w, rs.Provider)
}

// orphanProviderKey finds the configuration's local name for a recorded
// provider source: its required_providers entry, or the last part of the
// source ("tack/local" → local).
func orphanProviderKey(w *walker, ref state.ProviderRef) providerKey {
	for name, rp := range w.cfg.Module.RequiredProviders {
		if rp.Source == ref.Source {
			return providerKey{name: name, alias: ref.Alias}
		}
	}
	name := ref.Source
	if i := strings.LastIndex(name, "/"); i >= 0 {
		name = name[i+1:]
	}
	return providerKey{name: name, alias: ref.Alias}
}

func (n *nodePlanOrphan) execute(ctx context.Context, w *walker) hcl.Diagnostics {
	rs := w.recordedResource(n.addr)
	if rs == nil {
		return nil
	}
	pi := w.providers.get(n.provider(w))
	mode := n.addr.Resource.Mode
	schema, diags := pi.resourceSchema(configMode(mode), n.addr.Resource.Type, hcl.Range{})
	if diags.HasErrors() {
		return diags
	}
	reason := DeleteBecauseNoResourceConfig
	if w.opts.Mode == DestroyMode {
		reason = NoReason
	}
	r := w.configResource(n.addr.Config())
	for _, key := range sortedInstanceKeys(rs.Instances) {
		diags = append(diags, planObjectDeletes(ctx, w, pi, schema, n.addr.Instance(key), rs.Instances[key], true, reason, r)...)
	}
	return diags
}
