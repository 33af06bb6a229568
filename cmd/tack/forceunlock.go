package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/tackhq/tack/state"
)

type forceUnlockCommand struct{ *meta }

func (c *forceUnlockCommand) Help() string {
	return `Usage: tack force-unlock [options] ID

  Releases the state lock with the given ID, which a tack that cannot
  take the lock prints with the holder's name. Use it when the process
  that took the lock died without releasing it, or is stuck.

  It only releases the lock: it does not stop the process that holds it,
  which may still write the state. Make sure it is gone first.

  Exit status: 0 when the lock was released, 1 otherwise (a wrong ID, no
  lock, or "yes" not given).

Options:

  -force               Do not ask for confirmation.`
}

func (c *forceUnlockCommand) Synopsis() string { return "Release a stuck state lock" }

func (c *forceUnlockCommand) Run(args []string) int {
	fs := flag.NewFlagSet("force-unlock", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	force := fs.Bool("force", false, "")
	fs.Usage = func() { c.ui.Error(c.Help()) }
	if err := fs.Parse(args); err != nil {
		return 1
	}
	if fs.NArg() != 1 {
		c.ui.Error("Error: tack force-unlock takes one lock ID.\n\n" + c.Help())
		return 1
	}
	id := fs.Arg(0)
	b, ok := c.stateBackend()
	if !ok {
		return 1
	}
	if !*force {
		yes, err := c.confirm("Do you really want to force-unlock?\n" +
			"  tack will remove the lock on the state. This lets tack commands change\n" +
			"  the state even if the process that holds the lock is still running.")
		if err != nil {
			c.ui.Error("Error: " + err.Error())
			return 1
		}
		if !yes {
			c.ui.Error("force-unlock cancelled.")
			return 1
		}
	}
	if err := b.Unlock(context.Background(), id); err != nil {
		var le *state.LockedError
		switch {
		case errors.Is(err, state.ErrNotLocked):
			c.ui.Error("Error: Failed to unlock state: the state is not locked.")
		case errors.As(err, &le) && le.Info != nil && le.Info.ID != "":
			c.ui.Error(fmt.Sprintf("Error: Failed to unlock state: lock ID %q does not match the lock held: %s.\n\n"+
				"Check the ID, or use the holder's ID above if that process is gone.", id, le))
		default:
			c.ui.Error("Error: Failed to unlock state: " + err.Error())
		}
		return 1
	}
	fmt.Fprintln(c.stdout, "tack state has been successfully unlocked!\n\n"+
		"The state has been unlocked, and tack commands should now be able to\n"+
		"obtain a new lock on it.")
	return 0
}
