package sdk

import (
	"context"
	"math"
	"math/big"

	"github.com/zclconf/go-cty/cty"
)

// ProposedNewState is the proposal the core sends with PlanResourceChange:
// the configuration, with each computed attribute the user left out taken
// from the prior state, so that an unchanged resource plans as no change.
// A null config proposes a destroy (null); a null prior proposes a create,
// leaving computed attributes null for the provider to predict.
//
// Nested blocks are matched by position (lists), by key (maps) or not at all
// (sets, whose elements are taken from the configuration).
func ProposedNewState(block *Block, prior, config cty.Value) cty.Value {
	if config.IsNull() || !config.IsKnown() {
		return config
	}
	if prior.IsNull() || !prior.IsKnown() {
		return config
	}
	attrs := config.AsValueMap()
	if attrs == nil {
		attrs = map[string]cty.Value{}
	}
	for name, a := range block.Attributes {
		if a.Computed && attrs[name].IsNull() {
			attrs[name] = prior.GetAttr(name)
		}
	}
	for name, nb := range block.BlockTypes {
		attrs[name] = proposeNested(nb, prior.GetAttr(name), config.GetAttr(name))
	}
	return cty.ObjectVal(attrs)
}

func proposeNested(nb *NestedBlock, prior, config cty.Value) cty.Value {
	if prior.IsNull() || !prior.IsKnown() || config.IsNull() || !config.IsKnown() {
		return config
	}
	switch nb.Nesting {
	case NestingSingle:
		return ProposedNewState(&nb.Block, prior, config)
	case NestingList:
		if config.LengthInt() == 0 {
			return config
		}
		priorElems := prior.AsValueSlice()
		var elems []cty.Value
		for i, c := range config.AsValueSlice() {
			if i < len(priorElems) {
				c = ProposedNewState(&nb.Block, priorElems[i], c)
			}
			elems = append(elems, c)
		}
		if config.Type().IsTupleType() {
			return cty.TupleVal(elems)
		}
		return cty.ListVal(elems)
	case NestingMap:
		if config.LengthInt() == 0 {
			return config
		}
		elems := map[string]cty.Value{}
		for k, c := range config.AsValueMap() {
			if prior.Type().IsObjectType() && prior.Type().HasAttribute(k) || !prior.Type().IsObjectType() && prior.HasIndex(cty.StringVal(k)).True() {
				c = ProposedNewState(&nb.Block, prior.Index(cty.StringVal(k)), c)
			}
			elems[k] = c
		}
		if config.Type().IsObjectType() {
			return cty.ObjectVal(elems)
		}
		return cty.MapVal(elems)
	}
	return config
}

// PlanModifier adjusts one attribute's planned value, or asks for the
// resource to be replaced when it changes. The SDK runs an attribute's
// modifiers in order after it has applied defaults and marked computed
// values unknown.
type PlanModifier interface {
	ModifyPlan(ctx context.Context, req AttributePlanRequest, resp *AttributePlanResponse)
}

// AttributePlanRequest is one attribute's values while planning. Prior is
// null when the resource is being created.
type AttributePlanRequest struct {
	Path    cty.Path
	Prior   cty.Value
	Config  cty.Value
	Planned cty.Value
	// Creating is true when there is no prior state.
	Creating bool
}

// AttributePlanResponse starts with Planned equal to the request's; a
// modifier changes it, sets RequiresReplace, or adds diagnostics.
type AttributePlanResponse struct {
	Planned         cty.Value
	RequiresReplace bool
	Diagnostics     Diagnostics
}

// PlanModifierFunc adapts a function to [PlanModifier].
type PlanModifierFunc func(ctx context.Context, req AttributePlanRequest, resp *AttributePlanResponse)

func (f PlanModifierFunc) ModifyPlan(ctx context.Context, req AttributePlanRequest, resp *AttributePlanResponse) {
	f(ctx, req, resp)
}

// RequiresReplace replaces the resource whenever the attribute's value
// changes (including becoming unknown) on an existing resource.
func RequiresReplace() PlanModifier {
	return RequiresReplaceIf(func(AttributePlanRequest) bool { return true })
}

// RequiresReplaceIf replaces the resource when the attribute changes and
// cond says the change cannot be made in place.
func RequiresReplaceIf(cond func(req AttributePlanRequest) bool) PlanModifier {
	return PlanModifierFunc(func(_ context.Context, req AttributePlanRequest, resp *AttributePlanResponse) {
		if req.Creating || equal(req.Prior, resp.Planned) {
			return
		}
		if cond(req) {
			resp.RequiresReplace = true
		}
	})
}

// UseStateForUnknown keeps a computed attribute's recorded value instead of
// "known after apply" when the resource changes, for values that never
// change after creation (an id, a creation time).
func UseStateForUnknown() PlanModifier {
	return PlanModifierFunc(func(_ context.Context, req AttributePlanRequest, resp *AttributePlanResponse) {
		if req.Creating || req.Prior.IsNull() || resp.Planned.IsKnown() || !req.Config.IsNull() {
			return
		}
		resp.Planned = req.Prior
	})
}

// Validator checks one attribute's configured value, which the SDK only
// passes when it is known and not null.
type Validator func(path cty.Path, v cty.Value) Diagnostics

// WholeNumber is a [Validator] for number attributes read with
// [Data.Int]: the value must be a whole number that fits an int64.
func WholeNumber(path cty.Path, v cty.Value) Diagnostics {
	if v.Type() != cty.Number {
		return nil
	}
	f := v.AsBigFloat()
	if !f.IsInt() || f.Cmp(new(big.Float).SetInt64(math.MaxInt64)) > 0 || f.Cmp(new(big.Float).SetInt64(math.MinInt64)) < 0 {
		return Diagnostics{AttributeErrorf(path, "Whole number required",
			"%s must be a whole number between %d and %d; got %s.", FormatPath(path), int64(math.MinInt64), int64(math.MaxInt64), f.Text('g', -1))}
	}
	return nil
}

// Plan is a resource's planned change as Resource.ModifyPlan sees it: the
// prior state (null on create), the configuration, and the planned state to
// adjust.
type Plan struct {
	Prior   cty.Value
	Config  cty.Value
	Planned *Data
	replace []cty.Path
}

// Creating reports whether the plan creates the resource.
func (p *Plan) Creating() bool { return p.Prior.IsNull() }

// SetUnknown marks an attribute "known after apply".
func (p *Plan) SetUnknown(name string) {
	p.Planned.Set(name, cty.UnknownVal(p.Planned.Get(name).Type()))
}

// RequireReplace records that the change of the named attribute forces the
// resource to be replaced.
func (p *Plan) RequireReplace(name string) {
	p.replace = append(p.replace, cty.GetAttrPath(name))
}

// planResource is the SDK's planning for one resource: defaults, computed
// values unknown when they may change, attribute plan modifiers, the
// resource's own ModifyPlan, and replacement when the resource cannot be
// updated in place.
func planResource(ctx context.Context, meta any, r *Resource, prior, proposed, config cty.Value) (cty.Value, []cty.Path, Diagnostics) {
	if proposed.IsNull() {
		return proposed, nil, nil
	}
	creating := prior.IsNull()
	planned := applyDefaults(&r.Schema, config, proposed)
	changed := creating || !equal(planned, prior)
	if changed {
		planned = markComputedUnknown(&r.Schema, config, planned)
	}
	w := modifierWalk{ctx: ctx, creating: creating}
	planned = w.block(&r.Schema, cty.Path{}, prior, config, planned)
	diags := w.diags
	replace := w.replace
	if r.ModifyPlan != nil && !diags.HasErrors() {
		p := &Plan{Prior: prior, Config: config, Planned: newData(&r.Schema, planned, prior)}
		diags = append(diags, r.ModifyPlan(ctx, meta, p)...)
		planned = p.Planned.Value()
		replace = append(replace, p.replace...)
	}
	if r.Update == nil && !creating && !equal(planned, prior) {
		// Without Update every change the user can make is a replacement:
		// that of a required or optional attribute (optional computed ones
		// included), but not a computed value that is unknown only because
		// something else changed.
		for _, name := range sortedKeys(r.Schema.Attributes) {
			a, pv := r.Schema.Attributes[name], planned.GetAttr(name)
			if !a.Required && !a.Optional || !pv.IsKnown() && attrOrNull(config, name, a.Type).IsNull() {
				continue
			}
			if !equal(prior.GetAttr(name), pv) {
				replace = append(replace, cty.GetAttrPath(name))
			}
		}
		for _, name := range sortedKeys(r.Schema.BlockTypes) {
			if !equal(prior.GetAttr(name), planned.GetAttr(name)) {
				replace = append(replace, cty.GetAttrPath(name))
			}
		}
	}
	if creating {
		replace = nil
	}
	return planned, dedupPaths(replace), diags
}

// applyDefaults plans each attribute's default where the user left it out,
// at the top level and in single nested blocks.
func applyDefaults(b *Block, config, planned cty.Value) cty.Value {
	if planned.IsNull() || !planned.IsKnown() {
		return planned
	}
	e := objectEdit{obj: planned}
	for name, a := range b.Attributes {
		if a.Default == cty.NilVal {
			continue
		}
		if config.IsNull() || config.GetAttr(name).IsNull() {
			e.set(name, a.Default)
		}
	}
	for name, nb := range b.BlockTypes {
		if nb.Nesting != NestingSingle {
			continue
		}
		c := cty.NullVal(nb.ImpliedType())
		if !config.IsNull() {
			c = config.GetAttr(name)
		}
		e.set(name, applyDefaults(&nb.Block, c, e.get(name)))
	}
	return e.value()
}

// markComputedUnknown marks "known after apply" every computed attribute
// the user did not set, at the top level and in single nested blocks.
func markComputedUnknown(b *Block, config, planned cty.Value) cty.Value {
	if planned.IsNull() || !planned.IsKnown() {
		return planned
	}
	e := objectEdit{obj: planned}
	for name, a := range b.Attributes {
		if !a.Computed {
			continue
		}
		if (config.IsNull() || config.GetAttr(name).IsNull()) && a.Default == cty.NilVal {
			e.set(name, cty.UnknownVal(a.Type))
		}
	}
	for name, nb := range b.BlockTypes {
		if nb.Nesting != NestingSingle {
			continue
		}
		c := cty.NullVal(nb.ImpliedType())
		if !config.IsNull() {
			c = config.GetAttr(name)
		}
		e.set(name, markComputedUnknown(&nb.Block, c, e.get(name)))
	}
	return e.value()
}

// modifierWalk runs attribute plan modifiers over a block and its single
// nested blocks, gathering replacements and diagnostics.
type modifierWalk struct {
	ctx      context.Context
	creating bool
	replace  []cty.Path
	diags    Diagnostics
}

func (w *modifierWalk) block(b *Block, at cty.Path, prior, config, planned cty.Value) cty.Value {
	if planned.IsNull() || !planned.IsKnown() {
		return planned
	}
	e := objectEdit{obj: planned}
	// In name order, so that replacements and diagnostics come out the
	// same on every run.
	for _, name := range sortedKeys(b.Attributes) {
		a := b.Attributes[name]
		if len(a.PlanModifiers) == 0 {
			continue
		}
		path := at.Copy().GetAttr(name)
		req := AttributePlanRequest{
			Path:     path,
			Prior:    attrOrNull(prior, name, a.Type),
			Config:   attrOrNull(config, name, a.Type),
			Planned:  e.get(name),
			Creating: w.creating || prior.IsNull(),
		}
		resp := AttributePlanResponse{Planned: req.Planned}
		for _, m := range a.PlanModifiers {
			m.ModifyPlan(w.ctx, req, &resp)
			req.Planned = resp.Planned
		}
		e.set(name, resp.Planned)
		if resp.RequiresReplace {
			w.replace = append(w.replace, path)
		}
		w.diags = append(w.diags, resp.Diagnostics...)
	}
	for _, name := range sortedKeys(b.BlockTypes) {
		nb := b.BlockTypes[name]
		if nb.Nesting != NestingSingle {
			continue
		}
		ty := nb.ImpliedType()
		e.set(name, w.block(&nb.Block, at.Copy().GetAttr(name), attrOrNull(prior, name, ty), attrOrNull(config, name, ty), e.get(name)))
	}
	return e.value()
}

func attrOrNull(obj cty.Value, name string, ty cty.Type) cty.Value {
	if obj.IsNull() || !obj.IsKnown() {
		return cty.NullVal(ty)
	}
	return obj.GetAttr(name)
}

func dedupPaths(paths []cty.Path) []cty.Path {
	var out []cty.Path
next:
	for _, p := range paths {
		for _, q := range out {
			if p.Equals(q) {
				continue next
			}
		}
		out = append(out, p)
	}
	return out
}
