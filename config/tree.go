package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// Config is a module with the child modules it calls, recursively: the
// tree a configuration forms from its root directory.
type Config struct {
	Module *Module
	// Path is the chain of module call names from the root: nil for the
	// root, [net db] for module.net.module.db.
	Path []string
	// Parent is nil for the root.
	Parent   *Config
	Children map[string]*Config
}

// maxModuleDepth bounds how deeply modules may nest, so that a source
// path that reaches back into an ancestor fails with a message instead of
// recursing for ever.
const maxModuleDepth = 16

// LoadConfig loads the module in dir and every local module it calls. A
// module that cannot be found, or that would call itself, is a diagnostic
// at the call's source.
func (p *Parser) LoadConfig(dir string) (*Config, hcl.Diagnostics) {
	return p.loadTree(dir, nil, nil, nil)
}

func (p *Parser) loadTree(dir string, path []string, parent *Config, ancestors []string) (*Config, hcl.Diagnostics) {
	m, diags := p.LoadModule(dir)
	c := &Config{Module: m, Path: path, Parent: parent, Children: map[string]*Config{}}
	ancestors = append(ancestors, realPath(dir))
	for _, name := range sortedCallNames(m) {
		call := m.ModuleCalls[name]
		if call.Source == "" {
			continue // already reported as an invalid source
		}
		sourceRange := call.SourceRange
		childDir := filepath.Join(dir, filepath.FromSlash(call.Source))
		childAbs := realPath(childDir)
		if info, err := os.Stat(childDir); err != nil || !info.IsDir() {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Module not found",
				Detail:   fmt.Sprintf("Module %q has source %q, but %s is not a directory. A local module's source is a path relative to the calling module's directory.", name, call.Source, childDir),
				Subject:  sourceRange.Ptr(),
			})
			continue
		}
		if contains(ancestors, childAbs) {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Module calls itself",
				Detail:   fmt.Sprintf("Module %q has source %q, which is %s or a module that calls it, so loading it would never end.", name, call.Source, describeModulePath(path)),
				Subject:  sourceRange.Ptr(),
			})
			continue
		}
		if len(path)+1 > maxModuleDepth {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Modules nested too deeply",
				Detail:   fmt.Sprintf("Module %q would be nested %d levels deep; tack allows %d.", name, len(path)+1, maxModuleDepth),
				Subject:  sourceRange.Ptr(),
			})
			continue
		}
		childPath := append(append([]string(nil), path...), name)
		child, cdiags := p.loadTree(childDir, childPath, c, ancestors)
		diags = append(diags, cdiags...)
		c.Children[name] = child
	}
	return c, diags
}

// realPath is dir made absolute with symbolic links resolved, so that a
// link back to an ancestor is recognised as one.
func realPath(dir string) string {
	abs, _ := filepath.Abs(dir)
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		return real
	}
	return abs
}

func describeModulePath(path []string) string {
	if len(path) == 0 {
		return "the root module"
	}
	return "module." + strings.Join(path, ".module.")
}

func sortedCallNames(m *Module) []string {
	names := make([]string, 0, len(m.ModuleCalls))
	for name := range m.ModuleCalls {
		names = append(names, name)
	}
	sortByRange(names, func(n string) hcl.Range { return m.ModuleCalls[n].DeclRange })
	return names
}

// Descendant returns the module at path below c, or nil.
func (c *Config) Descendant(path []string) *Config {
	cur := c
	for _, name := range path {
		cur = cur.Children[name]
		if cur == nil {
			return nil
		}
	}
	return cur
}
