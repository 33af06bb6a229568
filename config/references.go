package config

import (
	"github.com/hashicorp/hcl/v2"

	"github.com/tackhq/tack/config/addrs"
)

// Addr is the resource's address within its module.
func (r *Resource) Addr() addrs.Resource {
	mode := addrs.ManagedResourceMode
	if r.Mode == DataMode {
		mode = addrs.DataResourceMode
	}
	return addrs.Resource{Mode: mode, Type: r.Type, Name: r.Name}
}

// References returns the objects expr refers to, as typed addresses, in
// the order they appear; a malformed reference is a diagnostic at its
// place. The planner builds its dependency graph from these.
func References(expr hcl.Expression) ([]*addrs.Reference, hcl.Diagnostics) {
	if expr == nil {
		return nil, nil
	}
	return traversalReferences(expr.Variables())
}

func traversalReferences(ts []hcl.Traversal) ([]*addrs.Reference, hcl.Diagnostics) {
	var refs []*addrs.Reference
	var diags hcl.Diagnostics
	for _, t := range ts {
		ref, rdiags := addrs.ParseRef(t)
		diags = append(diags, rdiags...)
		if ref != nil {
			refs = append(refs, ref)
		}
	}
	return refs, diags
}
