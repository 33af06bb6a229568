package planner

import (
	"context"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/config"
	"github.com/tackhq/tack/config/addrs"
	"github.com/tackhq/tack/state"
)

// nodeLocal evaluates one local value, in every instance of its module.
type nodeLocal struct {
	path addrs.Module
	l    *config.Local
}

func (n *nodeLocal) name() string { return prefix(n.path) + addrs.LocalValue{Name: n.l.Name}.String() }

func (n *nodeLocal) module() addrs.Module { return n.path }

func (n *nodeLocal) references() []*addrs.Reference {
	refs, _ := config.References(n.l.Expr)
	return refs
}

func (n *nodeLocal) execute(_ context.Context, w *walker) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, inst := range w.moduleInstances(n.path) {
		v, d := w.scope(inst).EvalExpr(n.l.Expr, cty.DynamicPseudoType)
		diags = append(diags, d...)
		w.setLocal(inst, n.l.Name, v)
	}
	return diags
}

// nodeOutput evaluates one output in every instance of its module; during
// apply the root module's are recorded in the state.
type nodeOutput struct {
	path addrs.Module
	o    *config.Output
}

func (n *nodeOutput) name() string {
	return prefix(n.path) + addrs.OutputValue{Name: n.o.Name}.String()
}

func (n *nodeOutput) module() addrs.Module { return n.path }

func (n *nodeOutput) references() []*addrs.Reference {
	refs, _ := config.References(n.o.Expr)
	for _, t := range n.o.DependsOn {
		if r, d := addrs.ParseRef(t); !d.HasErrors() {
			refs = append(refs, r)
		}
	}
	return refs
}

func (n *nodeOutput) execute(_ context.Context, w *walker) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, inst := range w.moduleInstances(n.path) {
		v, d := w.scope(inst).EvalExpr(n.o.Expr, cty.DynamicPseudoType)
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		if n.o.Sensitive {
			v = v.Mark(config.Sensitive)
		}
		w.setOutput(inst, n.o.Name, v)
		// A targeted apply leaves outputs as they were: they may depend
		// on objects the plan did not look at.
		if inst.IsRoot() && w.applying != nil && v.IsWhollyKnown() && len(w.plan.Targets) == 0 {
			w.applying.setOutput(n.o.Name, &state.Output{Value: v, Sensitive: n.o.Sensitive || v.ContainsMarked()})
		}
	}
	return diags
}
