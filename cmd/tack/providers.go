package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/cmd/tack/views"
	"github.com/tackhq/tack/config"
	"github.com/tackhq/tack/plugins/client"
	"github.com/tackhq/tack/plugins/install"
	"github.com/tackhq/tack/plugins/sdk"
)

type providersCommand struct{ *meta }

func (c *providersCommand) Help() string {
	return `Usage: tack providers [options] [DIR]

  Shows the providers the configuration in DIR (default: the current
  directory) and its local modules require, as a tree of modules with
  each provider's source and version constraint, and then the version
  .tack.lock.hcl selects for each and where its binary is.

  Exit status: 0, or 1 when the configuration has errors or a locked
  provider cannot be used (not installed, or its checksum differs).

Subcommands:

  schema    Show the schemas of the providers

Options:

  -no-color         No colour, even on a terminal.
  -plugin-dir=DIR   Also look for the locked providers in DIR, as tack
                    init -plugin-dir=DIR did. May be repeated.`
}

func (c *providersCommand) Synopsis() string { return "Show the providers and where they come from" }

func (c *providersCommand) Run(args []string) int {
	fs := flag.NewFlagSet("providers", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	noColor := fs.Bool("no-color", false, "")
	var pluginDirs stringList
	fs.Var(&pluginDirs, "plugin-dir", "")
	fs.Usage = func() { c.ui.Error(c.Help()) }
	if err := fs.Parse(args); err != nil {
		return 1
	}
	dir := "."
	switch fs.NArg() {
	case 0:
	case 1:
		dir = fs.Arg(0)
	default:
		c.ui.Error("Error: tack providers takes at most one directory.\n\n" + c.Help())
		return 1
	}
	p, diags := c.loadProviders(dir)
	view := &views.DiagnosticsView{Color: c.color(*noColor), Width: 78, Sources: p.sources}
	if diags.HasErrors() {
		view.Render(c.stderr, diags)
		return 1
	}

	fmt.Fprint(c.stdout, "Providers required by configuration:\n.\n")
	writeProviderTree(c.stdout, p.tree, "")
	if p.locks == nil && len(p.cli.devOverrides) == 0 {
		fmt.Fprintf(c.stdout, "\nNo providers are selected yet: run \"tack init\" to write %s.\n", install.LockFileName)
		view.Render(c.stderr, diags)
		return 0
	}
	selected, err := install.Locate(p.tree.all(), p.locks, c.installOpts(dir, pluginDirs, p.cli))
	fmt.Fprintf(c.stdout, "\nProviders selected in %s:\n", install.LockFileName)
	for _, s := range selected {
		fmt.Fprintf(c.stdout, "- %s\n", describe(s, dir))
	}
	diags = append(diags, providerDiags(err, hcl.DiagError)...)
	view.Render(c.stderr, diags)
	if diags.HasErrors() {
		return 1
	}
	return 0
}

// writeProviderTree draws one module's requirements and its calls, as
// Terraform's providers command does.
func writeProviderTree(w io.Writer, m *moduleProviders, indent string) {
	n := len(m.reqs) + len(m.children)
	item := func(i int) (branch, next string) {
		if i == n-1 {
			return "└── ", indent + "    "
		}
		return "├── ", indent + "│   "
	}
	for i, r := range m.reqs {
		branch, _ := item(i)
		line := indent + branch + "provider[" + r.Source + "]"
		if r.Constraint != "" {
			line += " " + r.Constraint
		}
		fmt.Fprintln(w, line)
	}
	for i, child := range m.children {
		branch, next := item(len(m.reqs) + i)
		fmt.Fprintln(w, indent+branch+"module."+child.path[len(child.path)-1])
		writeProviderTree(w, child, next)
	}
}

// projectProviders is what the provider commands read before they look
// for binaries: the configuration's requirements, the lock file and the
// CLI configuration.
type projectProviders struct {
	tree    *moduleProviders
	locks   *install.Locks // nil without a lock file
	cli     *cliConfig
	sources map[string][]byte
}

func (m *meta) loadProviders(dir string) (*projectProviders, hcl.Diagnostics) {
	parser := config.NewParser()
	cfg, diags := parser.LoadConfig(dir)
	p := &projectProviders{sources: parser.Sources()}
	var more hcl.Diagnostics
	p.cli, more = m.cliConfig()
	diags = append(diags, more...)
	maps.Copy(p.sources, p.cli.sources)
	diags = append(diags, p.cli.devOverrideWarning()...)
	p.tree, more = collectProviders(cfg)
	diags = append(diags, more...)
	p.locks, more = readLocks(dir, p.sources)
	return p, append(diags, more...)
}

type providersSchemaCommand struct {
	*meta
	json       bool
	pluginDirs stringList
}

type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

func (c *providersSchemaCommand) Help() string {
	return `Usage: tack providers schema [options]

  Launches the providers of the configuration in the current directory,
  those .tack.lock.hcl records (see tack init) and those the CLI
  configuration's dev_overrides name, and prints their schemas: the
  provider block, resources, data sources, and the server_group block of
  providers that host clusters. Outside a configuration that needs
  providers, and before any lock file, it shows the providers shipped
  with tack (tack-provider-<name> beside the tack binary or in a
  -plugin-dir).

  Exit status: 0, or 1 when a provider cannot be found or launched (the
  others are still shown), or when its checksum differs from the lock
  file.

Options:

  -json             Print the schemas as JSON (format documented in
                    docs/providers-schema-json.md).
  -plugin-dir=DIR   Also look for providers in DIR, as tack init
                    -plugin-dir=DIR did. May be repeated.

Environment:

  TACK_REATTACH_PROVIDERS  Attach to providers already running under a
                           debugger instead of launching them.
  TACK_LOG, TACK_LOG_PATH  Log level and file; provider logs included.`
}

func (c *providersSchemaCommand) Synopsis() string { return "Show the schemas of the providers" }

func (c *providersSchemaCommand) Run(args []string) int {
	fs := flag.NewFlagSet("providers schema", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.BoolVar(&c.json, "json", false, "")
	fs.Var(&c.pluginDirs, "plugin-dir", "")
	fs.Usage = func() { c.ui.Error(c.Help()) }
	if err := fs.Parse(args); err != nil {
		return 1
	}
	if fs.NArg() > 0 {
		c.ui.Error("Error: tack providers schema takes no arguments.\n\n" + c.Help())
		return 1
	}
	var reattach map[string]*sdk.ReattachConfig
	if v := c.getenv("TACK_REATTACH_PROVIDERS"); v != "" {
		var err error
		if reattach, err = client.ParseReattach(v); err != nil {
			c.ui.Error("Error: " + err.Error())
			return 1
		}
	}
	const dir = "."
	p, diags := c.loadProviders(dir)
	view := &views.DiagnosticsView{Color: c.color(false), Width: 78, Sources: p.sources}
	if diags.HasErrors() {
		view.Render(c.stderr, diags)
		return 1
	}
	targets, shipped, more := c.targets(p, dir)
	diags = append(diags, more...)
	view.Render(c.stderr, diags)
	status := 0
	if diags.HasErrors() {
		status = 1
	}
	if len(targets) == 0 && shipped && status == 0 {
		dirs := append([]string(nil), c.pluginDirs...)
		if exe, err := os.Executable(); err == nil {
			dirs = append(dirs, filepath.Dir(exe))
		}
		c.ui.Error("Error: no providers found. tack looks for tack-provider-<name> beside the tack binary (" +
			strings.Join(dirs, ", ") + "); run make build, or pass -plugin-dir.")
		return 1
	}

	ctx := context.Background()
	schemas := map[string]sdk.GetSchemaResponse{}
	for _, s := range targets {
		_, typ, _ := strings.Cut(s.Source, "/")
		rc := reattach[s.Source]
		if rc == nil {
			rc = reattach[typ]
		}
		prov, err := c.launch(ctx, s, rc)
		if err != nil {
			view.Render(c.stderr, providerDiags(err, hcl.DiagError))
			status = 1
			continue
		}
		resp := prov.GetSchema(ctx)
		_ = prov.Close()
		if resp.Diagnostics.HasErrors() {
			c.ui.Error(fmt.Sprintf("Error: provider %s: %v", s.Source, resp.Diagnostics.Err()))
			status = 1
			continue
		}
		schemas[s.Source] = resp
	}
	if c.json {
		b, err := json.MarshalIndent(schemasJSON(schemas), "", "  ")
		if err != nil {
			c.ui.Error("Error: " + err.Error())
			return 1
		}
		fmt.Fprintln(c.stdout, string(b))
		return status
	}
	fmt.Fprint(c.stdout, schemasHuman(schemas))
	return status
}

// targets are the providers whose schemas to show: the configuration's
// (every locked one when it requires none), or, with neither requirements
// nor a lock file, the providers shipped with tack; shipped says which.
func (c *providersSchemaCommand) targets(p *projectProviders, dir string) (targets []install.Selected, shipped bool, diags hcl.Diagnostics) {
	reqs := p.tree.all()
	if len(reqs) == 0 && p.locks == nil {
		dirs := append([]string(nil), c.pluginDirs...)
		if exe, err := os.Executable(); err == nil {
			dirs = append(dirs, filepath.Dir(exe))
		}
		found, err := install.Shipped(dirs...)
		if err != nil {
			return nil, true, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot find providers", Detail: capitalize(err.Error()) + "."}}
		}
		var out []install.Selected
		for _, f := range found {
			out = append(out, install.Selected{Source: f.Source, Path: f.Path, From: install.Place{Kind: install.BesideTack, Dir: filepath.Dir(f.Path), Flat: true}})
		}
		return out, true, nil
	}
	if len(reqs) == 0 {
		reqs = nil // every locked provider
	}
	selected, err := install.Locate(reqs, p.locks, c.installOpts(dir, c.pluginDirs, p.cli))
	return selected, false, providerDiags(err, hcl.DiagError)
}

// schemasHuman renders schemas for a person: one provider after another,
// each type with its attributes aligned.
func schemasHuman(schemas map[string]sdk.GetSchemaResponse) string {
	var b strings.Builder
	for _, source := range slices.Sorted(maps.Keys(schemas)) {
		s := schemas[source]
		fmt.Fprintf(&b, "provider %q\n", source)
		writeBlock(&b, "  ", &s.Provider.Block)
		for _, name := range slices.Sorted(maps.Keys(s.ResourceTypes)) {
			rs := s.ResourceTypes[name]
			fmt.Fprintf(&b, "\n  resource %q (schema version %d)\n", name, rs.Version)
			writeBlock(&b, "    ", &rs.Block)
		}
		for _, name := range slices.Sorted(maps.Keys(s.DataSources)) {
			ds := s.DataSources[name]
			fmt.Fprintf(&b, "\n  data %q\n", name)
			writeBlock(&b, "    ", &ds.Block)
		}
		if s.Capabilities.ServerGroups {
			fmt.Fprintf(&b, "\n  server_group (hosts clusters)\n")
			writeBlock(&b, "    ", &s.Capabilities.ServerGroupSchema.Block)
		}
		if s.Capabilities.Metrics {
			fmt.Fprintf(&b, "\n  metrics: serves canary metrics\n")
		}
		b.WriteString("\n")
	}
	return b.String()
}

func writeBlock(b *strings.Builder, indent string, blk *sdk.Block) {
	if len(blk.Attributes) == 0 && len(blk.BlockTypes) == 0 {
		fmt.Fprintf(b, "%s(no attributes)\n", indent)
		return
	}
	width := 0
	for name := range blk.Attributes {
		width = max(width, len(name))
	}
	for _, name := range slices.Sorted(maps.Keys(blk.Attributes)) {
		a := blk.Attributes[name]
		var flags []string
		switch {
		case a.Required:
			flags = append(flags, "required")
		case a.Optional && a.Computed:
			flags = append(flags, "optional, computed")
		case a.Optional:
			flags = append(flags, "optional")
		default:
			flags = append(flags, "computed")
		}
		if a.Sensitive {
			flags = append(flags, "sensitive")
		}
		if a.Deprecated {
			flags = append(flags, "deprecated")
		}
		line := fmt.Sprintf("%s%-*s  %s  (%s)", indent, width, name, a.Type.FriendlyName(), strings.Join(flags, ", "))
		if a.Description != "" {
			line += "  " + a.Description
		}
		b.WriteString(line + "\n")
	}
	for _, name := range slices.Sorted(maps.Keys(blk.BlockTypes)) {
		nb := blk.BlockTypes[name]
		limits := ""
		switch {
		case nb.MaxItems > 0:
			limits = fmt.Sprintf(", %d to %d", nb.MinItems, nb.MaxItems)
		case nb.MinItems > 0:
			limits = fmt.Sprintf(", at least %d", nb.MinItems)
		}
		fmt.Fprintf(b, "%s%s { (%s block%s)\n", indent, name, nb.Nesting, limits)
		writeBlock(b, indent+"  ", &nb.Block)
		fmt.Fprintf(b, "%s}\n", indent)
	}
}

// schemaFormatVersion is the version of the `providers schema -json`
// format; it changes only when a change would break a reader.
const schemaFormatVersion = "1.0"

type jsonSchemas struct {
	FormatVersion   string                  `json:"format_version"`
	ProviderSchemas map[string]jsonProvider `json:"provider_schemas"`
}

type jsonProvider struct {
	Provider          jsonSchema            `json:"provider"`
	ResourceSchemas   map[string]jsonSchema `json:"resource_schemas"`
	DataSourceSchemas map[string]jsonSchema `json:"data_source_schemas"`
	ServerGroupSchema *jsonSchema           `json:"server_group_schema,omitempty"`
	Metrics           bool                  `json:"metrics"`
}

type jsonSchema struct {
	Version int64     `json:"version"`
	Block   jsonBlock `json:"block"`
}

type jsonBlock struct {
	Attributes  map[string]jsonAttribute   `json:"attributes,omitempty"`
	BlockTypes  map[string]jsonNestedBlock `json:"block_types,omitempty"`
	Description string                     `json:"description,omitempty"`
	Deprecated  bool                       `json:"deprecated,omitempty"`
}

type jsonAttribute struct {
	Type        json.RawMessage `json:"type"`
	Description string          `json:"description,omitempty"`
	Required    bool            `json:"required,omitempty"`
	Optional    bool            `json:"optional,omitempty"`
	Computed    bool            `json:"computed,omitempty"`
	Sensitive   bool            `json:"sensitive,omitempty"`
	Deprecated  bool            `json:"deprecated,omitempty"`
}

type jsonNestedBlock struct {
	NestingMode string    `json:"nesting_mode"`
	Block       jsonBlock `json:"block"`
	MinItems    int       `json:"min_items,omitempty"`
	MaxItems    int       `json:"max_items,omitempty"`
}

func schemasJSON(schemas map[string]sdk.GetSchemaResponse) jsonSchemas {
	out := jsonSchemas{FormatVersion: schemaFormatVersion, ProviderSchemas: map[string]jsonProvider{}}
	for source, s := range schemas {
		p := jsonProvider{
			Provider:          toJSONSchema(s.Provider),
			ResourceSchemas:   map[string]jsonSchema{},
			DataSourceSchemas: map[string]jsonSchema{},
			Metrics:           s.Capabilities.Metrics,
		}
		for name, rs := range s.ResourceTypes {
			p.ResourceSchemas[name] = toJSONSchema(rs)
		}
		for name, ds := range s.DataSources {
			p.DataSourceSchemas[name] = toJSONSchema(ds)
		}
		if s.Capabilities.ServerGroups {
			sg := toJSONSchema(s.Capabilities.ServerGroupSchema)
			p.ServerGroupSchema = &sg
		}
		out.ProviderSchemas[source] = p
	}
	return out
}

func toJSONSchema(s sdk.Schema) jsonSchema {
	return jsonSchema{Version: s.Version, Block: toJSONBlock(&s.Block)}
}

func toJSONBlock(b *sdk.Block) jsonBlock {
	out := jsonBlock{Description: b.Description, Deprecated: b.Deprecated}
	for name, a := range b.Attributes {
		if out.Attributes == nil {
			out.Attributes = map[string]jsonAttribute{}
		}
		ty, err := a.Type.MarshalJSON()
		if err != nil {
			ty, _ = cty.DynamicPseudoType.MarshalJSON()
		}
		out.Attributes[name] = jsonAttribute{
			Type: ty, Description: a.Description, Required: a.Required, Optional: a.Optional,
			Computed: a.Computed, Sensitive: a.Sensitive, Deprecated: a.Deprecated,
		}
	}
	for name, nb := range b.BlockTypes {
		if out.BlockTypes == nil {
			out.BlockTypes = map[string]jsonNestedBlock{}
		}
		out.BlockTypes[name] = jsonNestedBlock{NestingMode: nb.Nesting.String(), Block: toJSONBlock(&nb.Block), MinItems: nb.MinItems, MaxItems: nb.MaxItems}
	}
	return out
}
