package main

import (
	"flag"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/tackhq/tack/config"
	"github.com/tackhq/tack/state"
)

type approveCommand struct{ *meta }

func (c *approveCommand) Synopsis() string {
	return "Approve a version for a cluster that waits for approval"
}

func (c *approveCommand) Help() string {
	return `Usage: tack approve [options] cluster.NAME VERSION

  Records in the state that VERSION may be delivered to the cluster, whose
  environment requires a person's approval (manual_approval = true). The
  approval records who gave it (TACK_ACTOR, or your user name), when, and
  why; tack show lists it. The cluster and its environment are read from
  the configuration in the working directory; nothing is planned.

  Recording it writes the state, so a plan saved before (tack plan -out),
  such as the one that showed the change waiting for approval, is then
  refused as stale: run tack plan again, and the new plan has the
  approval.

  Exit status: 0 when recorded, or when the version was already approved
  for the cluster (nothing is written then); 1 otherwise.

Options:

  -reason=TEXT         Why it is approved, recorded with the approval.
` + lockFlagsHelp
}

func (c *approveCommand) Run(args []string) int {
	fs := flag.NewFlagSet("approve", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	reason := fs.String("reason", "", "")
	var lf lockFlags
	lf.register(fs)
	fs.Usage = func() { c.ui.Error(c.Help()) }
	if err := fs.Parse(args); err != nil {
		return 1
	}
	if fs.NArg() != 2 {
		c.ui.Error("Error: tack approve takes a cluster address and a version, such as cluster.api-prod 2.0.\n\n" + c.Help())
		return 1
	}
	name, ok := strings.CutPrefix(fs.Arg(0), "cluster.")
	if !ok || name == "" {
		c.ui.Error(fmt.Sprintf("Error: %q is not a cluster address; write cluster.NAME, such as cluster.api-prod.", fs.Arg(0)))
		return 1
	}
	version := strings.TrimSpace(fs.Arg(1))
	if version == "" {
		c.ui.Error("Error: the version to approve is empty.")
		return 1
	}
	now, err := c.clock()
	if err != nil {
		c.ui.Error("Error: " + err.Error() + ".")
		return 1
	}
	mod, b, ok := c.rootModule()
	if !ok {
		return 1
	}

	cluster := mod.Clusters[name]
	if cluster == nil {
		names := slices.Sorted(maps.Keys(mod.Clusters))
		msg := fmt.Sprintf("Error: the configuration declares no cluster %q.%s", name, config.Suggest(name, names))
		if len(names) > 0 {
			msg += " Its clusters are: " + strings.Join(names, ", ") + "."
		}
		c.ui.Error(msg)
		return 1
	}
	envName := cluster.EnvironmentName
	if envName == "" {
		c.ui.Error(fmt.Sprintf("Error: cluster.%s belongs to no environment, so no approval applies to it: only the clusters of an environment with manual_approval = true wait for one. To make it wait, give it environment = environment.NAME.", name))
		return 1
	}
	env, err := configEnvironment(mod, envName)
	if err != nil {
		c.ui.Error(fmt.Sprintf("Error: cluster.%s is in environment %q, but %s.", name, envName, err))
		return 1
	}
	if required, known := requiresApproval(env); known && !required {
		c.ui.Error(fmt.Sprintf("Error: environment %s of cluster.%s does not require approval (it has no manual_approval = true), so an approval would change nothing: its clusters are delivered without one.", envName, name))
		return 1
	}

	actor := c.actor()
	ok = c.record(b, "approve", lf, func(s *state.State) (string, bool, error) {
		e := stateEnvironment(s, envName)
		if d := e.Approved(name, version); d != nil {
			return fmt.Sprintf("%s is already approved for cluster.%s in environment %s (%s); nothing was written.", printable(version), name, envName, byWhomAt(d)), false, nil
		}
		if d := e.Vetoed(version); d != nil {
			c.ui.Warn(fmt.Sprintf("Warning: %s is also vetoed in environment %s (%s). Approving it does not lift the veto; tack veto -remove %s %s does.", printable(version), envName, byWhomAt(d), envName, printable(version)))
		}
		e.Approvals = append(e.Approvals, &state.Decision{Cluster: name, Version: version, Actor: actor, Reason: *reason, Time: now()})
		return fmt.Sprintf("Approved %s for cluster.%s in environment %s (%s).", printable(version), name, envName, byWhom(actor, *reason)), true, nil
	})
	if !ok {
		return 1
	}
	return 0
}
