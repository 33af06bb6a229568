package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/tackhq/tack/cmd/tack/views"
	"github.com/tackhq/tack/state"
)

type showCommand struct{ *meta }

func (c *showCommand) Synopsis() string { return "Show the state or a saved plan" }

func (c *showCommand) Help() string {
	return `Usage: tack show [options] [PLAN]

  With PLAN, shows the saved plan as tack plan showed it. Without, shows
  every object the state records, with its attributes (sensitive values
  are hidden), every cluster with its server groups and deployment
  history, newest first, the outputs, and then what each environment
  records (approvals, vetoes and its pin: tack approve, veto and pin) and
  the guardrail failures applies went ahead with (-override), oldest
  first, each with who decided, when and why.

Options:

  -json      With PLAN, the plan as JSON (docs/json-format.md); without,
             the state file (docs/state-format.md), which holds the
             clusters' deployment history, the environments' records and
             the overrides.
  -no-color  No colour, even on a terminal.`
}

func (c *showCommand) Run(args []string) int {
	fs := flag.NewFlagSet("show", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	asJSON := fs.Bool("json", false, "")
	noColor := fs.Bool("no-color", false, "")
	if err := fs.Parse(args); err != nil || fs.NArg() > 1 {
		c.ui.Error("Error: invalid arguments.\n\n" + c.Help())
		return 1
	}
	if fs.NArg() == 1 {
		plan, err := readPlanFile(fs.Arg(0))
		if err != nil {
			c.ui.Error("Error: " + err.Error())
			return 1
		}
		if *asJSON {
			if err := views.RenderPlanJSON(c.stdout, plan); err != nil {
				c.ui.Error("Error: " + err.Error())
				return 1
			}
			return 0
		}
		views.RenderPlan(c.stdout, plan, views.PlanOpts{Color: c.color(*noColor), Width: 78})
		return 0
	}
	s, ok := c.currentState()
	if !ok {
		return 1
	}
	if *asJSON {
		if err := state.WriteFile(c.stdout, s, s.TackVersion); err != nil {
			c.ui.Error("Error: " + err.Error())
			return 1
		}
		return 0
	}
	if s.Empty() {
		fmt.Fprintln(c.stdout, "The state is empty: tack manages nothing here yet.")
		return 0
	}
	for _, addr := range s.AllResourceInstances() {
		ri := s.ResourceInstance(addr)
		if ri.Current == nil {
			continue
		}
		fmt.Fprintf(c.stdout, "# %s:\n", addr)
		fmt.Fprintln(c.stdout, renderRecorded(ri.Current))
		fmt.Fprintln(c.stdout)
	}
	views.RenderClusters(c.stdout, s)
	renderOutputs(c.stdout, s)
	if len(s.Outputs) > 0 && (len(s.Environments) > 0 || len(s.Overrides) > 0) {
		// The outputs end without the blank line that ends a
		// resource or a cluster.
		fmt.Fprintln(c.stdout)
	}
	renderRailings(c.stdout, s)
	return 0
}

// currentState reads the state of the configuration in the working
// directory, without locking; no state yet is an empty one. ok is false
// after an error, which it has reported.
func (m *meta) currentState() (s *state.State, ok bool) {
	b, ok := m.stateBackend()
	if !ok {
		return nil, false
	}
	s, err := b.Read(context.Background())
	if err != nil {
		m.ui.Error("Error: reading the state: " + err.Error())
		return nil, false
	}
	if s == nil {
		s = state.New()
	}
	return s, true
}

// renderRecorded shows a recorded object's attributes, from its JSON,
// with the sensitive ones hidden.
func renderRecorded(o *state.ObjectSrc) string {
	ty, err := ctyjson.ImpliedType(o.AttrsJSON)
	if err == nil {
		var obj *state.Object
		if obj, err = o.Decode(ty); err == nil {
			return formatValue(obj.Value, "")
		}
	}
	return "  (cannot show: " + err.Error() + ")"
}
