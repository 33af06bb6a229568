package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/cli"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/plugins/client"
	"github.com/tackhq/tack/plugins/install"
	"github.com/tackhq/tack/plugins/sdk"
)

type providersCommand struct{ *meta }

func (c *providersCommand) Help() string {
	return "Usage: tack providers <subcommand>\n\n  Subcommands:\n    schema    Show the schemas of the providers"
}
func (c *providersCommand) Synopsis() string { return "Inspect providers" }
func (c *providersCommand) Run([]string) int { return cli.RunResultHelp }

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

  Launches every provider shipped with tack (tack-provider-<name> beside
  the tack binary) and prints its schemas: the provider block, resources,
  data sources, and the server_group block of providers that host
  clusters.

Options:

  -json             Print the schemas as JSON (format documented in
                    docs/providers-schema-json.md).
  -plugin-dir=DIR   Look for providers in DIR before the tack binary's
                    directory. May be repeated.

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
	dirs := append([]string(nil), c.pluginDirs...)
	if exe, err := os.Executable(); err == nil {
		dirs = append(dirs, filepath.Dir(exe))
	}
	found, err := install.Shipped(dirs...)
	if err != nil {
		c.ui.Error("Error: " + err.Error())
		return 1
	}
	if len(found) == 0 {
		c.ui.Error("Error: no providers found. tack looks for tack-provider-<name> beside the tack binary (" +
			strings.Join(dirs, ", ") + "); run make build, or pass -plugin-dir.")
		return 1
	}
	ctx := context.Background()
	logger := c.logger()
	schemas := map[string]sdk.GetSchemaResponse{}
	status := 0
	for _, f := range found {
		p, err := client.Launch(ctx, client.Opts{Name: f.Source, Path: f.Path, Reattach: reattach[f.Name], Logger: logger})
		if err != nil {
			c.ui.Error("Error: " + err.Error())
			status = 1
			continue
		}
		resp := p.GetSchema(ctx)
		_ = p.Close()
		if resp.Diagnostics.HasErrors() {
			c.ui.Error(fmt.Sprintf("Error: provider %s: %v", f.Source, resp.Diagnostics.Err()))
			status = 1
			continue
		}
		schemas[f.Source] = resp
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
