package install

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	version "github.com/hashicorp/go-version"
)

// Requirement is one module's need for a provider: an entry of its
// required_providers, or a provider it uses without one, which the caller
// implies as tack/<name>.
type Requirement struct {
	// Name is the module's local name for the provider, "local".
	Name string
	// Source is the provider's source address, "tack/local".
	Source string
	// Constraint is a version constraint such as "~> 0.1"; empty
	// accepts any version.
	Constraint string
}

// Validate reports whether the source address and the constraint are
// well formed.
func (r Requirement) Validate() error {
	if err := ValidateSource(r.Source); err != nil {
		return err
	}
	if r.Constraint != "" {
		if _, err := version.NewConstraint(r.Constraint); err != nil {
			return fmt.Errorf("%q is not a version constraint: write one or more comma-separated conditions such as \"~> 0.1\" or \">= 1.2, < 2.0\"", r.Constraint)
		}
	}
	return nil
}

// sourcePart is one segment of a source address: lower-case letters,
// digits and hyphens, starting with a letter or digit. The type segment
// also names the binary, so nothing that could reach out of a directory
// may appear.
var sourcePart = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)

// ValidateSource reports whether s is a source address,
// "<namespace>/<type>".
func ValidateSource(s string) error {
	ns, typ, ok := strings.Cut(s, "/")
	if !ok || !sourcePart.MatchString(ns) || !sourcePart.MatchString(typ) {
		return fmt.Errorf("%q is not a provider source address: write \"<namespace>/<type>\" in lower-case letters, digits and hyphens, such as \"tack/local\" or \"vendor/hello\"", s)
	}
	return nil
}

// sourceType is the type segment of a source address, which names the
// binary: "vendor/hello" → "hello".
func sourceType(source string) string {
	_, typ, _ := strings.Cut(source, "/")
	return typ
}

// shipped reports whether a source names a provider shipped with tack.
func shipped(source string) bool { return strings.HasPrefix(source, "tack/") }

// need is every requirement of one source, merged.
type need struct {
	source string
	// constraint joins the distinct constraints of every requirement,
	// sorted, so that the same configuration always gives the same text.
	constraint  string
	constraints version.Constraints
}

// merge groups requirements by source, in order of source.
func merge(reqs []Requirement) ([]need, error) {
	bySource := map[string][]string{}
	var errs []error
	for _, r := range reqs {
		if err := r.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("provider %s: %w", r.Name, err))
			continue
		}
		list := bySource[r.Source]
		if r.Constraint != "" && !slices.Contains(list, r.Constraint) {
			list = append(list, r.Constraint)
		}
		bySource[r.Source] = list
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	var out []need
	for _, source := range sortedKeys(bySource) {
		list := bySource[source]
		slices.Sort(list)
		n := need{source: source, constraint: strings.Join(list, ", ")}
		if n.constraint != "" {
			// Each part parsed in Validate; so does their join.
			n.constraints, _ = version.NewConstraint(n.constraint)
		}
		out = append(out, n)
	}
	return out, nil
}

// allows reports whether v meets the merged constraint. As with
// go-version's constraints, a pre-release is chosen only by a constraint
// that names one; without a constraint, only the providers shipped with
// tack may be pre-releases, because their version is tack's own.
func (n need) allows(v *version.Version) bool {
	if n.constraints == nil {
		return v.Prerelease() == "" || shipped(n.source)
	}
	return n.constraints.Check(v)
}
