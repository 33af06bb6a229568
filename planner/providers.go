package planner

import (
	"context"
	"fmt"
	"sync"

	"github.com/hashicorp/hcl/v2"

	"github.com/tackhq/tack/config"
	"github.com/tackhq/tack/config/addrs"
	"github.com/tackhq/tack/plugins/sdk"
	"github.com/tackhq/tack/state"
)

// providerSet starts and configures the providers of one walk, one
// instance per provider configuration, and closes them at the end.
type providerSet struct {
	p       *Planner
	mu      sync.Mutex
	running map[providerKey]*providerInstance
}

// providerInstance is a started provider with its schemas; configured is
// set once its provider node has run ConfigureProvider.
type providerInstance struct {
	key    providerKey
	source string
	prov   Provider
	schema sdk.GetSchemaResponse
}

func newProviderSet(p *Planner) *providerSet {
	return &providerSet{p: p, running: map[providerKey]*providerInstance{}}
}

// sourceOf is the source address of a local provider name: its
// required_providers entry, or tack/<name> for tack's own providers.
func sourceOf(m *config.Module, name string) string {
	if rp, ok := m.RequiredProviders[name]; ok && rp.Source != "" {
		return rp.Source
	}
	return "tack/" + name
}

// start launches the provider for key and reads its schemas.
func (s *providerSet) start(ctx context.Context, m *config.Module, key providerKey) (*providerInstance, hcl.Diagnostics) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if pi, ok := s.running[key]; ok {
		return pi, nil
	}
	source := sourceOf(m, key.name)
	factory, ok := s.p.opts.Providers[source]
	if !ok {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Provider not available",
			Detail:   fmt.Sprintf("The configuration uses provider %s (as %q), which is not installed. Run tack init.", source, key.name),
		}}
	}
	prov, err := factory(ctx)
	if err != nil {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Cannot start provider",
			Detail:   fmt.Sprintf("Starting provider %s: %s.", source, err),
		}}
	}
	resp := prov.GetSchema(ctx)
	if resp.Diagnostics.HasErrors() {
		_ = prov.Close()
		return nil, diagsFromProvider(resp.Diagnostics, nil, hcl.Range{}, "provider "+source)
	}
	pi := &providerInstance{key: key, source: source, prov: prov, schema: resp}
	s.running[key] = pi
	return pi, nil
}

// get returns a provider started (and configured) by its node.
func (s *providerSet) get(key providerKey) *providerInstance {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.running[key]
}

func (s *providerSet) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, pi := range s.running {
		_ = pi.prov.Close()
		delete(s.running, k)
	}
}

// resourceSchema is the schema of a resource type, or a diagnostic.
func (pi *providerInstance) resourceSchema(mode config.ResourceMode, typeName string, rng hcl.Range) (*sdk.Schema, hcl.Diagnostics) {
	set, kind := pi.schema.ResourceTypes, "resource type"
	if mode == config.DataMode {
		set, kind = pi.schema.DataSources, "data source"
	}
	s, ok := set[typeName]
	if !ok {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Unknown " + kind,
			Detail:   fmt.Sprintf("Provider %s has no %s %q.", pi.source, kind, typeName),
			Subject:  rng.Ptr(),
		}}
	}
	return &s, nil
}

func (pi *providerInstance) ref() state.ProviderRef {
	return state.ProviderRef{Source: pi.source, Alias: pi.key.alias}
}

// nodeProvider starts and configures one provider configuration.
type nodeProvider struct {
	key providerKey
	cfg *config.Provider // nil when the configuration has no provider block
}

func (n *nodeProvider) name() string { return "provider." + n.key.String() }

// references are what the provider block refers to: it is configured
// after them.
func (n *nodeProvider) references() []*addrs.Reference {
	if n.cfg == nil {
		return nil
	}
	var refs []*addrs.Reference
	for _, t := range bodyTraversals(n.cfg.Config) {
		if ref, d := addrs.ParseRef(t); !d.HasErrors() {
			refs = append(refs, ref)
		}
	}
	return refs
}

func (n *nodeProvider) execute(ctx context.Context, w *walker) hcl.Diagnostics {
	pi, diags := w.providers.start(ctx, w.cfg.Module, n.key)
	if diags.HasErrors() {
		return diags
	}
	body := hcl.EmptyBody()
	if n.cfg != nil && n.cfg.Config != nil {
		body = n.cfg.Config
	}
	cfgVal, d := w.scope(addrs.RootModuleInstance).EvalBlock(body, &pi.schema.Provider.Block)
	diags = append(diags, d...)
	if d.HasErrors() {
		return diags
	}
	if !cfgVal.IsWhollyKnown() {
		rng := hcl.Range{}
		if n.cfg != nil {
			rng = n.cfg.DeclRange
		}
		return append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Provider configuration not known",
			Detail:   fmt.Sprintf("The configuration of provider %s depends on values only known after apply. A provider must be configured with values known at plan time.", n.key),
			Subject:  rng.Ptr(),
		})
	}
	cfgVal, _ = cfgVal.UnmarkDeep()
	resp := pi.prov.ConfigureProvider(ctx, sdk.ConfigureProviderRequest{TackVersion: w.p.opts.TackVersion, Config: cfgVal})
	var rng hcl.Range
	if n.cfg != nil {
		rng = n.cfg.DeclRange
	}
	return append(diags, diagsFromProvider(resp.Diagnostics, body, rng, "provider "+n.key.String())...)
}
