package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/tackhq/tack/config/addrs"
	"github.com/tackhq/tack/planner"
	"github.com/tackhq/tack/planner/delivery"
)

type rollbackCommand struct{ *meta }

func (c *rollbackCommand) Synopsis() string {
	return "Put a cluster's previous server group back in service"
}

func (c *rollbackCommand) Help() string {
	return `Usage: tack rollback [options] cluster.NAME

  Puts the cluster's previous server group back in service: the newest
  disabled group older than the one serving is brought back to capacity
  if it was scaled down, waited for until healthy, and enabled; then the
  serving group is disabled. Nothing is destroyed, so the next tack apply
  can roll forward again (its plan says so). The rollback is recorded in
  the cluster's history (tack show).

Options:

  -auto-approve        Do not ask for confirmation.
  -input=false         Never prompt; without -auto-approve that is an error.
  -json                Print progress as JSON lines (docs/json-format.md).
  -var, -var-file, -lock, -lock-timeout, -no-color, -plugin-dir:
                       as for tack plan.`
}

func (c *rollbackCommand) Run(args []string) int {
	fs := flag.NewFlagSet("rollback", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	o := newOperationFlags()
	o.register(fs)
	autoApprove := fs.Bool("auto-approve", false, "")
	if err := fs.Parse(args); err != nil {
		c.ui.Error("Error: " + err.Error() + "\n\n" + c.Help())
		return 1
	}
	if fs.NArg() != 1 {
		c.ui.Error("Error: tack rollback takes one cluster address, such as cluster.api-prod.\n\n" + c.Help())
		return 1
	}
	name, ok := strings.CutPrefix(fs.Arg(0), "cluster.")
	if !ok || name == "" {
		c.ui.Error(fmt.Sprintf("Error: %q is not a cluster address; write cluster.NAME, such as cluster.api-prod.", fs.Arg(0)))
		return 1
	}
	if !*autoApprove && !o.input {
		c.ui.Error("Error: no confirmation: -input=false is set and -auto-approve is not. Give -auto-approve to roll back without asking.")
		return 1
	}
	run, status := c.prepare(o, "rollback")
	if run == nil {
		return status
	}
	defer run.close()
	ctx, stopSignals := c.interruptible(context.Background())
	defer stopSignals()

	events, stopEvents := run.events()
	p := run.planner(events, o)
	persist := run.persister(&planner.Plan{PriorState: run.prior})
	confirm := func(ch *planner.ClusterChange) bool {
		if run.json == nil {
			fmt.Fprintf(c.stdout, "%s: %s\n\n", ch.Addr, ch.Reason)
			for i, line := range delivery.Lines(ch.Steps) {
				fmt.Fprintf(c.stdout, "  %d. %s\n", i+1, line)
			}
			fmt.Fprintln(c.stdout)
		}
		if *autoApprove {
			return true
		}
		ok, err := c.confirm("Do you want to roll back " + ch.Addr.String() + "?\n  tack will carry out the steps above.")
		return err == nil && ok
	}
	run.diagnostics(run.pending)
	_, diags := p.Rollback(ctx, addrs.Cluster{Name: name}, persist, confirm)
	stopEvents()
	run.diagnostics(diags)
	if diags.HasErrors() || ctx.Err() != nil {
		return 1
	}
	if run.json == nil {
		fmt.Fprintf(c.stdout, "\nRollback complete! %s serves from its previous server group.\n", fs.Arg(0))
	}
	return 0
}
