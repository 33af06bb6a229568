package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/hashicorp/hcl/v2"

	"github.com/tackhq/tack/config"
	"github.com/tackhq/tack/config/addrs"
	"github.com/tackhq/tack/planner"
	"github.com/tackhq/tack/planner/rego"
	"github.com/tackhq/tack/plugins/install"
)

// operationFlags are the flags plan, apply and destroy share.
type operationFlags struct {
	vars        varFlags
	pluginDirs  stringList
	targets     stringList
	replace     stringList
	refresh     bool
	refreshOnly bool
	destroy     bool
	parallelism int
	locks       lockFlags
	input       bool
	noColor     bool
	json        bool
	// saved is the saved plan being applied, read while the
	// configuration loads; its variables are used as they are, not
	// gathered again.
	saved *pendingPlan
	// overrides name the overridable guardrails (-override) whose
	// failures plan, apply and destroy let through, all for reason
	// (-reason).
	overrides stringList
	reason    string
}

func (o *operationFlags) register(fs *flag.FlagSet) {
	fs.Var(&o.vars, "var", "")
	fs.Var(&o.vars.fileFlag, "var-file", "")
	fs.Var(&o.pluginDirs, "plugin-dir", "")
	fs.Var(&o.targets, "target", "")
	fs.Var(&o.replace, "replace", "")
	fs.BoolVar(&o.refresh, "refresh", true, "")
	fs.BoolVar(&o.refreshOnly, "refresh-only", false, "")
	fs.IntVar(&o.parallelism, "parallelism", 10, "")
	o.locks.register(fs)
	fs.BoolVar(&o.input, "input", true, "")
	fs.BoolVar(&o.noColor, "no-color", false, "")
	fs.BoolVar(&o.json, "json", false, "")
}

// registerOverrides adds -override and -reason, for the commands whose
// plans guardrails check: plan, apply and destroy.
func (o *operationFlags) registerOverrides(fs *flag.FlagSet) {
	fs.Var(&o.overrides, "override", "")
	fs.StringVar(&o.reason, "reason", "", "")
}

// checkOverrides refuses -reason without -override, before anything is
// loaded: the reason would be recorded nowhere, and whoever gave it
// likely meant to override something.
func (o *operationFlags) checkOverrides() error {
	if len(o.overrides) == 0 && o.reason != "" {
		return errors.New("-reason is recorded with an override, and no -override was given. Name the guardrail to let through, such as -override=guardrail.prod-keeps-two, or leave -reason out")
	}
	return nil
}

// overridesHelp documents -override and -reason in a command's help.
const overridesHelp = `  -override=NAME       Let the failures of the overridable guardrail NAME
                       (guardrail.prod-keeps-two, policy.main) through.
                       May be repeated. Needs -reason.
  -reason=TEXT         Why, recorded in the state with who overrode
                       (TACK_ACTOR, or your user name) and when.`

// varFlags keeps -var and -var-file in the order given, since a later one
// wins.
type varFlags struct {
	args     []config.VarArg
	fileFlag varFileFlag
}

func (v *varFlags) String() string { return "" }
func (v *varFlags) Set(s string) error {
	v.args = append(v.args, config.VarArg{Value: s})
	return nil
}

type varFileFlag struct{ v *varFlags }

func (f *varFileFlag) String() string { return "" }
func (f *varFileFlag) Set(s string) error {
	f.v.args = append(f.v.args, config.VarArg{File: true, Value: s})
	return nil
}

func newOperationFlags() *operationFlags {
	o := &operationFlags{}
	o.vars.fileFlag.v = &o.vars
	return o
}

// operation is a loaded configuration with everything needed to plan it.
type operation struct {
	m       *meta
	dir     string
	parser  *config.Parser
	cfg     *config.Config
	vars    map[string]*config.InputValue
	factory map[string]planner.ProviderFactory
}

// loadOperation loads and checks the configuration in dir, its variables
// and its locked providers. Diagnostics with errors mean it cannot go on.
func (m *meta) loadOperation(dir string, o *operationFlags) (*operation, hcl.Diagnostics) {
	op := &operation{m: m, dir: dir, parser: config.NewParser()}
	cfg, diags := op.parser.LoadConfig(dir)
	if diags.HasErrors() {
		return op, diags
	}
	op.cfg = cfg
	diags = append(diags, cfg.CheckReferences()...)
	diags = append(diags, cfg.CheckModuleCalls()...)
	diags = append(diags, cfg.CheckLocalCycles()...)
	if diags.HasErrors() {
		return op, diags
	}

	if o.saved != nil {
		plan, err := o.saved.wait()
		if err != nil {
			// prepare reports it.
			return op, diags
		}
		op.vars = map[string]*config.InputValue{}
		for name, v := range plan.Variables {
			op.vars[name] = &config.InputValue{Value: v, Source: config.ValueSource{Kind: config.FromArgs, Description: "the saved plan"}}
		}
		return op, append(diags, op.locateProviders(o)...)
	}
	in := config.VariableInputs{Args: o.vars.args}
	for _, name := range slices.Sorted(maps.Keys(cfg.Module.Variables)) {
		if v := m.getenv("TACK_VAR_" + name); v != "" {
			in.Env = append(in.Env, "TACK_VAR_"+name+"="+v)
		}
	}
	vars, vdiags := op.parser.VariableValues(cfg.Module, in)
	diags = append(diags, vdiags...)
	if vdiags.HasErrors() {
		return op, diags
	}
	diags = append(diags, config.CheckVariableValidations(cfg.Module, vars)...)
	op.vars = vars

	pdiags := op.locateProviders(o)
	diags = append(diags, pdiags...)
	return op, diags
}

// locateProviders finds the locked providers and makes a factory for each.
func (op *operation) locateProviders(o *operationFlags) hcl.Diagnostics {
	m := op.m
	cc, diags := m.cliConfig()
	if diags.HasErrors() {
		return diags
	}
	mp, pdiags := collectProviders(op.cfg)
	diags = append(diags, pdiags...)
	if pdiags.HasErrors() {
		return diags
	}
	sources := op.parser.Sources()
	locks, ldiags := readLocks(op.dir, sources)
	diags = append(diags, ldiags...)
	if ldiags.HasErrors() {
		return diags
	}
	reqs := mp.all()
	if locks == nil && len(reqs) > 0 {
		return append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Providers not initialized",
			Detail:   "This configuration needs providers, and there is no " + install.LockFileName + ". Run tack init first.",
		})
	}
	selected, err := install.Locate(reqs, locks, m.installOpts(op.dir, o.pluginDirs, cc))
	if err != nil {
		return append(diags, providerDiags(err, hcl.DiagError)...)
	}
	op.factory = map[string]planner.ProviderFactory{}
	for _, s := range selected {
		s := s
		op.factory[s.Source] = func(ctx context.Context) (planner.Provider, error) {
			return m.launch(ctx, s, nil)
		}
	}
	return diags
}

// configHash is the sha256 of every configuration file, variables file
// and policy file, and of the lock file, in name order: a saved plan
// records it, and apply refuses the plan when it changed.
func (op *operation) configHash() string {
	sources := op.parser.Sources()
	files := map[string][]byte{}
	for name, src := range sources {
		if config.IsConfigFile(filepath.Base(name)) {
			files[name] = src
		}
	}
	// Variable files change what the configuration means as much as
	// the configuration does, and the policies judge the plan: a plan
	// saved before either changed is not the plan that would now be
	// reviewed.
	var more []string
	for _, pattern := range []string{"*.auto.tackvars", "*.auto.tackvars.json"} {
		found, _ := filepath.Glob(filepath.Join(op.dir, pattern))
		more = append(more, found...)
	}
	// A policy directory that cannot be listed fails the plan itself,
	// when checkPolicies loads it.
	policies, _ := rego.Sources(op.policyDir())
	more = append(more, policies...)
	// Apply applies a change as planned, without asking the provider
	// to plan it again, when its configuration is as it was
	// (planner.ResourceChange.ConfigDigest): a plan saved before the
	// providers changed must not be applied by the new ones.
	more = append(more, filepath.Join(op.dir, install.LockFileName))
	for _, name := range more {
		if src, ok := sources[name]; ok {
			files[name] = src
			continue
		}
		// One that cannot be read hashes as empty; loading it reports why.
		src, _ := os.ReadFile(name)
		files[name] = src
	}
	h := sha256.New()
	for _, name := range slices.Sorted(maps.Keys(files)) {
		rel, err := filepath.Rel(op.dir, name)
		if err != nil {
			rel = name
		}
		fmt.Fprintf(h, "%s\x00%d\x00", filepath.ToSlash(rel), len(files[name]))
		h.Write(files[name])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// policyDir is where the configuration's Rego policies are:
// policy/ beside its root module (docs/railings.md).
func (op *operation) policyDir() string {
	return filepath.Join(op.cfg.Module.Dir, "policy")
}

// parseAddrs parses -target and -replace addresses.
func parseAddrs(flagName string, in []string) ([]addrs.AbsResourceInstance, hcl.Diagnostics) {
	var out []addrs.AbsResourceInstance
	var diags hcl.Diagnostics
	for _, s := range in {
		if strings.HasPrefix(s, "cluster.") {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid " + flagName + " address",
				Detail:   fmt.Sprintf("%q: %s takes resources; clusters cannot be targeted. Plan the whole configuration, or use tack rollback for a cluster.", s, flagName),
			})
			continue
		}
		a, d := addrs.ParseAbsResourceInstanceStr(s)
		if d.HasErrors() {
			for _, dd := range d {
				dd.Summary = "Invalid " + flagName + " address"
				dd.Detail = fmt.Sprintf("%q: %s", s, dd.Detail)
				dd.Subject = nil
			}
			diags = append(diags, d...)
			continue
		}
		out = append(out, a)
	}
	return out, diags
}

// interruptible returns a context cancelled by the first Ctrl-C (or
// SIGTERM): new work stops, work in flight finishes and state is saved. A
// second signal exits at once, with the state as last saved.
func (m *meta) interruptible(ctx context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancel(ctx)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	stop := make(chan struct{})
	go func() {
		select {
		case <-sigs:
			fmt.Fprintln(m.stderr, "\nInterrupt received. Finishing the operations in flight and saving state; interrupt again to exit at once.")
			cancel()
		case <-stop:
			return
		}
		select {
		case <-sigs:
			// Not after stdout: that may be what is stuck.
			fmt.Fprintln(unflushed(m.stderr), "Two interrupts received. Exiting immediately; the state is as last saved.")
			os.Exit(1)
		case <-stop:
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(stop)
		cancel()
	}
}

// inAutomation reports TACK_IN_AUTOMATION: output meant for people at a
// terminal (next-step hints) is left out.
func (m *meta) inAutomation() bool {
	return strings.TrimSpace(m.getenv("TACK_IN_AUTOMATION")) != ""
}
