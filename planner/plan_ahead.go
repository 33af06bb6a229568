package planner

import (
	"context"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/config"
	"github.com/tackhq/tack/config/addrs"
	"github.com/tackhq/tack/plugins/sdk"
)

// Planning ahead.
//
// An object's plan waits for the plans of everything its configuration
// refers to: in a chain of a thousand resources, a thousand validations
// and plans go to the provider one after another, each waiting for the
// round trip of the one before. Yet when nothing changes, each object's
// planned value is the object as read, and that is known as soon as the
// read-ahead has read it. So a read-ahead node, having read an object
// whose configuration refers to others, goes on to evaluate that
// configuration with the objects it refers to as they were read, and to
// validate and plan it: the calls the object's plan would make, made
// early and side by side.
//
// The object's plan then evaluates its configuration as always, from
// what the plans before it decided, and uses what was planned ahead only
// where the provider would be asked exactly the same thing: the same
// wholly known configuration to validate; the same prior object and the
// same wholly known configuration to plan (the proposed new state
// follows from those two). Anything else (an upstream object that
// changes, a configuration with unknowns, a local value not yet
// evaluated) and the plan calls the provider itself, so a plan is the
// same with planning ahead or without; the calls made ahead are wasted,
// no more. Providers are expected to answer the same request the same way
// (Terraform's protocol makes the same assumption when apply checks
// the plan).
//
// Nothing is planned ahead for an object whose expansion gives it
// each.value, which only its plan evaluates, nor for an object whose plan
// waits for nothing but its provider.

// plannedAhead is what the provider answered when an object was planned
// ahead, and what it was asked.
type plannedAhead struct {
	// validateCfg was validated (unmarked), with validateDiags.
	validateCfg   cty.Value
	validateDiags hcl.Diagnostics
	// priorU → planCfg (both unmarked) was planned, with resp.
	priorU  cty.Value
	planCfg cty.Value
	resp    sdk.PlanResourceChangeResponse
}

// validates reports whether cfgU (unmarked) is what was validated ahead.
func (p *plannedAhead) validates(cfgU cty.Value) bool {
	return p != nil && cfgU.IsWhollyKnown() && p.validateCfg.RawEquals(cfgU)
}

// plans reports whether priorU → cfgU (unmarked) is what was planned
// ahead.
func (p *plannedAhead) plans(priorU, cfgU cty.Value) bool {
	return p != nil && cfgU.IsWhollyKnown() && p.planCfg.RawEquals(cfgU) && p.priorU.RawEquals(priorU)
}

// planAheadChoices says which plan nodes have their objects planned
// ahead (by node name): those that wait in the graph for a node other
// than their provider. And which resources those read as they were read
// (by configuration address): the managed resources they wait for.
func planAheadChoices(g *graph, w *walker) (ahead, keep map[string]bool) {
	ahead, keep = map[string]bool{}, map[string]bool{}
	if w.opts.Mode != NormalMode {
		return ahead, keep
	}
	for name, node := range g.nodes {
		n, ok := node.(*nodePlanResource)
		if !ok || n.r.Mode != config.ManagedMode || n.r.ForEach != nil {
			continue
		}
		for dep := range g.deps[name] {
			switch d := g.nodes[dep].(type) {
			case *nodeProvider:
				continue
			case *nodePlanResource:
				if d.r.Mode == config.ManagedMode {
					keep[addrs.ConfigResource{Module: d.path, Resource: d.r.Addr()}.String()] = true
				}
			}
			ahead[name] = true
		}
	}
	return ahead, keep
}

// planAhead evaluates e's configuration with the objects it refers to as
// they were read, and validates and plans it; nil when it cannot (the
// object is gone or unreadable, an object it refers to was not read, or
// the configuration does not evaluate).
func planAhead(ctx context.Context, w *walker, pi *providerInstance, schema *sdk.Schema, e *readAhead) *plannedAhead {
	if e.value == cty.NilVal || w.interrupted() || w.failed.Load() {
		return nil
	}
	r := e.plan.r
	data := &aheadData{instanceData: instanceData{w: w, inst: e.addr.Module}, ctx: ctx}
	scope := instanceScope(w, e.addr, cty.NilVal)
	scope.Data = data
	cfgVal, diags := scope.EvalBlock(r.Config, &schema.Block)
	if diags.HasErrors() || data.missing {
		return nil
	}
	ip := &instancePlanner{w: w, path: e.plan.path, r: r, pi: pi, schema: schema, addr: e.addr}
	cfg := unmarked(cfgVal)
	p := &plannedAhead{validateCfg: cfg.value, planCfg: cfg.value}
	ignored := ignoresChanges(r.Lifecycle)
	if ignored {
		p.planCfg = unmarked(ignoreChanges(cfgVal, e.value, r.Lifecycle)).value
	}
	p.priorU, _ = unmarkDeep(e.value)
	p.validateDiags, p.resp = ip.validateAndPlan(ctx, p.validateCfg, p.priorU, p.planCfg, !ignored)
	return p
}

// aheadData is what a configuration planned ahead sees: the managed
// resources of its module instance as the read-ahead read them (reading
// them first if it has not yet), and everything else as its plan would
// see it now.
type aheadData struct {
	instanceData
	ctx context.Context
	// missing is set when a resource it refers to has an instance that
	// was not, or could not be, read.
	missing bool
}

func (d *aheadData) Value(addr addrs.Referenceable, rng hcl.Range) (cty.Value, hcl.Diagnostics) {
	a, ok := addr.(addrs.Resource)
	if !ok || a.Mode != addrs.ManagedResourceMode {
		return d.instanceData.Value(addr, rng)
	}
	entries := d.w.readAheadOf[a.Absolute(d.inst).String()]
	if len(entries) == 0 {
		d.missing = true
		return cty.DynamicVal, nil
	}
	vals := make([]cty.Value, len(entries))
	for i, e := range entries {
		if _, _, ok := d.w.readNow(d.ctx, e); !ok || e.value == cty.NilVal {
			d.missing = true
			return cty.DynamicVal, nil
		}
		vals[i] = e.value
	}
	// The shape the recorded instance keys give: one object, a tuple
	// for count, an object for for_each.
	switch entries[0].addr.Resource.Key.(type) {
	case nil:
		if len(entries) == 1 {
			return vals[0], nil
		}
	case addrs.IntKey:
		for i, e := range entries {
			if e.addr.Resource.Key != addrs.IntKey(i) {
				d.missing = true
				return cty.DynamicVal, nil
			}
		}
		return cty.TupleVal(vals), nil
	case addrs.StringKey:
		m := make(map[string]cty.Value, len(entries))
		for i, e := range entries {
			k, ok := e.addr.Resource.Key.(addrs.StringKey)
			if !ok {
				d.missing = true
				return cty.DynamicVal, nil
			}
			m[string(k)] = vals[i]
		}
		return cty.ObjectVal(m), nil
	}
	d.missing = true
	return cty.DynamicVal, nil
}

// readNow reads e ahead, if it has not been, through its own provider,
// and returns the provider and the schema it read with; false when that
// provider is not configured yet or lacks the type.
func (w *walker) readNow(ctx context.Context, e *readAhead) (*providerInstance, *sdk.Schema, bool) {
	pi := w.providers.get(e.plan.provider(w))
	if pi == nil {
		return nil, nil, false
	}
	schema, diags := pi.resourceSchema(e.plan.r.Mode, e.plan.r.Type, e.plan.r.TypeRange)
	if diags.HasErrors() {
		return nil, nil, false
	}
	e.do(ctx, w, pi, schema, nil, nil)
	return pi, schema, true
}
