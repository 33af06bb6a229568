package planner

import (
	"context"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"

	"github.com/tackhq/tack/config"
	"github.com/tackhq/tack/config/addrs"
	"github.com/tackhq/tack/planner/delivery"
	"github.com/tackhq/tack/plugins/sdk"
	"github.com/tackhq/tack/state"
)

// Provider is a running provider the planner may call and must close.
type Provider interface {
	sdk.ProviderServer
	Close() error
}

// ProviderFactory starts one instance of a provider. The planner starts
// one per provider configuration (a provider block, or an alias of it) and
// closes each when the operation ends.
type ProviderFactory func(ctx context.Context) (Provider, error)

// Opts are everything a [Planner] depends on.
type Opts struct {
	// Config is the configuration tree, loaded and validated.
	Config *config.Config
	// State is the recorded state; nil or empty when there is none yet.
	State *state.State
	// Providers start providers by source address ("tack/local").
	Providers map[string]ProviderFactory
	// Variables are the root module's variable values.
	Variables map[string]*config.InputValue
	// Parallelism bounds the provider calls in flight; 0 means 10.
	Parallelism int
	// Events receives progress; nil discards it. It must be safe for
	// concurrent calls.
	Events func(Event)
	// TackVersion is sent to providers when they are configured.
	TackVersion string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Sleep waits for d on that clock, or until ctx is done (returning
	// its error); nil sleeps for real. Apply sleeps out an upstream
	// environment's soak with it.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Planner plans and applies one configuration against one state. Build
// one per operation with [New].
type Planner struct {
	opts Opts
}

// New returns a Planner. It starts nothing until Plan or Apply is called.
func New(opts Opts) *Planner {
	if opts.Parallelism <= 0 {
		opts.Parallelism = 10
	}
	if opts.State == nil {
		opts.State = state.New()
	}
	if opts.Events == nil {
		opts.Events = func(Event) {}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Sleep == nil {
		opts.Sleep = delivery.Sleep
	}
	return &Planner{opts: opts}
}

// PlanOpts choose the kind of plan.
type PlanOpts struct {
	Mode Mode
	// SkipRefresh plans against the recorded state without reading what
	// is live (-refresh=false).
	SkipRefresh bool
	// Targets limit the plan to these objects and what they depend on.
	Targets []addrs.AbsResourceInstance
	// Replace forces these objects to be replaced (-replace).
	Replace []addrs.AbsResourceInstance
	// ConfigHash is recorded in the plan, for apply to compare.
	ConfigHash string
	// Imports adopt existing objects (tack import ADDR ID), as import
	// blocks do.
	Imports []ImportTarget
}

// ImportTarget is an existing object to adopt at an address.
type ImportTarget struct {
	Addr addrs.AbsResourceInstance
	ID   string
}

// providerKey names a provider configuration within the root module: the
// local name, and the alias if any ("aws.west").
type providerKey struct {
	name, alias string
}

func (k providerKey) String() string {
	if k.alias == "" {
		return k.name
	}
	return k.name + "." + k.alias
}

// walker holds what the nodes of one walk share. Its maps are guarded by
// mu; the nodes write each key once.
type walker struct {
	p    *Planner
	cfg  *config.Config
	opts PlanOpts

	// providers are the configured providers of this walk.
	providers *providerSet

	mu sync.Mutex
	// modules are what expressions may refer to, per module instance
	// (keyed by its address); instances are the expanded instances of
	// each called module path; eachValues are each.value of module call
	// instances with for_each.
	modules    map[string]*moduleValues
	instances  map[string][]addrs.ModuleInstance
	eachValues map[string]cty.Value
	// recorded indexes the refreshed state's resources by their
	// resource block, built with the graph.
	recorded map[string][]addrs.AbsResource

	// refreshed is the state as read back from the providers; changes
	// and drift are what the plan records.
	refreshed *state.SyncState
	changes   []*ResourceChange
	drift     []*ResourceChange
	// clusters and clusterDrift are the plan's cluster changes and the
	// drift of their live groups.
	clusters     []*ClusterChange
	clusterDrift []*ClusterDrift
	schemas      map[string]map[string]*sdk.Block

	// applying is set during apply: the state being written, and the
	// plan being carried out.
	applying *applyRun
	plan     *Plan

	// readAhead are the refreshes begun ahead of the plans that need
	// them, by instance address; built with the graph, read-only after.
	readAhead map[string]*readAhead
	// readAheadOf are the entries that plans ahead read (see
	// [planAhead]), by resource address, in the order of their instance
	// keys.
	readAheadOf map[string][]*readAhead

	// funcs are the function tables of the walk, by module directory.
	funcs map[string]map[string]function.Function

	// moved maps a moved instance's new address to its old one: moved
	// blocks, and the implicit move when count is added or removed.
	moved map[string]addrs.AbsResourceInstance

	// interrupt is the walk's context: once it is done, nodes start no
	// further operations.
	interrupt context.Context
	// failed is set once a node of the walk fails: the walk starts no
	// more nodes, and work that only gets ahead stops.
	failed atomic.Bool

	// held are the diagnostics of cluster changes an apply left as they
	// were (blocked, a window closed, an upstream environment not
	// ready): errors, but not ones that stop the rest of the apply.
	held hcl.Diagnostics
	// started is when the apply began; an upstream deployment this
	// apply waits for is one that started since.
	started time.Time
}

// holdBack records the diagnostics of a change the apply leaves as it
// is, to report when the apply ends.
func (w *walker) holdBack(diags hcl.Diagnostics) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.held = append(w.held, diags...)
}

// interrupted reports whether the walk was asked to stop.
func (w *walker) interrupted() bool {
	return w.interrupt != nil && w.interrupt.Err() != nil
}

// resourceValues are the values of one resource's instances, as planned
// (during plan) or as applied (during apply), and how it expands.
type resourceValues struct {
	expansion expansion
	// noKey is the value of the instance without a key, which most
	// resources have alone; instances are the others, made on the first.
	noKey     cty.Value
	instances map[addrs.InstanceKey]cty.Value
}

func (r *resourceValues) set(key addrs.InstanceKey, v cty.Value) {
	if key == addrs.NoKey {
		r.noKey = v
		return
	}
	if r.instances == nil {
		r.instances = map[addrs.InstanceKey]cty.Value{}
	}
	r.instances[key] = v
}

type expansion int

const (
	expandNone expansion = iota
	expandCount
	expandForEach
)

// value is the resource as expressions see it: one object, a tuple for
// count, an object keyed by for_each key.
func (r *resourceValues) value() cty.Value {
	switch r.expansion {
	case expandCount:
		n := 0
		for k := range r.instances {
			if i, ok := k.(addrs.IntKey); ok && int(i) >= n {
				n = int(i) + 1
			}
		}
		vals := make([]cty.Value, n)
		for k, v := range r.instances {
			// Keys of another expansion (recorded before count or
			// for_each changed) are not part of this one.
			if i, ok := k.(addrs.IntKey); ok {
				vals[i] = v
			}
		}
		for i := range vals {
			if vals[i] == cty.NilVal {
				vals[i] = cty.DynamicVal
			}
		}
		return cty.TupleVal(vals)
	case expandForEach:
		vals := make(map[string]cty.Value, len(r.instances))
		for k, v := range r.instances {
			if sk, ok := k.(addrs.StringKey); ok {
				vals[string(sk)] = v
			}
		}
		return cty.ObjectVal(vals)
	}
	if r.noKey != cty.NilVal {
		return r.noKey
	}
	return cty.DynamicVal
}

func (w *walker) setLocal(inst addrs.ModuleInstance, name string, v cty.Value) {
	w.mu.Lock()
	w.values(inst).locals[name] = v
	w.mu.Unlock()
}

func (w *walker) setOutput(inst addrs.ModuleInstance, name string, v cty.Value) {
	w.mu.Lock()
	w.values(inst).outputs[name] = v
	w.mu.Unlock()
}

func (w *walker) setInstanceValue(addr addrs.AbsResourceInstance, v cty.Value) {
	w.mu.Lock()
	defer w.mu.Unlock()
	mv := w.values(addr.Module)
	res := addr.Resource.Resource
	r := mv.resources[res]
	if r == nil {
		r = &resourceValues{expansion: expansionOf(addr.Resource.Key)}
		mv.resources[res] = r
	}
	r.set(addr.Resource.Key, v)
}

func (w *walker) setExpansion(addr addrs.AbsResource, exp expansion) {
	w.mu.Lock()
	defer w.mu.Unlock()
	mv := w.values(addr.Module)
	if mv.resources[addr.Resource] == nil {
		mv.resources[addr.Resource] = &resourceValues{expansion: exp}
	}
}

func (w *walker) addChange(c *ResourceChange) {
	w.mu.Lock()
	w.changes = append(w.changes, c)
	w.mu.Unlock()
	w.p.opts.Events(ChangePlanned{Change: c})
}

func (w *walker) addCluster(c *ClusterChange) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.clusters = append(w.clusters, c)
}

func (w *walker) addClusterDrift(d *ClusterDrift) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.clusterDrift = append(w.clusterDrift, d)
}

func (w *walker) addDrift(c *ResourceChange) {
	w.mu.Lock()
	w.drift = append(w.drift, c)
	w.mu.Unlock()
}

func (w *walker) rememberSchema(source, typeName string, b *sdk.Block) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.schemas[source] == nil {
		w.schemas[source] = map[string]*sdk.Block{}
	}
	w.schemas[source][typeName] = b
}

func (w *walker) emit(e Event) { w.p.opts.Events(e) }

func newWalker(p *Planner, opts PlanOpts, prior *state.State) *walker {
	return &walker{
		p:          p,
		cfg:        p.opts.Config,
		opts:       opts,
		providers:  newProviderSet(p),
		modules:    map[string]*moduleValues{},
		instances:  map[string][]addrs.ModuleInstance{},
		eachValues: map[string]cty.Value{},
		refreshed:  state.NewSyncState(prior.DeepCopy()),
		schemas:    map[string]map[string]*sdk.Block{},
	}
}

// Plan refreshes, diffs and returns the plan. Diagnostics with errors
// come with a plan marked Errored (which shows what was decided) or nil.
func (p *Planner) Plan(ctx context.Context, opts PlanOpts) (*Plan, hcl.Diagnostics) {
	prior := p.opts.State
	w := newWalker(p, opts, prior)
	defer w.providers.closeAll()

	var diags hcl.Diagnostics
	moved, mdiags := applyMoves(p.opts.Config.Module, w.refreshed)
	w.moved = moved
	diags = append(diags, mdiags...)
	if diags.HasErrors() {
		return nil, diags
	}

	g, gdiags := buildPlanGraph(w, moved)
	diags = append(diags, gdiags...)
	if diags.HasErrors() {
		return nil, diags
	}
	if p.opts.Parallelism > 1 {
		diags = append(diags, readAheadTransformer{}.transform(g, w)...)
	}
	diags = append(diags, g.walk(ctx, w, p.opts.Parallelism)...)

	plan := &Plan{
		Mode:       opts.Mode,
		Lineage:    prior.Lineage,
		Serial:     prior.Serial,
		ConfigHash: opts.ConfigHash,
		Variables:  map[string]cty.Value{},
		Targets:    opts.Targets,
		PriorState: w.refreshed.Close(),
		Schemas:    w.schemas,
		Errored:    diags.HasErrors(),
		Created:    p.opts.Now(),
	}
	for name, in := range p.opts.Variables {
		plan.Variables[name] = in.Value
	}
	for _, c := range w.changes {
		if prev, ok := moved[c.Addr.String()]; ok && c.Deposed == state.NotDeposed {
			c.PrevRunAddr = prev
		}
	}
	if opts.Mode == RefreshOnlyMode {
		// A refresh-only plan changes nothing but the state's record.
		w.changes = nil
	}
	plan.Changes = sortChanges(w.changes)
	plan.Drift = sortChanges(w.drift)
	plan.Outputs = w.outputChanges(prior)
	sort.Slice(w.clusters, func(i, j int) bool { return w.clusters[i].Addr.Name < w.clusters[j].Addr.Name })
	plan.Clusters = w.clusters
	sort.SliceStable(w.clusterDrift, func(i, j int) bool { return w.clusterDrift[i].Cluster < w.clusterDrift[j].Cluster })
	plan.ClusterDrift = w.clusterDrift
	if !plan.Errored {
		diags = append(diags, w.promotionConstraints(plan)...)
		diags = append(diags, w.checkGuardrails(plan)...)
		plan.Errored = diags.HasErrors()
	}
	if len(opts.Targets) > 0 {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagWarning,
			Summary:  "Resource targeting is in effect",
			Detail:   "This plan is limited to the -target objects and what they depend on, so it may not show every change the configuration asks for. Use -target only to recover from mistakes or to work around a limitation, and run a full plan afterwards.",
		})
	}
	return plan, diags
}

func sortChanges(cs []*ResourceChange) []*ResourceChange {
	sort.SliceStable(cs, func(i, j int) bool {
		if !cs[i].Addr.Equal(cs[j].Addr) {
			return cs[i].Addr.Less(cs[j].Addr)
		}
		return cs[i].Deposed < cs[j].Deposed
	})
	return cs
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// outputChanges compares the outputs evaluated in the walk with the
// recorded ones.
func (w *walker) outputChanges(prior *state.State) []*OutputChange {
	var out []*OutputChange
	m := w.cfg.Module
	names := map[string]bool{}
	for n := range m.Outputs {
		names[n] = true
	}
	for n := range prior.Outputs {
		names[n] = true
	}
	for _, name := range sortedKeys(names) {
		oc := &OutputChange{Name: name, Before: cty.NullVal(cty.DynamicPseudoType), After: cty.NullVal(cty.DynamicPseudoType)}
		if o, ok := prior.Outputs[name]; ok {
			oc.Before = o.Value
			oc.Sensitive = o.Sensitive
		}
		cfg, inConfig := m.Outputs[name]
		after, evaluated := w.values(addrs.RootModuleInstance).outputs[name]
		switch {
		case !inConfig || w.opts.Mode == DestroyMode:
			if oc.Before.IsNull() {
				continue
			}
			oc.Action = Delete
		case !evaluated:
			continue
		default:
			oc.After = after
			oc.Sensitive = cfg.Sensitive || after.ContainsMarked()
			switch {
			case oc.Before.IsNull():
				oc.Action = Create
			case !after.IsWhollyKnown():
				oc.Action = Update
			default:
				b, _ := oc.Before.UnmarkDeep()
				a, _ := after.UnmarkDeep()
				if b.Equals(a).True() {
					oc.Action = NoOp
				} else {
					oc.Action = Update
				}
			}
		}
		out = append(out, oc)
	}
	return out
}

// diagsFromProvider turns a provider's diagnostics into HCL ones, placed
// at the attribute they name when the body has it, else at the block.
func diagsFromProvider(ds sdk.Diagnostics, body hcl.Body, declRange hcl.Range, addr string) hcl.Diagnostics {
	var out hcl.Diagnostics
	for _, d := range ds {
		sev := hcl.DiagError
		if d.Severity == sdk.Warning {
			sev = hcl.DiagWarning
		}
		subject := declRange
		if r, ok := attributeRange(body, d.Attribute); ok {
			subject = r
		}
		detail := d.Detail
		if addr != "" {
			detail = strings.TrimSpace(detail + "\n\n(from the provider, for " + addr + ")")
		}
		out = append(out, &hcl.Diagnostic{Severity: sev, Summary: d.Summary, Detail: detail, Subject: subject.Ptr()})
	}
	return out
}

// attributeRange finds the source range of the top-level attribute a path
// starts with.
func attributeRange(body hcl.Body, path cty.Path) (hcl.Range, bool) {
	if body == nil || len(path) == 0 {
		return hcl.Range{}, false
	}
	step, ok := path[0].(cty.GetAttrStep)
	if !ok {
		return hcl.Range{}, false
	}
	attrs, _ := body.JustAttributes()
	if a, ok := attrs[step.Name]; ok {
		return a.Expr.Range(), true
	}
	return hcl.Range{}, false
}
