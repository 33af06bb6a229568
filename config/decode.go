package config

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
)

// This file decodes each top-level block. Decoders return what they could
// decode even with errors, so that loading goes on and reports more.

func checkName(kind, name string, rng hcl.Range) hcl.Diagnostics {
	if hclsyntax.ValidIdentifier(name) {
		return nil
	}
	return hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "Invalid " + kind + " name",
		Detail:   fmt.Sprintf("%q is not a valid %s name. A name must start with a letter or underscore and may contain only letters, digits, underscores and dashes.", name, kind),
		Subject:  rng.Ptr(),
	}}
}

// literalString evaluates an attribute that must be a constant string
// (no references), such as a description or a module source.
func literalString(attr *hcl.Attribute, what string) (string, hcl.Diagnostics) {
	v, diags := attr.Expr.Value(nil)
	if diags.HasErrors() {
		return "", hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Constant string required",
			Detail:   fmt.Sprintf("The %s must be a literal string: it is read before anything can be evaluated, so it cannot refer to variables or other objects.", what),
			Subject:  attr.Expr.Range().Ptr(),
		}}
	}
	s, err := convert.Convert(v, cty.String)
	if err != nil || s.IsNull() {
		return "", hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid " + what,
			Detail:   fmt.Sprintf("The %s must be a string.", what),
			Subject:  attr.Expr.Range().Ptr(),
		}}
	}
	return s.AsString(), nil
}

func literalBool(attr *hcl.Attribute, what string) (bool, hcl.Diagnostics) {
	v, diags := attr.Expr.Value(nil)
	if !diags.HasErrors() {
		if b, err := convert.Convert(v, cty.Bool); err == nil && !b.IsNull() {
			return b.True(), nil
		}
	}
	return false, hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "Invalid " + what,
		Detail:   fmt.Sprintf("The %s must be true or false, written literally.", what),
		Subject:  attr.Expr.Range().Ptr(),
	}}
}

const objectRefsExample = "[aws_lb.web, module.net]"

// traversals decodes a list of static references, as depends_on and
// ignore_changes take.
func traversals(attr *hcl.Attribute, what, example string) ([]hcl.Traversal, hcl.Diagnostics) {
	exprs, diags := hcl.ExprList(attr.Expr)
	if diags.HasErrors() {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid " + what,
			Detail:   fmt.Sprintf("The %s must be a list of references, such as %s.", what, example),
			Subject:  attr.Expr.Range().Ptr(),
		}}
	}
	var out []hcl.Traversal
	for _, e := range exprs {
		t, tdiags := hcl.AbsTraversalForExpr(e)
		if tdiags.HasErrors() {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid reference in " + what,
				Detail:   fmt.Sprintf("Only references are allowed here, without quotes, such as %s; not strings or other expressions.", example),
				Subject:  e.Range().Ptr(),
			})
			continue
		}
		out = append(out, t)
	}
	return out, diags
}

func decodeProviderRef(attr *hcl.Attribute) (*ProviderRef, hcl.Diagnostics) {
	t, diags := hcl.AbsTraversalForExpr(attr.Expr)
	if !diags.HasErrors() && (len(t) == 1 || len(t) == 2) {
		ref := &ProviderRef{Name: t.RootName(), Range: attr.Expr.Range()}
		if len(t) == 2 {
			if a, ok := t[1].(hcl.TraverseAttr); ok {
				ref.Alias = a.Name
				return ref, nil
			}
		} else {
			return ref, nil
		}
	}
	return nil, hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "Invalid provider reference",
		Detail:   "A provider is referred to by its name, or its name and alias, without quotes: local, or aws.west.",
		Subject:  attr.Expr.Range().Ptr(),
	}}
}

var providerSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "alias"}}}

func decodeProvider(block *hcl.Block) (*Provider, hcl.Diagnostics) {
	content, config, diags := block.Body.PartialContent(providerSchema)
	p := &Provider{Name: block.Labels[0], Config: config, DeclRange: block.DefRange}
	diags = append(diags, checkName("provider", p.Name, block.LabelRanges[0])...)
	if attr, ok := content.Attributes["alias"]; ok {
		alias, adiags := literalString(attr, "provider alias")
		diags = append(diags, adiags...)
		if !adiags.HasErrors() {
			diags = append(diags, checkName("provider alias", alias, attr.Expr.Range())...)
		}
		p.Alias = alias
	}
	return p, diags
}

var variableSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "type"}, {Name: "default"}, {Name: "description"}, {Name: "sensitive"}, {Name: "nullable"},
	},
	Blocks: []hcl.BlockHeaderSchema{{Type: "validation"}},
}

var validationSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "condition", Required: true}, {Name: "error_message", Required: true}},
}

func decodeVariable(block *hcl.Block) (*Variable, hcl.Diagnostics) {
	v := &Variable{Name: block.Labels[0], Type: cty.DynamicPseudoType, Nullable: true, DeclRange: block.DefRange}
	diags := checkName("variable", v.Name, block.LabelRanges[0])
	content, cdiags := block.Body.Content(variableSchema)
	diags = append(diags, cdiags...)
	if attr, ok := content.Attributes["type"]; ok {
		ty, defaults, tdiags := typeexpr.TypeConstraintWithDefaults(attr.Expr)
		diags = append(diags, tdiags...)
		if !tdiags.HasErrors() {
			v.Type, v.Defaults = ty, defaults
		}
	}
	if attr, ok := content.Attributes["description"]; ok {
		d, ddiags := literalString(attr, "variable description")
		diags = append(diags, ddiags...)
		v.Description = d
	}
	if attr, ok := content.Attributes["sensitive"]; ok {
		b, bdiags := literalBool(attr, "sensitive flag")
		diags = append(diags, bdiags...)
		v.Sensitive = b
	}
	if attr, ok := content.Attributes["nullable"]; ok {
		b, bdiags := literalBool(attr, "nullable flag")
		diags = append(diags, bdiags...)
		v.Nullable = b
	}
	if attr, ok := content.Attributes["default"]; ok {
		val, vdiags := attr.Expr.Value(nil)
		diags = append(diags, vdiags...)
		if !vdiags.HasErrors() {
			if v.Defaults != nil {
				val = v.Defaults.Apply(val)
			}
			converted, err := convert.Convert(val, v.Type)
			switch {
			case err != nil:
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid default value for variable",
					Detail:   fmt.Sprintf("The default of variable %q does not fit its type %s: %s.", v.Name, typeexpr.TypeString(v.Type), err),
					Subject:  attr.Expr.Range().Ptr(),
				})
			case converted.IsNull() && !v.Nullable:
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid default value for variable",
					Detail:   fmt.Sprintf("Variable %q is not nullable, so its default cannot be null.", v.Name),
					Subject:  attr.Expr.Range().Ptr(),
				})
			default:
				v.Default = converted
			}
		}
	}
	for _, b := range content.Blocks {
		vc, vdiags := b.Body.Content(validationSchema)
		diags = append(diags, vdiags...)
		val := &Validation{DeclRange: b.DefRange}
		if a, ok := vc.Attributes["condition"]; ok {
			val.Condition = a.Expr
			diags = append(diags, checkSelfReferenceOnly(a.Expr, "var", v.Name)...)
		}
		if a, ok := vc.Attributes["error_message"]; ok {
			val.ErrorMessage = a.Expr
		}
		v.Validations = append(v.Validations, val)
	}
	return v, diags
}

// checkSelfReferenceOnly requires a variable's validation to refer to
// nothing but the variable itself, which is all it can see.
func checkSelfReferenceOnly(expr hcl.Expression, root, name string) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, t := range expr.Variables() {
		ok := t.RootName() == root && len(t) >= 2
		if ok {
			if a, isAttr := t[1].(hcl.TraverseAttr); !isAttr || a.Name != name {
				ok = false
			}
		}
		if !ok {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid reference in variable validation",
				Detail:   fmt.Sprintf("A validation of variable %q can refer only to var.%s.", name, name),
				Subject:  t.SourceRange().Ptr(),
			})
		}
	}
	return diags
}

func decodeLocals(block *hcl.Block) ([]*Local, hcl.Diagnostics) {
	attrs, diags := block.Body.JustAttributes()
	var out []*Local
	for _, name := range sortedAttrNames(attrs) {
		attr := attrs[name]
		diags = append(diags, checkName("local value", name, attr.NameRange)...)
		out = append(out, &Local{Name: name, Expr: attr.Expr, DeclRange: attr.Range})
	}
	return out, diags
}

func sortedAttrNames(attrs hcl.Attributes) []string {
	names := make([]string, 0, len(attrs))
	for name := range attrs {
		names = append(names, name)
	}
	// By position, so that duplicates and diagnostics follow the file.
	sortByRange(names, func(n string) hcl.Range { return attrs[n].Range })
	return names
}

var outputSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "value", Required: true}, {Name: "description"}, {Name: "sensitive"}, {Name: "depends_on"}},
}

func decodeOutput(block *hcl.Block) (*Output, hcl.Diagnostics) {
	o := &Output{Name: block.Labels[0], DeclRange: block.DefRange}
	diags := checkName("output", o.Name, block.LabelRanges[0])
	content, cdiags := block.Body.Content(outputSchema)
	diags = append(diags, cdiags...)
	if attr, ok := content.Attributes["value"]; ok {
		o.Expr = attr.Expr
	}
	if attr, ok := content.Attributes["description"]; ok {
		d, ddiags := literalString(attr, "output description")
		diags = append(diags, ddiags...)
		o.Description = d
	}
	if attr, ok := content.Attributes["sensitive"]; ok {
		b, bdiags := literalBool(attr, "sensitive flag")
		diags = append(diags, bdiags...)
		o.Sensitive = b
	}
	if attr, ok := content.Attributes["depends_on"]; ok {
		t, tdiags := traversals(attr, "depends_on list", objectRefsExample)
		diags = append(diags, tdiags...)
		o.DependsOn = t
	}
	return o, diags
}

var resourceSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "count"}, {Name: "for_each"}, {Name: "depends_on"}, {Name: "provider"}},
	Blocks:     []hcl.BlockHeaderSchema{{Type: "lifecycle"}},
}

var lifecycleSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "prevent_destroy"}, {Name: "create_before_destroy"}, {Name: "ignore_changes"}, {Name: "replace_triggered_by"},
	},
}

func decodeResource(block *hcl.Block) (*Resource, hcl.Diagnostics) {
	r := &Resource{Mode: ManagedMode, Type: block.Labels[0], Name: block.Labels[1], DeclRange: block.DefRange, TypeRange: block.LabelRanges[0]}
	kind := "resource"
	if block.Type == "data" {
		r.Mode, kind = DataMode, "data source"
	}
	diags := checkName(kind+" type", r.Type, block.LabelRanges[0])
	diags = append(diags, checkName(kind, r.Name, block.LabelRanges[1])...)
	content, config, cdiags := partialContent(block.Body, resourceSchema)
	diags = append(diags, cdiags...)
	r.Config = config
	if attr, ok := content.Attributes["count"]; ok {
		r.Count = attr.Expr
		diags = append(diags, checkCount(attr)...)
	}
	if attr, ok := content.Attributes["for_each"]; ok {
		r.ForEach = attr.Expr
		diags = append(diags, checkForEach(attr)...)
	}
	if r.Count != nil && r.ForEach != nil {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Both count and for_each",
			Detail:   "A block may use count or for_each, not both: count makes numbered instances, for_each makes instances keyed by a map's keys or a set's values.",
			Subject:  content.Attributes["for_each"].NameRange.Ptr(),
		})
	}
	if attr, ok := content.Attributes["depends_on"]; ok {
		t, tdiags := traversals(attr, "depends_on list", objectRefsExample)
		diags = append(diags, tdiags...)
		r.DependsOn = t
	}
	if attr, ok := content.Attributes["provider"]; ok {
		ref, pdiags := decodeProviderRef(attr)
		diags = append(diags, pdiags...)
		r.ProviderRef = ref
	}
	for i, b := range content.Blocks {
		if i > 0 {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Duplicate lifecycle block",
				Detail:   "A resource has at most one lifecycle block; merge the two.",
				Subject:  b.DefRange.Ptr(),
			})
			continue
		}
		diags = append(diags, decodeLifecycle(b, r.Mode, &r.Lifecycle)...)
	}
	return r, diags
}

// partialContent is body.PartialContent(schema), without its copy of the
// body when the body uses none of the schema's names: a copy holds two
// maps of hidden names, and most resources, which set no meta-argument,
// kept one each for as long as the configuration lived (a twelfth of
// the memory of a plan of ten thousand).
func partialContent(body hcl.Body, schema *hcl.BodySchema) (*hcl.BodyContent, hcl.Body, hcl.Diagnostics) {
	sb, ok := body.(*hclsyntax.Body)
	if !ok {
		return body.PartialContent(schema)
	}
	for _, a := range schema.Attributes {
		if _, used := sb.Attributes[a.Name]; used || a.Required {
			return body.PartialContent(schema)
		}
	}
	for _, b := range sb.Blocks {
		for _, bs := range schema.Blocks {
			if b.Type == bs.Type {
				return body.PartialContent(schema)
			}
		}
	}
	return &hcl.BodyContent{Attributes: hcl.Attributes{}, MissingItemRange: sb.MissingItemRange()}, body, nil
}

func decodeLifecycle(block *hcl.Block, mode ResourceMode, lc *Lifecycle) hcl.Diagnostics {
	content, diags := block.Body.Content(lifecycleSchema)
	if mode == DataMode && len(content.Attributes) > 0 {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Lifecycle settings on a data source",
			Detail:   "prevent_destroy, create_before_destroy, ignore_changes and replace_triggered_by apply to managed resources only: a data source is read, never changed.",
			Subject:  block.DefRange.Ptr(),
		})
		return diags
	}
	if attr, ok := content.Attributes["prevent_destroy"]; ok {
		b, bdiags := literalBool(attr, "prevent_destroy setting")
		diags = append(diags, bdiags...)
		lc.PreventDestroy = b
	}
	if attr, ok := content.Attributes["create_before_destroy"]; ok {
		b, bdiags := literalBool(attr, "create_before_destroy setting")
		diags = append(diags, bdiags...)
		lc.CreateBeforeDestroy = b
	}
	if attr, ok := content.Attributes["ignore_changes"]; ok {
		if kw := hcl.ExprAsKeyword(attr.Expr); kw == "all" {
			lc.IgnoreAllChanges = true
		} else {
			t, tdiags := traversals(attr, "ignore_changes list", `[content, tags["env"]]`)
			diags = append(diags, tdiags...)
			lc.IgnoreChanges = t
		}
	}
	if attr, ok := content.Attributes["replace_triggered_by"]; ok {
		exprs, ediags := hcl.ExprList(attr.Expr)
		diags = append(diags, ediags...)
		lc.ReplaceTriggeredBy = exprs
	}
	return diags
}

var moduleSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "source", Required: true}, {Name: "count"}, {Name: "for_each"}, {Name: "depends_on"}},
}

func decodeModuleCall(block *hcl.Block) (*ModuleCall, hcl.Diagnostics) {
	mc := &ModuleCall{Name: block.Labels[0], DeclRange: block.DefRange}
	diags := checkName("module", mc.Name, block.LabelRanges[0])
	content, config, cdiags := block.Body.PartialContent(moduleSchema)
	diags = append(diags, cdiags...)
	mc.Config = config
	if attr, ok := content.Attributes["source"]; ok {
		s, sdiags := literalString(attr, "module source")
		diags = append(diags, sdiags...)
		mc.Source, mc.SourceRange = s, attr.Expr.Range()
		if !sdiags.HasErrors() && !strings.HasPrefix(s, "./") && !strings.HasPrefix(s, "../") {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Unsupported module source",
				Detail:   fmt.Sprintf("%q is not a local path. tack loads modules from directories next to the configuration: start the source with ./ or ../.", s),
				Subject:  attr.Expr.Range().Ptr(),
			})
		}
	}
	if attr, ok := content.Attributes["count"]; ok {
		mc.Count = attr.Expr
		diags = append(diags, checkCount(attr)...)
	}
	if attr, ok := content.Attributes["for_each"]; ok {
		mc.ForEach = attr.Expr
		diags = append(diags, checkForEach(attr)...)
	}
	if attr, ok := content.Attributes["depends_on"]; ok {
		t, tdiags := traversals(attr, "depends_on list", objectRefsExample)
		diags = append(diags, tdiags...)
		mc.DependsOn = t
	}
	return mc, diags
}

var movedSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "from", Required: true}, {Name: "to", Required: true}}}

func decodeMoved(block *hcl.Block) (*Moved, hcl.Diagnostics) {
	content, diags := block.Body.Content(movedSchema)
	mv := &Moved{DeclRange: block.DefRange}
	for name, target := range map[string]*hcl.Traversal{"from": &mv.From, "to": &mv.To} {
		attr, ok := content.Attributes[name]
		if !ok {
			continue
		}
		t, tdiags := hcl.AbsTraversalForExpr(attr.Expr)
		if tdiags.HasErrors() {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid address in moved block",
				Detail:   fmt.Sprintf("%s must be the address of a resource or module, such as local_file.old or module.net, without quotes.", name),
				Subject:  attr.Expr.Range().Ptr(),
			})
			continue
		}
		*target = t
	}
	if diags.HasErrors() {
		return nil, diags
	}
	return mv, diags
}

var importSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "to", Required: true}, {Name: "id", Required: true}}}

func decodeImport(block *hcl.Block) (*Import, hcl.Diagnostics) {
	content, diags := block.Body.Content(importSchema)
	imp := &Import{DeclRange: block.DefRange}
	if attr, ok := content.Attributes["to"]; ok {
		t, tdiags := hcl.AbsTraversalForExpr(attr.Expr)
		if tdiags.HasErrors() {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid address in import block",
				Detail:   "to must be the address of a resource, such as local_file.greeting, without quotes.",
				Subject:  attr.Expr.Range().Ptr(),
			})
		}
		imp.To = t
	}
	if attr, ok := content.Attributes["id"]; ok {
		imp.ID = attr.Expr
	}
	if diags.HasErrors() {
		return nil, diags
	}
	return imp, diags
}

var applicationSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "owner", Required: true}, {Name: "description"}}}

func decodeApplication(block *hcl.Block) (*Application, hcl.Diagnostics) {
	a := &Application{Name: block.Labels[0], DeclRange: block.DefRange}
	diags := checkSpinnakerPart("application", a.Name, block.LabelRanges[0])
	content, cdiags := block.Body.Content(applicationSchema)
	diags = append(diags, cdiags...)
	if attr, ok := content.Attributes["owner"]; ok {
		a.Owner = attr.Expr
	}
	if attr, ok := content.Attributes["description"]; ok {
		a.Description = attr.Expr
	}
	return a, diags
}

// spinnakerPart is one part of Spinnaker's app-stack-detail name.
var spinnakerPart = regexp.MustCompile(`^[A-Za-z0-9._]+$`)

// clusterDetail is the last part of a cluster name, which may itself hold
// hyphens.
var clusterDetail = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// checkSpinnakerPart checks an application name: one part of a cluster
// name, so no hyphen.
func checkSpinnakerPart(kind, name string, rng hcl.Range) hcl.Diagnostics {
	if spinnakerPart.MatchString(name) {
		return nil
	}
	return hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "Invalid " + kind + " name",
		Detail: fmt.Sprintf("%q is not a valid %s name. Names follow Spinnaker's naming: letters, digits, '.' and '_' only, because the hyphen separates the parts of a cluster name (app-stack-detail).",
			name, kind),
		Subject: rng.Ptr(),
	}}
}

// checkClusterName checks Spinnaker's app-stack-detail rule: one to three
// non-empty parts of letters, digits, '.' and '_', joined by hyphens (the
// detail may itself hold hyphens, as in Spinnaker).
func checkClusterName(name string, rng hcl.Range) hcl.Diagnostics {
	parts := strings.SplitN(name, "-", 3)
	ok := true
	for i, p := range parts {
		if p == "" && !(i == 1 && len(parts) == 3) { // "app--detail" has an empty stack
			ok = false
		}
		if i < 2 && p != "" && !spinnakerPart.MatchString(p) {
			ok = false
		}
		if i == 2 && !clusterDetail.MatchString(p) {
			ok = false
		}
	}
	if ok {
		return nil
	}
	return hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "Invalid cluster name",
		Detail: fmt.Sprintf("%q is not a valid cluster name. A cluster is named app-stack-detail, as in Spinnaker: the application, then optionally a stack and a detail, each of letters, digits, '.' and '_', joined by hyphens; for example api, api-prod or api-prod-canary.",
			name),
		Subject: rng.Ptr(),
	}}
}

var clusterSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "application", Required: true}, {Name: "stack"}, {Name: "detail"}, {Name: "provider", Required: true},
		{Name: "delivery"}, {Name: "environment"}, {Name: "load_balancers"},
	},
	Blocks: []hcl.BlockHeaderSchema{{Type: "capacity"}, {Type: "server_group"}},
}

var capacitySchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "min"}, {Name: "desired", Required: true}, {Name: "max"}},
}

func decodeCluster(block *hcl.Block) (*Cluster, hcl.Diagnostics) {
	c := &Cluster{Name: block.Labels[0], DeclRange: block.DefRange}
	diags := checkClusterName(c.Name, block.LabelRanges[0])
	content, cdiags := block.Body.Content(clusterSchema)
	diags = append(diags, cdiags...)
	for name, target := range map[string]*hcl.Expression{
		"application": &c.Application, "stack": &c.Stack, "detail": &c.Detail, "delivery": &c.Delivery,
		"environment": &c.Environment, "load_balancers": &c.LoadBalancers,
	} {
		if attr, ok := content.Attributes[name]; ok {
			*target = attr.Expr
		}
	}
	if attr, ok := content.Attributes["provider"]; ok {
		ref, pdiags := decodeProviderRef(attr)
		diags = append(diags, pdiags...)
		c.ProviderRef = ref
	}
	if attr, ok := content.Attributes["environment"]; ok {
		t, tdiags := hcl.AbsTraversalForExpr(attr.Expr)
		if tdiags.HasErrors() || len(t) != 2 || t.RootName() != "environment" {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid environment",
				Detail:   "A cluster's environment refers to an environment block, as in environment = environment.prod: promotion constraints are read before anything is evaluated.",
				Subject:  attr.Expr.Range().Ptr(),
			})
		} else if a, ok := t[1].(hcl.TraverseAttr); ok {
			c.EnvironmentName = a.Name
		}
	}
	blocks, bdiags := uniqueBlocks(content.Blocks, "cluster")
	diags = append(diags, bdiags...)
	for _, b := range blocks {
		switch b.Type {
		case "capacity":
			cc, ccdiags := b.Body.Content(capacitySchema)
			diags = append(diags, ccdiags...)
			c.Capacity = &Capacity{DeclRange: b.DefRange}
			for name, target := range map[string]*hcl.Expression{"min": &c.Capacity.Min, "desired": &c.Capacity.Desired, "max": &c.Capacity.Max} {
				if attr, ok := cc.Attributes[name]; ok {
					*target = attr.Expr
				}
			}
		case "server_group":
			c.ServerGroup = b.Body
		}
	}
	if c.ServerGroup == nil {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Missing server_group block",
			Detail:   fmt.Sprintf("Cluster %q needs a server_group block: it says what each server group runs, in the shape its provider defines.", c.Name),
			Subject:  block.DefRange.Ptr(),
		})
	}
	return c, diags
}

var deliveryPolicySchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "strategy", Required: true}}}

func decodeDeliveryPolicy(block *hcl.Block) (*DeliveryPolicy, hcl.Diagnostics) {
	d := &DeliveryPolicy{Name: block.Labels[0], DeclRange: block.DefRange}
	diags := checkName("delivery policy", d.Name, block.LabelRanges[0])
	content, remain, cdiags := block.Body.PartialContent(deliveryPolicySchema)
	diags = append(diags, cdiags...)
	d.Body = remain
	strategy := ""
	if attr, ok := content.Attributes["strategy"]; ok {
		d.Strategy = attr.Expr
		if s, sdiags := literalString(attr, "delivery strategy"); !sdiags.HasErrors() {
			strategy = s
			switch s {
			case "red_black", "rolling", "canary", "highlander", "none":
			default:
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Unknown delivery strategy",
					Detail:   fmt.Sprintf("%q is not a strategy tack knows.%s The strategies are red_black, rolling, canary, highlander and none.", s, Suggest(s, []string{"red_black", "rolling", "canary", "highlander", "none"})),
					Subject:  attr.Expr.Range().Ptr(),
				})
				strategy = ""
			}
		}
	}
	diags = append(diags, decodeDeliverySettings(d, strategy)...)
	return d, diags
}

var environmentSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "depends_on"}, {Name: "soak"}, {Name: "manual_approval"}, {Name: "protected"}},
	Blocks:     []hcl.BlockHeaderSchema{{Type: "allowed_times"}},
}

// environmentSettings is how an environment's constant settings are
// checked.
var environmentSettings = map[string]settingKind{"soak": durationSetting, "manual_approval": boolSetting, "protected": boolSetting}

func decodeEnvironment(block *hcl.Block) (*Environment, hcl.Diagnostics) {
	e := &Environment{Name: block.Labels[0], DeclRange: block.DefRange}
	diags := checkName("environment", e.Name, block.LabelRanges[0])
	content, cdiags := block.Body.Content(environmentSchema)
	diags = append(diags, cdiags...)
	if attr, ok := content.Attributes["depends_on"]; ok {
		ts, tdiags := traversals(attr, "depends_on list", "[environment.staging]")
		diags = append(diags, tdiags...)
		for _, t := range ts {
			a, ok := t[len(t)-1].(hcl.TraverseAttr)
			if len(t) != 2 || t.RootName() != "environment" || !ok {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid environment dependency",
					Detail:   "An environment depends on other environments, as in depends_on = [environment.staging].",
					Subject:  t.SourceRange().Ptr(),
				})
				continue
			}
			e.DependsOn = append(e.DependsOn, t)
			e.Upstream = append(e.Upstream, a.Name)
		}
	}
	for name, kind := range environmentSettings {
		if attr, ok := content.Attributes[name]; ok {
			diags = append(diags, checkSetting(attr, kind)...)
			switch name {
			case "soak":
				e.Soak = attr.Expr
			case "manual_approval":
				e.ManualApproval = attr.Expr
			case "protected":
				e.Protected = attr.Expr
			}
		}
	}
	for i, b := range content.Blocks {
		if i > 0 {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Duplicate allowed_times block",
				Detail:   "An environment has one allowed_times block; merge the two.",
				Subject:  b.DefRange.Ptr(),
			})
			continue
		}
		kinds := deliveryBlocks["window"]
		bc, bdiags := b.Body.Content(settingsSchema(kinds))
		diags = append(diags, bdiags...)
		e.AllowedTimes = &SettingsBlock{Attrs: map[string]hcl.Expression{}, DeclRange: b.DefRange}
		for name, attr := range bc.Attributes {
			e.AllowedTimes.Attrs[name] = attr.Expr
			diags = append(diags, checkSetting(attr, kinds[name])...)
		}
	}
	return e, diags
}

var guardrailSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "enforcement"}, {Name: "condition"}, {Name: "message"}, {Name: "applies_to"}, {Name: "enabled"}, {Name: "max_drop"},
	},
}

// BuiltinGuardrails are the guardrails tack checks without being asked,
// by name; a guardrail block with one of these names configures it.
var BuiltinGuardrails = []string{"traffic-guard", "protected-environment", "capacity-drop"}

func decodeGuardrail(block *hcl.Block) (*Guardrail, hcl.Diagnostics) {
	g := &Guardrail{Name: block.Labels[0], DeclRange: block.DefRange, Builtin: contains(BuiltinGuardrails, block.Labels[0])}
	diags := checkName("guardrail", g.Name, block.LabelRanges[0])
	content, cdiags := block.Body.Content(guardrailSchema)
	diags = append(diags, cdiags...)
	if attr, ok := content.Attributes["enforcement"]; ok {
		s, sdiags := literalString(attr, "guardrail enforcement")
		diags = append(diags, sdiags...)
		levels := []string{"advisory", "overridable", "mandatory"}
		if !sdiags.HasErrors() && !contains(levels, s) {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Unknown enforcement level",
				Detail:   fmt.Sprintf("%q is not an enforcement level.%s A guardrail is advisory (warns), overridable (blocks unless overridden with a reason) or mandatory (blocks).", s, Suggest(s, levels)),
				Subject:  attr.Expr.Range().Ptr(),
			})
		}
		g.Enforcement = s
	}
	for name, target := range map[string]*hcl.Expression{"condition": &g.Condition, "message": &g.Message, "applies_to": &g.AppliesTo, "enabled": &g.Enabled, "max_drop": &g.MaxDrop} {
		if attr, ok := content.Attributes[name]; ok {
			*target = attr.Expr
		}
	}
	if g.Builtin {
		for _, name := range []string{"condition", "message"} {
			if attr, ok := content.Attributes[name]; ok {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Built-in guardrail has its own condition",
					Detail:   fmt.Sprintf("guardrail %q is one of tack's own (%s): a block of that name sets its enforcement, applies_to or enabled, not its %s. To check something else, give the guardrail another name.", g.Name, strings.Join(BuiltinGuardrails, ", "), name),
					Subject:  attr.NameRange.Ptr(),
				})
			}
		}
	} else {
		for _, name := range []string{"enforcement", "condition", "message"} {
			if _, ok := content.Attributes[name]; !ok {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Missing required argument",
					Detail:   fmt.Sprintf("The argument %q is required in a guardrail block.", name),
					Subject:  block.Body.MissingItemRange().Ptr(),
				})
			}
		}
	}
	if attr, ok := content.Attributes["max_drop"]; ok && g.Name != "capacity-drop" {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Unsupported argument",
			Detail:   "max_drop sets the built-in guardrail \"capacity-drop\": how much of a cluster's capacity one apply may take away.",
			Subject:  attr.NameRange.Ptr(),
		})
	}
	return g, diags
}

var tackSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "required_version"}},
	Blocks:     []hcl.BlockHeaderSchema{{Type: "required_providers"}, {Type: "backend", LabelNames: []string{"type"}}},
}

func (m *Module) addTack(block *hcl.Block) hcl.Diagnostics {
	content, diags := block.Body.Content(tackSchema)
	if attr, ok := content.Attributes["required_version"]; ok {
		m.RequiredVersion = append(m.RequiredVersion, attr.Expr)
	}
	for _, b := range content.Blocks {
		switch b.Type {
		case "required_providers":
			diags = append(diags, m.addRequiredProviders(b)...)
		case "backend":
			if m.Backend != nil {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Duplicate backend",
					Detail:   fmt.Sprintf("A module has one backend; another was declared at %s.", m.Backend.DeclRange),
					Subject:  b.DefRange.Ptr(),
				})
				continue
			}
			m.Backend = &Backend{Type: b.Labels[0], Config: b.Body, DeclRange: b.DefRange}
		}
	}
	return diags
}

func (m *Module) addRequiredProviders(block *hcl.Block) hcl.Diagnostics {
	attrs, diags := block.Body.JustAttributes()
	for _, name := range sortedAttrNames(attrs) {
		attr := attrs[name]
		rp := &RequiredProvider{Name: name, DeclRange: attr.Range}
		val, vdiags := attr.Expr.Value(nil)
		obj, err := convert.Convert(val, cty.Object(map[string]cty.Type{"source": cty.String, "version": cty.String}))
		if vdiags.HasErrors() || err != nil || obj.IsNull() || obj.GetAttr("source").IsNull() {
			// Version may be left out; retry with source alone.
			obj, err = convert.Convert(val, cty.Object(map[string]cty.Type{"source": cty.String}))
			if vdiags.HasErrors() || err != nil || obj.IsNull() || obj.GetAttr("source").IsNull() {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid required_providers entry",
					Detail:   fmt.Sprintf("Provider %q must be an object with a source and an optional version constraint, written literally: { source = \"tack/local\", version = \"~> 0.1\" }.", name),
					Subject:  attr.Expr.Range().Ptr(),
				})
				continue
			}
			rp.Source = obj.GetAttr("source").AsString()
		} else {
			rp.Source = obj.GetAttr("source").AsString()
			if v := obj.GetAttr("version"); !v.IsNull() {
				rp.Version = v.AsString()
			}
		}
		if prev, dup := m.RequiredProviders[name]; dup {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Duplicate required provider",
				Detail:   fmt.Sprintf("Provider %q was already required at %s.", name, prev.DeclRange),
				Subject:  attr.NameRange.Ptr(),
			})
			continue
		}
		m.RequiredProviders[name] = rp
	}
	return diags
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// pureFunctions are the functions a constant may call at load time: no
// filesystem (the decoder does not know the module's directory) and
// nothing impure.
var pureFunctions = func() map[string]function.Function {
	fs := Functions(".")
	for _, name := range append([]string{"file", "filebase64", "fileexists", "templatefile", "abspath"}, ImpureFunctions...) {
		delete(fs, name)
	}
	return fs
}()

// constantValue evaluates an expression that needs no context; false when
// it refers to anything or calls a function that fails without one.
func constantValue(expr hcl.Expression) (cty.Value, bool) {
	if len(expr.Variables()) > 0 {
		return cty.NilVal, false
	}
	// A non-nil context makes JSON syntax evaluate its "${…}" templates.
	v, diags := expr.Value(&hcl.EvalContext{Functions: pureFunctions})
	if diags.HasErrors() || !v.IsWhollyKnown() {
		return cty.NilVal, false
	}
	return v, true
}

// checkCount checks a constant count: a whole number, not negative.
func checkCount(attr *hcl.Attribute) hcl.Diagnostics {
	v, ok := constantValue(attr.Expr)
	if !ok {
		return nil
	}
	n, err := convert.Convert(v, cty.Number)
	if err == nil && !n.IsNull() {
		if f := n.AsBigFloat(); f.IsInt() && f.Sign() >= 0 {
			return nil
		}
	}
	return hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "Invalid count",
		Detail:   "count is how many instances to make: a whole number, 0 or more.",
		Subject:  attr.Expr.Range().Ptr(),
	}}
}

// checkForEach checks a constant for_each: a map, or a set of strings
// (a list must be made a set with toset, so that its order and duplicates
// cannot silently renumber instances).
func checkForEach(attr *hcl.Attribute) hcl.Diagnostics {
	v, ok := constantValue(attr.Expr)
	if !ok {
		return nil
	}
	ty := v.Type()
	switch {
	case v.IsNull():
	case ty.IsMapType() || ty.IsObjectType():
		return nil
	case ty.IsSetType() && (ty.ElementType() == cty.String || ty.ElementType() == cty.DynamicPseudoType):
		return nil
	case ty.IsListType() || ty.IsTupleType():
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid for_each",
			Detail:   "for_each takes a map or a set of strings, not a list: a list's order and duplicates would decide the instances' keys. Wrap it in toset(…).",
			Subject:  attr.Expr.Range().Ptr(),
		}}
	}
	return hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "Invalid for_each",
		Detail:   fmt.Sprintf("for_each takes a map or a set of strings; this is %s.", ty.FriendlyName()),
		Subject:  attr.Expr.Range().Ptr(),
	}}
}

// uniqueBlocks returns blocks without repeats of a type, reporting each
// repeat: an owner (a cluster, a delivery policy) has one block of each
// type it allows.
func uniqueBlocks(blocks hcl.Blocks, owner string) (hcl.Blocks, hcl.Diagnostics) {
	var out hcl.Blocks
	var diags hcl.Diagnostics
	seen := map[string]*hcl.Block{}
	for _, b := range blocks {
		if prev, dup := seen[b.Type]; dup {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Duplicate " + b.Type + " block",
				Detail:   fmt.Sprintf("A %s has one %s block; another was declared at %s.", owner, b.Type, prev.DefRange),
				Subject:  b.DefRange.Ptr(),
			})
			continue
		}
		seen[b.Type] = b
		out = append(out, b)
	}
	return out, diags
}
