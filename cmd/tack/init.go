package main

import (
	"bytes"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"

	"github.com/hashicorp/hcl/v2"

	"github.com/tackhq/tack/cmd/tack/views"
	"github.com/tackhq/tack/config"
	"github.com/tackhq/tack/plugins/install"
)

type initCommand struct{ *meta }

func (c *initCommand) Help() string {
	return `Usage: tack init [options] [DIR]

  Prepares the configuration in DIR (default: the current directory) for
  the other commands. For every provider the configuration and its local
  modules require (an entry of required_providers, or tack/<name> for a
  provider used without one), init finds a binary that meets the version
  constraints and records its version and SHA-256 checksum in
  .tack.lock.hcl, which belongs in version control. Later commands run
  only the binaries the lock file accepts.

  tack looks, in order, in the CLI configuration's development
  overrides; in DIR/.tack/providers/<source>/<version>/<os>_<arch>/; in
  the user plugin directory with the same layout; in each -plugin-dir;
  and, for tack/<name>, beside the tack binary. It picks the newest
  version the constraints allow. A version already in the lock file is
  kept while the constraints allow it, and its binary must still match
  the recorded checksum.

  Exit status: 0 when initialized (warnings allowed), 1 on an error.

Options:

  -upgrade          Choose versions afresh, ignoring the lock file, and
                    record the checksums of the binaries found now.
  -plugin-dir=DIR   Also look for providers in DIR, in the layout above or
                    as tack-provider-<name> for providers shipped with
                    tack. May be repeated; pass the same directories to
                    the commands that run providers.
  -input=false      Accepted for scripts; init never asks anything.
  -no-color         No colour, even on a terminal.

Environment:

  TACK_PLUGIN_DIR        The user plugin directory (default:
                         ~/.tack.d/plugins).
  TACK_CLI_CONFIG_FILE   The CLI configuration (default: ~/.tackrc),
                         where dev_overrides are set.`
}

func (c *initCommand) Synopsis() string { return "Find providers and write the lock file" }

func (c *initCommand) Run(args []string) int {
	fs := flag.NewFlagSet("init", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	upgrade := fs.Bool("upgrade", false, "")
	noColor := fs.Bool("no-color", false, "")
	fs.Bool("input", true, "")
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
		c.ui.Error("Error: tack init takes at most one directory.\n\n" + c.Help())
		return 1
	}

	parser := config.NewParser()
	cfg, diags := parser.LoadConfig(dir)
	sources := parser.Sources()
	cc, more := c.cliConfig()
	diags = append(diags, more...)
	maps.Copy(sources, cc.sources)
	diags = append(diags, cc.devOverrideWarning()...)
	tree, more := collectProviders(cfg)
	diags = append(diags, more...)
	view := &views.DiagnosticsView{Color: c.color(*noColor), Width: 78, Sources: sources}
	fail := func(diags hcl.Diagnostics) int {
		view.Render(c.stderr, diags)
		return 1
	}
	if diags.HasErrors() {
		return fail(diags)
	}

	lockPath := filepath.Join(dir, install.LockFileName)
	old, err := os.ReadFile(lockPath)
	lockExisted := err == nil
	var prior *install.Locks
	if !*upgrade {
		prior, more = readLocks(dir, sources)
		if more.HasErrors() {
			more = append(more, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Malformed lock file",
				Detail:   fmt.Sprintf("Fix %s, or run \"tack init -upgrade\" to choose every provider afresh and write it anew.", lockPath),
			})
		}
		diags = append(diags, more...)
		if diags.HasErrors() {
			return fail(diags)
		}
	}

	fmt.Fprintln(c.stdout, "Initializing provider plugins...")
	locks, selected, err := install.Resolve(tree.all(), prior, c.installOpts(dir, pluginDirs, cc))
	for _, s := range selected {
		fmt.Fprintf(c.stdout, "- Using %s\n", describe(s, dir))
	}
	if err != nil {
		return fail(append(diags, providerDiags(err, hcl.DiagError)...))
	}

	if len(locks.Providers) > 0 || lockExisted {
		if err := install.WriteLocks(lockPath, locks); err != nil {
			return fail(append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot write the lock file", Detail: capitalize(err.Error()) + "."}))
		}
		switch {
		case !lockExisted:
			fmt.Fprintf(c.stdout, "\ntack has created a lock file %s to record the provider selections made above.\nInclude this file in your version control repository so that tack makes the\nsame selections the next time \"tack init\" runs.\n", install.LockFileName)
		case !bytes.Equal(old, locks.Bytes()):
			fmt.Fprintf(c.stdout, "\ntack has changed the provider selections recorded in %s.\nReview the changes and commit them if you intended them.\n", install.LockFileName)
		}
	}
	view.Render(c.stderr, diags)
	fmt.Fprintln(c.stdout, "\ntack has been successfully initialized!")
	return 0
}
