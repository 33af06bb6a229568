package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"maps"

	"github.com/hashicorp/hcl/v2"

	"github.com/tackhq/tack/cmd/tack/views"
	"github.com/tackhq/tack/config"
	"github.com/tackhq/tack/plugins/install"
	"github.com/tackhq/tack/plugins/sdk"
)

type validateCommand struct{ *meta }

func (c *validateCommand) Help() string {
	return `Usage: tack validate [options] [DIR]

  Checks the configuration in DIR (default: the current directory) and the
  local modules it calls: syntax, block types and names, duplicate
  declarations, variable declarations, Spinnaker's cluster naming,
  references to objects the configuration does not declare, module call
  arguments, cycles among local values, and the bodies that providers own
  (resources, data sources, server_group) against the providers' schemas.
  Nothing is planned or changed.

  The providers are those "tack init" recorded in DIR/.tack.lock.hcl, and
  those the CLI configuration's dev_overrides name. Without them, the
  bodies of a provider are skipped, with a warning that says what was not
  checked and to run tack init. A binary whose checksum differs from the
  lock file is an error and does not run.

  Exit status: 0 when the configuration is valid (warnings allowed), 1 when
  it is not.

Options:

  -json             Print the result as JSON (docs/diagnostics-json.md).
  -no-color         No colour, even on a terminal.
  -plugin-dir=DIR   Also look for the locked providers in DIR, as tack
                    init -plugin-dir=DIR did. May be repeated.`
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
	sources := parser.Sources()
	diags = append(diags, cfg.CheckReferences()...)
	diags = append(diags, cfg.CheckModuleCalls()...)
	diags = append(diags, cfg.CheckLocalCycles()...)
	diags = append(diags, cfg.CheckExpressions()...)
	diags = append(diags, c.checkBodies(cfg, dir, pluginDirs, sources)...)

	if *asJSON {
		if err := views.RenderDiagnosticsJSON(c.stdout, diags, sources); err != nil {
			c.ui.Error("Error: " + err.Error())
			return 1
		}
	} else {
		view := &views.DiagnosticsView{Color: c.color(*noColor), Width: 78, Sources: sources}
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

// checkBodies launches the providers of the lock file and the
// development overrides that the configuration requires, reads their
// schemas, and checks the bodies they own. The files it reads are added
// to sources, for snippets.
func (c *validateCommand) checkBodies(cfg *config.Config, dir string, pluginDirs []string, sources map[string][]byte) hcl.Diagnostics {
	cc, diags := c.cliConfig()
	maps.Copy(sources, cc.sources)
	diags = append(diags, cc.devOverrideWarning()...)
	tree, more := collectProviders(cfg)
	diags = append(diags, more...)
	locks, more := readLocks(dir, sources)
	diags = append(diags, more...)
	if more.HasErrors() {
		return append(diags, config.CheckProviderBodies(cfg, config.ProviderSchemas{})...)
	}

	selected, err := install.Locate(tree.all(), locks, c.installOpts(dir, pluginDirs, cc))
	for _, e := range splitErrors(err) {
		// A provider the lock file does not name is skipped: the
		// warning about its bodies says to run tack init.
		var unlocked *install.NotLockedError
		if !errors.As(e, &unlocked) {
			diags = append(diags, providerDiags(e, hcl.DiagWarning)...)
		}
	}
	bySource := map[string]sdk.GetSchemaResponse{}
	ctx := context.Background()
	for _, s := range selected {
		p, err := c.launch(ctx, s, nil)
		if err != nil {
			diags = append(diags, providerDiags(err, hcl.DiagWarning)...)
			continue
		}
		resp := p.GetSchema(ctx)
		_ = p.Close()
		if resp.Diagnostics.HasErrors() {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Cannot read provider schemas", Detail: fmt.Sprintf("Provider %s: %v.", s.Source, resp.Diagnostics.Err())})
			continue
		}
		bySource[s.Source] = resp
	}
	schemas := config.ProviderSchemas{}
	for name, source := range tree.localSources() {
		if resp, ok := bySource[source]; ok {
			schemas[name] = resp
		}
	}
	return append(diags, config.CheckProviderBodies(cfg, schemas)...)
}
