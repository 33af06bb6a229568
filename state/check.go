package state

import (
	"bytes"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2/hclsyntax"
	"golang.org/x/text/unicode/norm"

	"github.com/tackhq/tack/config/addrs"
)

// validIdentifier is hclsyntax.ValidIdentifier, which runs HCL's whole
// scanner, with a fast path for the ASCII names nearly everyone uses:
// a letter or underscore, then letters, digits, underscores and dashes.
func validIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_':
		case i > 0 && ('0' <= c && c <= '9' || c == '-'):
		case c >= utf8.RuneSelf:
			return hclsyntax.ValidIdentifier(s)
		default:
			return false
		}
	}
	return true
}

func isJSONObject(raw []byte) bool {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	return len(raw) > 0 && raw[0] == '{'
}

// compareAbsResource is AbsResource.Less as a three-way comparison, with
// one pass over the module paths.
func compareAbsResource(a, b addrs.AbsResource) int {
	if !a.Module.Equal(b.Module) {
		if a.Module.Less(b.Module) {
			return -1
		}
		return 1
	}
	switch {
	case a.Resource == b.Resource:
		return 0
	case a.Resource.Less(b.Resource):
		return -1
	}
	return 1
}

// compareKeys orders instance keys as addrs orders instances: NoKey, then
// count indexes, then for_each keys.
func compareKeys(a, b addrs.InstanceKey) int {
	var r addrs.Resource
	return cmpLess(r.Instance(a), r.Instance(b))
}

// The checks below keep the file readable: every address written prints in
// a form that the addrs parse functions read back as the same address,
// which FuzzReadFile verifies with those functions.

func checkResource(r addrs.Resource) error {
	if !validIdentifier(r.Type) {
		return fmt.Errorf("type: %q is not a valid resource type", r.Type)
	}
	if !validIdentifier(r.Name) {
		return fmt.Errorf("name: %q is not a valid resource name", r.Name)
	}
	// A managed resource of type data or module would print as the
	// address of a data resource or of a module.
	if r.Mode == addrs.ManagedResourceMode && (r.Type == "data" || r.Type == "module") {
		return fmt.Errorf("type: a managed resource cannot be of type %q", r.Type)
	}
	if r.Mode != addrs.ManagedResourceMode && r.Mode != addrs.DataResourceMode {
		return fmt.Errorf("mode %s is neither managed nor data", r.Mode)
	}
	return nil
}

func checkConfigResource(c addrs.ConfigResource) error {
	for _, name := range c.Module {
		if !validIdentifier(name) {
			return fmt.Errorf("%q is not a valid module name", name)
		}
	}
	return checkResource(c.Resource)
}

func checkModule(m addrs.ModuleInstance) error {
	for _, step := range m {
		if !validIdentifier(step.Name) {
			return fmt.Errorf("%q is not a valid module name", step.Name)
		}
		if err := checkKey(step.Key); err != nil {
			return fmt.Errorf("module.%s: %w", step.Name, err)
		}
	}
	return nil
}

// checkKey checks that k survives printing and parsing: HCL reads string
// literals into Unicode normal form C, so a key in another form would come
// back different.
func checkKey(k addrs.InstanceKey) error {
	switch k := k.(type) {
	case nil:
	case addrs.IntKey:
		if k < 0 {
			return fmt.Errorf("index %d is negative", int(k))
		}
	case addrs.StringKey:
		if !utf8.ValidString(string(k)) || !norm.NFC.IsNormalString(string(k)) {
			return fmt.Errorf("key %s is not UTF-8 text in Unicode normal form C", k)
		}
	}
	return nil
}

func providerRef(source, alias string) (ProviderRef, error) {
	p := ProviderRef{Source: source, Alias: alias}
	return p, checkProvider(p)
}

// checkProvider accepts a source address of two or three parts, as in
// tack/local or registry.example.com/acme/cloud, and an alias that is a
// name.
func checkProvider(p ProviderRef) error {
	parts := bytes.Split([]byte(p.Source), []byte("/"))
	ok := len(parts) == 2 || len(parts) == 3
	for _, part := range parts {
		if len(part) == 0 {
			ok = false
		}
		for _, c := range part {
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':') {
				ok = false
			}
		}
	}
	if !ok {
		return fmt.Errorf("provider: %q is not a provider source address such as tack/local", p.Source)
	}
	if p.Alias != "" && !validIdentifier(p.Alias) {
		return fmt.Errorf("provider_alias: %q is not a valid alias", p.Alias)
	}
	return nil
}

func checkServerGroup(sg *ServerGroup) error {
	switch {
	case sg.Name == "":
		return errors.New("a server group has no name")
	case sg.Sequence < 0:
		return fmt.Errorf("server group %q: sequence %d is negative", sg.Name, sg.Sequence)
	case sg.Capacity.Min < 0 || sg.Capacity.Desired < 0 || sg.Capacity.Max < 0:
		return fmt.Errorf("server group %q: a capacity is negative", sg.Name)
	case sg.Weight < 0 || sg.Weight > 100:
		return fmt.Errorf("server group %q: weight %d is not between 0 and 100", sg.Name, sg.Weight)
	}
	return nil
}

func checkDeployment(d *Deployment) error {
	switch {
	case d.ID == "":
		return errors.New("a deployment has no id")
	case !validOutcome(d.Outcome):
		return fmt.Errorf("deployment %q: outcome %q is not one of %q", d.ID, d.Outcome, deploymentOutcomes)
	case d.Kind != "" && !validKind(d.Kind):
		return fmt.Errorf("deployment %q: kind %q is not one of %q", d.ID, d.Kind, deploymentKinds)
	}
	for i := range d.Steps {
		if err := checkStep(&d.Steps[i]); err != nil {
			return fmt.Errorf("deployment %q: step %d: %w", d.ID, i, err)
		}
	}
	return nil
}

func checkStep(s *DeploymentStep) error {
	if s.Description == "" {
		return errors.New("a step has no description")
	}
	return nil
}
