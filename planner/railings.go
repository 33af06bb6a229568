package planner

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/tackhq/tack/config/addrs"
	"github.com/tackhq/tack/planner/rego"
	"github.com/tackhq/tack/state"
)

// Enforcement is what a failing guardrail does to an apply.
type Enforcement string

const (
	// Advisory: the failure is a warning; apply goes ahead.
	Advisory Enforcement = "advisory"
	// Overridable: the failure blocks apply unless it is overridden with
	// a reason (-override=NAME -reason=…), which the state records.
	Overridable Enforcement = "overridable"
	// Mandatory: the failure blocks apply.
	Mandatory Enforcement = "mandatory"
)

// Where a guardrail comes from.
const (
	GuardrailConfig  = "config"  // a guardrail block
	GuardrailBuiltin = "builtin" // one of tack's own, on by default
	GuardrailPolicy  = "policy"  // a Rego package in policy/
)

// GuardrailCheck is one guardrail as the plan evaluated it: how many
// changes it applied to, and how many of those it failed on or could not
// decide. The verdicts themselves are in [Plan.Verdicts].
type GuardrailCheck struct {
	// Name is how -override names it: "guardrail.prod-keeps-two",
	// "guardrail.traffic-guard", "policy.main".
	Name        string
	Enforcement Enforcement
	Source      string // GuardrailConfig, GuardrailBuiltin or GuardrailPolicy
	// Checked counts the changes it applied to; Failed and Unknown are
	// among them.
	Checked, Failed, Unknown int
}

// VerdictResult is what a guardrail said of a change, when it did not
// simply pass.
type VerdictResult string

const (
	// VerdictFail: the condition is false.
	VerdictFail VerdictResult = "fail"
	// VerdictUnknown: the condition depends on values known only after
	// apply; it is not decided, and blocks nothing.
	VerdictUnknown VerdictResult = "unknown"
)

// Verdict is a guardrail that failed on a change, or could not decide.
// Passing verdicts are only counted, in [GuardrailCheck].
type Verdict struct {
	Guardrail   string
	Enforcement Enforcement
	// Address is the change it concerns, "cluster.api-prod" or
	// "local_file.a[0]"; empty for a policy result that names none.
	Address string
	Result  VerdictResult
	Message string
	// Override is set when -override lets the failure through.
	Override *Override
}

// Blocks reports whether the verdict stops an apply: a mandatory
// failure, or an overridable one nobody overrode.
func (v *Verdict) Blocks() bool {
	if v.Result != VerdictFail {
		return false
	}
	return v.Enforcement == Mandatory || v.Enforcement == Overridable && v.Override == nil
}

// Override lets an overridable guardrail's failures through: who asked,
// when and why.
type Override struct {
	Guardrail string
	Reason    string
	Actor     string
	Time      time.Time
}

// ConstraintStatus is where a cluster change stands against one of its
// environment's constraints or its policy's window.
type ConstraintStatus string

const (
	// ConstraintMet: nothing stands in the way.
	ConstraintMet ConstraintStatus = "met"
	// ConstraintWaits: apply waits for it, within the same apply: an
	// upstream environment's deployment of the version, and its soak.
	ConstraintWaits ConstraintStatus = "waits"
	// ConstraintBlocked: the change cannot go ahead now; Hint says what
	// would let it.
	ConstraintBlocked ConstraintStatus = "blocked"
)

// The kinds of constraint.
const (
	ConstraintWindow         = "window"          // the delivery policy's window
	ConstraintAllowedTimes   = "allowed_times"   // the environment's allowed times
	ConstraintDependsOn      = "depends_on"      // an upstream environment runs the version, healthy, for its soak
	ConstraintManualApproval = "manual_approval" // tack approve
	ConstraintVeto           = "veto"            // tack veto
	ConstraintPin            = "pin"             // tack pin
)

// Constraint is one promotion constraint or window as it applies to a
// cluster change.
type Constraint struct {
	Kind   string
	Status ConstraintStatus
	// Detail says what was found: "staging has run 2.0 healthy for 3h
	// (soak 1h)".
	Detail string
	// Hint says how to get past a blocked constraint: "tack approve
	// cluster.api-prod 2.0".
	Hint string
	// Environment is the environment the constraint is about: the
	// cluster's own, or for depends_on the upstream one.
	Environment string
	// Upstream are, for a depends_on, the clusters of the upstream
	// environment it judged; when it waits, their deployments in this
	// apply are what it waits for. Soak is how long the version must run
	// healthy there.
	Upstream []string
	Soak     time.Duration
}

// Blockers are the verdicts that stop the plan from being applied, in
// plan order.
func (p *Plan) Blockers() []*Verdict {
	var out []*Verdict
	for _, v := range p.Verdicts {
		if v.Blocks() {
			out = append(out, v)
		}
	}
	return out
}

// ApplyOverrides lets the failures of the named overridable guardrails
// through, each with its reason, actor and time. Naming a guardrail the
// plan did not check, or a mandatory one, is an error; naming one that
// did not fail is a warning, and records nothing.
func (p *Plan) ApplyOverrides(overrides []Override) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, o := range overrides {
		// A policy package has one name for its three rules, each with
		// its own enforcement.
		var checks []*GuardrailCheck
		overridable, mandatory := false, false
		for _, g := range p.Guardrails {
			if g.Name == o.Guardrail {
				checks = append(checks, g)
				overridable = overridable || g.Enforcement == Overridable
				mandatory = mandatory || g.Enforcement == Mandatory
			}
		}
		switch {
		case len(checks) == 0:
			var names []string
			for _, g := range p.Guardrails {
				if !slices.Contains(names, g.Name) {
					names = append(names, g.Name)
				}
			}
			detail := fmt.Sprintf("-override names %s, which this plan did not check.", o.Guardrail)
			if len(names) > 0 {
				detail += " It checked: " + strings.Join(names, ", ") + "."
			}
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "No such guardrail", Detail: detail})
			continue
		case !overridable && !mandatory:
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Override not needed",
				Detail: fmt.Sprintf("%s is advisory: its failures are warnings and block nothing, so -override=%s does nothing and is not recorded.", o.Guardrail, o.Guardrail)})
			continue
		case !overridable:
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Mandatory guardrail cannot be overridden",
				Detail: fmt.Sprintf("%s is mandatory: a change it fails on is not applied, with or without -override. Change the configuration, or the guardrail's enforcement.", o.Guardrail)})
			continue
		case strings.TrimSpace(o.Reason) == "":
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Override without a reason",
				Detail: fmt.Sprintf("-override=%s needs -reason=\"…\": the state records why the guardrail was overridden, and who did it.", o.Guardrail)})
			continue
		}
		used := false
		for _, v := range p.Verdicts {
			if v.Guardrail == o.Guardrail && v.Result == VerdictFail && v.Enforcement == Overridable {
				o := o
				v.Override = &o
				used = true
			}
		}
		if !used {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Override not needed",
				Detail: fmt.Sprintf("%s does not fail on this plan; -override=%s does nothing and is not recorded.", o.Guardrail, o.Guardrail)})
		}
	}
	return diags
}

// BlockedDiagnostics say, for each verdict that blocks plan from being
// applied ([Plan.Blockers]), which guardrail and how to get past it;
// none when nothing blocks. [Planner.Apply] refuses such a plan with
// them; a caller that will not apply it, as an interactive apply that
// does not ask, shows them itself.
func BlockedDiagnostics(plan *Plan) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, v := range plan.Blockers() {
		on := "the plan"
		if v.Address != "" {
			on = v.Address
		}
		detail := fmt.Sprintf("%s (%s) fails on %s: %s.", v.Guardrail, v.Enforcement, on, strings.TrimSuffix(v.Message, "."))
		if v.Enforcement == Mandatory {
			detail += " A mandatory guardrail cannot be overridden: change the configuration so that it holds, or change the guardrail."
		} else {
			command := "tack apply"
			if plan.Mode == DestroyMode {
				command = "tack destroy"
			}
			detail += fmt.Sprintf(" To apply anyway, say why:\n\n  %s -override=%s -reason=\"…\"\n\nThe state records the override, who gave it and why.", command, v.Guardrail)
		}
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Apply blocked by " + v.Guardrail, Detail: detail})
	}
	return diags
}

// recordOverrides adds to the state one record per overridden
// guardrail, naming the changes it failed on; it reports whether there
// were any.
func recordOverrides(plan *Plan, s *state.SyncState) bool {
	var order []string
	byName := map[string]*state.Override{}
	for _, v := range plan.Verdicts {
		if v.Override == nil || v.Result != VerdictFail {
			continue
		}
		o := byName[v.Guardrail]
		if o == nil {
			o = &state.Override{Guardrail: v.Guardrail, Message: v.Message, Actor: v.Override.Actor, Reason: v.Override.Reason, Time: v.Override.Time}
			byName[v.Guardrail] = o
			order = append(order, v.Guardrail)
		}
		if v.Address != "" && !slices.Contains(o.Changes, v.Address) {
			o.Changes = append(o.Changes, v.Address)
		}
	}
	for _, name := range order {
		s.AddOverride(byName[name])
	}
	return len(order) > 0
}

// policyEnforcement is how each rule of a Rego policy is enforced.
var policyEnforcement = map[string]Enforcement{
	rego.RuleDeny:             Mandatory,
	rego.RuleOverrideRequired: Overridable,
	rego.RuleWarn:             Advisory,
}

// CheckPolicies evaluates Rego policies on the plan, given as its JSON
// view decoded into Go values, and adds what they say: one check per
// package and rule, named policy.PACKAGE, and one verdict per result
// (deny is mandatory, override_required overridable, warn advisory). A
// policy that fails to run is an error, and the plan cannot be applied.
func (p *Plan) CheckPolicies(ctx context.Context, pol *rego.Policies, input any) hcl.Diagnostics {
	rules := pol.Rules()
	if len(rules) == 0 {
		return nil
	}
	results, err := pol.Eval(ctx, input)
	if err != nil {
		p.Errored = true
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Policy failed", Detail: fmt.Sprintf("Evaluating the policies in %s on the plan failed: %s.", strings.Join(pol.Files(), ", "), err)}}
	}
	changes := 0
	for _, c := range p.Changes {
		if c.Mode == addrs.ManagedResourceMode && c.Action != NoOp {
			changes++
		}
	}
	for _, c := range p.Clusters {
		if c.Changes() {
			changes++
		}
	}
	// A package's rules of one level (deny, violation, deny_prod) are one
	// check, keyed by the level: they share its name and enforcement.
	checks := map[rego.Rule]*GuardrailCheck{}
	for _, r := range rules {
		r.Rule = rego.Level(r.Rule)
		if checks[r] != nil {
			continue
		}
		g := &GuardrailCheck{Name: "policy." + r.Package, Enforcement: policyEnforcement[r.Rule], Source: GuardrailPolicy, Checked: changes}
		checks[r] = g
		p.Guardrails = append(p.Guardrails, g)
	}
	// Failed counts the changes a rule failed on; a result about the
	// plan as a whole is a verdict, but not a failed change.
	failed := map[rego.Rule]map[string]bool{}
	for _, res := range results {
		r := rego.Rule{Package: res.Package, Rule: rego.Level(res.Rule)}
		g := checks[r]
		if res.Address != "" && !failed[r][res.Address] {
			if failed[r] == nil {
				failed[r] = map[string]bool{}
			}
			failed[r][res.Address] = true
			g.Failed++
		}
		p.Verdicts = append(p.Verdicts, &Verdict{Guardrail: g.Name, Enforcement: g.Enforcement, Address: res.Address, Result: VerdictFail, Message: res.Message})
	}
	return nil
}
