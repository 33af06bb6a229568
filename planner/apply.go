package planner

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/config"
	"github.com/tackhq/tack/config/addrs"
	"github.com/tackhq/tack/plugins/sdk"
	"github.com/tackhq/tack/state"
)

// Persist writes a state: the caller's backend, which bumps the serial.
// It is called from one goroutine at a time.
type Persist func(s *state.State) error

// applyRun is the state an apply writes, and the writer that persists it
// while the walk goes on: every completed operation marks it dirty, and
// the writer writes the latest state whenever it is, however many
// operations complete meanwhile.
//
// After each write the writer rests three times as long as the write
// took before it writes again, so that writing takes at most a quarter of
// the apply's time and disk however large the state: written back to
// back, the 3 MB state of 10,000 resources went to disk some 700 times in
// one apply, and took a quarter of its CPU time; resting as long as each
// write took, it still took a sixth. So nothing completed is lost for
// longer than about five writes take: milliseconds for a small state.
type applyRun struct {
	state *state.SyncState
	// stop cancels the walk: a state that cannot be saved must not
	// record ever more work nobody can see.
	stop    context.CancelFunc
	persist Persist
	events  func(Event)
	dirty   chan struct{}
	// finishing ends the writer's rest, when the apply finishes.
	finishing chan struct{}
	done      chan struct{}

	// writeMu keeps the writer's writes and flush's apart.
	writeMu sync.Mutex
	mu      sync.Mutex
	err     error
	serial  uint64
}

// flush writes the state now, for a caller that must know it is saved
// before it goes on: a deployment's next step.
func (a *applyRun) flush() error {
	a.write()
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.err
}

func newApplyRun(s *state.SyncState, persist Persist, events func(Event)) *applyRun {
	a := &applyRun{state: s, persist: persist, events: events, dirty: make(chan struct{}, 1), finishing: make(chan struct{}), done: make(chan struct{})}
	go a.loop()
	return a
}

func (a *applyRun) loop() {
	defer close(a.done)
	for range a.dirty {
		select {
		case <-a.finishing:
			return // finish writes the final state
		default:
		}
		start := time.Now()
		a.write()
		rest := time.NewTimer(3 * time.Since(start))
		select {
		case <-rest.C:
		case <-a.finishing:
		}
		rest.Stop()
	}
}

func (a *applyRun) write() {
	a.writeMu.Lock()
	defer a.writeMu.Unlock()
	snap := a.state.Snapshot()
	err := a.persist(snap)
	a.mu.Lock()
	if err != nil && a.err == nil {
		a.err = err
		if a.stop != nil {
			a.stop()
		}
	}
	a.mu.Unlock()
	if err == nil {
		a.events(StateSaved{Serial: snap.Serial})
	}
}

func (a *applyRun) markDirty() {
	select {
	case a.dirty <- struct{}{}:
	default: // a write is already pending; it will include this change
	}
}

// finish stops the writer and writes the final state once more.
func (a *applyRun) finish() error {
	close(a.finishing)
	close(a.dirty)
	<-a.done
	a.write()
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.err
}

func (a *applyRun) set(addr addrs.AbsResourceInstance, deposed state.DeposedKey, src *state.ObjectSrc, ref state.ProviderRef) {
	if deposed == state.NotDeposed {
		a.state.SetResourceInstanceCurrent(addr, src, ref)
	} else {
		a.state.SetResourceInstanceDeposed(addr, deposed, src, ref)
	}
	a.markDirty()
}

func (a *applyRun) setOutput(name string, o *state.Output) {
	s := a.state.Lock()
	if o == nil {
		delete(s.Outputs, name)
	} else {
		s.Outputs[name] = o
	}
	a.state.Unlock()
	a.markDirty()
}

// Apply carries out plan, persisting the state after every completed
// operation, and returns the final state. A failure leaves what completed
// recorded, and is a diagnostic naming its object. Cancelling ctx stops
// new operations; those in flight finish and are recorded.
func (p *Planner) Apply(ctx context.Context, plan *Plan, persist Persist) (*state.State, hcl.Diagnostics) {
	if plan.Errored {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Plan has errors", Detail: "This plan stopped at an error, so it cannot be applied. Fix the error and plan again."}}
	}
	if blockers := plan.Blockers(); len(blockers) > 0 {
		return nil, BlockedDiagnostics(plan)
	}
	w := newWalker(p, PlanOpts{Mode: plan.Mode}, plan.PriorState)
	defer w.providers.closeAll()
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	w.applying = newApplyRun(w.refreshed, persist, p.opts.Events)
	w.applying.stop = stop
	w.plan = plan
	w.started = p.opts.Now()
	if recordOverrides(plan, w.refreshed) {
		if err := w.applying.flush(); err != nil {
			// Nothing was applied: the state to keep is the one before,
			// without overrides for an apply that did not happen.
			return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Failed to save state",
				Detail: fmt.Sprintf("Recording the guardrail overrides failed: %s. Nothing was changed.", err)}}
		}
	}

	// What expressions see before anything is applied: the planned
	// values, replaced as objects are applied.
	for _, r := range w.cfg.Module.Resources {
		w.setExpansion(r.Addr().Absolute(addrs.RootModuleInstance), configExpansion(r))
	}
	for _, r := range w.cfg.Module.DataResources {
		w.setExpansion(r.Addr().Absolute(addrs.RootModuleInstance), configExpansion(r))
	}
	for _, c := range plan.Changes {
		if c.Action != Delete && c.Deposed == state.NotDeposed {
			w.setInstanceValue(c.Addr, c.After)
		}
	}
	for _, addr := range plan.PriorState.AllResourceInstances() {
		if addr.Resource.Resource.Mode != addrs.DataResourceMode {
			continue
		}
		// Data sources read during plan keep their values.
		if rs := plan.PriorState.ResourceInstance(addr); rs != nil && rs.Current != nil {
			if s, ok := plan.Schemas[plan.PriorState.Resource(addr.ContainingResource()).Provider.Source][addr.Resource.Resource.Type]; ok {
				if obj, err := rs.Current.Decode(s.ImpliedType()); err == nil {
					w.setInstanceValue(addr, obj.Value)
				}
			}
		}
	}

	g, diags := buildApplyGraph(w)
	if !diags.HasErrors() {
		markUnreferenced(g)
		diags = append(diags, g.walk(ctx, w, p.opts.Parallelism)...)
	}
	diags = append(diags, w.held...)
	if plan.Mode == DestroyMode {
		s := w.refreshed.Lock()
		s.Outputs = map[string]*state.Output{}
		w.refreshed.Unlock()
	}
	if err := w.applying.finish(); err != nil {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Failed to save state",
			Detail:   fmt.Sprintf("Writing the state failed: %s. tack stopped starting new operations. The state it could not write is returned to the caller to keep elsewhere (tack writes it to errored.tack.state.json); once the backend works again, push it with tack state push.", err),
		})
	}
	return w.refreshed.Close(), diags
}

func configExpansion(r *config.Resource) expansion {
	switch {
	case r.Count != nil:
		return expandCount
	case r.ForEach != nil:
		return expandForEach
	}
	return expandNone
}

// nodeApplyResource applies the changes of one resource's instances,
// other than deletions of objects the configuration no longer has.
type nodeApplyResource struct {
	path    addrs.Module
	r       *config.Resource
	changes []*ResourceChange
	// unreferenced says no node waits for this one, so no expression
	// evaluated in this apply reads the objects it applies (see
	// markUnreferenced).
	unreferenced bool
}

// markUnreferenced marks the resource nodes no other node waits for: the
// values of the objects they apply are recorded in the state, and need
// not be kept for expressions too. The value of each object applied
// outlived it otherwise, ten thousand of them a seventh of a large
// apply's live heap at its end, which the collector marked again and
// again under tack's memory limit.
func markUnreferenced(g *graph) {
	waitedFor := map[string]bool{}
	for _, deps := range g.deps {
		for d := range deps {
			waitedFor[d] = true
		}
	}
	for name, n := range g.nodes {
		if a, ok := n.(*nodeApplyResource); ok {
			a.unreferenced = !waitedFor[name]
		}
	}
}

func (n *nodeApplyResource) name() string                   { return prefix(n.path) + n.r.Addr().String() }
func (n *nodeApplyResource) module() addrs.Module           { return n.path }
func (n *nodeApplyResource) provider(w *walker) providerKey { return resourceProviderKey(n.r) }
func (n *nodeApplyResource) references() []*addrs.Reference { return resourceReferences(n.r) }

func (n *nodeApplyResource) execute(ctx context.Context, w *walker) hcl.Diagnostics {
	pi := w.providers.get(n.provider(w))
	schema, diags := pi.resourceSchema(n.r.Mode, n.r.Type, n.r.TypeRange)
	if diags.HasErrors() {
		return diags
	}
	// for_each values, now that what they refer to is applied.
	eachValues := map[string]map[addrs.InstanceKey]cty.Value{}
	for _, c := range n.changes {
		mod := c.Addr.Module.String()
		if n.r.ForEach == nil || eachValues[mod] != nil {
			continue
		}
		m, d := w.scope(c.Addr.Module).EvalForEach(n.r.ForEach)
		if d.HasErrors() {
			return d
		}
		eachValues[mod] = map[addrs.InstanceKey]cty.Value{}
		for k, v := range m {
			eachValues[mod][addrs.StringKey(k)] = v
		}
	}
	for _, c := range n.changes {
		if w.interrupted() {
			break
		}
		ap := &instanceApplier{w: w, path: n.path, r: n.r, pi: pi, schema: schema, c: c, each: eachValues[c.Addr.Module.String()][c.Addr.Resource.Key], unreferenced: n.unreferenced}
		diags = append(diags, ap.apply(ctx)...)
		if diags.HasErrors() {
			return diags
		}
	}
	return diags
}

// nodeApplyDelete deletes one recorded object.
type nodeApplyDelete struct{ c *ResourceChange }

func (n *nodeApplyDelete) name() string {
	if n.c.Deposed != state.NotDeposed {
		return "delete " + n.c.Addr.String() + " deposed " + string(n.c.Deposed)
	}
	return "delete " + n.c.Addr.String()
}

func (n *nodeApplyDelete) provider(w *walker) providerKey { return orphanProviderKey(w, n.c.Provider) }

func (n *nodeApplyDelete) execute(ctx context.Context, w *walker) hcl.Diagnostics {
	pi := w.providers.get(n.provider(w))
	schema, diags := pi.resourceSchema(configMode(n.c.Mode), n.c.Addr.Resource.Resource.Type, hcl.Range{})
	if diags.HasErrors() {
		return diags
	}
	ap := &instanceApplier{w: w, pi: pi, schema: schema, c: n.c}
	return ap.delete(ctx, n.c.Deposed)
}

// instanceApplier applies one change.
type instanceApplier struct {
	w      *walker
	path   addrs.Module
	r      *config.Resource // nil for deletes of objects not in the configuration
	pi     *providerInstance
	schema *sdk.Schema
	c      *ResourceChange
	each   cty.Value
	// unreferenced says nothing reads the value of the object applied.
	unreferenced bool
}

func (ap *instanceApplier) apply(ctx context.Context) hcl.Diagnostics {
	c := ap.c
	switch c.Action {
	case NoOp:
		return nil
	case Read:
		cfgVal, diags := instanceScope(ap.w, c.Addr, ap.each).EvalBlock(ap.r.Config, &ap.schema.Block)
		if diags.HasErrors() {
			return diags
		}
		v, d := readData(ctx, ap.w, ap.pi, ap.r, ap.schema, c.Addr, cfgVal)
		if !d.HasErrors() {
			ap.w.setInstanceValue(c.Addr, v)
		}
		return append(diags, d...)
	case Create, Update:
		return ap.createOrUpdate(ctx, c.Before)
	case DeleteThenCreate:
		if diags := ap.delete(ctx, state.NotDeposed); diags.HasErrors() {
			return diags
		}
		return ap.createOrUpdate(ctx, cty.NullVal(ap.schema.Block.ImpliedType()))
	case CreateThenDelete:
		deposed := ap.w.refreshed.DeposeResourceInstanceObject(c.Addr)
		ap.w.applying.markDirty()
		if diags := ap.createOrUpdate(ctx, cty.NullVal(ap.schema.Block.ImpliedType())); diags.HasErrors() {
			return diags
		}
		if deposed == state.NotDeposed {
			return nil
		}
		return ap.delete(ctx, deposed)
	case Delete:
		return ap.delete(ctx, c.Deposed)
	}
	return nil
}

// createOrUpdate plans the change again with the values now known, checks
// that the provider still plans what the reviewed plan said, and applies
// it.
func (ap *instanceApplier) createOrUpdate(ctx context.Context, prior cty.Value) hcl.Diagnostics {
	w, c, r := ap.w, ap.c, ap.r
	op := OpUpdate
	if prior.IsNull() {
		op = OpCreate
	}
	cfgVal, diags := instanceScope(w, c.Addr, ap.each).EvalBlock(r.Config, &ap.schema.Block)
	if diags.HasErrors() {
		return diags
	}
	if !prior.IsNull() {
		cfgVal = ignoreChanges(cfgVal, prior, r.Lifecycle)
	}
	cfg := unmarked(cfgVal)
	priorU, _ := unmarkDeep(prior)
	planned, private := c.After, c.Private
	// The provider planned c.After from this prior object and, when the
	// digests match, from this very configuration: planning it again
	// would give the same (a plan depends on nothing else), so only a
	// configuration that was unknown in part, or has changed, is planned
	// again.
	if c.ConfigDigest == nil || !bytes.Equal(c.ConfigDigest, configDigest(cfg.value, ap.schema.Block.ImpliedType())) {
		ip := &instancePlanner{w: w, path: ap.path, r: r, pi: ap.pi, schema: ap.schema, addr: c.Addr, each: ap.each}
		var d hcl.Diagnostics
		planned, _, private, d = ip.planChangeU(ctx, priorU, cfg)
		diags = append(diags, d...)
		if d.HasErrors() {
			return diags
		}
	}
	if !conforms(planned, c.After) {
		return append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Provider produced inconsistent final plan",
			Detail:   fmt.Sprintf("When applying %s, the provider planned a different object than the reviewed plan showed. Nothing was changed for it. This is a bug in the provider; plan again to see the current intent.", c.Addr),
			Subject:  r.DeclRange.Ptr(),
		})
	}

	start := time.Now()
	w.emit(OperationStarted{Addr: c.Addr, Op: op, ID: idOf(prior), At: start})
	plannedU, _ := unmarkDeep(planned)
	resp := ap.pi.prov.ApplyResourceChange(ctx, sdk.ApplyResourceChangeRequest{
		TypeName: r.Type, PriorState: priorU, PlannedState: plannedU, Config: cfg.value, PlannedPrivate: private,
	})
	pdiags := diagsFromProvider(resp.Diagnostics, r.Config, r.DeclRange, c.Addr.String())
	diags = append(diags, pdiags...)
	failed := pdiags.HasErrors()
	newVal := resp.NewState
	if newVal == cty.NilVal {
		newVal = cty.NullVal(ap.schema.Block.ImpliedType())
	}
	if !newVal.IsNull() {
		// What the provider made is recorded even when it failed part
		// way: tainted, so the next plan replaces it.
		newVal = markSensitive(&ap.schema.Block, newVal.MarkWithPaths(cfg.marks))
		// A create that failed part way is tainted, to be replaced; a
		// failed update leaves the object as the provider says it is.
		status := state.ObjectReady
		if failed && prior.IsNull() {
			status = state.ObjectTainted
		}
		obj := &state.Object{Value: newVal, Status: status, Dependencies: w.dependencies(ap.path, r), CreateBeforeDestroy: r.Lifecycle.CreateBeforeDestroy}
		src, err := obj.Encode(ap.schema.Block.ImpliedType(), ap.schema.Version)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Provider returned an invalid object", Detail: fmt.Sprintf("Applying %s: %s.", c.Addr, err), Subject: r.DeclRange.Ptr()})
			failed = true
		} else {
			w.applying.set(c.Addr, state.NotDeposed, src, ap.pi.ref())
		}
	} else if !failed {
		w.applying.set(c.Addr, state.NotDeposed, nil, ap.pi.ref())
	}
	if failed {
		w.emit(OperationFailed{Addr: c.Addr, Op: op, Elapsed: time.Since(start), Diagnostics: diags})
		return diags
	}
	w.emit(OperationDone{Addr: c.Addr, Op: op, ID: idOf(newVal), Elapsed: time.Since(start)})
	if !ap.unreferenced {
		w.setInstanceValue(c.Addr, newVal)
	}
	return diags
}

// delete destroys the current or a deposed object of the change's
// instance and forgets it.
func (ap *instanceApplier) delete(ctx context.Context, deposed state.DeposedKey) hcl.Diagnostics {
	w, c := ap.w, ap.c
	ty := ap.schema.Block.ImpliedType()
	prior := c.Before
	if deposed != c.Deposed {
		// A deposed object of a create_before_destroy replacement: read
		// it back from the state.
		ri := w.refreshed.ResourceInstance(c.Addr)
		if ri == nil || ri.Deposed[deposed] == nil {
			return nil
		}
		obj, err := ri.Deposed[deposed].Decode(ty)
		if err != nil {
			return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read recorded object", Detail: err.Error()}}
		}
		prior = obj.Value
	}
	start := time.Now()
	w.emit(OperationStarted{Addr: c.Addr, Op: OpDelete, ID: idOf(prior), At: start})
	priorU, _ := unmarkDeep(prior)
	resp := ap.pi.prov.ApplyResourceChange(ctx, sdk.ApplyResourceChangeRequest{
		TypeName: c.Addr.Resource.Resource.Type, PriorState: priorU, PlannedState: cty.NullVal(ty), Config: cty.NullVal(ty),
	})
	var body hcl.Body
	var rng hcl.Range
	if ap.r != nil {
		body, rng = ap.r.Config, ap.r.DeclRange
	}
	diags := diagsFromProvider(resp.Diagnostics, body, rng, c.Addr.String())
	if diags.HasErrors() {
		w.emit(OperationFailed{Addr: c.Addr, Op: OpDelete, Elapsed: time.Since(start), Diagnostics: diags})
		return diags
	}
	w.applying.set(c.Addr, deposed, nil, c.Provider)
	w.emit(OperationDone{Addr: c.Addr, Op: OpDelete, Elapsed: time.Since(start)})
	return diags
}

// conforms reports whether a value planned at apply keeps every promise
// the reviewed plan made: each value the plan knew is the same now; what
// it showed as known after apply may be anything.
func conforms(planned, reviewed cty.Value) bool {
	planned, _ = unmarkDeep(planned)
	reviewed, _ = unmarkDeep(reviewed)
	return conformsUnmarked(planned, reviewed)
}

// conformsUnmarked is conforms of values without marks, unmarked once
// rather than again at every level.
func conformsUnmarked(planned, reviewed cty.Value) bool {
	if !reviewed.IsKnown() {
		return true
	}
	if !planned.IsKnown() {
		return false
	}
	if reviewed.IsNull() || planned.IsNull() {
		return reviewed.IsNull() == planned.IsNull()
	}
	ty := reviewed.Type()
	switch {
	case ty.IsPrimitiveType():
		return planned.Type().Equals(ty) && planned.Equals(reviewed).True()
	case ty.IsObjectType():
		if !planned.Type().IsObjectType() {
			return false
		}
		for name := range ty.AttributeTypes() {
			if !planned.Type().HasAttribute(name) || !conformsUnmarked(planned.GetAttr(name), reviewed.GetAttr(name)) {
				return false
			}
		}
		return true
	case ty.IsListType() || ty.IsTupleType() || ty.IsMapType():
		if planned.LengthInt() != reviewed.LengthInt() {
			return false
		}
		for it := reviewed.ElementIterator(); it.Next(); {
			k, v := it.Element()
			if !planned.HasIndex(k).True() || !conformsUnmarked(planned.Index(k), v) {
				return false
			}
		}
		return true
	}
	// Sets of values known only in part cannot be matched element by
	// element; a set the plan knew in full must be the same.
	if reviewed.IsWhollyKnown() {
		return planned.Equals(reviewed).True()
	}
	return true
}
