package config

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	hcljson "github.com/hashicorp/hcl/v2/json"
)

// Parser reads configuration files and keeps their bytes, so that a
// diagnostic can be shown with its source. A Parser is not safe for
// concurrent use.
type Parser struct {
	p *hclparse.Parser
}

// NewParser returns a Parser with no files read yet.
func NewParser() *Parser { return &Parser{p: hclparse.NewParser()} }

// Sources returns every file read so far, by the name diagnostics use.
func (p *Parser) Sources() map[string][]byte {
	out := map[string][]byte{}
	for name, f := range p.p.Files() {
		out[name] = f.Bytes
	}
	return out
}

// IsConfigFile reports whether a file name is one of a module's
// configuration files.
func IsConfigFile(name string) bool {
	return strings.HasSuffix(name, ".tack.hcl") || strings.HasSuffix(name, ".tack.json")
}

// LoadModule reads every *.tack.hcl and *.tack.json file of dir, in name
// order, into one Module. It returns the module even when there are
// errors, with what could be decoded, so that one run reports every
// problem.
func (p *Parser) LoadModule(dir string) (*Module, hcl.Diagnostics) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return newModule(dir), hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Cannot read the configuration directory",
			Detail:   fmt.Sprintf("tack could not list %s: %s.", dir, err),
		}}
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && IsConfigFile(e.Name()) {
			names = append(names, filepath.Join(dir, e.Name()))
		}
	}
	sort.Strings(names)
	files, diags := p.parseFiles(names)
	m, mdiags := buildModule(dir, files)
	diags = append(diags, mdiags...)
	sortByPosition(diags)
	return m, diags
}

// parseFiles parses the named files, on as many cores as there are: a
// configuration of ten thousand resources took half a second to parse on
// one core while the other had nothing to do. Each file is then kept for
// diagnostics, in name order, and one read before is not read again.
func (p *Parser) parseFiles(names []string) ([]*hcl.File, hcl.Diagnostics) {
	type parsed struct {
		f     *hcl.File
		diags hcl.Diagnostics
	}
	results := make([]parsed, len(names))
	known := p.p.Files()
	limit := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i, name := range names {
		if f := known[name]; f != nil {
			results[i].f = f
			continue
		}
		wg.Go(func() {
			limit <- struct{}{}
			defer func() { <-limit }()
			results[i].f, results[i].diags = parseFile(name)
		})
	}
	wg.Wait()
	var files []*hcl.File
	var diags hcl.Diagnostics
	for i, r := range results {
		diags = append(diags, r.diags...)
		if r.f != nil {
			p.p.AddFile(names[i], r.f)
			files = append(files, r.f)
		}
	}
	return files, diags
}

// parseFile reads and parses one file, HCL or JSON by its name.
func parseFile(name string) (*hcl.File, hcl.Diagnostics) {
	if strings.HasSuffix(name, ".json") {
		return hcljson.ParseFile(name)
	}
	src, err := os.ReadFile(name)
	if err != nil {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Failed to read file",
			Detail:   fmt.Sprintf("The configuration file %q could not be read.", name),
		}}
	}
	return hclsyntax.ParseConfig(src, name, hcl.InitialPos)
}

// LoadSource decodes one module from in-memory files, named as given; for
// tests and tools that do not read from disk.
func (p *Parser) LoadSource(dir string, files map[string][]byte) (*Module, hcl.Diagnostics) {
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	var diags hcl.Diagnostics
	var parsed []*hcl.File
	for _, name := range names {
		var f *hcl.File
		var fdiags hcl.Diagnostics
		if strings.HasSuffix(name, ".json") {
			f, fdiags = p.p.ParseJSON(files[name], name)
		} else {
			f, fdiags = p.p.ParseHCL(files[name], name)
		}
		diags = append(diags, fdiags...)
		if f != nil {
			parsed = append(parsed, f)
		}
	}
	m, mdiags := buildModule(dir, parsed)
	diags = append(diags, mdiags...)
	sortByPosition(diags)
	return m, diags
}

// buildModule decodes the files' top-level blocks into one module,
// reporting declarations made twice, in any files, at both places.
func buildModule(dir string, files []*hcl.File) (*Module, hcl.Diagnostics) {
	m := newModule(dir)
	var diags hcl.Diagnostics
	for _, f := range files {
		content, cdiags := f.Body.Content(rootSchema)
		diags = append(diags, cdiags...)
		for _, block := range content.Blocks {
			diags = append(diags, m.add(block)...)
		}
	}
	return m, diags
}

// rootSchema is every block a configuration file may hold.
var rootSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "tack"},
		{Type: "provider", LabelNames: []string{"name"}},
		{Type: "variable", LabelNames: []string{"name"}},
		{Type: "locals"},
		{Type: "output", LabelNames: []string{"name"}},
		{Type: "resource", LabelNames: []string{"type", "name"}},
		{Type: "data", LabelNames: []string{"type", "name"}},
		{Type: "module", LabelNames: []string{"name"}},
		{Type: "moved"},
		{Type: "import"},
		{Type: "application", LabelNames: []string{"name"}},
		{Type: "cluster", LabelNames: []string{"name"}},
		{Type: "delivery_policy", LabelNames: []string{"name"}},
		{Type: "environment", LabelNames: []string{"name"}},
		{Type: "guardrail", LabelNames: []string{"name"}},
	},
}

// add decodes one top-level block into m.
func (m *Module) add(block *hcl.Block) hcl.Diagnostics {
	switch block.Type {
	case "tack":
		return m.addTack(block)
	case "provider":
		p, diags := decodeProvider(block)
		if p != nil {
			diags = append(diags, addUnique(m.ProviderConfigs, p.Key(), p, p.DeclRange, "provider configuration", describeProvider(p))...)
		}
		return diags
	case "variable":
		v, diags := decodeVariable(block)
		return append(diags, addUnique(m.Variables, v.Name, v, v.DeclRange, "variable", fmt.Sprintf("variable %q", v.Name))...)
	case "locals":
		locals, diags := decodeLocals(block)
		for _, l := range locals {
			diags = append(diags, addUnique(m.Locals, l.Name, l, l.DeclRange, "local value", fmt.Sprintf("local value %q", l.Name))...)
		}
		return diags
	case "output":
		o, diags := decodeOutput(block)
		return append(diags, addUnique(m.Outputs, o.Name, o, o.DeclRange, "output", fmt.Sprintf("output %q", o.Name))...)
	case "resource", "data":
		r, diags := decodeResource(block)
		target, kind := m.Resources, "resource"
		if r.Mode == DataMode {
			target, kind = m.DataResources, "data source"
		}
		key := r.Type + "." + r.Name
		return append(diags, addUnique(target, key, r, r.DeclRange, kind, fmt.Sprintf("%s %q %q", block.Type, r.Type, r.Name))...)
	case "module":
		mc, diags := decodeModuleCall(block)
		return append(diags, addUnique(m.ModuleCalls, mc.Name, mc, mc.DeclRange, "module call", fmt.Sprintf("module %q", mc.Name))...)
	case "moved":
		mv, diags := decodeMoved(block)
		if mv != nil {
			m.Moved = append(m.Moved, mv)
		}
		return diags
	case "import":
		imp, diags := decodeImport(block)
		if imp != nil {
			m.Imports = append(m.Imports, imp)
		}
		return diags
	case "application":
		a, diags := decodeApplication(block)
		return append(diags, addUnique(m.Applications, a.Name, a, a.DeclRange, "application", fmt.Sprintf("application %q", a.Name))...)
	case "cluster":
		c, diags := decodeCluster(block)
		return append(diags, addUnique(m.Clusters, c.Name, c, c.DeclRange, "cluster", fmt.Sprintf("cluster %q", c.Name))...)
	case "delivery_policy":
		d, diags := decodeDeliveryPolicy(block)
		return append(diags, addUnique(m.DeliveryPolicies, d.Name, d, d.DeclRange, "delivery policy", fmt.Sprintf("delivery_policy %q", d.Name))...)
	case "environment":
		e, diags := decodeEnvironment(block)
		return append(diags, addUnique(m.Environments, e.Name, e, e.DeclRange, "environment", fmt.Sprintf("environment %q", e.Name))...)
	case "guardrail":
		g, diags := decodeGuardrail(block)
		return append(diags, addUnique(m.Guardrails, g.Name, g, g.DeclRange, "guardrail", fmt.Sprintf("guardrail %q", g.Name))...)
	}
	// rootSchema admits nothing else.
	panic(fmt.Sprintf("config: unexpected block type %q", block.Type))
}

// declared is what addUnique needs of a declaration to report a duplicate.
type declared interface {
	*Provider | *Variable | *Local | *Output | *Resource | *ModuleCall | *Application | *Cluster | *DeliveryPolicy | *Environment | *Guardrail
}

// addUnique adds v under key, or reports a duplicate declaration: the
// subject is the second place, the detail names the first.
func addUnique[T declared](m map[string]T, key string, v T, rng hcl.Range, kind, what string) hcl.Diagnostics {
	if prev, ok := m[key]; ok {
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Duplicate " + kind,
			Detail: fmt.Sprintf("%s was already declared at %s. Names must be unique within a module: rename or remove one of the two.",
				capitalize(what), declRange(prev)),
			Subject: rng.Ptr(),
		}}
	}
	m[key] = v
	return nil
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func declRange(v any) hcl.Range {
	switch v := v.(type) {
	case *Provider:
		return v.DeclRange
	case *Variable:
		return v.DeclRange
	case *Local:
		return v.DeclRange
	case *Output:
		return v.DeclRange
	case *Resource:
		return v.DeclRange
	case *ModuleCall:
		return v.DeclRange
	case *Application:
		return v.DeclRange
	case *Cluster:
		return v.DeclRange
	case *DeliveryPolicy:
		return v.DeclRange
	case *Environment:
		return v.DeclRange
	case *Guardrail:
		return v.DeclRange
	}
	return hcl.Range{}
}

func describeProvider(p *Provider) string {
	if p.Alias == "" {
		return fmt.Sprintf("%q (the default configuration)", p.Name)
	}
	return fmt.Sprintf("%q with alias %q", p.Name, p.Alias)
}
