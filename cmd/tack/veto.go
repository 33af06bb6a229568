package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/tackhq/tack/config"
	"github.com/tackhq/tack/state"
)

type vetoCommand struct{ *meta }

func (c *vetoCommand) Synopsis() string {
	return "Forbid a version in an environment, or lift the veto"
}

func (c *vetoCommand) Help() string {
	return `Usage: tack veto [options] ENVIRONMENT VERSION

  Records in the state that VERSION must not reach the clusters of
  ENVIRONMENT (prod, or environment.prod: an environment block of the
  configuration), with who vetoed it (TACK_ACTOR, or your user name), when
  and why. Plans then show a change of those clusters to VERSION as
  blocked. With -remove, lifts the veto.

  Either writes the state, so a plan saved before (tack plan -out) is then
  refused as stale: run tack plan again.

  Exit status: 0 when recorded or removed, or when the version was already
  vetoed (nothing is written then); 1 otherwise, such as for -remove of a
  version that is not vetoed.

Options:

  -reason=TEXT         Why the version must not be delivered; required to
                       veto, and recorded with the veto.
  -remove              Lift the veto of VERSION instead.
` + lockFlagsHelp
}

func (c *vetoCommand) Run(args []string) int {
	fs := flag.NewFlagSet("veto", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	reason := fs.String("reason", "", "")
	remove := fs.Bool("remove", false, "")
	var lf lockFlags
	lf.register(fs)
	fs.Usage = func() { c.ui.Error(c.Help()) }
	if err := fs.Parse(args); err != nil {
		return 1
	}
	if fs.NArg() != 2 {
		c.ui.Error("Error: tack veto takes an environment and a version, such as prod 3.0.\n\n" + c.Help())
		return 1
	}
	envName, version := environmentArg(fs.Arg(0)), strings.TrimSpace(fs.Arg(1))
	switch {
	case version == "":
		c.ui.Error("Error: the version to veto is empty.")
		return 1
	case *remove && *reason != "":
		c.ui.Error("Error: -remove deletes the veto's record, so -reason would be kept nowhere. Leave -reason out.")
		return 1
	case !*remove && strings.TrimSpace(*reason) == "":
		c.ui.Error(fmt.Sprintf("Error: a veto needs -reason=\"…\": whoever finds %s blocked reads why, and who vetoed it.", printable(version)))
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
	// A veto is recorded only in an environment the configuration
	// declares; one left in the state by an environment since removed
	// can still be lifted.
	if _, err := configEnvironment(mod, envName); err != nil && !*remove {
		c.ui.Error("Error: " + err.Error() + ".")
		return 1
	}

	actor := c.actor()
	ok = c.record(b, "veto", lf, func(s *state.State) (string, bool, error) {
		if *remove {
			return liftVeto(s, mod, envName, version)
		}
		e := stateEnvironment(s, envName)
		if d := e.Vetoed(version); d != nil {
			return fmt.Sprintf("%s is already vetoed in environment %s (%s); nothing was written.", printable(version), envName, byWhomAt(d)), false, nil
		}
		e.Vetoes = append(e.Vetoes, &state.Decision{Version: version, Actor: actor, Reason: *reason, Time: now()})
		return fmt.Sprintf("Vetoed %s in environment %s (%s).", printable(version), envName, byWhom(actor, *reason)), true, nil
	})
	if !ok {
		return 1
	}
	return 0
}

// liftVeto removes the veto of version in the environment envName, or
// says why it cannot: a version that is not vetoed is more likely a typo
// than a veto someone else lifted, so it is an error that lists the
// vetoes there are.
func liftVeto(s *state.State, mod *config.Module, envName, version string) (string, bool, error) {
	e := s.Environments[envName]
	if e == nil && mod.Environments[envName] == nil {
		_, err := configEnvironment(mod, envName)
		return "", false, err
	}
	d := e.Vetoed(version)
	if d == nil {
		var vetoed []string
		if e != nil {
			for _, v := range e.Vetoes {
				vetoed = append(vetoed, printable(v.Version))
			}
		}
		if len(vetoed) == 0 {
			return "", false, fmt.Errorf("environment %s has no veto to lift", envName)
		}
		return "", false, fmt.Errorf("%s is not vetoed in environment %s.%s The vetoed versions there are: %s", printable(version), envName, config.Suggest(version, vetoed), strings.Join(vetoed, ", "))
	}
	for i, v := range e.Vetoes {
		if v == d {
			e.Vetoes = append(e.Vetoes[:i:i], e.Vetoes[i+1:]...)
			break
		}
	}
	return fmt.Sprintf("Lifted the veto of %s in environment %s (vetoed %s).", printable(version), envName, byWhomAt(d)), true, nil
}
