package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/tackhq/tack/config"
	"github.com/tackhq/tack/state"
)

// This file holds what tack approve, tack veto and tack pin share: the
// configuration they check a decision against, how they write it into
// the state, and how tack show lists what they recorded.

// recordChange changes a state: it returns what to print, and whether the
// state changed and must be written. An error changes nothing.
type recordChange func(s *state.State) (msg string, changed bool, err error)

// record locks the state of b, reads it (no state yet is an empty one),
// lets change work on a copy, and writes the copy through the backend as
// the next serial when it changed, so that a refused change writes
// nothing. change's message is printed once the state is written. ok is
// false after an error, which it has reported.
func (m *meta) record(b state.Backend, operation string, lf lockFlags, change recordChange) (ok bool) {
	ctx := context.Background()
	unlock, err := m.lockState(ctx, b, operation, lf.lock, lf.timeout)
	if err != nil {
		m.ui.Error(err.Error())
		return false
	}
	defer m.unlock(unlock)
	s, err := b.Read(ctx)
	if err != nil {
		m.ui.Error("Error: reading the state: " + err.Error())
		return false
	}
	if s == nil {
		s = state.New()
	}
	next := s.DeepCopy()
	if next.Environments == nil {
		next.Environments = map[string]*state.Environment{}
	}
	msg, changed, err := change(next)
	if err != nil {
		m.ui.Error("Error: " + strings.TrimSuffix(err.Error(), ".") + ".")
		return false
	}
	for name, e := range next.Environments {
		if e.Empty() {
			delete(next.Environments, name)
		}
	}
	if changed && !m.writeState(ctx, b, next) {
		return false
	}
	fmt.Fprintln(m.stdout, msg)
	return true
}

// stateEnvironment returns what s records of the environment name,
// adding an empty record when there is none. record removes it again if
// it stays empty.
func stateEnvironment(s *state.State, name string) *state.Environment {
	e := s.Environments[name]
	if e == nil {
		e = &state.Environment{Name: name}
		s.Environments[name] = e
	}
	return e
}

// environmentArg reads an ENVIRONMENT argument: "prod" or
// "environment.prod", as the configuration refers to it.
func environmentArg(arg string) string {
	if name, ok := strings.CutPrefix(arg, "environment."); ok {
		return name
	}
	return arg
}

// configEnvironment returns the environment block name, or an error that
// says which there are.
func configEnvironment(mod *config.Module, name string) (*config.Environment, error) {
	if e := mod.Environments[name]; e != nil {
		return e, nil
	}
	names := slices.Sorted(maps.Keys(mod.Environments))
	if len(names) == 0 {
		return nil, fmt.Errorf("the configuration declares no environment, so there is no environment %q to record a decision in. Declare it with an environment %q { … } block", name, name)
	}
	return nil, fmt.Errorf("the configuration declares no environment %q.%s Its environments are: %s", name, config.Suggest(name, names), strings.Join(names, ", "))
}

// requiresApproval reports whether an environment's manual_approval is
// true. known is false when it refers to something only a plan knows,
// such as a variable; the plan decides then.
func requiresApproval(e *config.Environment) (required, known bool) {
	if e.ManualApproval == nil {
		return false, true
	}
	if len(e.ManualApproval.Variables()) > 0 {
		return false, false
	}
	v, diags := e.ManualApproval.Value(nil)
	if diags.HasErrors() || !v.IsWhollyKnown() {
		return false, false
	}
	if v.IsNull() {
		return false, true
	}
	b, err := convert.Convert(v, cty.Bool)
	if err != nil {
		return false, false // validate says why
	}
	return b.True(), true
}

// byWhom is how a decision's author and reason read after what was
// decided: "by ana: leaks memory", or "by ana".
func byWhom(actor, reason string) string {
	s := "by " + printable(actor)
	if reason != "" {
		s += ": " + printable(reason)
	}
	return s
}

// byWhomAt is byWhom with the time: "by ana at 2026-05-01 10:00:00 UTC:
// leaks memory".
func byWhomAt(d *state.Decision) string {
	s := "by " + printable(d.Actor) + " at " + when(d.Time)
	if d.Reason != "" {
		s += ": " + printable(d.Reason)
	}
	return s
}

// when is how a recorded time reads, as tack show writes the clusters'
// history.
func when(t time.Time) string {
	return t.UTC().Format("2006-01-02 15:04:05 MST")
}

// printable escapes the control and format characters of text a user
// gave (a reason, a name), so that printing it cannot move the cursor,
// recolour the terminal or reorder what follows.
func printable(s string) string {
	if !strings.ContainsFunc(s, unprintable) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unprintable(r) {
			b.WriteString(strings.Trim(strconv.QuoteRune(r), "'"))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func unprintable(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r)
}

// renderRailings lists, after what tack show prints of the objects and
// clusters, what each environment records (approvals, vetoes and its pin)
// and the guardrail failures applies went ahead with, oldest first.
func renderRailings(w io.Writer, s *state.State) {
	for _, name := range slices.Sorted(maps.Keys(s.Environments)) {
		e := s.Environments[name]
		if e.Empty() {
			continue
		}
		type line struct {
			t    time.Time
			text string
		}
		var lines []line
		for _, d := range e.Approvals {
			lines = append(lines, line{d.Time, fmt.Sprintf("approved %s for cluster.%s, %s", printable(d.Version), printable(d.Cluster), byWhom(d.Actor, d.Reason))})
		}
		for _, d := range e.Vetoes {
			lines = append(lines, line{d.Time, fmt.Sprintf("vetoed %s, %s", printable(d.Version), byWhom(d.Actor, d.Reason))})
		}
		if d := e.Pin; d != nil {
			lines = append(lines, line{d.Time, fmt.Sprintf("pinned to %s, %s", printable(d.Version), byWhom(d.Actor, d.Reason))})
		}
		slices.SortStableFunc(lines, func(a, b line) int { return a.t.Compare(b.t) })
		fmt.Fprintf(w, "# environment.%s\n", printable(name))
		for _, l := range lines {
			fmt.Fprintf(w, "  %s  %s\n", when(l.t), l.text)
		}
		fmt.Fprintln(w)
	}
	if len(s.Overrides) == 0 {
		return
	}
	// The state keeps overrides in the order applies recorded them,
	// which is their time order unless a clock was moved in between.
	overrides := slices.Clone(s.Overrides)
	slices.SortStableFunc(overrides, func(a, b *state.Override) int { return a.Time.Compare(b.Time) })
	fmt.Fprintln(w, "# guardrail overrides")
	for _, o := range overrides {
		fmt.Fprintf(w, "  %s  %s overridden %s\n", when(o.Time), printable(o.Guardrail), byWhom(o.Actor, o.Reason))
		var what []string
		if len(o.Changes) > 0 {
			changes := make([]string, len(o.Changes))
			for i, c := range o.Changes {
				changes[i] = printable(c)
			}
			what = append(what, "failed on "+strings.Join(changes, ", "))
		}
		if o.Message != "" {
			what = append(what, printable(o.Message))
		}
		if len(what) > 0 {
			fmt.Fprintf(w, "    %s\n", strings.Join(what, ": "))
		}
	}
	fmt.Fprintln(w)
}
