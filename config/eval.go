package config

import (
	"fmt"
	"math/big"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/dynblock"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"

	"github.com/tackhq/tack/config/addrs"
	"github.com/tackhq/tack/plugins/sdk"
)

// Data supplies the values that expressions refer to. The planner
// implements it over the state and the plan in progress; validation
// implements it with unknown values of the right types.
type Data interface {
	// Value is the value of a variable, local value, resource (all its
	// instances: an object, or a tuple for count, or an object for
	// for_each), data resource, module call (its outputs), cluster,
	// application, delivery policy, environment or guardrail. rng is the
	// reference, for diagnostics.
	Value(addr addrs.Referenceable, rng hcl.Range) (cty.Value, hcl.Diagnostics)
}

// Scope evaluates the expressions of one module instance, or of one
// instance of a resource within it. A Scope is cheap; build one per
// object. It is safe for concurrent use when its Data is.
type Scope struct {
	Data Data
	// ModuleDir and RootDir are path.module and path.root; the file
	// functions read inside ModuleDir.
	ModuleDir, RootDir string
	// Functions are the functions expressions may call; nil means
	// [Functions](ModuleDir).
	Functions map[string]function.Function
	// Pure makes the impure functions (uuid) return unknown values, as
	// they must while a plan is only being checked.
	Pure bool

	// Count is count.index, for an instance of a resource with count;
	// cty.NilVal elsewhere.
	Count cty.Value
	// EachKey and EachValue are each.key and each.value, for an instance
	// of a resource with for_each; cty.NilVal elsewhere.
	EachKey, EachValue cty.Value
	// Self is self, in provisioner-like places that allow it; cty.NilVal
	// elsewhere.
	Self cty.Value
	// Change is change, the planned change a guardrail judges; cty.NilVal
	// elsewhere.
	Change cty.Value
}

func (s *Scope) functions() map[string]function.Function {
	funcs := s.Functions
	if funcs == nil {
		funcs = Functions(s.ModuleDir)
	}
	if !s.Pure {
		return funcs
	}
	return PureFunctions(funcs)
}

// PureFunctions is funcs with the impure functions (see
// [ImpureFunctions]) returning unknown values, as a pure [Scope] sees
// them. A caller that evaluates many expressions builds it once and
// passes it as [Scope.Functions] (with Pure unset), rather than have
// every evaluation build the table again.
func PureFunctions(funcs map[string]function.Function) map[string]function.Function {
	out := make(map[string]function.Function, len(funcs))
	for name, f := range funcs {
		out[name] = f
	}
	for _, name := range ImpureFunctions {
		if f, ok := funcs[name]; ok {
			out[name] = unknownResult(f)
		}
	}
	return out
}

// unknownResult is f with an unknown result: the value is decided when
// the plan is made, not while it is checked.
func unknownResult(f function.Function) function.Function {
	return function.New(&function.Spec{
		Params:   f.Params(),
		VarParam: f.VarParam(),
		Type: func(args []cty.Value) (cty.Type, error) {
			return f.ReturnTypeForValues(args)
		},
		Impl: func(_ []cty.Value, ret cty.Type) (cty.Value, error) {
			return cty.UnknownVal(ret), nil
		},
	})
}

// EvalContext builds the context in which expressions with the given
// references are evaluated: only the objects referred to are asked of
// Data, so that evaluating one expression costs what it refers to, not
// what the configuration holds.
func (s *Scope) EvalContext(refs []*addrs.Reference) (*hcl.EvalContext, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	roots := map[string]map[string]cty.Value{}
	dataTypes := map[string]map[string]cty.Value{}
	vars := map[string]cty.Value{}
	put := func(root, name string, addr addrs.Referenceable, rng hcl.Range) {
		if _, done := roots[root][name]; done {
			return
		}
		v, vdiags := s.Data.Value(addr, rng)
		diags = append(diags, vdiags...)
		if roots[root] == nil {
			roots[root] = map[string]cty.Value{}
		}
		roots[root][name] = v
	}
	for _, ref := range refs {
		switch sub := ref.Subject.(type) {
		case addrs.InputVariable:
			put("var", sub.Name, sub, ref.SourceRange)
		case addrs.LocalValue:
			put("local", sub.Name, sub, ref.SourceRange)
		case addrs.ModuleCall:
			put("module", sub.Name, sub, ref.SourceRange)
		case addrs.ModuleCallOutput:
			put("module", sub.Call.Name, sub.Call, ref.SourceRange)
		case addrs.Resource:
			s.putResource(sub, ref.SourceRange, put, dataTypes, &diags)
		case addrs.ResourceInstance:
			s.putResource(sub.Resource, ref.SourceRange, put, dataTypes, &diags)
		case addrs.Cluster:
			put("cluster", sub.Name, sub, ref.SourceRange)
		case addrs.Application:
			put("application", sub.Name, sub, ref.SourceRange)
		case addrs.DeliveryPolicy:
			put("delivery_policy", sub.Name, sub, ref.SourceRange)
		case addrs.Environment:
			put("environment", sub.Name, sub, ref.SourceRange)
		case addrs.Guardrail:
			put("guardrail", sub.Name, sub, ref.SourceRange)
		case addrs.PathAttr:
			if roots["path"] == nil {
				roots["path"] = map[string]cty.Value{
					"module": cty.StringVal(s.ModuleDir),
					"root":   cty.StringVal(s.RootDir),
				}
			}
		case addrs.CountAttr:
			if s.Count == cty.NilVal {
				diags = append(diags, misplaced(ref, "count.index", "a block with a count argument"))
				continue
			}
			roots["count"] = map[string]cty.Value{"index": s.Count}
		case addrs.ForEachAttr:
			if s.EachKey == cty.NilVal {
				diags = append(diags, misplaced(ref, "each."+sub.Name, "a block with a for_each argument"))
				continue
			}
			roots["each"] = map[string]cty.Value{"key": s.EachKey, "value": s.EachValue}
		case addrs.Self:
			if s.Self == cty.NilVal {
				diags = append(diags, misplaced(ref, "self", "the blocks that allow it"))
				continue
			}
			vars["self"] = s.Self
		case addrs.PlannedChange:
			if s.Change == cty.NilVal {
				diags = append(diags, misplaced(ref, "change", "a guardrail's condition and message"))
				continue
			}
			vars["change"] = s.Change
		}
	}
	for root, attrs := range roots {
		vars[root] = cty.ObjectVal(attrs)
	}
	if len(dataTypes) > 0 {
		types := make(map[string]cty.Value, len(dataTypes))
		for typ, names := range dataTypes {
			types[typ] = cty.ObjectVal(names)
		}
		vars["data"] = cty.ObjectVal(types)
	}
	return &hcl.EvalContext{Variables: vars, Functions: s.functions()}, diags
}

func (s *Scope) putResource(r addrs.Resource, rng hcl.Range, put func(string, string, addrs.Referenceable, hcl.Range), dataTypes map[string]map[string]cty.Value, diags *hcl.Diagnostics) {
	if r.Mode == addrs.ManagedResourceMode {
		put(r.Type, r.Name, r, rng)
		return
	}
	if _, done := dataTypes[r.Type][r.Name]; done {
		return
	}
	v, vdiags := s.Data.Value(r, rng)
	*diags = append(*diags, vdiags...)
	if dataTypes[r.Type] == nil {
		dataTypes[r.Type] = map[string]cty.Value{}
	}
	dataTypes[r.Type][r.Name] = v
}

func misplaced(ref *addrs.Reference, what, where string) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Reference to " + what + " out of place",
		Detail:   fmt.Sprintf("%s can only be used in %s.", what, where),
		Subject:  ref.SourceRange.Ptr(),
	}
}

// EvalExpr evaluates expr and converts the result to want
// (cty.DynamicPseudoType for any type).
// A nil expr (an argument that is absent) is null.
func (s *Scope) EvalExpr(expr hcl.Expression, want cty.Type) (cty.Value, hcl.Diagnostics) {
	if expr == nil {
		return cty.NullVal(want), nil
	}
	refs, diags := References(expr)
	ctx, cdiags := s.EvalContext(refs)
	diags = append(diags, cdiags...)
	if diags.HasErrors() {
		return cty.UnknownVal(want), diags
	}
	v, vdiags := expr.Value(ctx)
	diags = append(diags, vdiags...)
	if vdiags.HasErrors() {
		return cty.UnknownVal(want), diags
	}
	if want == cty.DynamicPseudoType {
		return v, diags
	}
	cv, err := convert.Convert(v, want)
	if err != nil {
		return cty.UnknownVal(want), append(diags, &hcl.Diagnostic{
			Severity:    hcl.DiagError,
			Summary:     "Incorrect value type",
			Detail:      fmt.Sprintf("This value cannot be used here: %s.", err),
			Subject:     expr.Range().Ptr(),
			Expression:  expr,
			EvalContext: ctx,
		})
	}
	return cv, diags
}

// BodyReferences returns what a provider-owned body refers to, read with
// its schema (a JSON body has no shape without one), including the
// for_each and content of its dynamic blocks but not their iterators.
func BodyReferences(body hcl.Body, schema *sdk.Block) ([]*addrs.Reference, hcl.Diagnostics) {
	if attrs, ok := attributesOnly(body, schema); ok {
		return attributeReferences(attrs, schema)
	}
	return traversalReferences(dynblock.VariablesHCLDec(body, schema.DecoderSpec()))
}

// attributesOnly returns the attributes of body as its Content sees them,
// when body is native syntax holding no block and schema has no block
// types: most resources. Such a body has no dynamic block to expand, so
// it needs neither dynblock's walk for its references nor its expansion
// (together a third of evaluating a resource's configuration).
// JustAttributes leaves out what a PartialContent before took.
func attributesOnly(body hcl.Body, schema *sdk.Block) (hcl.Attributes, bool) {
	sb, ok := body.(*hclsyntax.Body)
	if !ok || len(sb.Blocks) > 0 || len(schema.BlockTypes) > 0 {
		return nil, false
	}
	attrs, diags := sb.JustAttributes()
	return attrs, !diags.HasErrors()
}

// attributeReferences are the references of the attributes the schema
// has, as dynblock's walk finds them; the others are an error the
// decoding reports.
func attributeReferences(attrs hcl.Attributes, schema *sdk.Block) ([]*addrs.Reference, hcl.Diagnostics) {
	var ts []hcl.Traversal
	for name, a := range attrs {
		if _, ok := schema.Attributes[name]; ok {
			ts = append(ts, a.Expr.Variables()...)
		}
	}
	return traversalReferences(ts)
}

// EvalBlock decodes a provider-owned body into a value of the schema's
// type, expanding dynamic blocks first. Unknown arguments, wrong types,
// missing required arguments and wrong block counts are diagnostics at
// their place in the file.
func (s *Scope) EvalBlock(body hcl.Body, schema *sdk.Block) (cty.Value, hcl.Diagnostics) {
	spec := schema.DecoderSpec()
	attrs, plain := attributesOnly(body, schema)
	var refs []*addrs.Reference
	var diags hcl.Diagnostics
	if plain {
		refs, diags = attributeReferences(attrs, schema)
	} else {
		refs, diags = BodyReferences(body, schema)
	}
	ctx, cdiags := s.EvalContext(refs)
	diags = append(diags, cdiags...)
	if diags.HasErrors() {
		return cty.UnknownVal(hcldec.ImpliedType(spec)), diags
	}
	if !plain {
		body = dynblock.Expand(body, ctx)
	}
	v, vdiags := hcldec.Decode(body, spec, ctx)
	diags = append(diags, vdiags...)
	if vdiags.HasErrors() {
		return cty.UnknownVal(hcldec.ImpliedType(spec)), diags
	}
	return v, diags
}

// EvalCount evaluates a count argument: a whole number, zero or more,
// known now and not sensitive (how many objects exist must be printable).
func (s *Scope) EvalCount(expr hcl.Expression) (int, hcl.Diagnostics) {
	v, diags := s.EvalExpr(expr, cty.Number)
	if diags.HasErrors() {
		return 0, diags
	}
	bad := func(detail string) (int, hcl.Diagnostics) {
		return 0, append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid count argument",
			Detail:   detail,
			Subject:  expr.Range().Ptr(),
		})
	}
	switch {
	case v.IsMarked():
		return bad("Sensitive values, or values derived from them, cannot be used as count: the number of instances is shown in every plan. Use a value that is not sensitive.")
	case !v.IsKnown():
		return bad("The count depends on values that are only known after apply, so tack cannot tell how many instances to plan. Apply the objects it depends on first (with -target), or use a value known at plan time.")
	case v.IsNull():
		return bad("The count is null; a whole number of zero or more is required.")
	}
	bf := v.AsBigFloat()
	n, acc := bf.Int64()
	if acc != big.Exact || !bf.IsInt() {
		return bad(fmt.Sprintf("The count is %s; a whole number is required.", bf.Text('f', -1)))
	}
	if n < 0 {
		return bad(fmt.Sprintf("The count is %d; it cannot be negative.", n))
	}
	if n > 100000 {
		return bad(fmt.Sprintf("The count is %d; more than 100000 instances of one resource is surely a mistake.", n))
	}
	return int(n), diags
}

// EvalForEach evaluates a for_each argument: a map (or object), whose
// keys become instance keys and whose elements each.value, or a set of
// strings, each both key and value. It must be known now, and its keys
// not sensitive.
func (s *Scope) EvalForEach(expr hcl.Expression) (map[string]cty.Value, hcl.Diagnostics) {
	v, diags := s.EvalExpr(expr, cty.DynamicPseudoType)
	if diags.HasErrors() {
		return nil, diags
	}
	bad := func(detail string) (map[string]cty.Value, hcl.Diagnostics) {
		return nil, append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid for_each argument",
			Detail:   detail,
			Subject:  expr.Range().Ptr(),
		})
	}
	ty := v.Type()
	switch {
	case v.IsMarked() && !ty.IsMapType() && !ty.IsObjectType():
		return bad("Sensitive values, or values derived from them, cannot be used as for_each: the keys are shown in every plan. Use a value that is not sensitive.")
	case !v.IsKnown():
		return bad("The for_each value depends on values that are only known after apply, so tack cannot tell which instances to plan. Use keys known at plan time (values may be unknown), or apply the objects it depends on first with -target.")
	case v.IsNull():
		return bad("The for_each value is null; a map, or a set of strings, is required.")
	case ty.IsSetType():
		if !ty.ElementType().Equals(cty.String) {
			return bad(fmt.Sprintf("The for_each value is a set of %s; only a set of strings can be used, each string both key and value. Use toset() on a list of strings, or a map.", ty.ElementType().FriendlyName()))
		}
		out := map[string]cty.Value{}
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			if !e.IsKnown() {
				return bad("An element of the for_each set is only known after apply; every key must be known at plan time.")
			}
			if e.IsNull() {
				return bad("The for_each set holds a null; every element must be a string.")
			}
			out[e.AsString()] = e
		}
		return out, diags
	case ty.IsMapType() || ty.IsObjectType():
		if v.IsMarked() {
			// Marks on a whole map hide its keys; only the elements may be
			// sensitive.
			return bad("Sensitive values, or values derived from them, cannot be used as for_each: the keys are shown in every plan. Mark only the elements sensitive, or use a value that is not sensitive.")
		}
		out := map[string]cty.Value{}
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			out[k.AsString()] = e
		}
		return out, diags
	}
	return bad(fmt.Sprintf("The for_each value is %s; a map, or a set of strings, is required. To use a list, convert it with toset().", ty.FriendlyName()))
}
