package config

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/config/addrs"
)

// CheckModuleCalls reports, for every module call in the tree, arguments
// the called module declares no variable for (with a suggestion) and
// variables without a default that the call leaves out.
func (c *Config) CheckModuleCalls() hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, name := range sortedKeys(c.Children) {
		child := c.Children[name]
		call := c.Module.ModuleCalls[name]
		diags = append(diags, checkCallArgs(call, child.Module)...)
		diags = append(diags, child.CheckModuleCalls()...)
	}
	sortByPosition(diags)
	return diags
}

func checkCallArgs(call *ModuleCall, child *Module) hcl.Diagnostics {
	attrs, diags := call.Config.JustAttributes()
	for _, name := range sortedKeys(attrs) {
		if _, ok := child.Variables[name]; !ok {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Unsupported argument",
				Detail: strings.TrimSpace(fmt.Sprintf("Module %q declares no variable %q, so it takes no such argument.%s",
					call.Name, name, Suggest(name, sortedKeys(child.Variables)))),
				Subject: attrs[name].NameRange.Ptr(),
			})
		}
	}
	for _, name := range sortedKeys(child.Variables) {
		v := child.Variables[name]
		if _, given := attrs[name]; !given && v.Default == cty.NilVal {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Missing required argument",
				Detail:   fmt.Sprintf("Module %q needs a value for its variable %q, which has no default: add %s = … to the module block.", call.Name, name, name),
				Subject:  call.DeclRange.Ptr(),
			})
		}
	}
	return diags
}

// CheckLocalCycles reports cycles among a module's local values, which can
// never be evaluated. Each report names the locals of one circle; where
// circles overlap, a search may report only some of them, but a module
// with any cycle always gets at least one error.
func (c *Config) CheckLocalCycles() hcl.Diagnostics {
	diags := c.Module.checkLocalCycles()
	for _, name := range sortedKeys(c.Children) {
		diags = append(diags, c.Children[name].CheckLocalCycles()...)
	}
	return diags
}

func (m *Module) checkLocalCycles() hcl.Diagnostics {
	deps := map[string][]string{}
	for _, name := range sortedKeys(m.Locals) {
		refs, _ := References(m.Locals[name].Expr)
		for _, r := range refs {
			if l, ok := r.Subject.(addrs.LocalValue); ok {
				if _, declared := m.Locals[l.Name]; declared {
					deps[name] = append(deps[name], l.Name)
				}
			}
		}
	}
	// Depth-first search; a back edge closes a cycle, reported once from
	// the name that sorts first on it.
	const (
		unvisited = iota
		active
		done
	)
	state := map[string]int{}
	var stack []string
	var diags hcl.Diagnostics
	reported := map[string]bool{}
	var visit func(string)
	visit = func(n string) {
		state[n] = active
		stack = append(stack, n)
		for _, d := range deps[n] {
			switch state[d] {
			case unvisited:
				visit(d)
			case active:
				i := len(stack) - 1
				for stack[i] != d {
					i--
				}
				cycle := rotateToMin(append([]string(nil), stack[i:]...))
				key := strings.Join(cycle, ",")
				if reported[key] {
					continue
				}
				reported[key] = true
				first := m.Locals[cycle[0]]
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Cycle among local values",
					Detail: fmt.Sprintf("These local values refer to each other in a circle, so none of them can be evaluated: %s. Break the circle by making one of them depend on something else.",
						describeCycle(cycle)),
					Subject: first.DeclRange.Ptr(),
				})
			}
		}
		stack = stack[:len(stack)-1]
		state[n] = done
	}
	for _, name := range sortedKeys(m.Locals) {
		if state[name] == unvisited {
			visit(name)
		}
	}
	return diags
}

func rotateToMin(cycle []string) []string {
	min := 0
	for i := range cycle {
		if cycle[i] < cycle[min] {
			min = i
		}
	}
	return append(cycle[min:], cycle[:min]...)
}

func describeCycle(cycle []string) string {
	parts := make([]string, 0, len(cycle)+1)
	for _, n := range cycle {
		parts = append(parts, "local."+n)
	}
	parts = append(parts, "local."+cycle[0])
	return strings.Join(parts, " → ")
}
