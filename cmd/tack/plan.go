package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/tackhq/tack/cmd/tack/views"
	"github.com/tackhq/tack/planner"
	"github.com/tackhq/tack/planner/rego"
	"github.com/tackhq/tack/state"
)

type planCommand struct{ *meta }

func (c *planCommand) Synopsis() string { return "Show the changes tack would make" }

func (c *planCommand) Help() string {
	return `Usage: tack plan [options]

  Reads what is live through the providers, compares it and the recorded
  state with the configuration, and shows every change tack would make.
  Nothing is changed. Save the plan with -out to apply exactly it later.

Options:

  -out=FILE            Save the plan to FILE, for tack apply FILE.
  -destroy             Plan to destroy everything the state records.
  -refresh-only        Plan only to accept changes made outside tack.
  -refresh=false       Trust the recorded state; read nothing live.
  -replace=ADDR        Replace this object even if it could be updated.
                       May be repeated.
  -target=ADDR         Plan only this object and what it depends on.
                       May be repeated.
  -var 'NAME=VALUE'    Set a variable. May be repeated.
  -var-file=FILE       Read variables from FILE. May be repeated.
` + overridesHelp + `
  -detailed-exitcode   Exit 0 for no changes, 1 for errors, 2 for changes.
  -json                Print the plan as JSON (docs/json-format.md).
  -markdown            Print the plan as markdown, for a pull request.
  -no-color            No colour, even on a terminal.
  -lock=false          Do not lock the state (dangerous).
  -lock-timeout=D      Wait up to D (such as 30s) for the state lock.
  -parallelism=N       At most N provider calls at once (default 10).
  -input=false         Never prompt.
  -plugin-dir=DIR      Look for providers in DIR too. May be repeated.`
}

func (c *planCommand) Run(args []string) int {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	o := newOperationFlags()
	o.register(fs)
	out := fs.String("out", "", "")
	detailed := fs.Bool("detailed-exitcode", false, "")
	markdown := fs.Bool("markdown", false, "")
	fs.BoolVar(&o.destroy, "destroy", false, "")
	o.registerOverrides(fs)
	if err := fs.Parse(args); err != nil {
		c.ui.Error("Error: " + err.Error() + "\n\n" + c.Help())
		return 1
	}
	if fs.NArg() > 0 {
		c.ui.Error("Error: tack plan takes no arguments.\n\n" + c.Help())
		return 1
	}
	if err := o.checkOverrides(); err != nil {
		c.ui.Error("Error: " + err.Error() + ".")
		return 1
	}
	run, status := c.prepare(o, "plan")
	if run == nil {
		return status
	}
	defer run.close()

	plan, diags := run.plan(context.Background(), o)
	switch {
	case o.json:
		// The stream stays one JSON object per line: the plan document
		// (docs/json-format.md) is its last line.
		run.diagnostics(diags)
		if plan != nil {
			var doc, line bytes.Buffer
			err := views.RenderPlanJSON(&doc, plan)
			if err == nil {
				err = json.Compact(&line, doc.Bytes())
			}
			if err != nil {
				c.ui.Error("Error: " + err.Error())
				return 1
			}
			line.WriteByte('\n')
			c.stdout.Write(line.Bytes())
		}
	case *markdown:
		if plan != nil {
			if err := views.RenderPlanMarkdown(c.stdout, plan); err != nil {
				c.ui.Error("Error: " + err.Error())
				return 1
			}
		}
		run.diagnostics(diags)
	default:
		if plan != nil {
			views.RenderPlan(c.stdout, plan, views.PlanOpts{Color: run.color, Width: 78})
		}
		run.diagnostics(diags)
	}
	if diags.HasErrors() || plan == nil {
		return 1
	}
	if *out != "" {
		if err := writePlanFile(*out, plan); err != nil {
			c.ui.Error("Error: " + err.Error())
			return 1
		}
		if !o.json && !*markdown {
			fmt.Fprintf(c.stdout, "\nSaved the plan to: %s\n", *out)
			if !c.inAutomation() {
				fmt.Fprintf(c.stdout, "\nTo perform exactly these actions, run:\n  tack apply %s\n", *out)
			}
		}
	}
	if *detailed && plan.HasChanges() {
		return 2
	}
	return 0
}

// writePlanFile saves a plan next to its final name first, so that an
// interrupted write leaves no half plan behind.
func writePlanFile(path string, plan *planner.Plan) error {
	var buf bytes.Buffer
	if err := planner.WritePlanFile(&buf, plan, version); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o600); err != nil {
		return fmt.Errorf("saving the plan: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("saving the plan: %w", err)
	}
	return nil
}

// opRun is one plan, apply or destroy in progress: the loaded
// configuration, the state (locked) and how to report.
type opRun struct {
	m       *meta
	op      *operation
	backend state.Backend
	prior   *state.State
	unlock  func()
	color   bool
	json    *views.JSONProgress
	human   *views.Progress
	sources map[string][]byte
	// pending are diagnostics from loading, shown with the plan's.
	pending hcl.Diagnostics
	// now is tack's clock, moved by TACK_CLOCK_OFFSET.
	now func() time.Time
}

// prepare loads the configuration and providers, locks and reads the
// state. A nil run means it failed, with the exit status given.
func (m *meta) prepare(o *operationFlags, operation string) (*opRun, int) {
	run := &opRun{m: m, color: m.color(o.noColor), unlock: func() {}}
	now, err := m.clock()
	if err != nil {
		m.ui.Error("Error: " + err.Error() + ".")
		return nil, 1
	}
	run.now = now
	op, diags := m.loadOperation(".", o)
	if o.saved != nil {
		// A plan file that cannot be read is the first thing to fix,
		// whatever the configuration says.
		plan, err := o.saved.wait()
		if err != nil {
			m.ui.Error("Error: " + err.Error())
			return nil, 1
		}
		if plan.Mode == planner.DestroyMode {
			operation = "destroy"
		}
	}
	run.op = op
	run.sources = op.parser.Sources()
	if diags.HasErrors() {
		run.diagnostics(diags)
		return nil, 1
	}
	backend, bdiags := m.backend(op.cfg.Module)
	diags = append(diags, bdiags...)
	if bdiags.HasErrors() {
		run.diagnostics(diags)
		return nil, 1
	}
	run.backend = backend
	unlock, err := m.lockState(context.Background(), backend, operation, o.locks.lock, o.locks.timeout)
	if err != nil {
		run.diagnostics(diags)
		m.ui.Error(err.Error())
		return nil, 1
	}
	run.unlock = func() {
		if err := unlock(); err != nil {
			m.ui.Error("Error releasing the state lock: " + err.Error())
		}
	}
	prior, err := backend.Read(context.Background())
	if err != nil {
		run.unlock()
		run.diagnostics(diags)
		m.ui.Error("Error: reading the state: " + err.Error())
		return nil, 1
	}
	if prior == nil {
		prior = state.New()
	}
	run.prior = prior
	// Warnings are shown once, with the plan's own diagnostics.
	run.pending = diags
	if o.json {
		run.json = views.NewJSONProgress(m.stdout, nil)
		run.json.Version(version)
	} else {
		run.human = views.NewProgress(m.stdout, run.color)
	}
	return run, 0
}

func (r *opRun) close() { r.unlock() }

// events is the planner's event sink, with a heartbeat ticker for the
// "Still creating..." lines; stop ends the ticker.
func (r *opRun) events() (func(planner.Event), func()) {
	done := make(chan struct{})
	ticker := time.NewTicker(time.Second)
	go func() {
		for {
			select {
			case now := <-ticker.C:
				if r.json != nil {
					r.json.Tick(now)
				} else {
					r.human.Tick(now)
				}
			case <-done:
				return
			}
		}
	}()
	stop := func() { ticker.Stop(); close(done) }
	if r.json != nil {
		return r.json.Emit, stop
	}
	return r.human.Emit, stop
}

func (r *opRun) planner(events func(planner.Event), o *operationFlags) *planner.Planner {
	return planner.New(planner.Opts{
		Config:      r.op.cfg,
		State:       r.prior,
		Providers:   r.op.factory,
		Variables:   r.op.vars,
		Parallelism: o.parallelism,
		Events:      events,
		TackVersion: version,
		Now:         r.now,
	})
}

// plan makes the plan the flags ask for.
func (r *opRun) plan(ctx context.Context, o *operationFlags) (*planner.Plan, hcl.Diagnostics) {
	diags := r.pending
	r.pending = nil
	opts := planner.PlanOpts{SkipRefresh: !o.refresh, ConfigHash: r.op.configHash()}
	switch {
	case o.destroy && o.refreshOnly:
		return nil, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Incompatible options", Detail: "-destroy and -refresh-only cannot be used together."})
	case o.destroy:
		opts.Mode = planner.DestroyMode
	case o.refreshOnly:
		opts.Mode = planner.RefreshOnlyMode
	}
	var d hcl.Diagnostics
	opts.Targets, d = parseAddrs("-target", o.targets)
	diags = append(diags, d...)
	opts.Replace, d = parseAddrs("-replace", o.replace)
	diags = append(diags, d...)
	if diags.HasErrors() {
		return nil, diags
	}
	events, stop := r.events()
	defer stop()
	plan, pdiags := r.planner(events, o).Plan(ctx, opts)
	diags = append(diags, pdiags...)
	if plan != nil && !plan.Errored && plan.Mode != planner.RefreshOnlyMode {
		diags = append(diags, r.checkPolicies(ctx, plan)...)
	}
	if plan != nil {
		diags = append(diags, r.applyOverrides(plan, o)...)
	}
	return plan, diags
}

// checkPolicies evaluates the configuration's policy/*.rego files, when
// it has any, on the plan as its JSON view shows it
// (docs/railings.md).
func (r *opRun) checkPolicies(ctx context.Context, plan *planner.Plan) hcl.Diagnostics {
	pol, err := rego.Load(r.op.policyDir())
	if err != nil {
		plan.Errored = true
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid policy", Detail: fmt.Sprintf("The Rego policies in policy/ cannot be read:\n%s", err)}}
	}
	if pol == nil {
		return nil
	}
	var buf bytes.Buffer
	if err := views.RenderPlanJSON(&buf, plan); err != nil {
		plan.Errored = true
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Policy input", Detail: "Rendering the plan as JSON for the policies failed: " + err.Error()}}
	}
	var input any
	if err := json.Unmarshal(buf.Bytes(), &input); err != nil {
		plan.Errored = true
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Policy input", Detail: "Reading the plan's JSON back for the policies failed: " + err.Error()}}
	}
	return plan.CheckPolicies(ctx, pol, input)
}

// applyOverrides lets through the failures of the guardrails -override
// names, each with -reason, the actor and the clock's time. The verdicts
// carry them: a plan saved with -out holds them, and apply records them
// in the state.
func (r *opRun) applyOverrides(plan *planner.Plan, o *operationFlags) hcl.Diagnostics {
	if len(o.overrides) == 0 {
		return nil
	}
	actor, now := r.m.actor(), r.now()
	overrides := make([]planner.Override, len(o.overrides))
	for i, name := range o.overrides {
		overrides[i] = planner.Override{Guardrail: name, Reason: o.reason, Actor: actor, Time: now}
	}
	return plan.ApplyOverrides(overrides)
}

// diagnostics prints diagnostics: JSON lines with -json, else rendered
// with snippets on stderr.
func (r *opRun) diagnostics(diags hcl.Diagnostics) {
	if len(diags) == 0 {
		return
	}
	if r.json != nil {
		var buf bytes.Buffer
		if err := views.RenderDiagnosticsJSON(&buf, diags, r.sources); err == nil {
			r.m.stdout.Write(buf.Bytes())
		}
		return
	}
	view := &views.DiagnosticsView{Color: r.color, Width: 78, Sources: r.sources}
	view.Render(r.m.stderr, diags)
}

// confirm asks for "yes" on the terminal.
func (m *meta) confirm(question string) (bool, error) {
	fmt.Fprint(m.stdout, question+"\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ")
	if f, ok := m.stdout.(interface{ Flush() }); ok {
		// The question is on the screen before the answer is awaited.
		f.Flush()
	}
	line, err := bufio.NewReader(m.stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return false, err
	}
	fmt.Fprintln(m.stdout)
	return strings.TrimSpace(line) == "yes", nil
}
