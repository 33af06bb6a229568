package sdk

import (
	"errors"
	"fmt"
	"strings"

	"github.com/zclconf/go-cty/cty"
)

// Severity of a [Diagnostic].
type Severity int

const (
	// Error means the operation failed.
	Error Severity = iota + 1
	// Warning means it succeeded, and the user should still read this.
	Warning
)

func (s Severity) String() string {
	switch s {
	case Error:
		return "error"
	case Warning:
		return "warning"
	}
	return fmt.Sprintf("Severity(%d)", int(s))
}

// Diagnostic is one problem or warning a provider reports. Summary is a
// short phrase; Detail is whole sentences that say what to do; Attribute,
// when set, points at the attribute concerned so the core can show the
// user's line.
type Diagnostic struct {
	Severity  Severity
	Summary   string
	Detail    string
	Attribute cty.Path
}

// Diagnostics is a list of diagnostics, appended to as work goes on so that
// one run reports every problem. The zero value is an empty list.
type Diagnostics []Diagnostic

// Errorf returns an error diagnostic with a formatted detail.
func Errorf(summary, detailFormat string, args ...any) Diagnostic {
	return Diagnostic{Severity: Error, Summary: summary, Detail: fmt.Sprintf(detailFormat, args...)}
}

// AttributeErrorf returns an error diagnostic about one attribute.
func AttributeErrorf(path cty.Path, summary, detailFormat string, args ...any) Diagnostic {
	d := Errorf(summary, detailFormat, args...)
	d.Attribute = path
	return d
}

// FromError turns err into one error diagnostic with the given summary. A
// nil err gives nil.
func FromError(summary string, err error) Diagnostics {
	if err == nil {
		return nil
	}
	var pe cty.PathError
	if errors.As(err, &pe) {
		return Diagnostics{{Severity: Error, Summary: summary, Detail: capitalize(pe.Error()) + ".", Attribute: pe.Path}}
	}
	return Diagnostics{{Severity: Error, Summary: summary, Detail: capitalize(err.Error()) + "."}}
}

// HasErrors reports whether any diagnostic is an error.
func (ds Diagnostics) HasErrors() bool {
	for _, d := range ds {
		if d.Severity != Warning {
			return true
		}
	}
	return false
}

// Err returns the errors among ds as one error, or nil when there are none.
func (ds Diagnostics) Err() error {
	var msgs []string
	for _, d := range ds {
		if d.Severity == Warning {
			continue
		}
		msgs = append(msgs, d.String())
	}
	if len(msgs) == 0 {
		return nil
	}
	return errors.New(strings.Join(msgs, "; "))
}

// String renders the diagnostic on one line, for logs and errors.
func (d Diagnostic) String() string {
	s := d.Summary
	if len(d.Attribute) > 0 {
		s = FormatPath(d.Attribute) + ": " + s
	}
	if d.Detail != "" {
		s += ": " + d.Detail
	}
	return s
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
