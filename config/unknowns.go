package config

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/config/addrs"
)

// validationScope is the scope of module c when nothing has been planned:
// every value an expression refers to is unknown, of the most precise
// type the configuration and schemas tell. Expressions still fail when
// they would fail whatever the values (a function given a number for a
// list, a file that is not there, a list where a string belongs).
func validationScope(c *Config, schemas Schemas) *Scope {
	root := c
	for root.Parent != nil {
		root = root.Parent
	}
	return &Scope{
		Data:      unknownData{m: c.Module, schemas: schemas},
		ModuleDir: c.Module.Dir,
		RootDir:   root.Module.Dir,
		Pure:      true,
		// Misplaced count, each and self are CheckReferences' to report;
		// here they are unknowns like everything else.
		Count:     cty.UnknownVal(cty.Number),
		EachKey:   cty.UnknownVal(cty.String),
		EachValue: cty.DynamicVal,
		Self:      cty.DynamicVal,
	}
}

type unknownData struct {
	m       *Module
	schemas Schemas // nil when no schemas are known
}

func (d unknownData) Value(addr addrs.Referenceable, _ hcl.Range) (cty.Value, hcl.Diagnostics) {
	switch a := addr.(type) {
	case addrs.InputVariable:
		v, ok := d.m.Variables[a.Name]
		if !ok {
			return cty.DynamicVal, nil
		}
		val := cty.UnknownVal(v.Type)
		if v.Sensitive {
			val = val.Mark(Sensitive)
		}
		return val, nil
	case addrs.Resource:
		set := d.m.Resources
		mode := ManagedMode
		if a.Mode == addrs.DataResourceMode {
			set, mode = d.m.DataResources, DataMode
		}
		r, ok := set[a.Type+"."+a.Name]
		if !ok || r.Count != nil || r.ForEach != nil || d.schemas == nil {
			return cty.DynamicVal, nil
		}
		if block, ok := d.schemas.ResourceSchema(r.ProviderName(), mode, r.Type); ok {
			return cty.UnknownVal(block.ImpliedType()), nil
		}
	}
	return cty.DynamicVal, nil
}

// CheckExpressions evaluates the expressions of every local value and
// output of the tree with unknown values, reporting those that fail
// whatever the values will be.
func (c *Config) CheckExpressions() hcl.Diagnostics {
	scope := validationScope(c, nil)
	var diags hcl.Diagnostics
	m := c.Module
	for _, name := range sortedKeys(m.Locals) {
		_, d := scope.EvalExpr(m.Locals[name].Expr, cty.DynamicPseudoType)
		diags = append(diags, d...)
	}
	for _, name := range sortedKeys(m.Outputs) {
		_, d := scope.EvalExpr(m.Outputs[name].Expr, cty.DynamicPseudoType)
		diags = append(diags, d...)
	}
	for _, name := range sortedKeys(c.Children) {
		diags = append(diags, c.Children[name].CheckExpressions()...)
	}
	sortByPosition(diags)
	return diags
}
