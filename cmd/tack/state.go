package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/hashicorp/cli"

	"github.com/tackhq/tack/config/addrs"
	"github.com/tackhq/tack/state"
)

// stateCommand is "tack state": only help, listing the subcommands.
type stateCommand struct{ *meta }

func (c *stateCommand) Help() string {
	return `Usage: tack state <subcommand> [options] [args]

  Reads and changes the recorded state by hand: list and show what it
  records, move an object to a new address (after renaming it in the
  configuration), forget one (so that tack no longer manages it), and copy
  the whole state out and back in.

  Commands that change the state lock it, bump its serial and keep the
  previous state as a backup (tack.state.json.backup).`
}

func (c *stateCommand) Synopsis() string { return "Read and change the recorded state" }

func (c *stateCommand) Run(args []string) int { return cli.RunResultHelp }

// readState reads the state of b, or reports that there is none.
func (m *meta) readState(ctx context.Context, b state.Backend) (*state.State, bool) {
	s, err := b.Read(ctx)
	if err != nil {
		m.ui.Error("Error: " + err.Error())
		return nil, false
	}
	if s == nil {
		m.ui.Error("Error: no state has been recorded yet.\n\n" +
			"tack records the state when it applies a configuration; there is nothing\n" +
			"to work on before that.")
		return nil, false
	}
	return s, true
}

// writeState writes s as the next serial of the state it was read as.
func (m *meta) writeState(ctx context.Context, b state.Backend, s *state.State) bool {
	s.Serial++
	if err := b.Write(ctx, s); err != nil {
		m.ui.Error("Error: " + err.Error())
		return false
	}
	return true
}

// stateFilter is an address given to state list or state rm: a module
// instance, a resource, a resource instance or a cluster. A module step or
// a resource without an index matches all its instances.
type stateFilter struct {
	text     string
	module   addrs.ModuleInstance
	resource *addrs.Resource   // nil for a module or a cluster
	key      addrs.InstanceKey // addrs.NoKey matches every instance
	cluster  string            // set for cluster.NAME
}

func parseStateFilter(s string) (stateFilter, error) {
	if name, ok := strings.CutPrefix(s, "cluster."); ok && name != "" {
		return stateFilter{text: s, cluster: name}, nil
	}
	inst, diags := addrs.ParseAbsResourceInstanceStr(s)
	if !diags.HasErrors() {
		return stateFilter{text: s, module: inst.Module, resource: &inst.Resource.Resource, key: inst.Resource.Key}, nil
	}
	if mod, mdiags := addrs.ParseModuleInstanceStr(s); !mdiags.HasErrors() && !mod.IsRoot() {
		return stateFilter{text: s, module: mod}, nil
	}
	return stateFilter{}, fmt.Errorf("%q is not an address: %s", s, diags[0].Detail)
}

func (f stateFilter) matchesInstance(a addrs.AbsResourceInstance) bool {
	if f.cluster != "" || len(a.Module) < len(f.module) {
		return false
	}
	for i, step := range f.module {
		if a.Module[i].Name != step.Name || step.Key != addrs.NoKey && a.Module[i].Key != step.Key {
			return false
		}
	}
	if f.resource == nil {
		return true
	}
	return len(a.Module) == len(f.module) && a.Resource.Resource == *f.resource &&
		(f.key == addrs.NoKey || a.Resource.Key == f.key)
}

// stateObjects are the addresses of what a state records, in order:
// resource instances, then clusters.
func stateObjects(s *state.State) ([]addrs.AbsResourceInstance, []string) {
	clusters := make([]string, 0, len(s.Clusters))
	for name := range s.Clusters {
		clusters = append(clusters, name)
	}
	slices.Sort(clusters)
	return s.AllResourceInstances(), clusters
}

// match returns what in s the filters match, in order, and the filters
// that match nothing.
func match(s *state.State, filters []stateFilter) (insts []addrs.AbsResourceInstance, clusters []string, unmatched []string) {
	allInsts, allClusters := stateObjects(s)
	if len(filters) == 0 {
		return allInsts, allClusters, nil
	}
	hit := make([]bool, len(filters))
	for _, a := range allInsts {
		for i, f := range filters {
			if f.matchesInstance(a) {
				hit[i] = true
				insts = append(insts, a)
				break
			}
		}
	}
	for _, name := range allClusters {
		for i, f := range filters {
			if f.cluster == name {
				hit[i] = true
				clusters = append(clusters, name)
				break
			}
		}
	}
	for i, f := range filters {
		if !hit[i] {
			unmatched = append(unmatched, f.text)
		}
	}
	return insts, clusters, unmatched
}

func parseStateFilters(args []string) ([]stateFilter, error) {
	var filters []stateFilter
	for _, arg := range args {
		f, err := parseStateFilter(arg)
		if err != nil {
			return nil, err
		}
		filters = append(filters, f)
	}
	return filters, nil
}

type stateListCommand struct{ *meta }

func (c *stateListCommand) Help() string {
	return `Usage: tack state list [ADDR...]

  Lists the resource instances and clusters the state records, one address
  to a line, sorted. With addresses, lists only what they match: a
  resource instance (local_file.b[0]), a resource with all its instances
  (local_file.b), everything in a module (module.net, or module.net["a"]
  for one of its instances), a cluster (cluster.api-prod).

  Exit status: 0 when it listed something or the state is empty, 1 when an
  address matches nothing or there is no state.`
}

func (c *stateListCommand) Synopsis() string { return "List what the state records" }

func (c *stateListCommand) Run(args []string) int {
	fs := flag.NewFlagSet("state list", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() { c.ui.Error(c.Help()) }
	if err := fs.Parse(args); err != nil {
		return 1
	}
	filters, err := parseStateFilters(fs.Args())
	if err != nil {
		c.ui.Error("Error: " + err.Error())
		return 1
	}
	b, ok := c.stateBackend()
	if !ok {
		return 1
	}
	s, ok := c.readState(context.Background(), b)
	if !ok {
		return 1
	}
	insts, clusters, unmatched := match(s, filters)
	for _, a := range insts {
		fmt.Fprintln(c.stdout, a)
	}
	for _, name := range clusters {
		fmt.Fprintln(c.stdout, addrs.Cluster{Name: name})
	}
	if len(unmatched) > 0 {
		c.ui.Error("Error: nothing in the state matches " + strings.Join(unmatched, ", ") + ".")
		return 1
	}
	return 0
}

type statePullCommand struct{ *meta }

func (c *statePullCommand) Help() string {
	return `Usage: tack state pull

  Prints the state as a state file (docs/state-format.md), for a backup or
  to inspect it with tools such as jq. Prints nothing when no state has
  been recorded yet.`
}

func (c *statePullCommand) Synopsis() string { return "Print the state" }

func (c *statePullCommand) Run(args []string) int {
	fs := flag.NewFlagSet("state pull", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() { c.ui.Error(c.Help()) }
	if err := fs.Parse(args); err != nil {
		return 1
	}
	if fs.NArg() > 0 {
		c.ui.Error("Error: tack state pull takes no arguments.\n\n" + c.Help())
		return 1
	}
	b, ok := c.stateBackend()
	if !ok {
		return 1
	}
	s, err := b.Read(context.Background())
	if err != nil {
		c.ui.Error("Error: " + err.Error())
		return 1
	}
	if s == nil {
		return 0
	}
	if err := state.WriteFile(c.stdout, s, s.TackVersion); err != nil {
		c.ui.Error("Error: " + err.Error())
		return 1
	}
	return 0
}

type statePushCommand struct{ *meta }

func (c *statePushCommand) Help() string {
	return `Usage: tack state push [options] FILE

  Replaces the state with the state file FILE ("-" for standard input),
  such as one saved with tack state pull.

  It refuses a file of another lineage (another state, not a version of
  this one) and a file older than the stored state (a lower serial, or the
  same serial with other contents), since either would lose what the
  stored state records.

Options:

  -force               Replace the stored state whatever the file's lineage
                       and serial: its contents are recorded as the next
                       version of the stored state.
` + lockFlagsHelp
}

func (c *statePushCommand) Synopsis() string { return "Replace the state with a file" }

func (c *statePushCommand) Run(args []string) int {
	fs := flag.NewFlagSet("state push", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	force := fs.Bool("force", false, "")
	var lf lockFlags
	lf.register(fs)
	fs.Usage = func() { c.ui.Error(c.Help()) }
	if err := fs.Parse(args); err != nil {
		return 1
	}
	if fs.NArg() != 1 {
		c.ui.Error("Error: tack state push takes one state file.\n\n" + c.Help())
		return 1
	}
	name := fs.Arg(0)
	var in io.Reader = c.stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			c.ui.Error("Error: " + err.Error())
			return 1
		}
		defer f.Close()
		in = f
	}
	pushed, err := state.ReadFile(in)
	if err != nil {
		c.ui.Error(fmt.Sprintf("Error: reading %s: %s", name, err))
		return 1
	}

	b, ok := c.stateBackend()
	if !ok {
		return 1
	}
	ctx := context.Background()
	unlock, err := c.lockState(ctx, b, "state push", lf.lock, lf.timeout)
	if err != nil {
		c.ui.Error(err.Error())
		return 1
	}
	defer c.unlock(unlock)
	stored, err := b.Read(ctx)
	if err != nil {
		c.ui.Error("Error: " + err.Error())
		return 1
	}
	if stored != nil {
		if *force {
			// The backend keeps the lineage and moves the serial forward;
			// the file's contents become the stored state's next version.
			pushed.Lineage, pushed.Serial = stored.Lineage, stored.Serial+1
		} else if msg := pushRefusal(stored, pushed); msg != "" {
			c.ui.Error("Error: " + msg + "\n\nUse -force to replace the stored state anyway.")
			return 1
		} else if pushed.Serial == stored.Serial {
			return 0 // the same state
		}
	}
	if err := b.Write(ctx, pushed); err != nil {
		c.ui.Error("Error: " + err.Error())
		return 1
	}
	return 0
}

// pushRefusal says why pushed may not replace stored without -force, or
// returns "".
func pushRefusal(stored, pushed *state.State) string {
	switch {
	case pushed.Lineage != stored.Lineage:
		return fmt.Sprintf("the file holds another state (lineage %s) than the stored one (lineage %s).", pushed.Lineage, stored.Lineage)
	case pushed.Serial < stored.Serial:
		return fmt.Sprintf("the file is older (serial %d) than the stored state (serial %d).", pushed.Serial, stored.Serial)
	case pushed.Serial == stored.Serial && !sameState(stored, pushed):
		return fmt.Sprintf("the file and the stored state have the same serial (%d) but differ.", pushed.Serial)
	}
	return ""
}

func sameState(a, b *state.State) bool {
	var x, y bytes.Buffer
	return state.WriteFile(&x, a, "") == nil && state.WriteFile(&y, b, "") == nil && bytes.Equal(x.Bytes(), y.Bytes())
}

// unlock releases the state lock, reporting a failure: the command's work
// is done, but the user must know the lock may still be held.
func (m *meta) unlock(unlock func() error) {
	if err := unlock(); err != nil {
		m.ui.Error("Error releasing the state lock: " + err.Error() + "\n\n" +
			"The lock may still be held. If so, release it with tack force-unlock ID.")
	}
}
