package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"

	"github.com/hashicorp/hcl/v2"

	"github.com/tackhq/tack/cmd/tack/views"
	"github.com/tackhq/tack/planner"
	"github.com/tackhq/tack/state"
)

type applyCommand struct {
	*meta
	destroy bool // tack destroy: apply -destroy
}

func (c *applyCommand) Synopsis() string {
	if c.destroy {
		return "Destroy everything tack manages here"
	}
	return "Make the changes a plan shows"
}

func (c *applyCommand) Help() string {
	if c.destroy {
		return `Usage: tack destroy [options]

  Plans the destruction of every object the state records, shows it, asks
  for confirmation, and destroys them in reverse dependency order. It takes
  the options of tack apply.`
	}
	return `Usage: tack apply [options] [PLAN]

  With PLAN (a file saved by tack plan -out), makes exactly the changes it
  holds, refusing it if the configuration, the variables or the state moved
  since it was made. Without PLAN, plans, shows the plan and asks for
  confirmation first; a plan a guardrail blocks is refused without
  asking, saying what blocks it.

  The state is saved after every completed operation. Ctrl-C stops new
  operations, lets those in flight finish, saves the state and exits
  non-zero; a second Ctrl-C exits at once.

Options:

  -auto-approve        Do not ask for confirmation.
  -input=false         Never prompt; without -auto-approve that is an error.
  -json                Print progress as JSON lines (docs/json-format.md).
  -destroy             Destroy everything (as tack destroy).
` + overridesHelp + `
                       With PLAN, they add to the overrides the plan was
                       saved with.
  -refresh=false, -refresh-only, -replace=ADDR, -target=ADDR, -var,
  -var-file, -lock, -lock-timeout, -parallelism, -no-color, -plugin-dir:
                       as for tack plan, when no PLAN is given.`
}

func (c *applyCommand) Run(args []string) int {
	fs := flag.NewFlagSet("apply", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	o := newOperationFlags()
	o.register(fs)
	autoApprove := fs.Bool("auto-approve", false, "")
	fs.BoolVar(&o.destroy, "destroy", c.destroy, "")
	o.registerOverrides(fs)
	if err := fs.Parse(args); err != nil {
		c.ui.Error("Error: " + err.Error() + "\n\n" + c.Help())
		return 1
	}
	if fs.NArg() > 1 || (fs.NArg() == 1 && c.destroy) {
		c.ui.Error("Error: too many arguments.\n\n" + c.Help())
		return 1
	}
	if err := o.checkOverrides(); err != nil {
		c.ui.Error("Error: " + err.Error() + ".")
		return 1
	}
	if fs.NArg() == 1 {
		if len(o.vars.args) > 0 {
			c.ui.Error("Error: a saved plan already holds its variables; -var and -var-file cannot change them.")
			return 1
		}
		o.saved = readPlanFileAsync(fs.Arg(0))
	}
	operation := "apply"
	if o.destroy {
		operation = "destroy"
	}
	run, status := c.prepare(o, operation)
	if run == nil {
		return status
	}
	defer run.close()
	var saved *planner.Plan
	if o.saved != nil {
		// prepare reported a plan that could not be read.
		saved, _ = o.saved.wait()
	}

	ctx, stopSignals := c.interruptible(context.Background())
	defer stopSignals()

	plan := saved
	if plan != nil {
		if diags := run.checkSaved(plan); diags.HasErrors() {
			run.diagnostics(diags)
			return 1
		}
		// Overrides given now join those the plan was saved with.
		diags := append(run.pending, run.applyOverrides(plan, o)...)
		run.pending = nil
		run.diagnostics(diags)
		if diags.HasErrors() {
			return 1
		}
	} else {
		var diags hcl.Diagnostics
		plan, diags = run.plan(ctx, o)
		if plan != nil && run.json == nil {
			views.RenderPlan(c.stdout, plan, views.PlanOpts{Color: run.color, Width: 78})
		}
		run.diagnostics(diags)
		if diags.HasErrors() || plan == nil {
			return 1
		}
		if !plan.HasChanges() {
			return 0
		}
		if !*autoApprove {
			// A guardrail blocks the plan: no answer could apply it, so
			// the question is not asked, and the plan above is followed
			// by why, as Apply would refuse it.
			if blocked := planner.BlockedDiagnostics(plan); len(blocked) > 0 {
				run.diagnostics(blocked)
				return 1
			}
			if !o.input {
				c.ui.Error("Error: no confirmation: -input=false is set and -auto-approve is not. Give -auto-approve to apply without asking, or save the plan with tack plan -out and apply that file.")
				return 1
			}
			question := "\nDo you want to perform these actions?\n  tack will perform the actions described above."
			if plan.Mode == planner.DestroyMode {
				question = "\nDo you really want to destroy all resources?\n  tack will destroy all your managed infrastructure, as shown above.\n  There is no undo."
			}
			ok, err := c.confirm(question)
			if err != nil || !ok {
				c.ui.Error("Apply cancelled.")
				return 1
			}
		}
	}

	events, stopEvents := run.events()
	p := run.planner(events, o)
	persist := run.persister(plan)
	var persistFailed bool
	final, diags := p.Apply(ctx, plan, func(s *state.State) error {
		err := persist(s)
		if err != nil {
			persistFailed = true
		}
		return err
	})
	stopEvents()
	if persistFailed && final != nil {
		// The backend refused the state: keep it where the user can
		// push it from, rather than lose what was applied.
		if err := saveErroredState(final); err != nil {
			c.ui.Error("Error: the state could not be saved anywhere: " + err.Error())
		} else {
			c.ui.Error("The state was written to " + erroredStateFile + "; push it with tack state push " + erroredStateFile + " once the backend works.")
		}
	}
	run.diagnostics(diags)
	if run.json != nil {
		run.json.Summary(plan.Mode)
	} else if !diags.HasErrors() {
		run.human.Summary(plan.Mode)
		if final != nil && plan.Mode != planner.DestroyMode {
			renderOutputs(c.stdout, final)
		}
	}
	if diags.HasErrors() || ctx.Err() != nil {
		return 1
	}
	return 0
}

// persister writes each state the apply hands over as the next serial of
// the prior state's lineage.
func (r *opRun) persister(plan *planner.Plan) planner.Persist {
	next := plan.PriorState.Serial + 1
	if r.prior.Serial >= next {
		next = r.prior.Serial + 1
	}
	return func(s *state.State) error {
		s.Serial = next
		// Writes must not stop at Ctrl-C: the state must land.
		if err := r.backend.Write(context.Background(), s); err != nil {
			return err
		}
		next++
		return nil
	}
}

// checkSaved refuses a saved plan that no longer fits: the configuration
// (its variables files and policies included) or the state moved since
// it was made.
func (r *opRun) checkSaved(plan *planner.Plan) hcl.Diagnostics {
	var why []string
	if plan.ConfigHash != r.op.configHash() {
		why = append(why, "the configuration, its variables files, its policies or its providers (the lock file) changed")
	}
	if plan.Lineage != r.prior.Lineage && !(plan.Serial == 0 && r.prior.Serial == 0) {
		why = append(why, "the state is a different one (its lineage differs)")
	} else if plan.Serial != r.prior.Serial {
		why = append(why, fmt.Sprintf("the state was written since (serial %d, the plan was made at %d)", r.prior.Serial, plan.Serial))
	}
	if plan.Errored {
		why = append(why, "planning it stopped at an error")
	}
	if len(why) == 0 {
		return nil
	}
	detail := "This plan can no longer be applied as reviewed: "
	for i, w := range why {
		if i > 0 {
			detail += "; "
		}
		detail += w
	}
	return hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "Saved plan is stale",
		Detail:   detail + ". Run tack plan again and review the new plan.",
	}}
}

// erroredStateFile is where apply keeps a state the backend refused.
const erroredStateFile = "errored.tack.state.json"

func saveErroredState(s *state.State) error {
	f, err := os.OpenFile(erroredStateFile, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if err := state.WriteFile(f, s, version); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// pendingPlan is a saved plan read in the background: a large one takes
// about as long to read as the configuration does to load, and the two
// need not wait for each other.
type pendingPlan struct {
	done chan struct{}
	plan *planner.Plan
	err  error
}

func readPlanFileAsync(path string) *pendingPlan {
	p := &pendingPlan{done: make(chan struct{})}
	go func() {
		defer close(p.done)
		p.plan, p.err = readPlanFile(path)
	}()
	return p
}

// wait returns the plan once it is read.
func (p *pendingPlan) wait() (*planner.Plan, error) {
	<-p.done
	return p.plan, p.err
}

func readPlanFile(path string) (*planner.Plan, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading saved plan: %w", err)
	}
	defer f.Close()
	p, err := planner.ReadPlanFile(f)
	if err != nil {
		var pe *planner.PlanFileError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("%s is not a usable plan: %w", path, err)
		}
		return nil, err
	}
	return p, nil
}

// renderOutputs prints the state's outputs after an apply, sensitive
// ones hidden.
func renderOutputs(w io.Writer, s *state.State) {
	if len(s.Outputs) == 0 {
		return
	}
	fmt.Fprint(w, "\nOutputs:\n\n")
	for _, name := range slices.Sorted(maps.Keys(s.Outputs)) {
		o := s.Outputs[name]
		if o.Sensitive {
			fmt.Fprintf(w, "%s = <sensitive>\n", name)
			continue
		}
		fmt.Fprintf(w, "%s = %s\n", name, formatValue(o.Value, ""))
	}
}
