package planner

import (
	"context"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/config"
	"github.com/tackhq/tack/config/addrs"
	"github.com/tackhq/tack/state"
)

// nodeLocal evaluates one local value.
type nodeLocal struct{ l *config.Local }

func (n *nodeLocal) name() string { return addrs.LocalValue{Name: n.l.Name}.String() }

func (n *nodeLocal) references() []*addrs.Reference {
	refs, _ := config.References(n.l.Expr)
	return refs
}

func (n *nodeLocal) execute(_ context.Context, w *walker) hcl.Diagnostics {
	v, diags := w.newScope().EvalExpr(n.l.Expr, cty.DynamicPseudoType)
	w.setLocal(n.l.Name, v)
	return diags
}

// nodeOutput evaluates one root module output; during apply it records
// the value in the state.
type nodeOutput struct{ o *config.Output }

func (n *nodeOutput) name() string { return addrs.OutputValue{Name: n.o.Name}.String() }

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
	v, diags := w.newScope().EvalExpr(n.o.Expr, cty.DynamicPseudoType)
	if diags.HasErrors() {
		return diags
	}
	if n.o.Sensitive {
		v = v.Mark(config.Sensitive)
	}
	w.mu.Lock()
	w.outputs[n.o.Name] = v
	w.mu.Unlock()
	if w.applying != nil && v.IsWhollyKnown() {
		w.applying.setOutput(n.o.Name, &state.Output{Value: v, Sensitive: n.o.Sensitive || v.ContainsMarked()})
	}
	return nil
}
