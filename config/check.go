package config

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/tackhq/tack/config/addrs"
)

// CheckReferences reports references to objects a module does not
// declare (with a suggestion when a declared name is close), and
// count.index or each.* where the block has no count or for_each, in
// every module of the tree. It reads the expressions of locals, outputs'
// values, resource and module bodies with their count and for_each,
// clusters and applications' owners, in HCL's native syntax; depends_on
// lists, provider blocks, policy and environment settings and JSON bodies
// are checked when they are evaluated. Guardrail conditions and messages
// may refer to change, the planned change they judge.
func (c *Config) CheckReferences() hcl.Diagnostics {
	diags := c.Module.checkReferences(c.Children)
	for _, name := range sortedKeys(c.Children) {
		diags = append(diags, c.Children[name].CheckReferences()...)
	}
	sortByPosition(diags)
	return diags
}

// refScope is what a block's expressions may use besides the module's
// declarations.
type refScope struct {
	count, forEach bool
	// change is set in a guardrail, which judges a planned change.
	change bool
}

func (m *Module) checkReferences(children map[string]*Config) hcl.Diagnostics {
	var diags hcl.Diagnostics
	check := func(scope refScope, exprs ...hcl.Expression) {
		for _, e := range exprs {
			if e == nil {
				continue
			}
			refs, rdiags := References(e)
			diags = append(diags, rdiags...)
			for _, ref := range refs {
				diags = append(diags, m.checkRef(ref, scope, children)...)
			}
		}
	}
	none := refScope{}
	for _, name := range sortedKeys(m.Locals) {
		check(none, m.Locals[name].Expr)
	}
	for _, name := range sortedKeys(m.Outputs) {
		check(none, m.Outputs[name].Expr)
	}
	for _, set := range []map[string]*Resource{m.Resources, m.DataResources} {
		for _, key := range sortedKeys(set) {
			r := set[key]
			check(none, r.Count, r.ForEach)
			check(refScope{count: r.Count != nil, forEach: r.ForEach != nil}, bodyExprs(r.Config, resourceSchema)...)
		}
	}
	for _, name := range sortedKeys(m.ModuleCalls) {
		mc := m.ModuleCalls[name]
		check(none, mc.Count, mc.ForEach)
		check(refScope{count: mc.Count != nil, forEach: mc.ForEach != nil}, bodyExprs(mc.Config, moduleSchema)...)
	}
	for _, name := range sortedKeys(m.Clusters) {
		cl := m.Clusters[name]
		check(none, cl.Application, cl.Stack, cl.Detail, cl.Delivery, cl.Environment, cl.LoadBalancers)
		if cl.Capacity != nil {
			check(none, cl.Capacity.Min, cl.Capacity.Desired, cl.Capacity.Max)
		}
		check(none, bodyExprs(cl.ServerGroup, nil)...)
	}
	for _, name := range sortedKeys(m.Applications) {
		check(none, m.Applications[name].Owner, m.Applications[name].Description)
	}
	diags = append(diags, m.checkEnvironments()...)
	for _, name := range sortedKeys(m.Guardrails) {
		g := m.Guardrails[name]
		check(none, g.AppliesTo, g.Enabled, g.MaxDrop)
		check(refScope{change: true}, g.Condition, g.Message)
	}
	return diags
}

// bodyExprs lists every expression of a body written in HCL's native
// syntax, nested blocks included, leaving out the top-level arguments and
// blocks of skip (the meta-arguments a remainder body still holds in its
// syntax tree). A JSON body's expressions are found only once its schema
// is known, so it gives none here.
func bodyExprs(body hcl.Body, skip *hcl.BodySchema) []hcl.Expression {
	sb, ok := body.(*hclsyntax.Body)
	if !ok {
		return nil
	}
	skipped := map[string]bool{}
	if skip != nil {
		for _, a := range skip.Attributes {
			skipped[a.Name] = true
		}
		for _, b := range skip.Blocks {
			skipped[b.Type] = true
		}
	}
	var out []hcl.Expression
	for _, name := range sortedKeys(sb.Attributes) {
		if !skipped[name] {
			out = append(out, sb.Attributes[name].Expr)
		}
	}
	for _, b := range sb.Blocks {
		if !skipped[b.Type] {
			out = append(out, bodyExprs(b.Body, nil)...)
		}
	}
	return out
}

// checkRef reports a reference to something the module does not have.
func (m *Module) checkRef(ref *addrs.Reference, scope refScope, children map[string]*Config) hcl.Diagnostics {
	missing := func(kind, name string, declared []string, how string) hcl.Diagnostics {
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Reference to undeclared " + kind,
			Detail:   strings.TrimSpace(fmt.Sprintf("This module declares no %s named %q.%s %s", kind, name, Suggest(name, declared), how)),
			Subject:  ref.SourceRange.Ptr(),
		}}
	}
	switch s := ref.Subject.(type) {
	case addrs.InputVariable:
		if _, ok := m.Variables[s.Name]; !ok {
			return missing("input variable", s.Name, sortedKeys(m.Variables), fmt.Sprintf("Declare it with a variable %q block.", s.Name))
		}
	case addrs.LocalValue:
		if _, ok := m.Locals[s.Name]; !ok {
			return missing("local value", s.Name, sortedKeys(m.Locals), "Declare it in a locals block.")
		}
	case addrs.ModuleCall:
		if _, ok := m.ModuleCalls[s.Name]; !ok {
			return missing("module", s.Name, sortedKeys(m.ModuleCalls), "Call it with a module block.")
		}
	case addrs.ModuleCallOutput:
		if _, ok := m.ModuleCalls[s.Call.Name]; !ok {
			return missing("module", s.Call.Name, sortedKeys(m.ModuleCalls), "Call it with a module block.")
		}
		if child := children[s.Call.Name]; child != nil {
			if _, ok := child.Module.Outputs[s.Name]; !ok {
				return hcl.Diagnostics{{
					Severity: hcl.DiagError,
					Summary:  "Reference to undeclared module output",
					Detail: strings.TrimSpace(fmt.Sprintf("Module %q declares no output %q.%s Add an output block to the module, or refer to one it has.",
						s.Call.Name, s.Name, Suggest(s.Name, sortedKeys(child.Module.Outputs)))),
					Subject: ref.SourceRange.Ptr(),
				}}
			}
		}
	case addrs.Resource:
		return m.checkResourceRef(s, missing)
	case addrs.ResourceInstance:
		return m.checkResourceRef(s.Resource, missing)
	case addrs.Cluster:
		if _, ok := m.Clusters[s.Name]; !ok {
			return missing("cluster", s.Name, sortedKeys(m.Clusters), "")
		}
	case addrs.Application:
		if _, ok := m.Applications[s.Name]; !ok {
			return missing("application", s.Name, sortedKeys(m.Applications), "")
		}
	case addrs.DeliveryPolicy:
		if _, ok := m.DeliveryPolicies[s.Name]; !ok {
			return missing("delivery policy", s.Name, sortedKeys(m.DeliveryPolicies), "")
		}
	case addrs.Environment:
		if _, ok := m.Environments[s.Name]; !ok {
			return missing("environment", s.Name, sortedKeys(m.Environments), "")
		}
	case addrs.Guardrail:
		if _, ok := m.Guardrails[s.Name]; !ok {
			return missing("guardrail", s.Name, sortedKeys(m.Guardrails), "")
		}
	case addrs.CountAttr:
		if !scope.count {
			return hcl.Diagnostics{{
				Severity: hcl.DiagError,
				Summary:  `Reference to "count" in a block without count`,
				Detail:   "count.index is the index of an instance, so it exists only in a block that sets count.",
				Subject:  ref.SourceRange.Ptr(),
			}}
		}
	case addrs.PlannedChange:
		if !scope.change {
			return hcl.Diagnostics{{
				Severity: hcl.DiagError,
				Summary:  `Reference to "change" outside a guardrail`,
				Detail:   "change is the planned change a guardrail judges, so it exists only in a guardrail's condition and message.",
				Subject:  ref.SourceRange.Ptr(),
			}}
		}
	case addrs.ForEachAttr:
		if !scope.forEach {
			return hcl.Diagnostics{{
				Severity: hcl.DiagError,
				Summary:  `Reference to "each" in a block without for_each`,
				Detail:   "each.key and each.value describe an instance of a block that sets for_each, so they exist only there.",
				Subject:  ref.SourceRange.Ptr(),
			}}
		}
	}
	return nil
}

func (m *Module) checkResourceRef(r addrs.Resource, missing func(kind, name string, declared []string, how string) hcl.Diagnostics) hcl.Diagnostics {
	key := r.Type + "." + r.Name
	set, kind, block := m.Resources, "resource", "resource"
	if r.Mode == addrs.DataResourceMode {
		set, kind, block = m.DataResources, "data source", "data"
	}
	if _, ok := set[key]; ok {
		return nil
	}
	return missing(kind, key, sortedKeys(set), fmt.Sprintf("Declare it with a %s %q %q block.", block, r.Type, r.Name))
}

// checkEnvironments reports an environment's depends_on naming one the
// module does not declare, and environments that depend on each other in
// a circle: promotion would wait forever.
func (m *Module) checkEnvironments() hcl.Diagnostics {
	var diags hcl.Diagnostics
	names := sortedKeys(m.Environments)
	for _, name := range names {
		e := m.Environments[name]
		for i, up := range e.Upstream {
			if _, ok := m.Environments[up]; !ok {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Reference to undeclared environment",
					Detail:   strings.TrimSpace(fmt.Sprintf("This module declares no environment named %q.%s", up, Suggest(up, names))),
					Subject:  e.DependsOn[i].SourceRange().Ptr(),
				})
			}
		}
	}
	// A depth-first walk: an environment met again while its own
	// dependencies are being walked closes a circle.
	state := map[string]int{} // 1 walking, 2 done
	var path []string
	var walk func(string) []string
	walk = func(name string) []string {
		switch state[name] {
		case 1:
			return append(slices.Clone(path[slices.Index(path, name):]), name)
		case 2:
			return nil
		}
		state[name] = 1
		path = append(path, name)
		if e := m.Environments[name]; e != nil {
			for _, up := range e.Upstream {
				if c := walk(up); c != nil {
					return c
				}
			}
		}
		path = path[:len(path)-1]
		state[name] = 2
		return nil
	}
	for _, name := range names {
		if c := walk(name); c != nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Environments depend on each other",
				Detail:   fmt.Sprintf("Promotion runs in a circle: %s. A version could reach none of them first; remove one of the dependencies.", strings.Join(c, " -> ")),
				Subject:  m.Environments[c[0]].DeclRange.Ptr(),
			})
			break
		}
	}
	return diags
}
