package addrs

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// Reference is what an expression traversal refers to: its Subject, the
// range of the part of the traversal that names the subject, and the
// Remaining steps that select an attribute or element inside it
// (the .id of aws_lb.web.id).
type Reference struct {
	Subject     Referenceable
	SourceRange hcl.Range
	Remaining   hcl.Traversal
}

// ParseRef reads the absolute traversal of an HCL expression (as returned
// by hcl.AbsTraversalForExpr or Expression.Variables) as a [Reference].
//
// A traversal whose root is not one of var, local, module, data, cluster,
// application, delivery_policy, environment, guardrail, path, count, each,
// self or change is a managed resource: aws_lb.web, optionally followed by an
// index that selects one instance. module.x followed by an attribute is
// that output of the call; module.x followed by anything else is the whole
// call, with the rest left in Remaining.
//
// A malformed reference gives a nil Reference and error diagnostics whose
// Subject is the part of the traversal that is wrong.
func ParseRef(traversal hcl.Traversal) (*Reference, hcl.Diagnostics) {
	if len(traversal) == 0 {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid reference",
			Detail:   "A reference must start with a name, such as var.region or aws_lb.web.",
		}}
	}
	if traversal.IsRelative() {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid reference",
			Detail:   "A reference must start with a name, such as var.region or aws_lb.web.",
			Subject:  traversal.SourceRange().Ptr(),
		}}
	}
	root := traversal.RootName()
	switch root {
	case "var":
		return parseNamed(traversal, "an input variable", "var.region", func(n string) Referenceable { return InputVariable{n} })
	case "local":
		return parseNamed(traversal, "a local value", "local.tags", func(n string) Referenceable { return LocalValue{n} })
	case "cluster":
		return parseNamed(traversal, "a cluster", "cluster.api-prod", func(n string) Referenceable { return Cluster{n} })
	case "application":
		return parseNamed(traversal, "an application", "application.api", func(n string) Referenceable { return Application{n} })
	case "delivery_policy":
		return parseNamed(traversal, "a delivery policy", "delivery_policy.safe", func(n string) Referenceable { return DeliveryPolicy{n} })
	case "environment":
		return parseNamed(traversal, "an environment", "environment.prod", func(n string) Referenceable { return Environment{n} })
	case "guardrail":
		return parseNamed(traversal, "a guardrail", "guardrail.prod-keeps-two", func(n string) Referenceable { return Guardrail{n} })
	case "module":
		return parseModuleRef(traversal)
	case "data":
		if len(traversal) < 2 {
			return nil, missing(traversal, 1, "Invalid data resource reference",
				"The \"data\" object cannot be used on its own. Write data.TYPE.NAME to refer to a data resource, for example data.aws_ami.ubuntu.")
		}
		return parseResourceRef(DataResourceMode, traversal[1:], traversal[0].SourceRange(), traversal)
	case "path":
		name, diags := attrName(traversal, 1, "Invalid path attribute",
			"Write path.module for the directory of the current module, path.root for the root module's directory, or path.cwd for the working directory.")
		if diags.HasErrors() {
			return nil, diags
		}
		switch name {
		case "module", "root", "cwd":
			return newRef(PathAttr{name}, traversal, 2), nil
		}
		return nil, badStep(traversal, 1, "Invalid path attribute",
			fmt.Sprintf("The \"path\" object has no attribute %q. Write path.module for the directory of the current module, path.root for the root module's directory, or path.cwd for the working directory.", name))
	case "count":
		name, diags := attrName(traversal, 1, "Invalid count attribute",
			"Write count.index for the index of the current instance.")
		if diags.HasErrors() {
			return nil, diags
		}
		if name != "index" {
			return nil, badStep(traversal, 1, "Invalid count attribute",
				fmt.Sprintf("The \"count\" object has no attribute %q. Write count.index for the index of the current instance.", name))
		}
		return newRef(CountAttr{}, traversal, 2), nil
	case "each":
		name, diags := attrName(traversal, 1, "Invalid each attribute",
			"Write each.key for the key of the current instance or each.value for its value.")
		if diags.HasErrors() {
			return nil, diags
		}
		if name != "key" && name != "value" {
			return nil, badStep(traversal, 1, "Invalid each attribute",
				fmt.Sprintf("The \"each\" object has no attribute %q. Write each.key for the key of the current instance or each.value for its value.", name))
		}
		return newRef(ForEachAttr{name}, traversal, 2), nil
	case "self":
		return newRef(Self{}, traversal, 1), nil
	case "change":
		return newRef(PlannedChange{}, traversal, 1), nil
	default:
		return parseResourceRef(ManagedResourceMode, traversal, hcl.Range{}, traversal)
	}
}

// parseNamed reads ROOT.NAME for the objects whose address is one name.
func parseNamed(tr hcl.Traversal, what, example string, subject func(string) Referenceable) (*Reference, hcl.Diagnostics) {
	root := tr.RootName()
	name, diags := attrName(tr, 1, "Invalid reference",
		fmt.Sprintf("Write %s.NAME to refer to %s, for example %s.", root, what, example))
	if diags.HasErrors() {
		return nil, diags
	}
	return newRef(subject(name), tr, 2), nil
}

func parseModuleRef(tr hcl.Traversal) (*Reference, hcl.Diagnostics) {
	name, diags := attrName(tr, 1, "Invalid module reference",
		"Write module.NAME.OUTPUT to refer to an output of a module call, for example module.net.vpc_id.")
	if diags.HasErrors() {
		return nil, diags
	}
	call := ModuleCall{name}
	if len(tr) > 2 {
		if out, ok := tr[2].(hcl.TraverseAttr); ok {
			return newRef(ModuleCallOutput{Call: call, Name: out.Name}, tr, 3), nil
		}
	}
	return newRef(call, tr, 2), nil
}

// parseResourceRef reads TYPE.NAME with an optional index from rest, the
// traversal after any "data" prefix, which starts at prefix (the range of
// that prefix, or the zero range when there is none). whole is the whole
// traversal, for the reference's range and the remaining steps.
func parseResourceRef(mode ResourceMode, rest hcl.Traversal, prefix hcl.Range, whole hcl.Traversal) (*Reference, hcl.Diagnostics) {
	skip := len(whole) - len(rest) // 1 for data, 0 for managed
	var typ string
	switch step := rest[0].(type) {
	case hcl.TraverseRoot:
		typ = step.Name
	case hcl.TraverseAttr:
		typ = step.Name
	default:
		return nil, badStep(whole, skip, "Invalid data resource reference",
			"A data resource is referred to as data.TYPE.NAME, for example data.aws_ami.ubuntu. The type must be a name, not an index.")
	}
	example := "aws_lb.web"
	if mode == DataResourceMode {
		example = "data.aws_ami.ubuntu"
	}
	if len(rest) < 2 {
		summary := "Invalid reference"
		detail := fmt.Sprintf("%q is not a known kind of object, so it is read as a resource type, and a resource reference needs a name as well: write %s.NAME, as in %s. Other references start with var, local, module, data, cluster, application, delivery_policy, environment, guardrail, path, count, each or self.", typ, typ, example)
		if mode == DataResourceMode {
			summary = "Invalid data resource reference"
			detail = fmt.Sprintf("A data resource reference needs a name after its type: write data.%s.NAME, as in %s.", typ, example)
		}
		return nil, missing(whole, len(whole), summary, detail)
	}
	nameStep, ok := rest[1].(hcl.TraverseAttr)
	if !ok {
		summary := "Invalid resource reference"
		if mode == DataResourceMode {
			summary = "Invalid data resource reference"
		}
		return nil, badStep(whole, skip+1, summary,
			fmt.Sprintf("A resource's name follows its type after a dot, as in %s; an index can only follow the name, as in %s[0].", example, example))
	}
	res := Resource{Mode: mode, Type: typ, Name: nameStep.Name}
	used := skip + 2
	if len(rest) > 2 {
		if idx, ok := rest[2].(hcl.TraverseIndex); ok {
			key, diags := instanceKey(idx)
			if diags.HasErrors() {
				return nil, diags
			}
			return newRef(res.Instance(key), whole, used+1), nil
		}
	}
	return newRef(res, whole, used), nil
}

// instanceKey converts an index step to a key: a whole non-negative number
// for count, a string for for_each.
func instanceKey(idx hcl.TraverseIndex) (InstanceKey, hcl.Diagnostics) {
	bad := func(detail string) hcl.Diagnostics {
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid index",
			Detail:   detail,
			Subject:  idx.SrcRange.Ptr(),
		}}
	}
	k := idx.Key
	if !k.IsKnown() || k.IsNull() {
		return nil, bad("An instance key must be a whole number, as in [0], or a string, as in [\"a\"].")
	}
	switch k.Type() {
	case cty.String:
		return StringKey(k.AsString()), nil
	case cty.Number:
		bf := k.AsBigFloat()
		i, acc := bf.Int64()
		if !bf.IsInt() || acc != 0 || i < 0 || int64(int(i)) != i {
			// The number is not repeated in the message: printing a
			// literal such as 1e10000000 in decimal takes many seconds.
			return nil, bad("An instance key from count must be a whole number from 0 upward, as in [0], and no larger than the largest int.")
		}
		return IntKey(i), nil
	}
	return nil, bad(fmt.Sprintf("An instance key must be a whole number, as in [0], or a string, as in [\"a\"], not a %s.", k.Type().FriendlyName()))
}

// newRef builds the reference whose subject is named by the first n steps
// of tr.
func newRef(subject Referenceable, tr hcl.Traversal, n int) *Reference {
	ref := &Reference{
		Subject:     subject,
		SourceRange: hcl.RangeBetween(tr[0].SourceRange(), tr[n-1].SourceRange()),
	}
	if len(tr) > n {
		ref.Remaining = append(hcl.Traversal(nil), tr[n:]...)
	}
	return ref
}

// attrName returns the name of the attribute step tr[i], or a diagnostic
// with the given summary when that step is missing or is not an attribute.
// how is a sentence that says what to write instead.
func attrName(tr hcl.Traversal, i int, summary, how string) (string, hcl.Diagnostics) {
	prefix := traversalString(tr[:i])
	if len(tr) <= i {
		return "", missing(tr, i, summary,
			fmt.Sprintf("%q cannot be used on its own. %s", prefix, how))
	}
	attr, ok := tr[i].(hcl.TraverseAttr)
	if !ok {
		return "", badStep(tr, i, summary,
			fmt.Sprintf("%q must be followed by a dot and a name, not an index. %s", prefix, how))
	}
	return attr.Name, nil
}

// traversalString renders the root and attribute steps of tr for use in
// messages; index steps are rendered as [...].
func traversalString(tr hcl.Traversal) string {
	var s string
	for _, step := range tr {
		switch step := step.(type) {
		case hcl.TraverseRoot:
			s += step.Name
		case hcl.TraverseAttr:
			s += "." + step.Name
		default:
			s += "[...]"
		}
	}
	return s
}

// missing reports that tr ends before step i; the subject is the whole
// traversal, which is what needs more written after it.
func missing(tr hcl.Traversal, i int, summary, detail string) hcl.Diagnostics {
	return hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  summary,
		Detail:   detail,
		Subject:  tr.SourceRange().Ptr(),
	}}
}

// badStep reports that step i of tr is the wrong kind of step.
func badStep(tr hcl.Traversal, i int, summary, detail string) hcl.Diagnostics {
	return hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  summary,
		Detail:   detail,
		Subject:  tr[i].SourceRange().Ptr(),
		Context:  tr.SourceRange().Ptr(),
	}}
}
