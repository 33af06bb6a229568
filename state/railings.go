package state

import (
	"slices"
	"time"
)

// Environment is what tack records about an environment besides its
// clusters: the versions approved for its clusters, the versions vetoed in
// it, and the version it is pinned to, each with who decided, when and
// why. `tack approve`, `tack veto` and `tack pin` write them; the planner
// reads them.
type Environment struct {
	Name      string
	Approvals []*Decision // Cluster and Version set
	Vetoes    []*Decision // Version set
	// Pin is the version the environment's clusters are held at, or nil.
	Pin *Decision
}

// Decision is one recorded approval, veto or pin.
type Decision struct {
	// Cluster is the cluster an approval is for, "api-prod"; empty for
	// vetoes and pins, which hold for the whole environment.
	Cluster string
	Version string
	// Actor is who decided: TACK_ACTOR, or the operating system's user.
	Actor  string
	Reason string
	Time   time.Time
}

// Approved reports whether version is approved for cluster.
func (e *Environment) Approved(cluster, version string) *Decision {
	if e == nil {
		return nil
	}
	for _, d := range e.Approvals {
		if d.Cluster == cluster && d.Version == version {
			return d
		}
	}
	return nil
}

// Vetoed returns the veto of version, or nil.
func (e *Environment) Vetoed(version string) *Decision {
	if e == nil {
		return nil
	}
	for _, d := range e.Vetoes {
		if d.Version == version {
			return d
		}
	}
	return nil
}

// Empty reports whether e records nothing.
func (e *Environment) Empty() bool {
	return e == nil || len(e.Approvals) == 0 && len(e.Vetoes) == 0 && e.Pin == nil
}

// DeepCopy returns a copy of e that shares nothing mutable with it.
func (e *Environment) DeepCopy() *Environment {
	if e == nil {
		return nil
	}
	ret := &Environment{Name: e.Name, Approvals: copyDecisions(e.Approvals), Vetoes: copyDecisions(e.Vetoes)}
	if e.Pin != nil {
		p := *e.Pin
		ret.Pin = &p
	}
	return ret
}

func copyDecisions(ds []*Decision) []*Decision {
	if ds == nil {
		return nil
	}
	out := make([]*Decision, len(ds))
	for i, d := range ds {
		d2 := *d
		out[i] = &d2
	}
	return out
}

// Override records that an apply went ahead although an overridable
// guardrail failed: which guardrail, on which changes, with what message,
// and who let it through, when and why.
type Override struct {
	Guardrail string // "guardrail.prod-keeps-two", "policy.main"
	// Changes are the addresses of the planned changes it failed on,
	// "cluster.api-prod"; empty for a policy result that named none.
	Changes []string
	Message string
	Actor   string
	Reason  string
	Time    time.Time
}

// DeepCopy returns a copy of o that shares nothing mutable with it.
func (o *Override) DeepCopy() *Override {
	if o == nil {
		return nil
	}
	ret := *o
	ret.Changes = slices.Clone(o.Changes)
	return &ret
}
