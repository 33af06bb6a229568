package planner

import (
	"fmt"
	"slices"
	"time"
)

// The railings of a saved plan: guardrail checks and verdicts, and each
// cluster change's environment and constraints.

type guardrailCheckSrc struct {
	Name        string `json:"name"`
	Enforcement string `json:"enforcement"`
	Source      string `json:"source"`
	Checked     int    `json:"checked"`
	Failed      int    `json:"failed,omitempty"`
	Unknown     int    `json:"unknown,omitempty"`
}

type verdictSrc struct {
	Guardrail   string       `json:"guardrail"`
	Enforcement string       `json:"enforcement"`
	Address     string       `json:"address,omitempty"`
	Result      string       `json:"result"`
	Message     string       `json:"message"`
	Override    *overrideSrc `json:"override,omitempty"`
}

type overrideSrc struct {
	Reason string    `json:"reason"`
	Actor  string    `json:"actor"`
	Time   time.Time `json:"time"`
}

type constraintSrc struct {
	Kind        string   `json:"kind"`
	Status      string   `json:"status"`
	Detail      string   `json:"detail"`
	Hint        string   `json:"hint,omitempty"`
	Environment string   `json:"environment,omitempty"`
	Upstream    []string `json:"upstream,omitempty"`
	SoakNs      int64    `json:"soak_ns,omitempty"`
}

var (
	enforcements      = []Enforcement{Advisory, Overridable, Mandatory}
	verdictResults    = []VerdictResult{VerdictFail, VerdictUnknown}
	constraintStates  = []ConstraintStatus{ConstraintMet, ConstraintWaits, ConstraintBlocked}
	guardrailSources  = []string{GuardrailConfig, GuardrailBuiltin, GuardrailPolicy}
	constraintKindSet = []string{ConstraintWindow, ConstraintAllowedTimes, ConstraintDependsOn, ConstraintManualApproval, ConstraintVeto, ConstraintPin}
)

func encodeRailings(p *Plan, f *planFile) {
	for _, g := range p.Guardrails {
		f.Guardrails = append(f.Guardrails, guardrailCheckSrc{Name: g.Name, Enforcement: string(g.Enforcement), Source: g.Source, Checked: g.Checked, Failed: g.Failed, Unknown: g.Unknown})
	}
	for _, v := range p.Verdicts {
		vs := verdictSrc{Guardrail: v.Guardrail, Enforcement: string(v.Enforcement), Address: v.Address, Result: string(v.Result), Message: v.Message}
		if o := v.Override; o != nil {
			vs.Override = &overrideSrc{Reason: o.Reason, Actor: o.Actor, Time: o.Time}
		}
		f.Verdicts = append(f.Verdicts, vs)
	}
}

func decodeRailings(f *planFile, p *Plan) error {
	for _, gs := range f.Guardrails {
		if !slices.Contains(enforcements, Enforcement(gs.Enforcement)) || !slices.Contains(guardrailSources, gs.Source) {
			return planFileErr("guardrail "+gs.Name, fmt.Errorf("unknown enforcement %q or source %q", gs.Enforcement, gs.Source))
		}
		p.Guardrails = append(p.Guardrails, &GuardrailCheck{Name: gs.Name, Enforcement: Enforcement(gs.Enforcement), Source: gs.Source, Checked: gs.Checked, Failed: gs.Failed, Unknown: gs.Unknown})
	}
	for _, vs := range f.Verdicts {
		if !slices.Contains(enforcements, Enforcement(vs.Enforcement)) || !slices.Contains(verdictResults, VerdictResult(vs.Result)) {
			return planFileErr("verdict of "+vs.Guardrail, fmt.Errorf("unknown enforcement %q or result %q", vs.Enforcement, vs.Result))
		}
		v := &Verdict{Guardrail: vs.Guardrail, Enforcement: Enforcement(vs.Enforcement), Address: vs.Address, Result: VerdictResult(vs.Result), Message: vs.Message}
		if o := vs.Override; o != nil {
			v.Override = &Override{Guardrail: vs.Guardrail, Reason: o.Reason, Actor: o.Actor, Time: o.Time}
		}
		p.Verdicts = append(p.Verdicts, v)
	}
	return nil
}

func encodeConstraints(cs []Constraint) []constraintSrc {
	var out []constraintSrc
	for _, c := range cs {
		out = append(out, constraintSrc{Kind: c.Kind, Status: string(c.Status), Detail: c.Detail, Hint: c.Hint, Environment: c.Environment, Upstream: c.Upstream, SoakNs: int64(c.Soak)})
	}
	return out
}

func decodeConstraints(in []constraintSrc) ([]Constraint, error) {
	var out []Constraint
	for _, c := range in {
		if !slices.Contains(constraintKindSet, c.Kind) || !slices.Contains(constraintStates, ConstraintStatus(c.Status)) {
			return nil, fmt.Errorf("unknown constraint kind %q or status %q", c.Kind, c.Status)
		}
		out = append(out, Constraint{Kind: c.Kind, Status: ConstraintStatus(c.Status), Detail: c.Detail, Hint: c.Hint, Environment: c.Environment, Upstream: c.Upstream, Soak: time.Duration(c.SoakNs)})
	}
	return out, nil
}
