package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/hashicorp/hcl/v2"

	"github.com/tackhq/tack/cmd/tack/views"
	"github.com/tackhq/tack/config"
	"github.com/tackhq/tack/plugins/client"
	"github.com/tackhq/tack/plugins/install"
)

type validateCommand struct{ *meta }

func (c *validateCommand) Help() string {
	return `Usage: tack validate [options] [DIR]

  Checks the configuration in DIR (default: the current directory) and the
  local modules it calls: syntax, block types and names, duplicate
  declarations, variable declarations, Spinnaker's cluster naming,
  references to objects the configuration does not declare, module call
  arguments, cycles among local values, and the
  bodies that providers own (resources, data sources, server_group) against
  the providers' schemas. Providers that cannot be found are skipped, with a
  warning that says what was not checked. Nothing is planned or changed.

  Exit status: 0 when the configuration is valid (warnings allowed), 1 when
  it is not.

Options:

  -json             Print the result as JSON (docs/diagnostics-json.md).
  -no-color         No colour, even on a terminal.
  -plugin-dir=DIR   Look for providers in DIR before the tack binary's
                    directory. May be repeated.`
}

func (c *validateCommand) Synopsis() string { return "Check the configuration" }

func (c *validateCommand) Run(args []string) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	asJSON := fs.Bool("json", false, "")
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
		c.ui.Error("Error: tack validate takes at most one directory.\n\n" + c.Help())
		return 1
	}

	parser := config.NewParser()
	cfg, diags := parser.LoadConfig(dir)
	diags = append(diags, cfg.CheckReferences()...)
	diags = append(diags, cfg.CheckModuleCalls()...)
	diags = append(diags, cfg.CheckLocalCycles()...)
	diags = append(diags, cfg.CheckExpressions()...)
	diags = append(diags, c.checkBodies(cfg, pluginDirs)...)

	if *asJSON {
		if err := views.RenderDiagnosticsJSON(c.stdout, diags, parser.Sources()); err != nil {
			c.ui.Error("Error: " + err.Error())
			return 1
		}
	} else {
		view := &views.DiagnosticsView{Color: c.color(*noColor), Width: 78, Sources: parser.Sources()}
		view.Render(c.stderr, diags)
		if !diags.HasErrors() {
			fmt.Fprintln(c.stdout, "The configuration is valid.")
		}
	}
	if diags.HasErrors() {
		return 1
	}
	return 0
}

// checkBodies launches the providers the configuration uses that can be
// found, reads their schemas, and checks the bodies they own.
func (c *validateCommand) checkBodies(cfg *config.Config, pluginDirs []string) hcl.Diagnostics {
	dirs := append([]string(nil), pluginDirs...)
	if exe, err := os.Executable(); err == nil {
		dirs = append(dirs, filepath.Dir(exe))
	}
	found, err := install.Shipped(dirs...)
	if err != nil {
		return hcl.Diagnostics{{Severity: hcl.DiagWarning, Summary: "Cannot look for providers", Detail: err.Error() + "."}}
	}
	wanted := cfg.ProviderNames()
	schemas := config.ProviderSchemas{}
	var diags hcl.Diagnostics
	ctx := context.Background()
	for _, f := range found {
		if !slices.Contains(wanted, f.Name) {
			continue
		}
		// A name the configuration maps to another source is another
		// provider: its schemas would not be this one's.
		if rp, ok := cfg.Module.RequiredProviders[f.Name]; ok && rp.Source != f.Source {
			continue
		}
		p, err := client.Launch(ctx, client.Opts{Name: f.Source, Path: f.Path, Logger: c.logger()})
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Cannot start provider", Detail: err.Error() + "."})
			continue
		}
		resp := p.GetSchema(ctx)
		_ = p.Close()
		if resp.Diagnostics.HasErrors() {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Cannot read provider schemas", Detail: resp.Diagnostics.Err().Error() + "."})
			continue
		}
		schemas[f.Name] = resp
	}
	return append(diags, config.CheckProviderBodies(cfg, schemas)...)
}
