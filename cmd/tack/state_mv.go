package main

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strings"

	"github.com/tackhq/tack/config/addrs"
	"github.com/tackhq/tack/state"
)

type stateMvCommand struct{ *meta }

func (c *stateMvCommand) Help() string {
	return `Usage: tack state mv [options] SRC DST

  Moves what the state records at SRC to DST, so that after renaming a
  resource or a module in the configuration tack keeps managing the same
  objects instead of destroying and recreating them. (A moved block in the
  configuration does the same as part of a plan.)

  SRC and DST are both resource instances (local_file.a[0]), both
  resources with all their instances (local_file.a), or both module
  instances (module.net, module.net["a"]) with everything in them. The
  resource type cannot change. DST must not exist yet.

  Exit status: 0 when moved, 1 otherwise.

Options:

  -dry-run             Say what would move, changing nothing.
` + lockFlagsHelp
}

func (c *stateMvCommand) Synopsis() string { return "Move an object to another address" }

func (c *stateMvCommand) Run(args []string) int {
	fs := flag.NewFlagSet("state mv", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	dryRun := fs.Bool("dry-run", false, "")
	var lf lockFlags
	lf.register(fs)
	fs.Usage = func() { c.ui.Error(c.Help()) }
	if err := fs.Parse(args); err != nil {
		return 1
	}
	if fs.NArg() != 2 {
		c.ui.Error("Error: tack state mv takes a source and a destination address.\n\n" + c.Help())
		return 1
	}
	src, dst := fs.Arg(0), fs.Arg(1)
	move, err := parseMove(src, dst)
	if err != nil {
		c.ui.Error("Error: " + err.Error())
		return 1
	}

	b, ok := c.stateBackend()
	if !ok {
		return 1
	}
	ctx := context.Background()
	lock := lf.lock && !*dryRun
	unlock, err := c.lockState(ctx, b, "state mv", lock, lf.timeout)
	if err != nil {
		c.ui.Error(err.Error())
		return 1
	}
	defer c.unlock(unlock)
	s, ok := c.readState(ctx, b)
	if !ok {
		return 1
	}
	// Move on a copy, so that a move that fails half way writes nothing.
	next := s.DeepCopy()
	if err := move(next); err != nil {
		c.ui.Error("Error: " + err.Error())
		return 1
	}
	if *dryRun {
		fmt.Fprintf(c.stdout, "Would move %q to %q\n", src, dst)
		return 0
	}
	if !c.writeState(ctx, b, next) {
		return 1
	}
	fmt.Fprintf(c.stdout, "Move %q to %q\nSuccessfully moved 1 object(s).\n", src, dst)
	return 0
}

// parseMove reads the addresses of state mv and returns the move.
func parseMove(src, dst string) (func(*state.State) error, error) {
	srcInst, serr := parseInstance(src)
	dstInst, derr := parseInstance(dst)
	if serr == nil && derr == nil {
		return func(s *state.State) error {
			if srcInst.Resource.Key == addrs.NoKey && dstInst.Resource.Key == addrs.NoKey && s.Resource(srcInst.ContainingResource()) != nil {
				return s.MoveResource(srcInst.ContainingResource(), dstInst.ContainingResource())
			}
			return s.MoveResourceInstance(srcInst, dstInst)
		}, nil
	}
	srcMod, smdiags := addrs.ParseModuleInstanceStr(src)
	dstMod, dmdiags := addrs.ParseModuleInstanceStr(dst)
	switch {
	case !smdiags.HasErrors() && !dmdiags.HasErrors() && !srcMod.IsRoot() && !dstMod.IsRoot():
		return func(s *state.State) error { return moveModule(s, srcMod, dstMod) }, nil
	case serr == nil && !dmdiags.HasErrors(), derr == nil && !smdiags.HasErrors():
		return nil, fmt.Errorf("cannot move %s to %s: one is a resource and the other a module", src, dst)
	case serr != nil && smdiags.HasErrors():
		return nil, serr
	}
	return nil, derr
}

// moveModule moves every resource in the module instance from, and in the
// modules it calls, under to.
func moveModule(s *state.State, from, to addrs.ModuleInstance) error {
	var moves []addrs.AbsResource
	for _, rs := range s.Resources {
		if hasPrefix(rs.Addr.Module, from) {
			moves = append(moves, rs.Addr)
		}
	}
	if len(moves) == 0 {
		return fmt.Errorf("cannot move %s: the state records nothing in it", from)
	}
	if hasPrefix(to, from) {
		return fmt.Errorf("cannot move %s into itself, to %s", from, to)
	}
	slices.SortFunc(moves, func(a, b addrs.AbsResource) int {
		if a.Less(b) {
			return -1
		}
		return 1
	})
	for _, addr := range moves {
		dest := addr.Resource.Absolute(append(slices.Clip(to), addr.Module[len(from):]...))
		if err := s.MoveResource(addr, dest); err != nil {
			return err
		}
	}
	return nil
}

func hasPrefix(m, prefix addrs.ModuleInstance) bool {
	return len(m) >= len(prefix) && m[:len(prefix)].Equal(prefix)
}

type stateRmCommand struct{ *meta }

func (c *stateRmCommand) Help() string {
	return `Usage: tack state rm [options] ADDR...

  Makes tack forget what the state records at each address, without
  destroying anything: the objects keep running, and tack no longer
  manages them. (A resource still in the configuration is created again
  by the next apply.)

  An address is a resource instance (local_file.b[0]), a resource with all
  its instances (local_file.b), everything in a module (module.net), or a
  cluster (cluster.api-prod). Every address must match something, or
  nothing is removed.

  Exit status: 0 when removed, 1 otherwise.

Options:

  -dry-run             Say what would be removed, changing nothing.
` + lockFlagsHelp
}

func (c *stateRmCommand) Synopsis() string { return "Forget objects, leaving them running" }

func (c *stateRmCommand) Run(args []string) int {
	fs := flag.NewFlagSet("state rm", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	dryRun := fs.Bool("dry-run", false, "")
	var lf lockFlags
	lf.register(fs)
	fs.Usage = func() { c.ui.Error(c.Help()) }
	if err := fs.Parse(args); err != nil {
		return 1
	}
	if fs.NArg() == 0 {
		c.ui.Error("Error: tack state rm takes at least one address.\n\n" + c.Help())
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
	ctx := context.Background()
	unlock, err := c.lockState(ctx, b, "state rm", lf.lock && !*dryRun, lf.timeout)
	if err != nil {
		c.ui.Error(err.Error())
		return 1
	}
	defer c.unlock(unlock)
	s, ok := c.readState(ctx, b)
	if !ok {
		return 1
	}
	insts, clusters, unmatched := match(s, filters)
	if len(unmatched) > 0 {
		c.ui.Error(fmt.Sprintf("Error: nothing in the state matches %s, so nothing was removed.", joinQuoted(unmatched)))
		return 1
	}

	verb := "Removed"
	if *dryRun {
		verb = "Would remove"
	}
	for _, a := range insts {
		is := s.ResourceInstance(a)
		provider := s.Resource(a.ContainingResource()).Provider
		for k := range is.Deposed {
			s.SetResourceInstanceDeposed(a, k, nil, provider)
		}
		s.SetResourceInstanceCurrent(a, nil, provider)
		fmt.Fprintf(c.stdout, "%s %s\n", verb, a)
	}
	for _, name := range clusters {
		delete(s.Clusters, name)
		fmt.Fprintf(c.stdout, "%s %s\n", verb, addrs.Cluster{Name: name})
	}
	if *dryRun {
		return 0
	}
	if !c.writeState(ctx, b, s) {
		return 1
	}
	msg := fmt.Sprintf("Successfully removed %d resource instance(s)", len(insts))
	if len(clusters) > 0 {
		msg += fmt.Sprintf(" and %d cluster(s)", len(clusters))
	}
	fmt.Fprintln(c.stdout, msg+".")
	return 0
}

func joinQuoted(s []string) string {
	q := make([]string, len(s))
	for i, v := range s {
		q[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(q, ", ")
}
