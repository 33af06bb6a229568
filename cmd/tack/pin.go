package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/tackhq/tack/state"
)

type pinCommand struct{ *meta }

func (c *pinCommand) Synopsis() string {
	return "Hold an environment at a version, or release it"
}

func (c *pinCommand) Help() string {
	return `Usage: tack pin [options] ENVIRONMENT VERSION
       tack pin -remove [options] ENVIRONMENT

  Records in the state that the clusters of ENVIRONMENT (prod, or
  environment.prod: an environment block of the configuration) are held
  at VERSION, with who pinned it (TACK_ACTOR, or your user name), when and
  why. Plans then show a change of those clusters to any other version as
  blocked. A new pin replaces the environment's pin. With -remove, the
  environment is released.

  Either writes the state, so a plan saved before (tack plan -out) is then
  refused as stale: run tack plan again.

  Exit status: 0 when recorded or removed, or when there was nothing to do
  (the same pin, or no pin to remove); 1 otherwise.

Options:

  -reason=TEXT         Why the environment is held; required to pin, and
                       recorded with the pin.
  -remove              Remove the environment's pin instead.
` + lockFlagsHelp
}

func (c *pinCommand) Run(args []string) int {
	fs := flag.NewFlagSet("pin", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	reason := fs.String("reason", "", "")
	remove := fs.Bool("remove", false, "")
	var lf lockFlags
	lf.register(fs)
	fs.Usage = func() { c.ui.Error(c.Help()) }
	if err := fs.Parse(args); err != nil {
		return 1
	}
	switch {
	case *remove && fs.NArg() != 1:
		c.ui.Error("Error: tack pin -remove takes an environment, such as prod.\n\n" + c.Help())
		return 1
	case !*remove && fs.NArg() != 2:
		c.ui.Error("Error: tack pin takes an environment and a version, such as prod 2.0.\n\n" + c.Help())
		return 1
	case *remove && *reason != "":
		c.ui.Error("Error: -remove deletes the pin's record, so -reason would be kept nowhere. Leave -reason out.")
		return 1
	}
	envName, version := environmentArg(fs.Arg(0)), strings.TrimSpace(fs.Arg(1))
	if !*remove {
		switch {
		case version == "":
			c.ui.Error("Error: the version to pin is empty.")
			return 1
		case strings.TrimSpace(*reason) == "":
			c.ui.Error(fmt.Sprintf("Error: a pin needs -reason=\"…\": whoever finds environment %s held at %s reads why, and who pinned it.", envName, printable(version)))
			return 1
		}
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

	// As for vetoes, a pin is recorded only in an environment the
	// configuration declares, and one left by an environment since
	// removed can still be removed.
	_, envErr := configEnvironment(mod, envName)
	if envErr != nil && !*remove {
		c.ui.Error("Error: " + envErr.Error() + ".")
		return 1
	}

	actor := c.actor()
	ok = c.record(b, "pin", lf, func(s *state.State) (string, bool, error) {
		if envErr != nil && s.Environments[envName] == nil {
			return "", false, envErr
		}
		e := stateEnvironment(s, envName)
		old := e.Pin
		if *remove {
			if old == nil {
				return fmt.Sprintf("Environment %s is not pinned; nothing was written.", envName), false, nil
			}
			e.Pin = nil
			return fmt.Sprintf("Removed the pin of environment %s to %s (pinned %s).", envName, printable(old.Version), byWhomAt(old)), true, nil
		}
		if old != nil && old.Version == version {
			return fmt.Sprintf("Environment %s is already pinned to %s (%s); nothing was written.", envName, printable(version), byWhomAt(old)), false, nil
		}
		e.Pin = &state.Decision{Version: version, Actor: actor, Reason: *reason, Time: now()}
		msg := fmt.Sprintf("Pinned environment %s to %s (%s).", envName, printable(version), byWhom(actor, *reason))
		if old != nil {
			msg += fmt.Sprintf(" It was pinned to %s (%s).", printable(old.Version), byWhomAt(old))
		}
		return msg, true, nil
	})
	if !ok {
		return 1
	}
	return 0
}
