package planner

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/config"
	"github.com/tackhq/tack/config/addrs"
	"github.com/tackhq/tack/plugins/sdk"
	"github.com/tackhq/tack/state"
)

// nodePlanResource plans every instance of one resource or data source
// of the configuration, and the deletion of its recorded instances that
// count or for_each no longer include.
type nodePlanResource struct {
	path addrs.Module
	r    *config.Resource
}

func (n *nodePlanResource) name() string { return prefix(n.path) + n.r.Addr().String() }

func (n *nodePlanResource) module() addrs.Module { return n.path }

func (n *nodePlanResource) provider(w *walker) providerKey { return resourceProviderKey(n.r) }

func (n *nodePlanResource) references() []*addrs.Reference { return resourceReferences(n.r) }

func (n *nodePlanResource) targetedBy(w *walker) bool {
	for _, t := range w.opts.Targets {
		if t.Module.Module().Equal(n.path) && t.Resource.Resource == n.r.Addr() {
			return true
		}
	}
	return false
}

func resourceProviderKey(r *config.Resource) providerKey {
	if r.ProviderRef != nil {
		return providerKey{name: r.ProviderRef.Name, alias: r.ProviderRef.Alias}
	}
	return providerKey{name: r.ProviderName()}
}

// resourceReferences are what a resource's arguments, meta-arguments and
// depends_on refer to. The body is read without its schema: tack's
// configuration is HCL native syntax, whose bodies can be walked as they
// are.
func resourceReferences(r *config.Resource) []*addrs.Reference {
	var refs []*addrs.Reference
	for _, t := range bodyTraversals(r.Config) {
		if ref, d := addrs.ParseRef(t); !d.HasErrors() {
			refs = append(refs, ref)
		}
	}
	for _, e := range []hcl.Expression{r.Count, r.ForEach} {
		rs, _ := config.References(e)
		refs = append(refs, rs...)
	}
	for _, t := range r.DependsOn {
		if ref, d := addrs.ParseRef(t); !d.HasErrors() {
			refs = append(refs, ref)
		}
	}
	for _, e := range r.Lifecycle.ReplaceTriggeredBy {
		rs, _ := config.References(e)
		refs = append(refs, rs...)
	}
	return refs
}

// dependencies are the resources an object's configuration refers to,
// directly or through local values and the outputs of module calls: what
// the state records, so that a later destroy knows the order.
func (w *walker) dependencies(path addrs.Module, r *config.Resource) []addrs.ConfigResource {
	self := addrs.ConfigResource{Module: path, Resource: r.Addr()}
	seen := map[string]bool{}
	var out []addrs.ConfigResource
	var visit func(path addrs.Module, refs []*addrs.Reference)
	visit = func(path addrs.Module, refs []*addrs.Reference) {
		c := w.configAt(path)
		if c == nil {
			return
		}
		for _, ref := range refs {
			var res addrs.Resource
			switch s := ref.Subject.(type) {
			case addrs.Resource:
				res = s
			case addrs.ResourceInstance:
				res = s.Resource
			case addrs.LocalValue:
				key := prefix(path) + s.String()
				if seen[key] {
					continue
				}
				seen[key] = true
				if l, ok := c.Module.Locals[s.Name]; ok {
					rs, _ := config.References(l.Expr)
					visit(path, rs)
				}
				continue
			case addrs.ModuleCallOutput:
				w.visitOutputs(path, s.Call.Name, s.Name, seen, visit)
				continue
			case addrs.InputVariable:
				// A module's variable is its caller's argument.
				key := path.String() + ".var." + s.Name
				if path.IsRoot() || seen[key] {
					continue
				}
				seen[key] = true
				parent := path[:len(path)-1]
				if pc := w.configAt(parent); pc != nil {
					if call := pc.Module.ModuleCalls[path[len(path)-1]]; call != nil {
						args, _ := call.Config.JustAttributes()
						if a, ok := args[s.Name]; ok {
							rs, _ := config.References(a.Expr)
							visit(parent, rs)
						}
					}
				}
				continue
			case addrs.ModuleCall:
				w.visitOutputs(path, s.Name, "", seen, visit)
				continue
			default:
				continue
			}
			dep := addrs.ConfigResource{Module: path, Resource: res}
			if dep.Equal(self) || seen[dep.String()] {
				continue
			}
			seen[dep.String()] = true
			out = append(out, dep)
		}
	}
	visit(path, resourceReferences(r))
	return out
}

// visitOutputs follows a reference to a module call's output (all its
// outputs, when name is empty) into the called module.
func (w *walker) visitOutputs(path addrs.Module, call, name string, seen map[string]bool, visit func(addrs.Module, []*addrs.Reference)) {
	child := append(append(addrs.Module(nil), path...), call)
	c := w.configAt(child)
	if c == nil {
		return
	}
	for _, on := range sortedKeys(c.Module.Outputs) {
		key := child.String() + ".output." + on
		if (name != "" && on != name) || seen[key] {
			continue
		}
		seen[key] = true
		rs, _ := config.References(c.Module.Outputs[on].Expr)
		visit(child, rs)
	}
}

func (n *nodePlanResource) execute(ctx context.Context, w *walker) hcl.Diagnostics {
	r := n.r
	pi := w.providers.get(n.provider(w))
	schema, diags := pi.resourceSchema(r.Mode, r.Type, r.TypeRange)
	if diags.HasErrors() {
		return diags
	}
	w.rememberSchema(pi.source, r.Type, &schema.Block)

	current := map[string]bool{}
	for _, inst := range w.moduleInstances(n.path) {
		current[inst.String()] = true
		diags = append(diags, n.planIn(ctx, w, pi, schema, inst)...)
		if diags.HasErrors() {
			return diags
		}
	}
	// The resource's objects in module instances that are no longer
	// expanded go with them.
	cfgAddr := addrs.ConfigResource{Module: n.path, Resource: r.Addr()}
	for _, abs := range w.recordedOf(cfgAddr) {
		if current[abs.Module.String()] {
			continue
		}
		rs := w.recordedResource(abs)
		if rs == nil {
			continue
		}
		for _, key := range sortedInstanceKeys(rs.Instances) {
			diags = append(diags, planObjectDeletes(ctx, w, pi, schema, abs.Instance(key), rs.Instances[key], true, DeleteBecauseNoModule, r)...)
		}
	}
	return diags
}

// planIn plans the resource's instances in one module instance, and the
// deletion of its recorded instances there that the expansion no longer
// includes.
func (n *nodePlanResource) planIn(ctx context.Context, w *walker, pi *providerInstance, schema *sdk.Schema, inst addrs.ModuleInstance) hcl.Diagnostics {
	r := n.r
	keys, exp, diags := n.expand(w, inst)
	if diags.HasErrors() {
		return diags
	}
	abs := r.Addr().Absolute(inst)
	w.setExpansion(abs, exp)
	w.implicitMove(abs, exp)

	only := w.targetedKeys(abs)
	want := map[addrs.InstanceKey]bool{}
	for _, k := range keys {
		if w.interrupted() {
			return diags
		}
		want[k.key] = true
		if only != nil && !only[k.key] {
			continue
		}
		ip := instancePlanner{w: w, path: n.path, r: r, pi: pi, schema: schema, addr: abs.Instance(k.key), each: k.each}
		if r.Mode == config.DataMode {
			diags = append(diags, ip.planData(ctx)...)
		} else {
			diags = append(diags, ip.plan(ctx)...)
		}
		if diags.HasErrors() {
			return diags
		}
	}

	// Recorded instances that the expansion no longer includes, and
	// objects deposed by an interrupted replacement, go. (Most resources
	// have none, and are not copied to find out.)
	goes := func(rs *state.Resource) bool {
		for key, ri := range rs.Instances {
			if len(ri.Deposed) > 0 || ri.Current != nil && !want[key] && (only == nil || only[key]) {
				return true
			}
		}
		return false
	}
	if rs := w.recordedResourceIf(abs, goes); rs != nil {
		for _, key := range sortedInstanceKeys(rs.Instances) {
			ri := rs.Instances[key]
			reason := DeleteBecauseCountIndex
			if _, ok := key.(addrs.StringKey); ok || exp == expandForEach {
				reason = DeleteBecauseEachKey
			}
			if only != nil && !only[key] {
				continue
			}
			diags = append(diags, planObjectDeletes(ctx, w, pi, schema, abs.Instance(key), ri, !want[key], reason, r)...)
		}
	}
	return diags
}

// implicitMove renames the recorded instance when count is added to a
// resource (the single instance becomes [0]) or removed from it ([0]
// becomes the single instance), as Terraform does, so that adding
// count = 1 changes nothing.
func (w *walker) implicitMove(abs addrs.AbsResource, exp expansion) {
	if w.moved == nil {
		return
	}
	from, to := abs.Instance(addrs.NoKey), abs.Instance(addrs.IntKey(0))
	switch exp {
	case expandCount:
	case expandNone:
		from, to = to, from
	default:
		return
	}
	st := w.refreshed.Lock()
	rs := st.Resource(abs)
	if rs == nil || rs.Instances[from.Resource.Key] == nil || rs.Instances[to.Resource.Key] != nil {
		w.refreshed.Unlock()
		return
	}
	err := st.MoveResourceInstance(from, to)
	w.refreshed.Unlock()
	if err == nil {
		w.mu.Lock()
		w.moved[to.String()] = from
		w.mu.Unlock()
	}
}

// targetedKeys are the instances of abs that -target names one by one;
// nil when the resource is targeted whole, or not by instance (planned
// as a dependency of a target, or without -target at all).
func (w *walker) targetedKeys(abs addrs.AbsResource) map[addrs.InstanceKey]bool {
	var only map[addrs.InstanceKey]bool
	for _, t := range w.opts.Targets {
		if !t.ContainingResource().Equal(abs) {
			continue
		}
		if t.Resource.Key == addrs.NoKey {
			return nil
		}
		if only == nil {
			only = map[addrs.InstanceKey]bool{}
		}
		only[t.Resource.Key] = true
	}
	return only
}

type instanceKey struct {
	key  addrs.InstanceKey
	each cty.Value // each.value for for_each; NilVal otherwise
}

// expand evaluates count or for_each into the instance keys to plan.
func (n *nodePlanResource) expand(w *walker, inst addrs.ModuleInstance) ([]instanceKey, expansion, hcl.Diagnostics) {
	scope := w.scope(inst)
	switch {
	case n.r.Count != nil:
		c, diags := scope.EvalCount(n.r.Count)
		if diags.HasErrors() {
			return nil, expandCount, diags
		}
		keys := make([]instanceKey, c)
		for i := range keys {
			keys[i] = instanceKey{key: addrs.IntKey(i)}
		}
		return keys, expandCount, diags
	case n.r.ForEach != nil:
		m, diags := scope.EvalForEach(n.r.ForEach)
		if diags.HasErrors() {
			return nil, expandForEach, diags
		}
		keys := make([]instanceKey, 0, len(m))
		for _, k := range sortedKeys(m) {
			keys = append(keys, instanceKey{key: addrs.StringKey(k), each: m[k]})
		}
		return keys, expandForEach, diags
	}
	return []instanceKey{{key: addrs.NoKey}}, expandNone, nil
}

// instanceScope is the scope of one instance: count.index or each.*.
func instanceScope(w *walker, addr addrs.AbsResourceInstance, each cty.Value) *config.Scope {
	s := w.scope(addr.Module)
	key := addr.Resource.Key
	switch k := key.(type) {
	case addrs.IntKey:
		s.Count = cty.NumberIntVal(int64(k))
	case addrs.StringKey:
		s.EachKey, s.EachValue = cty.StringVal(string(k)), each
	}
	return s
}

// instancePlanner plans one instance.
type instancePlanner struct {
	w      *walker
	path   addrs.Module
	r      *config.Resource
	pi     *providerInstance
	schema *sdk.Schema
	addr   addrs.AbsResourceInstance
	each   cty.Value
	// read is the refresh read ahead for the recorded object, if any;
	// ahead is the plan made ahead from what it read, if any.
	read  *readAhead
	ahead *plannedAhead
	// evaluated says the configuration was evaluated to plan while
	// refreshing (see readAndPlan), into cfgVal with cfgDiags.
	evaluated bool
	cfgVal    cty.Value
	cfgDiags  hcl.Diagnostics
}

// prior reads the instance's recorded object in the schema's current
// shape; nil when there is none.
func (ip *instancePlanner) prior(ctx context.Context) (*state.Object, hcl.Diagnostics) {
	ri := ip.w.refreshed.ResourceInstance(ip.addr)
	if ri == nil || ri.Current == nil {
		return nil, nil
	}
	if ip.read = ip.w.takeReadAhead(ctx, ip.pi, ip.schema, ip.addr, ri.Current, ip.readAndPlan); ip.read != nil {
		return ip.read.prior, ip.read.diags
	}
	return decodeObject(ctx, ip.pi, ip.r.Type, ip.schema, ri.Current, ip.addr)
}

// decodeObject decodes a recorded object, asking the provider to upgrade
// it first when it was recorded with an older schema version.
func decodeObject(ctx context.Context, pi *providerInstance, typeName string, schema *sdk.Schema, src *state.ObjectSrc, addr addrs.AbsResourceInstance) (*state.Object, hcl.Diagnostics) {
	ty := schema.Block.ImpliedType()
	if src.SchemaVersion != schema.Version {
		resp := pi.prov.UpgradeResourceState(ctx, sdk.UpgradeResourceStateRequest{TypeName: typeName, Version: src.SchemaVersion, RawStateJSON: src.AttrsJSON})
		if resp.Diagnostics.HasErrors() {
			return nil, diagsFromProvider(resp.Diagnostics, nil, hcl.Range{}, addr.String())
		}
		obj, err := src.Decode(ty)
		if err != nil {
			obj = &state.Object{Status: src.Status, Dependencies: src.Dependencies, CreateBeforeDestroy: src.CreateBeforeDestroy}
		}
		obj.Value = resp.UpgradedState
		return obj, nil
	}
	obj, err := src.Decode(ty)
	if err != nil {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Cannot read recorded object",
			Detail:   fmt.Sprintf("The state's record of %s does not match the schema of %s: %s. Check that the provider version matches the one that wrote the state.", addr, typeName, err),
		}}
	}
	return obj, nil
}

// refresh reads the live object and records drift.
func (ip *instancePlanner) refresh(ctx context.Context, prior *state.Object, drift bool) (*state.Object, hcl.Diagnostics) {
	w := ip.w
	var resp sdk.ReadResourceResponse
	var start, finish time.Time
	read := ip.read
	ip.read = nil
	if read != nil && drift {
		// Read ahead of this plan, from the same recorded object.
		defer read.release()
		resp, start, finish = read.resp, read.start, read.finish
		w.emit(OperationStarted{Addr: ip.addr, Op: OpRefresh, ID: idOf(prior.Value), At: start})
	} else {
		read = nil
		start = time.Now()
		w.emit(OperationStarted{Addr: ip.addr, Op: OpRefresh, ID: idOf(prior.Value), At: start})
		cur, _ := unmarkDeep(prior.Value)
		if drift {
			resp, ip.ahead = ip.readAndPlan(ctx, cur)
		} else {
			resp = ip.pi.prov.ReadResource(ctx, sdk.ReadResourceRequest{TypeName: ip.r.Type, CurrentState: cur})
		}
		finish = time.Now()
	}
	if resp.Diagnostics.HasErrors() {
		diags := diagsFromProvider(resp.Diagnostics, ip.r.Config, ip.r.DeclRange, ip.addr.String())
		w.emit(OperationFailed{Addr: ip.addr, Op: OpRefresh, Elapsed: finish.Sub(start), Diagnostics: diags})
		return nil, diags
	}
	w.emit(OperationDone{Addr: ip.addr, Op: OpRefresh, ID: idOf(resp.NewState), Elapsed: finish.Sub(start)})
	ref := ip.pi.ref()
	if resp.NewState.IsNull() && !drift {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot import non-existent object",
			Detail: fmt.Sprintf("The provider found no object to adopt as %s. Check the import ID.", ip.addr), Subject: ip.r.DeclRange.Ptr()}}
	}
	if resp.NewState.IsNull() {
		w.addDrift(&ResourceChange{Addr: ip.addr, PrevRunAddr: ip.addr, Provider: ref, Mode: addrs.ManagedResourceMode, Action: Delete, Before: prior.Value, After: cty.NullVal(prior.Value.Type()), SchemaVersion: ip.schema.Version})
		w.refreshed.SetResourceInstanceCurrent(ip.addr, nil, ref)
		return nil, nil
	}
	var after cty.Value
	var drifted bool
	var src *state.ObjectSrc
	var err error
	if read != nil {
		// What was read ahead was compared and encoded there too.
		after, drifted, src, err = read.value, read.drifted, read.record, read.recordErr
		ip.ahead = read.claimPlanned()
	} else {
		after, drifted, src, err = refreshedObject(prior, nil, resp.NewState, ip.schema)
	}
	if drift && drifted {
		w.addDrift(&ResourceChange{Addr: ip.addr, PrevRunAddr: ip.addr, Provider: ref, Mode: addrs.ManagedResourceMode, Action: Update, Before: prior.Value, After: after, SchemaVersion: ip.schema.Version})
	}
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Provider returned an invalid object", Detail: fmt.Sprintf("Refreshing %s: %s.", ip.addr, err)}}
	}
	if src != nil {
		w.refreshed.SetResourceInstanceCurrent(ip.addr, src, ref)
	}
	obj := *prior
	obj.Value = after
	return &obj, nil
}

// readAndPlan reads the recorded object cur (unmarked) to refresh it and,
// when the configuration evaluates to a wholly known value now, validates
// and plans it in the same call (sdk.PlanResourceChangeRequest.Refresh):
// a plan that refreshes makes one round trip per object instead of two.
// What it planned is used as a plan made ahead is (see [plannedAhead]):
// only for the identical request, so a plan is the same either way. It
// reads alone when the plan would not use the answer: outside a normal
// plan, or when ignore_changes makes the configuration planned depend on
// what is read.
func (ip *instancePlanner) readAndPlan(ctx context.Context, cur cty.Value) (sdk.ReadResourceResponse, *plannedAhead) {
	w := ip.w
	readAlone := func() (sdk.ReadResourceResponse, *plannedAhead) {
		return ip.pi.prov.ReadResource(ctx, sdk.ReadResourceRequest{TypeName: ip.r.Type, CurrentState: cur}), nil
	}
	if w.opts.Mode != NormalMode || ignoresChanges(ip.r.Lifecycle) {
		return readAlone()
	}
	ip.evaluated = true
	ip.cfgVal, ip.cfgDiags = instanceScope(w, ip.addr, ip.each).EvalBlock(ip.r.Config, &ip.schema.Block)
	if ip.cfgDiags.HasErrors() {
		return readAlone()
	}
	cfgU := unmarked(ip.cfgVal).value
	if !cfgU.IsWhollyKnown() {
		return readAlone()
	}
	resp := ip.pi.prov.PlanResourceChange(ctx, sdk.PlanResourceChangeRequest{
		TypeName: ip.r.Type, PriorState: cur, Config: cfgU, Validate: true, Refresh: true,
	})
	read := resp.Refreshed
	if read == nil {
		// Not the answer to a refreshing plan: read as usual.
		return readAlone()
	}
	if read.Diagnostics.HasErrors() || read.NewState.IsNull() {
		return *read, nil
	}
	resp.Refreshed = nil
	return *read, &plannedAhead{
		validateCfg:   cfgU,
		validateDiags: diagsFromProvider(resp.ValidateDiagnostics, ip.r.Config, ip.r.DeclRange, ip.addr.String()),
		priorU:        read.NewState,
		planCfg:       cfgU,
		resp:          resp,
	}
}

// refreshedObject is prior as the provider read it back (live): the
// value with prior's marks and the schema's sensitive attributes,
// whether it differs from prior, and its record for the state. When
// prior was decoded from src, with this schema's version, and nothing
// differs, marks and all, the record is nil: src stands (most objects
// of most plans, whose encoding and copying was a twentieth of a plan).
func refreshedObject(prior *state.Object, src *state.ObjectSrc, live cty.Value, schema *sdk.Schema) (cty.Value, bool, *state.ObjectSrc, error) {
	after := keepMarks(prior.Value, markSensitive(&schema.Block, live))
	if src != nil && src.SchemaVersion == schema.Version && prior.Value.RawEquals(after) && after.IsWhollyKnown() {
		return after, false, nil, nil
	}
	obj := *prior
	obj.Value = after
	src, err := obj.Encode(schema.Block.ImpliedType(), schema.Version)
	return after, !valuesEqual(prior.Value, after), src, err
}

func (ip *instancePlanner) plan(ctx context.Context) hcl.Diagnostics {
	w := ip.w
	prior, diags := ip.prior(ctx)
	if diags.HasErrors() {
		return diags
	}
	var importing *Importing
	if prior == nil && w.opts.Mode == NormalMode {
		id, found, d := ip.importID()
		diags = append(diags, d...)
		if d.HasErrors() {
			return diags
		}
		if found {
			prior, d = ip.importObject(ctx, id)
			diags = append(diags, d...)
			if d.HasErrors() {
				return diags
			}
			importing = &Importing{ID: id}
		}
	}
	if prior != nil && (!w.opts.SkipRefresh || importing != nil) {
		// An adopted object is read in full, and joins the state the
		// plan starts from (applying the plan records it); what an
		// import reads is not drift.
		var d hcl.Diagnostics
		prior, d = ip.refresh(ctx, prior, importing == nil)
		diags = append(diags, d...)
		if d.HasErrors() {
			return diags
		}
	}
	ty := ip.schema.Block.ImpliedType()
	priorVal := cty.NullVal(ty)
	if prior != nil {
		priorVal = prior.Value
	}
	if w.opts.Mode == RefreshOnlyMode {
		w.setInstanceValue(ip.addr, priorVal)
		return diags
	}

	cfgVal, d := ip.cfgVal, ip.cfgDiags
	if !ip.evaluated {
		// Not evaluated while refreshing: evaluated now, in the same
		// scope.
		cfgVal, d = instanceScope(w, ip.addr, ip.each).EvalBlock(ip.r.Config, &ip.schema.Block)
	}
	diags = append(diags, d...)
	if d.HasErrors() {
		return diags
	}
	// The provider validates the configuration while it plans it, in
	// the same call when the validated configuration is the planned one
	// (ignore_changes may make them differ): in a chain of resources the
	// round trips, one after the other, were most of each link's time,
	// and a call per object is a third of a plan's calls. A plan of a
	// configuration that fails validation is thrown away, so the result
	// is what validating first gives. Values cross the wire without
	// marks: each is unmarked once here, not once per use (a walk of the
	// whole value each time).
	cfg := unmarked(cfgVal)
	validating := cfg.value
	ahead := ip.ahead
	ip.ahead = nil
	ignored := prior != nil && ignoresChanges(ip.r.Lifecycle)
	if ignored {
		cfgVal = ignoreChanges(cfgVal, priorVal, ip.r.Lifecycle)
		cfg = unmarked(cfgVal)
	}

	priorU, _ := unmarkDeep(priorVal)
	var vd hcl.Diagnostics
	var resp sdk.PlanResourceChangeResponse
	switch validated, planned := ahead.validates(validating), ahead.plans(priorU, cfg.value); {
	case validated && planned:
		vd, resp = ahead.validateDiags, ahead.resp
	case validated:
		vd, resp = ahead.validateDiags, ip.planCall(ctx, priorU, cfg.value, false)
	case planned:
		vd, resp = ip.validate(ctx, validating), ahead.resp
	default:
		vd, resp = ip.validateAndPlan(ctx, validating, priorU, cfg.value, !ignored)
	}
	if vd.HasErrors() {
		return append(diags, vd...)
	}
	planned, requiredReplace, private, d := ip.plannedFrom(resp, priorU, cfg)
	diags = append(diags, d...)
	if d.HasErrors() {
		return diags
	}

	change := &ResourceChange{
		Addr: ip.addr, PrevRunAddr: ip.addr, Provider: ip.pi.ref(), Mode: addrs.ManagedResourceMode,
		Before: priorVal, After: planned, Private: private, SchemaVersion: ip.schema.Version, Importing: importing,
	}
	triggered, d := ip.replaceTriggered()
	diags = append(diags, d...)
	switch {
	case prior == nil:
		change.Action = Create
	case triggered:
		change.Action, change.Reason = ip.replaceAction(), ReplaceByTriggers
	case prior.Status == state.ObjectTainted:
		change.Action, change.Reason = ip.replaceAction(), ReplaceBecauseTainted
	case ip.replaceRequested():
		change.Action, change.Reason = ip.replaceAction(), ReplaceByRequest
	case len(requiredReplace) > 0:
		change.Action, change.Reason = ip.replaceAction(), ReplaceBecauseCannotUpdate
		change.RequiredReplace = requiredReplace
	case valuesEqual(priorVal, planned):
		change.Action = NoOp
	default:
		change.Action = Update
	}
	if change.Action.IsReplace() {
		// The replacement is a create: plan it as one, so the provider
		// predicts the new object's computed attributes.
		after, _, priv, d := ip.planChangeU(ctx, cty.NullVal(ty), cfg)
		diags = append(diags, d...)
		if d.HasErrors() {
			return diags
		}
		change.After, change.Private = after, priv
		if ip.r.Lifecycle.PreventDestroy {
			return append(diags, preventDestroy(ip.addr, ip.r))
		}
	}
	if change.Action != NoOp {
		// Only a change apply carries out is checked against it.
		change.ConfigDigest = configDigest(cfg.value, ty)
	}
	w.addChange(change)
	w.setInstanceValue(ip.addr, change.After)
	return diags
}

// importID is the ID to adopt for this instance: from -import (tack
// import), or an import block whose address is this instance.
func (ip *instancePlanner) importID() (string, bool, hcl.Diagnostics) {
	for _, t := range ip.w.opts.Imports {
		if t.Addr.Equal(ip.addr) {
			return t.ID, true, nil
		}
	}
	for _, im := range ip.w.cfg.Module.Imports {
		to, d := addrs.ParseAbsResourceInstance(im.To)
		if d.HasErrors() || !to.Equal(ip.addr) {
			continue
		}
		v, diags := ip.w.scope(addrs.RootModuleInstance).EvalExpr(im.ID, cty.String)
		if diags.HasErrors() {
			return "", false, diags
		}
		if !v.IsKnown() || v.IsNull() {
			return "", false, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid import ID", Detail: "The import ID must be a string known at plan time.", Subject: im.ID.Range().Ptr()}}
		}
		v, _ = v.Unmark()
		return v.AsString(), true, nil
	}
	return "", false, nil
}

// importObject asks the provider for the existing object with id; it is
// refreshed next like any recorded object.
func (ip *instancePlanner) importObject(ctx context.Context, id string) (*state.Object, hcl.Diagnostics) {
	w := ip.w
	start := time.Now()
	w.emit(OperationStarted{Addr: ip.addr, Op: OpImport, ID: id, At: start})
	resp := ip.pi.prov.ImportResourceState(ctx, sdk.ImportResourceStateRequest{TypeName: ip.r.Type, ID: id})
	diags := diagsFromProvider(resp.Diagnostics, nil, ip.r.DeclRange, ip.addr.String())
	if !diags.HasErrors() && len(resp.Imported) != 1 {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Import returned no single object",
			Detail: fmt.Sprintf("Importing %s with ID %q gave %d objects; one is needed.", ip.addr, id, len(resp.Imported)), Subject: ip.r.DeclRange.Ptr()})
	}
	if diags.HasErrors() {
		w.emit(OperationFailed{Addr: ip.addr, Op: OpImport, Elapsed: time.Since(start), Diagnostics: diags})
		return nil, diags
	}
	w.emit(OperationDone{Addr: ip.addr, Op: OpImport, ID: id, Elapsed: time.Since(start)})
	v := markSensitive(&ip.schema.Block, resp.Imported[0].State)
	return &state.Object{Value: v, Status: state.ObjectReady}, diags
}

// replaceTriggered reports whether an object named in
// lifecycle.replace_triggered_by has a change planned.
func (ip *instancePlanner) replaceTriggered() (bool, hcl.Diagnostics) {
	for _, e := range ip.r.Lifecycle.ReplaceTriggeredBy {
		refs, diags := config.References(e)
		if diags.HasErrors() {
			return false, diags
		}
		for _, ref := range refs {
			var res addrs.Resource
			key := addrs.InstanceKey(nil)
			switch s := ref.Subject.(type) {
			case addrs.Resource:
				res = s
			case addrs.ResourceInstance:
				res, key = s.Resource, s.Key
			default:
				continue
			}
			if ip.w.changed(ip.addr.Module, res, key) {
				return true, nil
			}
		}
	}
	return false, nil
}

// changed reports whether the plan so far changes an instance of res
// (any instance, when key is nil).
func (w *walker) changed(inst addrs.ModuleInstance, res addrs.Resource, key addrs.InstanceKey) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, c := range w.changes {
		if c.Addr.Module.Equal(inst) && c.Addr.Resource.Resource == res && (key == nil || c.Addr.Resource.Key == key) && c.Action != NoOp && c.Action != Read {
			return true
		}
	}
	return false
}

// pendingChange reports whether the plan so far changes any managed
// instance of the given resources.
func (w *walker) pendingChange(deps []addrs.ConfigResource) bool {
	if len(deps) == 0 {
		return false
	}
	want := map[string]bool{}
	for _, d := range deps {
		if d.Resource.Mode == addrs.ManagedResourceMode {
			want[d.String()] = true
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, c := range w.changes {
		if c.Action != NoOp && c.Action != Read && want[c.Addr.ConfigResource().String()] {
			return true
		}
	}
	return false
}

// validate asks the provider to check the configuration (its validators,
// conflicting arguments) before anything is planned. cfgU is unmarked.
func (ip *instancePlanner) validate(ctx context.Context, cfgU cty.Value) hcl.Diagnostics {
	resp := ip.pi.prov.ValidateResourceConfig(ctx, sdk.ValidateResourceConfigRequest{TypeName: ip.r.Type, Config: cfgU})
	return diagsFromProvider(resp.Diagnostics, ip.r.Config, ip.r.DeclRange, ip.addr.String())
}

// unmarkedValue is a value without its marks, and the marks.
type unmarkedValue struct {
	value cty.Value
	marks []cty.PathValueMarks
}

func unmarked(v cty.Value) unmarkedValue {
	u, marks := unmarkDeep(v)
	return unmarkedValue{value: u, marks: marks}
}

func (ip *instancePlanner) replaceAction() Action {
	if ip.r.Lifecycle.CreateBeforeDestroy {
		return CreateThenDelete
	}
	return DeleteThenCreate
}

func (ip *instancePlanner) replaceRequested() bool {
	for _, a := range ip.w.opts.Replace {
		if a.Equal(ip.addr) {
			return true
		}
	}
	return false
}

// planChangeU asks the provider to plan prior → config. Values cross the
// wire without marks: priorU has none, and cfg was unmarked by the
// caller; the planned value gets the config's marks back, and the
// schema's sensitive attributes are marked too.
func (ip *instancePlanner) planChangeU(ctx context.Context, priorU cty.Value, cfg unmarkedValue) (cty.Value, []cty.Path, []byte, hcl.Diagnostics) {
	return ip.plannedFrom(ip.planCall(ctx, priorU, cfg.value, false), priorU, cfg)
}

// planCall is the provider's plan of priorU → cfgU, both unmarked,
// validating cfgU first when validate is set.
func (ip *instancePlanner) planCall(ctx context.Context, priorU, cfgU cty.Value, validate bool) sdk.PlanResourceChangeResponse {
	return ip.pi.prov.PlanResourceChange(ctx, sdk.PlanResourceChangeRequest{
		TypeName:         ip.r.Type,
		PriorState:       priorU,
		ProposedNewState: sdk.ProposedNewState(&ip.schema.Block, priorU, cfgU),
		Config:           cfgU,
		Validate:         validate,
	})
}

// validateAndPlan validates validating and plans priorU → planning (all
// unmarked), in one call when same says they are the same configuration
// and in two side by side otherwise; the validation's diagnostics come
// first.
func (ip *instancePlanner) validateAndPlan(ctx context.Context, validating, priorU, planning cty.Value, same bool) (hcl.Diagnostics, sdk.PlanResourceChangeResponse) {
	if same {
		resp := ip.planCall(ctx, priorU, planning, true)
		return diagsFromProvider(resp.ValidateDiagnostics, ip.r.Config, ip.r.DeclRange, ip.addr.String()), resp
	}
	validated := make(chan hcl.Diagnostics, 1)
	go func() { validated <- ip.validate(ctx, validating) }()
	resp := ip.planCall(ctx, priorU, planning, false)
	return <-validated, resp
}

// plannedFrom is the planned value of resp, marked as cfg was and as the
// schema says, the paths that force replacement, the provider's private
// data and its diagnostics.
func (ip *instancePlanner) plannedFrom(resp sdk.PlanResourceChangeResponse, priorU cty.Value, cfg unmarkedValue) (cty.Value, []cty.Path, []byte, hcl.Diagnostics) {
	if resp.Diagnostics.HasErrors() {
		return cty.NilVal, nil, nil, diagsFromProvider(resp.Diagnostics, ip.r.Config, ip.r.DeclRange, ip.addr.String())
	}
	planned := markSensitive(&ip.schema.Block, resp.PlannedState.MarkWithPaths(cfg.marks))
	var replace []cty.Path
	if !priorU.IsNull() {
		replace = resp.RequiresReplace
	}
	return planned, replace, resp.PlannedPrivate, diagsFromProvider(resp.Diagnostics, ip.r.Config, ip.r.DeclRange, ip.addr.String())
}

// planData reads a data source now when its configuration is known, or
// plans the read for apply.
func (ip *instancePlanner) planData(ctx context.Context) hcl.Diagnostics {
	w := ip.w
	cfgVal, diags := instanceScope(w, ip.addr, ip.each).EvalBlock(ip.r.Config, &ip.schema.Block)
	if diags.HasErrors() {
		return diags
	}
	// The protocol validates resource configurations only; a data
	// source's reader checks its own.
	ty := ip.schema.Block.ImpliedType()
	reason := NoReason
	switch {
	case !cfgVal.IsWhollyKnown():
		reason = ReadBecauseConfigUnknown
	case w.pendingChange(w.dependencies(ip.path, ip.r)):
		// What it reads may be what a planned change writes: read it
		// after that change, not before.
		reason = ReadBecauseDependencyPending
	}
	if reason != NoReason {
		after := cty.UnknownVal(ty)
		w.addChange(&ResourceChange{Addr: ip.addr, PrevRunAddr: ip.addr, Provider: ip.pi.ref(), Mode: addrs.DataResourceMode,
			Action: Read, Reason: reason, Before: cty.NullVal(ty), After: after, SchemaVersion: ip.schema.Version})
		w.setInstanceValue(ip.addr, after)
		return diags
	}
	v, d := readData(ctx, w, ip.pi, ip.r, ip.schema, ip.addr, cfgVal)
	diags = append(diags, d...)
	if d.HasErrors() {
		return diags
	}
	w.setInstanceValue(ip.addr, v)
	return diags
}

// readData reads a data source and records what it read in the state.
func readData(ctx context.Context, w *walker, pi *providerInstance, r *config.Resource, schema *sdk.Schema, addr addrs.AbsResourceInstance, cfgVal cty.Value) (cty.Value, hcl.Diagnostics) {
	start := time.Now()
	w.emit(OperationStarted{Addr: addr, Op: OpRead, At: start})
	cfgU, cfgMarks := unmarkDeep(cfgVal)
	resp := pi.prov.ReadDataSource(ctx, sdk.ReadDataSourceRequest{TypeName: r.Type, Config: cfgU})
	if resp.Diagnostics.HasErrors() {
		diags := diagsFromProvider(resp.Diagnostics, r.Config, r.DeclRange, addr.String())
		w.emit(OperationFailed{Addr: addr, Op: OpRead, Elapsed: time.Since(start), Diagnostics: diags})
		return cty.NilVal, diags
	}
	w.emit(OperationDone{Addr: addr, Op: OpRead, ID: idOf(resp.State), Elapsed: time.Since(start)})
	v := markSensitive(&schema.Block, resp.State.MarkWithPaths(cfgMarks))
	obj := &state.Object{Value: v, Status: state.ObjectReady}
	if src, err := obj.Encode(schema.Block.ImpliedType(), schema.Version); err == nil {
		w.recordData(addr, src, pi.ref())
	}
	return v, diagsFromProvider(resp.Diagnostics, r.Config, r.DeclRange, addr.String())
}

// recordData keeps what a data source read: in the refreshed state while
// planning, and in the applied state during apply.
func (w *walker) recordData(addr addrs.AbsResourceInstance, src *state.ObjectSrc, ref state.ProviderRef) {
	w.refreshed.SetResourceInstanceCurrent(addr, src, ref)
	if w.applying != nil {
		w.applying.set(addr, state.NotDeposed, src, ref)
	}
}

// planObjectDeletes plans the deletion of an instance's deposed objects
// (left by an interrupted create_before_destroy replacement) and, with
// current set, of its current object, for reason.
func planObjectDeletes(ctx context.Context, w *walker, pi *providerInstance, schema *sdk.Schema, addr addrs.AbsResourceInstance, ri *state.ResourceInstance, current bool, reason Reason, r *config.Resource) hcl.Diagnostics {
	var diags hcl.Diagnostics
	if current && ri.Current != nil {
		diags = append(diags, planDelete(ctx, w, pi, schema, addr, state.NotDeposed, ri.Current, reason, r)...)
	}
	for _, dk := range sortedDeposed(ri.Deposed) {
		diags = append(diags, planDelete(ctx, w, pi, schema, addr, dk, ri.Deposed[dk], NoReason, r)...)
	}
	return diags
}

// planDelete plans the deletion of a recorded object.
func planDelete(ctx context.Context, w *walker, pi *providerInstance, schema *sdk.Schema, addr addrs.AbsResourceInstance, deposed state.DeposedKey, src *state.ObjectSrc, reason Reason, r *config.Resource) hcl.Diagnostics {
	obj, diags := decodeObject(ctx, pi, addr.Resource.Resource.Type, schema, src, addr)
	if diags.HasErrors() {
		return diags
	}
	w.rememberSchema(pi.source, addr.Resource.Resource.Type, &schema.Block)
	if addr.Resource.Resource.Mode == addrs.DataResourceMode {
		// A data source that is gone from the configuration is only
		// forgotten; nothing is destroyed.
		w.refreshed.SetResourceInstanceCurrent(addr, nil, pi.ref())
		return nil
	}
	if r != nil && r.Lifecycle.PreventDestroy && deposed == state.NotDeposed {
		return hcl.Diagnostics{preventDestroy(addr, r)}
	}
	w.addChange(&ResourceChange{
		Addr: addr, PrevRunAddr: addr, Deposed: deposed, Provider: pi.ref(), Mode: addr.Resource.Resource.Mode,
		Action: Delete, Reason: reason, Before: obj.Value, After: cty.NullVal(obj.Value.Type()), SchemaVersion: schema.Version,
	})
	return nil
}

func preventDestroy(addr addrs.AbsResourceInstance, r *config.Resource) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Instance cannot be destroyed",
		Detail:   fmt.Sprintf("%s has lifecycle.prevent_destroy set, but the plan would destroy it. To go ahead, remove prevent_destroy from its configuration first, or change the plan so that it is not destroyed.", addr),
		Subject:  r.DeclRange.Ptr(),
	}
}

// ignoresChanges reports whether lifecycle's ignore_changes can make
// ignoreChanges change a configuration.
func ignoresChanges(lc config.Lifecycle) bool {
	return lc.IgnoreAllChanges || len(lc.IgnoreChanges) > 0
}

// ignoreChanges keeps the prior value of each attribute that
// lifecycle.ignore_changes lists (or of all, for ignore_changes = all).
func ignoreChanges(cfg, prior cty.Value, lc config.Lifecycle) cty.Value {
	if prior.IsNull() || !cfg.Type().IsObjectType() || !ignoresChanges(lc) {
		return cfg
	}
	if lc.IgnoreAllChanges {
		return prior
	}
	attrs := cfg.AsValueMap()
	for _, t := range lc.IgnoreChanges {
		if len(t) == 0 {
			continue
		}
		var name string
		switch s := t[0].(type) {
		case hcl.TraverseRoot:
			name = s.Name
		case hcl.TraverseAttr:
			name = s.Name
		}
		if _, ok := attrs[name]; ok && prior.Type().HasAttribute(name) {
			attrs[name] = prior.GetAttr(name)
		}
	}
	return cty.ObjectVal(attrs)
}

// keepMarks gives next the marks prior has at the paths next still has:
// what was sensitive (a sensitive variable's value, say) stays so when
// the provider reads the object back.
func keepMarks(prior, next cty.Value) cty.Value {
	_, pvms := unmarkDeep(prior)
	var keep []cty.PathValueMarks
	for _, pvm := range pvms {
		if _, err := pvm.Path.Apply(next); err == nil {
			keep = append(keep, pvm)
		}
	}
	if len(keep) == 0 {
		return next
	}
	return next.MarkWithPaths(keep)
}

// markSensitive marks the attributes the schema declares sensitive.
func markSensitive(b *sdk.Block, v cty.Value) cty.Value {
	if v.IsNull() || !v.IsKnown() || !v.Type().IsObjectType() {
		return v
	}
	var pvm []cty.PathValueMarks
	for name, a := range b.Attributes {
		if a.Sensitive && v.Type().HasAttribute(name) {
			pvm = append(pvm, cty.PathValueMarks{Path: cty.GetAttrPath(name), Marks: cty.NewValueMarks(config.Sensitive)})
		}
	}
	if len(pvm) == 0 {
		return v
	}
	return v.MarkWithPaths(pvm)
}

// valuesEqual compares two objects ignoring marks; unknowns are unequal.
func valuesEqual(a, b cty.Value) bool {
	// Most values compared are equal, marks and all (every object of a
	// plan with nothing to do): RawEquals says so without the copies that
	// unmarking makes, and is stricter than Equals.
	if a.RawEquals(b) {
		return a.IsWhollyKnown()
	}
	a, _ = unmarkDeep(a)
	b, _ = unmarkDeep(b)
	if !a.IsWhollyKnown() || !b.IsWhollyKnown() {
		return false
	}
	return a.Equals(b).True()
}

// idOf is the object's id attribute, for progress lines.
func idOf(v cty.Value) string {
	// Only the object's own marks and the id's matter: unmarking all of
	// it would copy it.
	v, _ = v.Unmark()
	if v.IsNull() || !v.IsKnown() || !v.Type().IsObjectType() || !v.Type().HasAttribute("id") {
		return ""
	}
	id, _ := v.GetAttr("id").Unmark()
	if id.IsNull() || !id.IsKnown() || id.Type() != cty.String {
		return ""
	}
	return id.AsString()
}

func expansionOf(k addrs.InstanceKey) expansion {
	switch k.(type) {
	case addrs.IntKey:
		return expandCount
	case addrs.StringKey:
		return expandForEach
	}
	return expandNone
}

func sortedInstanceKeys(m map[addrs.InstanceKey]*state.ResourceInstance) []addrs.InstanceKey {
	keys := make([]addrs.InstanceKey, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return addrs.Resource{}.Instance(keys[i]).Less(addrs.Resource{}.Instance(keys[j]))
	})
	return keys
}

func sortedDeposed(m map[state.DeposedKey]*state.ObjectSrc) []state.DeposedKey {
	keys := make([]state.DeposedKey, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys
}
