package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/hashicorp/hcl/v2"

	"github.com/tackhq/tack/planner"
)

type importCommand struct{ *meta }

func (c *importCommand) Synopsis() string { return "Adopt an existing object into the state" }

func (c *importCommand) Help() string {
	return `Usage: tack import [options] ADDR ID

  Reads the existing object with ID through the provider of ADDR's resource
  and records it in the state at ADDR, which the configuration must
  declare. Nothing is changed: the next plan shows whatever differs from
  the configuration. (An import block in the configuration does the same
  through plan and apply.)

Options:

  -var, -var-file, -lock, -lock-timeout, -no-color, -plugin-dir:
             as for tack plan.`
}

func (c *importCommand) Run(args []string) int {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	o := newOperationFlags()
	o.register(fs)
	if err := fs.Parse(args); err != nil || fs.NArg() != 2 {
		c.ui.Error("Error: tack import takes an address and an ID.\n\n" + c.Help())
		return 1
	}
	addrs, diags := parseAddrs("import", fs.Args()[:1])
	if diags.HasErrors() {
		(&opRun{m: c.meta}).diagnostics(diags)
		return 1
	}
	addr, id := addrs[0], fs.Arg(1)
	run, status := c.prepare(o, "import")
	if run == nil {
		return status
	}
	defer run.close()
	if run.prior.ResourceInstance(addr) != nil {
		run.diagnostics(hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Resource already managed by tack",
			Detail:   fmt.Sprintf("%s is already in the state. To adopt a different object there, remove it first with tack state rm %s.", addr, addr),
		}})
		return 1
	}
	if run.op.cfg.Module.Resources[addr.Resource.Resource.Type+"."+addr.Resource.Resource.Name] == nil || !addr.Module.IsRoot() {
		run.diagnostics(hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Import to a resource not in the configuration",
			Detail:   fmt.Sprintf("Write a resource block for %s first, then import into it, so that tack knows what to manage.", addr.ContainingResource()),
		}})
		return 1
	}

	events, stop := run.events()
	plan, pdiags := run.planner(events, o).Plan(context.Background(), planner.PlanOpts{
		Imports: []planner.ImportTarget{{Addr: addr, ID: id}},
		Targets: addrs,
	})
	stop()
	// The plan is limited to ADDR by construction; the warning about
	// -target is not the user's concern here.
	var shown hcl.Diagnostics
	for _, d := range pdiags {
		if d.Summary != "Resource targeting is in effect" {
			shown = append(shown, d)
		}
	}
	run.diagnostics(shown)
	if pdiags.HasErrors() {
		return 1
	}
	if plan.PriorState.ResourceInstance(addr) == nil {
		run.diagnostics(hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Nothing imported",
			Detail:   fmt.Sprintf("%s is not an instance the configuration declares (check its count or for_each keys), so nothing was imported.", addr),
		}})
		return 1
	}
	// The plan's prior state holds the adopted object, read in full;
	// recording it is the import.
	if err := run.persister(plan)(plan.PriorState); err != nil {
		c.ui.Error("Error: saving the state: " + err.Error())
		return 1
	}
	fmt.Fprintf(c.stdout, "%s: Import complete [id=%s]\n\nThe object is in the state now, and managed by tack. Run tack plan to see how it differs from its configuration.\n", addr, id)
	return 0
}

type graphCommand struct{ *meta }

func (c *graphCommand) Synopsis() string { return "Print the dependency graph in DOT" }

func (c *graphCommand) Help() string {
	return `Usage: tack graph [options]

  Prints the graph tack plans with, in Graphviz's DOT language: an edge
  from a to b means a waits for b. Render it with, for example,
  tack graph | dot -Tsvg > graph.svg.

Options:

  -destroy   The graph of a destroy plan.`
}

func (c *graphCommand) Run(args []string) int {
	fs := flag.NewFlagSet("graph", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	destroy := fs.Bool("destroy", false, "")
	var pluginDirs stringList
	fs.Var(&pluginDirs, "plugin-dir", "")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 {
		c.ui.Error("Error: invalid arguments.\n\n" + c.Help())
		return 1
	}
	o := newOperationFlags()
	o.pluginDirs = pluginDirs
	o.locks.lock = false
	run, status := c.prepare(o, "graph")
	if run == nil {
		return status
	}
	defer run.close()
	opts := planner.PlanOpts{}
	if *destroy {
		opts.Mode = planner.DestroyMode
	}
	dot, diags := run.planner(func(planner.Event) {}, o).GraphDOT(opts)
	run.diagnostics(diags)
	if diags.HasErrors() {
		return 1
	}
	fmt.Fprint(c.stdout, dot)
	return 0
}
