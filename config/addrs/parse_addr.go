package addrs

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// ParseAbsResourceInstanceStr parses the address of one resource instance
// as a user types it on the command line (-target, -replace, state
// commands): module.net["a"].aws_lb.web[0] or data.aws_ami.ubuntu.
// Diagnostics point into s itself, with an empty file name.
func ParseAbsResourceInstanceStr(s string) (AbsResourceInstance, hcl.Diagnostics) {
	tr, diags := parseTraversalStr(s)
	if diags.HasErrors() {
		return AbsResourceInstance{}, diags
	}
	return ParseAbsResourceInstance(tr)
}

// ParseAbsResourceInstance reads an absolute traversal as the address of
// one resource instance, the form that [AbsResourceInstance.String] prints.
// A resource without an index is the instance with [NoKey].
func ParseAbsResourceInstance(tr hcl.Traversal) (AbsResourceInstance, hcl.Diagnostics) {
	mod, rest, diags := parseModulePrefix(tr)
	if diags.HasErrors() {
		return AbsResourceInstance{}, diags
	}
	if len(rest) == 0 && mod.IsRoot() {
		return AbsResourceInstance{}, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Resource address required",
			Detail:   "A resource address such as aws_lb.web or module.net.aws_lb.web[0] is required.",
		}}
	}
	if len(rest) == 0 {
		return AbsResourceInstance{}, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Resource address required",
			Detail:   fmt.Sprintf("%s is a module, not a resource. Add the resource after it, as in %s.aws_lb.web.", mod, mod),
			Subject:  tr.SourceRange().Ptr(),
		}}
	}

	mode := ManagedResourceMode
	if name, _ := stepName(rest[0]); name == "data" {
		mode = DataResourceMode
		rest = rest[1:]
	}
	example := "aws_lb.web"
	if mode == DataResourceMode {
		example = "data.aws_ami.ubuntu"
	}
	if len(rest) < 2 {
		return AbsResourceInstance{}, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid resource address",
			Detail:   fmt.Sprintf("A resource address needs a type and a name, as in %s.", example),
			Subject:  tr.SourceRange().Ptr(),
		}}
	}
	typ, ok1 := stepName(rest[0])
	name, ok2 := stepName(rest[1])
	if !ok1 || !ok2 {
		bad := rest[0]
		if ok1 {
			bad = rest[1]
		}
		return AbsResourceInstance{}, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid resource address",
			Detail:   fmt.Sprintf("A resource's type and name are names joined by a dot, as in %s; an index can only follow the name, as in %s[0].", example, example),
			Subject:  bad.SourceRange().Ptr(),
			Context:  tr.SourceRange().Ptr(),
		}}
	}
	inst := Resource{Mode: mode, Type: typ, Name: name}.Instance(NoKey)
	rest = rest[2:]
	if len(rest) > 0 {
		if idx, ok := rest[0].(hcl.TraverseIndex); ok {
			key, diags := instanceKey(idx)
			if diags.HasErrors() {
				return AbsResourceInstance{}, diags
			}
			inst.Key = key
			rest = rest[1:]
		}
	}
	if len(rest) > 0 {
		return AbsResourceInstance{}, extraSteps(tr, rest, "A resource instance address ends after the resource's name and optional index, as in "+example+"[0]. To refer to an attribute, use an expression in the configuration instead.")
	}
	return inst.Absolute(mod), nil
}

// ParseAbsResourceStr parses the address of a resource with all its
// instances, module.net.aws_lb.web, as state commands take it. An index on
// the resource is an error: that names one instance.
func ParseAbsResourceStr(s string) (AbsResource, hcl.Diagnostics) {
	inst, diags := ParseAbsResourceInstanceStr(s)
	if diags.HasErrors() {
		return AbsResource{}, diags
	}
	if inst.Resource.Key != NoKey {
		return AbsResource{}, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Resource address expected",
			Detail:   fmt.Sprintf("%s names one instance; give the resource without its index, as in %s.", inst, inst.ContainingResource()),
		}}
	}
	return inst.ContainingResource(), nil
}

// ParseModuleInstanceStr parses the address of a module instance as a user
// types it: module.net["a"].module.db[0]. The empty string is the root.
func ParseModuleInstanceStr(s string) (ModuleInstance, hcl.Diagnostics) {
	if s == "" {
		return RootModuleInstance, nil
	}
	tr, diags := parseTraversalStr(s)
	if diags.HasErrors() {
		return nil, diags
	}
	return ParseModuleInstance(tr)
}

// ParseModuleInstance reads an absolute traversal as the address of a
// module instance, the form that [ModuleInstance.String] prints.
func ParseModuleInstance(tr hcl.Traversal) (ModuleInstance, hcl.Diagnostics) {
	mod, rest, diags := parseModulePrefix(tr)
	if diags.HasErrors() {
		return nil, diags
	}
	if len(rest) > 0 {
		return nil, extraSteps(tr, rest, "A module instance address is made only of module.NAME steps, each with an optional index, as in module.net[\"a\"].module.db.")
	}
	return mod, nil
}

// ParseProviderConfig reads the provider argument of a resource or cluster,
// aws or aws.west, the form that [ProviderConfig.String] prints.
func ParseProviderConfig(tr hcl.Traversal) (ProviderConfig, hcl.Diagnostics) {
	const how = "A provider is referred to by its local name, as in aws, or by its name and alias, as in aws.west."
	if len(tr) == 0 {
		return ProviderConfig{}, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid provider reference",
			Detail:   how,
		}}
	}
	typ, ok := stepName(tr[0])
	if !ok || tr.IsRelative() {
		return ProviderConfig{}, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid provider reference",
			Detail:   how,
			Subject:  tr[0].SourceRange().Ptr(),
		}}
	}
	pc := ProviderConfig{Type: typ}
	if len(tr) == 1 {
		return pc, nil
	}
	alias, ok := tr[1].(hcl.TraverseAttr)
	if !ok || len(tr) > 2 {
		bad := tr[1]
		if ok {
			bad = tr[2]
		}
		return ProviderConfig{}, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid provider reference",
			Detail:   how,
			Subject:  hcl.RangeBetween(bad.SourceRange(), tr[len(tr)-1].SourceRange()).Ptr(),
			Context:  tr.SourceRange().Ptr(),
		}}
	}
	pc.Alias = alias.Name
	return pc, nil
}

// parseModulePrefix reads the leading module.NAME[KEY] steps of tr and
// returns the module instance they name and the steps after them.
func parseModulePrefix(tr hcl.Traversal) (ModuleInstance, hcl.Traversal, hcl.Diagnostics) {
	var mod ModuleInstance
	for len(tr) > 0 {
		if name, _ := stepName(tr[0]); name != "module" {
			break
		}
		if len(tr) < 2 {
			return nil, nil, hcl.Diagnostics{{
				Severity: hcl.DiagError,
				Summary:  "Invalid module address",
				Detail:   "\"module\" must be followed by the name of a module call, as in module.net.",
				Subject:  tr[0].SourceRange().Ptr(),
			}}
		}
		name, ok := stepName(tr[1])
		if !ok {
			return nil, nil, hcl.Diagnostics{{
				Severity: hcl.DiagError,
				Summary:  "Invalid module address",
				Detail:   "\"module\" must be followed by a dot and the name of a module call, as in module.net, not by an index.",
				Subject:  tr[1].SourceRange().Ptr(),
			}}
		}
		step := ModuleInstanceStep{Name: name}
		tr = tr[2:]
		if len(tr) > 0 {
			if idx, ok := tr[0].(hcl.TraverseIndex); ok {
				key, diags := instanceKey(idx)
				if diags.HasErrors() {
					return nil, nil, diags
				}
				step.Key = key
				tr = tr[1:]
			}
		}
		mod = append(mod, step)
	}
	return mod, tr, nil
}

// stepName returns the name of a root or attribute step.
func stepName(step hcl.Traverser) (string, bool) {
	switch step := step.(type) {
	case hcl.TraverseRoot:
		return step.Name, true
	case hcl.TraverseAttr:
		return step.Name, true
	}
	return "", false
}

func extraSteps(whole, rest hcl.Traversal, detail string) hcl.Diagnostics {
	return hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "Unexpected extra operators after address",
		Detail:   detail,
		Subject:  hcl.RangeBetween(rest[0].SourceRange(), rest[len(rest)-1].SourceRange()).Ptr(),
		Context:  whole.SourceRange().Ptr(),
	}}
}

func parseTraversalStr(s string) (hcl.Traversal, hcl.Diagnostics) {
	return hclsyntax.ParseTraversalAbs([]byte(s), "", hcl.Pos{Line: 1, Column: 1})
}
