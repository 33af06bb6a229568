package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/tackhq/tack/config"
	"github.com/tackhq/tack/plugins/client"
	"github.com/tackhq/tack/plugins/install"
	"github.com/tackhq/tack/plugins/sdk"
)

// moduleProviders is what one module of the configuration requires, for
// init to resolve and for `tack providers` to show as a tree.
type moduleProviders struct {
	// path is the chain of module call names, nil for the root.
	path     []string
	reqs     []moduleRequirement // sorted by local name
	children []*moduleProviders  // sorted by call name
}

type moduleRequirement struct {
	install.Requirement
	// implied is a provider the module uses without a required_providers
	// entry: it is tack/<name>.
	implied bool
}

// collectProviders gathers the requirements of every module of the tree:
// its required_providers entries, and tack/<name> for each provider it
// uses (in a resource, a data source, a cluster or a provider block)
// without an entry. A malformed source or constraint is a diagnostic at
// its entry and is left out.
func collectProviders(cfg *config.Config) (*moduleProviders, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	m := &moduleProviders{path: cfg.Path}
	mod := cfg.Module
	for _, name := range slices.Sorted(maps.Keys(mod.RequiredProviders)) {
		rp := mod.RequiredProviders[name]
		r := install.Requirement{Name: name, Source: rp.Source, Constraint: rp.Version}
		if err := r.Validate(); err != nil {
			summary := "Invalid provider source"
			if install.ValidateSource(r.Source) == nil {
				summary = "Invalid provider version constraint"
			}
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  summary,
				Detail:   capitalize(err.Error()) + ".",
				Subject:  rp.DeclRange.Ptr(),
			})
			continue
		}
		m.reqs = append(m.reqs, moduleRequirement{Requirement: r})
	}
	for _, name := range usedProviders(mod) {
		if _, ok := mod.RequiredProviders[name]; ok {
			continue
		}
		r := install.Requirement{Name: name, Source: "tack/" + name}
		if r.Validate() != nil {
			continue // a malformed name; config reports the block
		}
		m.reqs = append(m.reqs, moduleRequirement{Requirement: r, implied: true})
	}
	slices.SortFunc(m.reqs, func(a, b moduleRequirement) int { return strings.Compare(a.Name, b.Name) })
	for _, name := range slices.Sorted(maps.Keys(cfg.Children)) {
		child, more := collectProviders(cfg.Children[name])
		diags = append(diags, more...)
		m.children = append(m.children, child)
	}
	return m, diags
}

// usedProviders are the local names of the providers one module uses.
func usedProviders(mod *config.Module) []string {
	seen := map[string]bool{}
	for _, set := range []map[string]*config.Resource{mod.Resources, mod.DataResources} {
		for _, r := range set {
			seen[r.ProviderName()] = true
		}
	}
	for _, cl := range mod.Clusters {
		if cl.ProviderRef != nil {
			seen[cl.ProviderRef.Name] = true
		}
	}
	for _, p := range mod.ProviderConfigs {
		seen[p.Name] = true
	}
	return slices.Sorted(maps.Keys(seen))
}

// all is every requirement of the tree.
func (m *moduleProviders) all() []install.Requirement {
	var out []install.Requirement
	for _, r := range m.reqs {
		out = append(out, r.Requirement)
	}
	for _, c := range m.children {
		out = append(out, c.all()...)
	}
	return out
}

// localSources maps each local name to its source: the root module's
// meaning first, then its children's, since schemas for config are keyed
// by local name across the tree.
func (m *moduleProviders) localSources() map[string]string {
	out := map[string]string{}
	queue := []*moduleProviders{m}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		for _, r := range cur.reqs {
			if _, ok := out[r.Name]; !ok {
				out[r.Name] = r.Source
			}
		}
		queue = append(queue, cur.children...)
	}
	return out
}

// installOpts is where the commands look for providers: the project in
// dir, $TACK_PLUGIN_DIR (else ~/.tack.d/plugins), the -plugin-dir flags,
// tack's own directory, and the CLI configuration's development
// overrides.
func (m *meta) installOpts(dir string, pluginDirs []string, cc *cliConfig) install.Opts {
	o := install.Opts{Dir: dir, PluginDirs: pluginDirs, TackVersion: version, DevOverrides: cc.devOverrides}
	if exe, err := os.Executable(); err == nil {
		o.TackDir = filepath.Dir(exe)
	}
	if d := m.getenv("TACK_PLUGIN_DIR"); d != "" {
		o.UserDir = d
	} else if home := m.home(); home != "" {
		o.UserDir = filepath.Join(home, ".tack.d", "plugins")
	}
	return o
}

// launch starts a located provider, with its checksum checked again by
// the plugin client, and turns the client's checksum error into the one
// that says what to do.
func (m *meta) launch(ctx context.Context, s install.Selected, reattach *sdk.ReattachConfig) (*client.Provider, error) {
	p, err := client.Launch(ctx, client.Opts{Name: s.Source, Path: s.Path, SHA256: s.SHA256, Reattach: reattach, Logger: m.logger()})
	if errors.Is(err, client.ErrChecksumMismatch) {
		return nil, &install.ChecksumMismatchError{Source: s.Source, Path: s.Path, Want: []string{install.HashString(s.SHA256)}}
	}
	return p, err
}

// providerDiags turns the errors of install.Resolve or install.Locate
// into one diagnostic each, of the given severity; a checksum mismatch
// is always an error.
func providerDiags(err error, severity hcl.DiagnosticSeverity) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, e := range splitErrors(err) {
		d := &hcl.Diagnostic{Severity: severity, Summary: "Cannot find providers", Detail: capitalize(e.Error()) + "."}
		var (
			noMatch  *install.NoMatchError
			missing  *install.NotInstalledError
			unlocked *install.NotLockedError
			outdated *install.LockOutdatedError
			mismatch *install.ChecksumMismatchError
			override *install.OverrideError
		)
		switch {
		case errors.As(e, &mismatch):
			d.Severity = hcl.DiagError
			d.Summary = "Provider checksum mismatch"
		case errors.As(e, &noMatch):
			d.Summary = "No matching provider version"
		case errors.As(e, &missing):
			d.Summary = "Locked provider version not installed"
		case errors.As(e, &unlocked):
			d.Summary = "Provider not in the lock file"
		case errors.As(e, &outdated):
			d.Summary = "Lock file out of date"
		case errors.As(e, &override):
			d.Summary = "Invalid development override"
		}
		diags = append(diags, d)
	}
	return diags
}

// splitErrors undoes errors.Join, one error per provider.
func splitErrors(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// readLocks reads the project's lock file, with its source kept for
// diagnostics' snippets.
func readLocks(dir string, sources map[string][]byte) (*install.Locks, hcl.Diagnostics) {
	path := filepath.Join(dir, install.LockFileName)
	locks, diags := install.ReadLocks(path)
	if locks != nil || diags.HasErrors() {
		if src, err := os.ReadFile(path); err == nil {
			sources[path] = src
		}
	}
	return locks, diags
}

// describe says where a selected provider came from, for init and
// `tack providers`.
func describe(s install.Selected, dir string) string {
	switch s.From.Kind {
	case install.DevOverride:
		return fmt.Sprintf("%s from %s (development override)", s.Source, s.From.Dir)
	case install.BesideTack:
		return fmt.Sprintf("%s v%s (shipped with tack)", s.Source, s.Version)
	}
	where := filepath.Dir(s.Path)
	if rel, err := filepath.Rel(dir, where); err == nil && !strings.HasPrefix(rel, "..") {
		where = rel
	}
	return fmt.Sprintf("%s v%s from %s", s.Source, s.Version, where)
}
