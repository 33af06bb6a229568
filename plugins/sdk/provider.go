package sdk

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// Provider describes a provider in plain Go. Its zero value is not useful:
// set Name and at least one resource or data source type. A *Provider is a
// [ProviderServer]; pass it to [Serve] from main.
//
// Every function field receives meta, the value Configure returned (nil
// when Configure is nil), and is called concurrently for different objects.
type Provider struct {
	// Name prefixes every resource and data source type: "local" owns
	// "local_file".
	Name string
	// Version is the provider's release, "0.1.0".
	Version string
	// Schema is the provider block's.
	Schema Block
	// Configure is called once with the provider block, before any call
	// that touches the platform.
	Configure func(ctx context.Context, config *Data) (meta any, diags Diagnostics)

	Resources   map[string]*Resource
	DataSources map[string]*DataSource

	// ServerGroups, when set, makes the provider host clusters with the
	// given server_group block. It is called with meta on every request.
	ServerGroups      func(meta any) ServerGroups
	ServerGroupSchema Block
	// Metrics, when set, serves canary metrics.
	Metrics func(meta any) Metrics

	mu      sync.Mutex
	meta    any
	stopCtx context.Context
	stop    context.CancelFunc
}

// Resource is one managed resource type.
type Resource struct {
	Schema        Block
	SchemaVersion int64

	// Create makes the object from the planned state in d and sets every
	// computed attribute. When it fails after making something (the
	// context was cancelled while a VM boots), it sets what identifies
	// the object (its id) before returning the error: the SDK then returns
	// what was set, unknown values as null, and the core records a
	// half-made object to replace. A Create that fails without calling
	// Set is taken to have made nothing.
	Create func(ctx context.Context, meta any, d *Data) Diagnostics
	// Read refreshes d from the platform, or calls d.SetGone.
	Read func(ctx context.Context, meta any, d *Data) Diagnostics
	// Update changes the object in place to the planned state in d
	// (d.Prior and d.HasChange tell what was). Nil means every change to
	// a configurable attribute replaces the object.
	Update func(ctx context.Context, meta any, d *Data) Diagnostics
	// Delete removes the object recorded in d. An object already gone is
	// not an error.
	Delete func(ctx context.Context, meta any, d *Data) Diagnostics
	// Import sets enough of an empty d, from the user's id, for Read to
	// find the object; the core calls Read next. Nil means the type
	// cannot be imported. See [ImportAs].
	Import func(ctx context.Context, meta any, id string, d *Data) Diagnostics
	// Validate checks the configuration beyond the schema; values may be
	// unknown.
	Validate func(ctx context.Context, d *Data) Diagnostics
	// ModifyPlan adjusts the SDK's plan, after attribute plan modifiers.
	ModifyPlan func(ctx context.Context, meta any, p *Plan) Diagnostics
	// Upgraders convert recorded state, as decoded JSON, from the key's
	// schema version to the next one.
	Upgraders map[int64]func(ctx context.Context, state map[string]any) (map[string]any, error)
}

// DataSource is one data source type: Read fills the computed attributes
// of the configuration in d.
type DataSource struct {
	Schema Block
	Read   func(ctx context.Context, meta any, d *Data) Diagnostics
}

// ImportAs is an Import function that sets attribute name to the user's id,
// for objects that Read can find by that one attribute.
func ImportAs(name string) func(ctx context.Context, meta any, id string, d *Data) Diagnostics {
	return func(_ context.Context, _ any, id string, d *Data) Diagnostics {
		d.Set(name, id)
		return nil
	}
}

var (
	_ ProviderServer = (*Provider)(nil)
	_ ServerGroups   = (*Provider)(nil)
	_ Metrics        = (*Provider)(nil)
)

// stopContext returns the context Stop cancels, making it on first use.
func (p *Provider) stopContext() context.Context {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopCtx == nil {
		p.stopCtx, p.stop = context.WithCancel(context.Background())
	}
	return p.stopCtx
}

// resetStop starts a new run after a Stop: a provider started with -debug
// serves one tack command after another, and a Ctrl-C in one must not
// cancel the next. The core configures the provider at the start of each.
func (p *Provider) resetStop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopCtx != nil && p.stopCtx.Err() != nil {
		p.stopCtx, p.stop = context.WithCancel(context.Background())
	}
}

func (p *Provider) withStop(ctx context.Context) (context.Context, context.CancelFunc) {
	stopCtx := p.stopContext()
	ctx, cancel := context.WithCancel(ctx)
	release := context.AfterFunc(stopCtx, cancel)
	if stopCtx.Err() != nil {
		// AfterFunc cancels in a goroutine of its own: a call that starts
		// after Stop must see its context done before it does any work.
		cancel()
	}
	return ctx, func() { release(); cancel() }
}

func (p *Provider) state() any {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.meta
}

func (p *Provider) GetSchema(ctx context.Context) GetSchemaResponse {
	resp := GetSchemaResponse{
		Provider:      Schema{Block: p.Schema},
		ResourceTypes: map[string]Schema{},
		DataSources:   map[string]Schema{},
	}
	for name, r := range p.Resources {
		resp.ResourceTypes[name] = Schema{Version: r.SchemaVersion, Block: r.Schema}
	}
	for name, ds := range p.DataSources {
		resp.DataSources[name] = Schema{Block: ds.Schema}
	}
	if p.ServerGroups != nil {
		resp.Capabilities.ServerGroups = true
		resp.Capabilities.ServerGroupSchema = Schema{Block: p.ServerGroupSchema}
	}
	resp.Capabilities.Metrics = p.Metrics != nil
	return resp
}

// CheckSchemas reports every way the provider's schemas are malformed, and
// type names that do not start with the provider's name. sdktest calls it;
// a vendor may call it from a test of its own.
func (p *Provider) CheckSchemas() []error {
	var errs []error
	check := func(kind, name string, b *Block) {
		if !strings.HasPrefix(name, p.Name+"_") {
			errs = append(errs, fmt.Errorf("%s %q: type names must start with the provider's name and an underscore, %q", kind, name, p.Name+"_"))
		}
		for _, err := range b.Validate() {
			errs = append(errs, fmt.Errorf("%s %q: %w", kind, name, err))
		}
	}
	if !namePattern.MatchString(p.Name) {
		errs = append(errs, fmt.Errorf("provider name %q must be lower-case letters, digits and underscores", p.Name))
	}
	for _, err := range p.Schema.Validate() {
		errs = append(errs, fmt.Errorf("provider config: %w", err))
	}
	for _, name := range sortedKeys(p.Resources) {
		check("resource", name, &p.Resources[name].Schema)
	}
	for _, name := range sortedKeys(p.DataSources) {
		check("data source", name, &p.DataSources[name].Schema)
	}
	if p.ServerGroups != nil {
		for _, err := range p.ServerGroupSchema.Validate() {
			errs = append(errs, fmt.Errorf("server_group: %w", err))
		}
	}
	return errs
}

func (p *Provider) ValidateProviderConfig(ctx context.Context, req ValidateProviderConfigRequest) ValidateProviderConfigResponse {
	return ValidateProviderConfigResponse{Diagnostics: validateConfig(&p.Schema, cty.Path{}, req.Config)}
}

func (p *Provider) ConfigureProvider(ctx context.Context, req ConfigureProviderRequest) ConfigureProviderResponse {
	var resp ConfigureProviderResponse
	var meta any
	p.resetStop()
	// A new run forgets the last one's configuration, so a failed
	// Configure leaves the provider unconfigured rather than stale.
	p.mu.Lock()
	p.meta = nil
	p.mu.Unlock()
	if p.Configure != nil {
		ctx, cancel := p.withStop(ctx)
		defer cancel()
		meta, resp.Diagnostics = p.Configure(ctx, newData(&p.Schema, req.Config, cty.NilVal))
		if resp.Diagnostics.HasErrors() {
			return resp
		}
	}
	p.mu.Lock()
	p.meta = meta
	p.mu.Unlock()
	return resp
}

func (p *Provider) resource(name string) (*Resource, Diagnostics) {
	r, ok := p.Resources[name]
	if !ok {
		return nil, Diagnostics{Errorf("Unknown resource type", "The provider %q has no resource type %q.", p.Name, name)}
	}
	return r, nil
}

func (p *Provider) ValidateResourceConfig(ctx context.Context, req ValidateResourceConfigRequest) ValidateResourceConfigResponse {
	r, diags := p.resource(req.TypeName)
	if diags != nil {
		return ValidateResourceConfigResponse{Diagnostics: diags}
	}
	diags = validateConfig(&r.Schema, cty.Path{}, req.Config)
	// The resource's own checks run even when the schema's found errors,
	// so that one run reports every mistake.
	if r.Validate != nil {
		ctx, cancel := p.withStop(ctx)
		defer cancel()
		diags = append(diags, r.Validate(ctx, newData(&r.Schema, req.Config, cty.NilVal))...)
	}
	return ValidateResourceConfigResponse{Diagnostics: diags}
}

func (p *Provider) PlanResourceChange(ctx context.Context, req PlanResourceChangeRequest) PlanResourceChangeResponse {
	r, diags := p.resource(req.TypeName)
	if diags != nil {
		return PlanResourceChangeResponse{Diagnostics: diags}
	}
	ctx, cancel := p.withStop(ctx)
	defer cancel()
	planned, replace, diags := planResource(ctx, p.state(), r, req.PriorState, req.ProposedNewState, req.Config)
	return PlanResourceChangeResponse{PlannedState: planned, RequiresReplace: replace, PlannedPrivate: req.PriorPrivate, Diagnostics: diags}
}

func (p *Provider) ApplyResourceChange(ctx context.Context, req ApplyResourceChangeRequest) ApplyResourceChangeResponse {
	r, diags := p.resource(req.TypeName)
	if diags != nil {
		return ApplyResourceChangeResponse{NewState: req.PriorState, Diagnostics: diags}
	}
	ctx, cancel := p.withStop(ctx)
	defer cancel()
	meta := p.state()
	switch {
	case req.PlannedState.IsNull():
		diags = r.Delete(ctx, meta, newData(&r.Schema, req.PriorState, cty.NilVal))
		if diags.HasErrors() {
			return ApplyResourceChangeResponse{NewState: req.PriorState, Diagnostics: diags}
		}
		return ApplyResourceChangeResponse{NewState: req.PlannedState, Diagnostics: diags}
	case req.PriorState.IsNull():
		d := newData(&r.Schema, req.PlannedState, cty.NilVal)
		diags = r.Create(ctx, meta, d)
		if diags.HasErrors() {
			if d.modified {
				// Create made something and said what before it failed:
				// return it, so the core records a half-made object to
				// clean up rather than orphan it.
				return ApplyResourceChangeResponse{NewState: unknownsToNull(d.Value()), Diagnostics: diags}
			}
			return ApplyResourceChangeResponse{NewState: req.PriorState, Diagnostics: diags}
		}
		return ApplyResourceChangeResponse{NewState: d.Value(), Private: req.PlannedPrivate, Diagnostics: append(diags, checkKnown(req.TypeName, "Create", d.Value())...)}
	default:
		if r.Update == nil {
			return ApplyResourceChangeResponse{NewState: req.PriorState, Diagnostics: Diagnostics{Errorf("Resource cannot be updated in place",
				"The provider %q has no Update for %q, so the change should have been planned as a replacement.", p.Name, req.TypeName)}}
		}
		d := newData(&r.Schema, req.PlannedState, req.PriorState)
		diags = r.Update(ctx, meta, d)
		if diags.HasErrors() {
			return ApplyResourceChangeResponse{NewState: req.PriorState, Diagnostics: diags}
		}
		return ApplyResourceChangeResponse{NewState: d.Value(), Private: req.PlannedPrivate, Diagnostics: append(diags, checkKnown(req.TypeName, "Update", d.Value())...)}
	}
}

// unknownsToNull replaces every unknown value in v with a null of its type:
// what a failed Create did not get to learn.
func unknownsToNull(v cty.Value) cty.Value {
	v, _ = cty.Transform(v, func(_ cty.Path, v cty.Value) (cty.Value, error) {
		if !v.IsKnown() {
			return cty.NullVal(v.Type()), nil
		}
		return v, nil
	})
	return v
}

// checkKnown reports a provider bug: a value still unknown after apply.
func checkKnown(typeName, op string, v cty.Value) Diagnostics {
	var diags Diagnostics
	_ = cty.Walk(v, func(path cty.Path, v cty.Value) (bool, error) {
		if !v.IsKnown() {
			diags = append(diags, AttributeErrorf(path.Copy(), "Provider left a value unknown",
				"%s of %s left %s unknown; a provider must set every computed attribute. This is a bug in the provider.", op, typeName, FormatPath(path)))
			return false, nil
		}
		return true, nil
	})
	return diags
}

func (p *Provider) ReadResource(ctx context.Context, req ReadResourceRequest) ReadResourceResponse {
	r, diags := p.resource(req.TypeName)
	if diags != nil {
		return ReadResourceResponse{NewState: req.CurrentState, Diagnostics: diags}
	}
	if req.CurrentState.IsNull() {
		return ReadResourceResponse{NewState: req.CurrentState}
	}
	ctx, cancel := p.withStop(ctx)
	defer cancel()
	d := newData(&r.Schema, req.CurrentState, cty.NilVal)
	diags = r.Read(ctx, p.state(), d)
	if diags.HasErrors() {
		return ReadResourceResponse{NewState: req.CurrentState, Private: req.Private, Diagnostics: diags}
	}
	if d.gone {
		return ReadResourceResponse{NewState: cty.NullVal(req.CurrentState.Type()), Diagnostics: diags}
	}
	return ReadResourceResponse{NewState: d.Value(), Private: req.Private, Diagnostics: diags}
}

func (p *Provider) ImportResourceState(ctx context.Context, req ImportResourceStateRequest) ImportResourceStateResponse {
	r, diags := p.resource(req.TypeName)
	if diags != nil {
		return ImportResourceStateResponse{Diagnostics: diags}
	}
	if r.Import == nil {
		return ImportResourceStateResponse{Diagnostics: Diagnostics{Errorf("Resource cannot be imported",
			"The provider %q does not support importing %q.", p.Name, req.TypeName)}}
	}
	ctx, cancel := p.withStop(ctx)
	defer cancel()
	d := newData(&r.Schema, cty.NilVal, cty.NilVal)
	diags = r.Import(ctx, p.state(), req.ID, d)
	if diags.HasErrors() {
		return ImportResourceStateResponse{Diagnostics: diags}
	}
	return ImportResourceStateResponse{
		Imported:    []ImportedResource{{TypeName: req.TypeName, State: d.Value()}},
		Diagnostics: diags,
	}
}

func (p *Provider) ReadDataSource(ctx context.Context, req ReadDataSourceRequest) ReadDataSourceResponse {
	ds, ok := p.DataSources[req.TypeName]
	if !ok {
		return ReadDataSourceResponse{Diagnostics: Diagnostics{Errorf("Unknown data source",
			"The provider %q has no data source %q.", p.Name, req.TypeName)}}
	}
	diags := validateConfig(&ds.Schema, cty.Path{}, req.Config)
	if diags.HasErrors() {
		return ReadDataSourceResponse{Diagnostics: diags}
	}
	ctx, cancel := p.withStop(ctx)
	defer cancel()
	d := newData(&ds.Schema, req.Config, cty.NilVal)
	diags = append(diags, ds.Read(ctx, p.state(), d)...)
	if diags.HasErrors() {
		return ReadDataSourceResponse{Diagnostics: diags}
	}
	return ReadDataSourceResponse{State: d.Value(), Diagnostics: append(diags, checkKnown(req.TypeName, "Read", d.Value())...)}
}

func (p *Provider) UpgradeResourceState(ctx context.Context, req UpgradeResourceStateRequest) UpgradeResourceStateResponse {
	r, diags := p.resource(req.TypeName)
	if diags != nil {
		return UpgradeResourceStateResponse{Diagnostics: diags}
	}
	ctx, cancel := p.withStop(ctx)
	defer cancel()
	ty := r.Schema.ImpliedType()
	raw := req.RawStateJSON
	if req.Version > r.SchemaVersion {
		return UpgradeResourceStateResponse{Diagnostics: Diagnostics{Errorf("State is newer than the provider",
			"The state of this %s was written with schema version %d, but this provider (%s) only knows versions up to %d. Use a newer release of the provider.",
			req.TypeName, req.Version, p.Version, r.SchemaVersion)}}
	}
	if req.Version < r.SchemaVersion {
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			return UpgradeResourceStateResponse{Diagnostics: FromError("Invalid recorded state", err)}
		}
		for v := req.Version; v < r.SchemaVersion; v++ {
			up, ok := r.Upgraders[v]
			if !ok {
				return UpgradeResourceStateResponse{Diagnostics: Diagnostics{Errorf("Cannot upgrade state",
					"The provider has no upgrade of %s state from schema version %d to %d.", req.TypeName, v, v+1)}}
			}
			var err error
			if m, err = up(ctx, m); err != nil {
				return UpgradeResourceStateResponse{Diagnostics: FromError(fmt.Sprintf("Cannot upgrade state from version %d", v), err)}
			}
		}
		var err error
		if raw, err = json.Marshal(m); err != nil {
			return UpgradeResourceStateResponse{Diagnostics: FromError("Cannot upgrade state", err)}
		}
	}
	v, err := ctyjson.Unmarshal(raw, ty)
	if err != nil {
		return UpgradeResourceStateResponse{Diagnostics: FromError("Recorded state does not match the schema", err)}
	}
	return UpgradeResourceStateResponse{UpgradedState: v}
}

// Stop cancels the context of every call in flight and of every later call,
// until the next ConfigureProvider starts a new run.
func (p *Provider) Stop(ctx context.Context) error {
	p.stopContext()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stop()
	return nil
}

func (p *Provider) serverGroups() (ServerGroups, Diagnostics) {
	if p.ServerGroups == nil {
		return nil, Diagnostics{Errorf("Provider does not host clusters", "The provider %q does not serve server groups.", p.Name)}
	}
	return p.ServerGroups(p.state()), nil
}

func (p *Provider) ListServerGroups(ctx context.Context, req ListServerGroupsRequest) ListServerGroupsResponse {
	sg, diags := p.serverGroups()
	if diags != nil {
		return ListServerGroupsResponse{Diagnostics: diags}
	}
	ctx, cancel := p.withStop(ctx)
	defer cancel()
	return sg.ListServerGroups(ctx, req)
}

func (p *Provider) CreateServerGroup(ctx context.Context, req CreateServerGroupRequest) CreateServerGroupResponse {
	sg, diags := p.serverGroups()
	if diags != nil {
		return CreateServerGroupResponse{Diagnostics: diags}
	}
	ctx, cancel := p.withStop(ctx)
	defer cancel()
	return sg.CreateServerGroup(ctx, req)
}

func (p *Provider) ResizeServerGroup(ctx context.Context, req ResizeServerGroupRequest) ResizeServerGroupResponse {
	sg, diags := p.serverGroups()
	if diags != nil {
		return ResizeServerGroupResponse{Diagnostics: diags}
	}
	ctx, cancel := p.withStop(ctx)
	defer cancel()
	return sg.ResizeServerGroup(ctx, req)
}

func (p *Provider) SetTraffic(ctx context.Context, req SetTrafficRequest) SetTrafficResponse {
	sg, diags := p.serverGroups()
	if diags != nil {
		return SetTrafficResponse{Diagnostics: diags}
	}
	ctx, cancel := p.withStop(ctx)
	defer cancel()
	return sg.SetTraffic(ctx, req)
}

func (p *Provider) GetHealth(ctx context.Context, req GetHealthRequest) GetHealthResponse {
	sg, diags := p.serverGroups()
	if diags != nil {
		return GetHealthResponse{Diagnostics: diags}
	}
	ctx, cancel := p.withStop(ctx)
	defer cancel()
	return sg.GetHealth(ctx, req)
}

func (p *Provider) DestroyServerGroup(ctx context.Context, req DestroyServerGroupRequest) DestroyServerGroupResponse {
	sg, diags := p.serverGroups()
	if diags != nil {
		return DestroyServerGroupResponse{Diagnostics: diags}
	}
	ctx, cancel := p.withStop(ctx)
	defer cancel()
	return sg.DestroyServerGroup(ctx, req)
}

func (p *Provider) QueryMetrics(ctx context.Context, req QueryMetricsRequest) QueryMetricsResponse {
	if p.Metrics == nil {
		return QueryMetricsResponse{Diagnostics: Diagnostics{Errorf("Provider does not serve metrics", "The provider %q does not serve metrics.", p.Name)}}
	}
	ctx, cancel := p.withStop(ctx)
	defer cancel()
	return p.Metrics(p.state()).QueryMetrics(ctx, req)
}

// validateConfig checks a configuration against the schema's rules the type
// system cannot: required attributes, conflicts, validators, block counts.
func validateConfig(b *Block, at cty.Path, config cty.Value) Diagnostics {
	if config.IsNull() || !config.IsKnown() {
		return nil
	}
	var diags Diagnostics
	for _, name := range sortedKeys(b.Attributes) {
		a := b.Attributes[name]
		v := config.GetAttr(name)
		path := at.Copy().GetAttr(name)
		switch {
		case a.Required && v.IsNull():
			diags = append(diags, AttributeErrorf(path, "Missing required attribute", "The attribute %q is required.", FormatPath(path)))
		case !a.Required && !a.Optional && !v.IsNull():
			diags = append(diags, AttributeErrorf(path, "Value for computed attribute", "The attribute %q is set by the provider and cannot be configured.", FormatPath(path)))
		}
		if v.IsNull() {
			continue
		}
		for _, other := range a.ConflictsWith {
			// A conflict declared on both attributes is reported once, at
			// the one that sorts first; one declared on either is reported.
			oa := b.Attributes[other]
			if oa == nil {
				continue // a malformed schema; CheckSchemas and sdktest report it
			}
			if slices.Contains(oa.ConflictsWith, name) && other < name {
				continue
			}
			// An unknown value may yet turn out null: only known values
			// conflict, as in Terraform.
			if ov := config.GetAttr(other); !ov.IsNull() && ov.IsKnown() && v.IsKnown() {
				diags = append(diags, AttributeErrorf(path, "Conflicting attributes",
					"Only one of %q and %q may be set.", FormatPath(path), FormatPath(at.Copy().GetAttr(other))))
			}
		}
		if v.IsWhollyKnown() {
			for _, check := range a.Validators {
				diags = append(diags, check(path, v)...)
			}
		}
	}
	for _, name := range sortedKeys(b.BlockTypes) {
		nb := b.BlockTypes[name]
		v := config.GetAttr(name)
		path := at.Copy().GetAttr(name)
		if !v.IsKnown() {
			continue
		}
		switch nb.Nesting {
		case NestingSingle:
			if v.IsNull() && nb.MinItems == 1 {
				diags = append(diags, AttributeErrorf(path, "Missing required block", "A %q block is required.", name))
			}
			diags = append(diags, validateConfig(&nb.Block, path, v)...)
		default:
			if v.IsNull() {
				continue
			}
			n := v.LengthInt()
			if nb.MinItems > 0 && n < nb.MinItems || nb.MaxItems > 0 && n > nb.MaxItems {
				var limit string
				switch {
				case nb.MaxItems == 0:
					limit = fmt.Sprintf("At least %d %q blocks are required", nb.MinItems, name)
				case nb.MinItems == 0:
					limit = fmt.Sprintf("At most %d %q blocks are allowed", nb.MaxItems, name)
				default:
					limit = fmt.Sprintf("Between %d and %d %q blocks are allowed", nb.MinItems, nb.MaxItems, name)
				}
				diags = append(diags, AttributeErrorf(path, "Wrong number of blocks", "%s; found %d.", limit, n))
			}
			for it := v.ElementIterator(); it.Next(); {
				k, ev := it.Element()
				ep := path
				if nb.Nesting != NestingSet {
					ep = path.Copy().Index(k)
				}
				diags = append(diags, validateConfig(&nb.Block, ep, ev)...)
			}
		}
	}
	return diags
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
