package views

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tackhq/tack/planner"
)

// This file holds what the three views share about railings: the
// guardrails' verdicts, which go beside the change they concern, and a
// cluster's environment constraints, which go beside its steps; and what
// stops the plan from being applied, with how to get past it. A verdict
// that names no change shown (a policy's result about the plan as a
// whole, or one about a change with nothing to do) is never dropped: it
// goes with the plan's guardrails instead.

// railings are a plan's verdicts sorted by where a view shows them.
type railings struct {
	// byAddr are the verdicts about each change the view shows, by the
	// change's address, in plan order.
	byAddr map[string][]*planner.Verdict
	// loose are the verdicts about the plan as a whole (Address ""), and
	// those that name no change the view shows, in plan order.
	loose []*planner.Verdict
}

// sortRailings sorts p's verdicts by the changes a view shows, named
// by their addresses.
func sortRailings(p *planner.Plan, shown []string) railings {
	r := railings{byAddr: map[string][]*planner.Verdict{}}
	has := map[string]bool{}
	for _, a := range shown {
		has[a] = true
	}
	for _, v := range p.Verdicts {
		if v.Address != "" && has[v.Address] {
			r.byAddr[v.Address] = append(r.byAddr[v.Address], v)
		} else {
			r.loose = append(r.loose, v)
		}
	}
	return r
}

// shownAddrs are the addresses of the changes the human and markdown
// views show.
func shownAddrs(changes []*planner.ResourceChange, clusters []*planner.ClusterChange) []string {
	var out []string
	for _, ch := range changes {
		out = append(out, ch.Addr.String())
	}
	for _, c := range clusters {
		out = append(out, c.Addr.String())
	}
	return out
}

// verdictAddrKey is the address whose verdicts a resource change shows:
// its own, unless it is a deposed object whose current object is shown
// too.
func verdictAddrKey(ch *planner.ResourceChange, currentShown map[string]bool) (string, bool) {
	a := ch.Addr.String()
	if ch.Deposed != "" && currentShown[a] {
		return "", false
	}
	return a, true
}

// currentAddrs are the addresses of the current (not deposed) objects
// among changes.
func currentAddrs(changes []*planner.ResourceChange) map[string]bool {
	out := map[string]bool{}
	for _, ch := range changes {
		if ch.Deposed == "" {
			out[ch.Addr.String()] = true
		}
	}
	return out
}

// Marks of railings, in the human and markdown views.
const (
	markMet     = "✓" // a constraint met
	markWaits   = "…" // a constraint apply waits for
	markBlocked = "✗" // a constraint or a verdict that blocks apply
	markWarn    = "!" // a failure that does not block: advisory, or overridden
	markUnknown = "?" // a verdict that cannot be decided until apply
)

func constraintMark(c planner.Constraint) string {
	switch c.Status {
	case planner.ConstraintMet:
		return markMet
	case planner.ConstraintWaits:
		return markWaits
	}
	return markBlocked
}

func verdictMark(v *planner.Verdict) string {
	switch {
	case v.Result == planner.VerdictUnknown:
		return markUnknown
	case v.Blocks():
		return markBlocked
	}
	return markWarn
}

// verdictVerb is what a verdict says of its change, before the
// message: "fails" or "cannot be decided until apply".
func verdictVerb(v *planner.Verdict) string {
	if v.Result == planner.VerdictUnknown {
		return "cannot be decided until apply"
	}
	return "fails"
}

// constraintLabel names a constraint with its environment:
// "depends_on staging" (the upstream environment), "manual_approval in
// prod" (the cluster's own).
func constraintLabel(c planner.Constraint) string { return c.Kind + constraintWhere(c) }

// constraintWhere is what follows a constraint's kind in its label.
func constraintWhere(c planner.Constraint) string {
	switch {
	case c.Environment == "":
		return ""
	case c.Kind == planner.ConstraintDependsOn:
		return " " + c.Environment
	}
	return " in " + c.Environment
}

// Verdicts that block are grouped by guardrail: one -override lets
// through all the failures of one guardrail.
type blockingGuardrail struct {
	name        string
	enforcement planner.Enforcement
	// addrs are the changes it fails on, in plan order; "" stands for
	// the plan as a whole.
	addrs []string
}

// blockingGuardrails groups p's blockers by guardrail, in the order
// their first failures come in the plan.
func blockingGuardrails(p *planner.Plan) []*blockingGuardrail {
	var out []*blockingGuardrail
	byName := map[string]*blockingGuardrail{}
	for _, v := range p.Blockers() {
		key := v.Guardrail + " " + string(v.Enforcement)
		g := byName[key]
		if g == nil {
			g = &blockingGuardrail{name: v.Guardrail, enforcement: v.Enforcement}
			byName[key] = g
			out = append(out, g)
		}
		if v.Enforcement == planner.Mandatory {
			g.enforcement = planner.Mandatory // one mandatory failure is enough to make -override useless
		}
		g.addrs = append(g.addrs, v.Address)
	}
	return out
}

// overrideCommand is the command that lets an overridable guardrail's
// failures in p through: tack destroy for a plan to destroy everything,
// which is what made it, and tack apply otherwise.
func overrideCommand(p *planner.Plan, guardrail string) string {
	command := "apply"
	if p.Mode == planner.DestroyMode {
		command = "destroy"
	}
	return fmt.Sprintf(`tack %s -override=%s -reason="…"`, command, guardrail)
}

// mandatoryHint is how to get past a mandatory guardrail.
const mandatoryHint = "change the configuration so that it passes (a mandatory guardrail cannot be overridden)"

// blockedClusters are the shown cluster changes that are blocked.
func blockedClusters(clusters []*planner.ClusterChange) []*planner.ClusterChange {
	var out []*planner.ClusterChange
	for _, c := range clusters {
		if c.Action == planner.ClusterBlocked {
			out = append(out, c)
		}
	}
	return out
}

// blockedConstraints are the constraints that block a cluster change.
func blockedConstraints(c *planner.ClusterChange) []planner.Constraint {
	var out []planner.Constraint
	for _, k := range c.Constraints {
		if k.Status == planner.ConstraintBlocked {
			out = append(out, k)
		}
	}
	return out
}

// applyBlocked reports whether a guardrail stops the plan from being
// applied: apply then refuses to start. A blocked cluster change does
// not: apply makes the other changes and leaves that cluster as it is.
func applyBlocked(p *planner.Plan) bool {
	return len(p.Blockers()) > 0
}

// shownChecks are the guardrails the human and markdown views list:
// those that applied to a change, and those with a verdict no change
// carries. One that applied to none, such as a built-in guardrail of
// clusters in a plan without any, is left out: it says nothing a
// reviewer needs (the JSON view lists it).
func shownChecks(p *planner.Plan, loose []*planner.Verdict) []*planner.GuardrailCheck {
	named := map[string]bool{}
	for _, v := range loose {
		named[v.Guardrail] = true
	}
	var out []*planner.GuardrailCheck
	for _, g := range p.Guardrails {
		if g.Checked > 0 || named[g.Name] {
			out = append(out, g)
		}
	}
	return out
}

// checkText is the count of a guardrail check, and whether it fails on
// the plan as a whole, among p's verdicts: "3 changes checked, 1 failed,
// 1 cannot be decided until apply", "4 changes checked, none failed;
// fails on the plan as a whole". The planner counts changes, and a
// policy's result about the plan as a whole is not one: without the
// last part, such a check would read "all passed".
func checkText(g *planner.GuardrailCheck, p *planner.Plan) string {
	whole := false
	for _, v := range p.Verdicts {
		if v.Address == "" && v.Result == planner.VerdictFail && ofCheck(v, g) {
			whole = true
			break
		}
	}
	s := plural(g.Checked, "change") + " checked"
	switch {
	case g.Checked == 0:
	case g.Failed == 0 && g.Unknown == 0 && whole:
		s += ", none failed"
	case g.Failed == 0 && g.Unknown == 0:
		s += ", all passed"
	default:
		if g.Failed > 0 {
			s += fmt.Sprintf(", %d failed", g.Failed)
		}
		if g.Unknown > 0 {
			s += fmt.Sprintf(", %d cannot be decided until apply", g.Unknown)
		}
	}
	if whole {
		s += "; fails on the plan as a whole"
	}
	return s
}

// checkQualifier is what is said of a guardrail in parentheses after
// its name: its enforcement, "built in" for one of tack's own, which
// the configuration does not name, and for a policy package the rules
// behind it.
func checkQualifier(g *planner.GuardrailCheck) string {
	switch g.Source {
	case planner.GuardrailBuiltin:
		return string(g.Enforcement) + ", built in"
	case planner.GuardrailPolicy:
		return string(g.Enforcement) + ", " + policyRules[g.Enforcement]
	}
	return string(g.Enforcement)
}

// policyRules are the Rego rules behind each enforcement of a policy
// package, which shares one name among its rules. The planner checks a
// package's rules of one level as one (deny, violation and deny_prod
// are all its mandatory check), so the view names the level's rules,
// not the one rule a package may happen to define.
var policyRules = map[planner.Enforcement]string{
	planner.Mandatory:   "deny and violation rules",
	planner.Overridable: "override_required rules",
	planner.Advisory:    "warn rules",
}

// ofCheck reports whether v is a verdict of g: a policy package's rules
// share its name, and differ in their enforcement.
func ofCheck(v *planner.Verdict, g *planner.GuardrailCheck) bool {
	return v.Guardrail == g.Name && v.Enforcement == g.Enforcement
}

// proseText is text from a guardrail, a policy or the state as a line
// of the human view can hold it: control characters (a newline, an
// escape sequence) and invalid UTF-8 are written escaped, and the rest,
// quotes included, as it is.
func proseText(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029':
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// mark colours a railing's mark in the human view: red for what blocks,
// yellow for a warning, green for a constraint met, as the action
// symbols are.
func (c palette) mark(m string) string {
	switch m {
	case markBlocked:
		return c.wrap(ansiRed, m)
	case markWarn:
		return c.wrap(ansiYellow, m)
	case markMet:
		return c.wrap(ansiGreen, m)
	}
	return m
}

// withText is "head: text", or head alone when text is empty.
func withText(head, text string) string {
	if text == "" {
		return head
	}
	return head + ": " + text
}

// railings writes, under a change's block, its constraints and the
// guardrails' verdicts on it:
//
//	railings:
//	  ✓ window in prod: inside the delivery window
//	  ✗ manual_approval in prod: 2.0 is not approved for cluster.api-prod
//	    to go ahead: tack approve cluster.api-prod 2.0
//	  ! guardrail.prod-keeps-two (overridable) fails: production clusters keep at least two instances
//	    overridden by alice: the old group serves until Friday
func (r *planRenderer) railings(verdicts []*planner.Verdict, constraints []planner.Constraint) {
	if len(verdicts) == 0 && len(constraints) == 0 {
		return
	}
	r.printf("    railings:\n")
	for _, k := range constraints {
		r.printf("      %s %s\n", r.c.mark(constraintMark(k)), withText(constraintLabel(k), proseText(k.Detail)))
		// A wait's detail says what apply waits for; a blocked one's
		// hint, what would let it through.
		if k.Status == planner.ConstraintBlocked && k.Hint != "" {
			r.printf("        to go ahead: %s\n", proseText(k.Hint))
		}
	}
	for _, v := range verdicts {
		head := fmt.Sprintf("%s (%s) %s", v.Guardrail, v.Enforcement, verdictVerb(v))
		r.verdict("      ", head, v)
	}
}

// verdict writes one verdict after indent, its mark, and head, with the
// override that lets it through on a line below.
func (r *planRenderer) verdict(indent, head string, v *planner.Verdict) {
	r.printf("%s%s %s\n", indent, r.c.mark(verdictMark(v)), withText(head, proseText(v.Message)))
	if o := v.Override; o != nil && v.Result == planner.VerdictFail {
		who := "overridden"
		if o.Actor != "" {
			who += " by " + proseText(o.Actor)
		}
		r.printf("%s  %s\n", indent, withText(who, proseText(o.Reason)))
	}
}

// guardrails writes the guardrails that applied to the plan's changes,
// with their counts, and under each the verdicts no change shown
// carries: a policy's about the plan as a whole, or one about a change
// with nothing to do. Nothing when no guardrail applied to any change.
func (r *planRenderer) guardrails() {
	loose := r.rail.loose
	checks := shownChecks(r.p, loose)
	if len(checks) == 0 && len(loose) == 0 {
		return
	}
	r.printf("%s\n", r.c.wrap(ansiBold, "Guardrails:"))
	listed := map[*planner.Verdict]bool{}
	for _, g := range checks {
		r.printf("  %s (%s): %s\n", g.Name, checkQualifier(g), checkText(g, r.p))
		for _, v := range loose {
			if ofCheck(v, g) {
				r.verdict("    ", looseHead(v, false), v)
				listed[v] = true
			}
		}
	}
	for _, v := range loose {
		if !listed[v] {
			// A verdict of a guardrail the plan does not list.
			r.verdict("  ", looseHead(v, true), v)
		}
	}
	r.b.WriteByte('\n')
}

// looseHead is what a verdict no change carries says before its
// message: "fails on the plan as a whole", "guardrail.x (advisory)
// fails on local_file.a" when named.
func looseHead(v *planner.Verdict, named bool) string {
	s := verdictVerb(v) + " on " + verdictSubject(v.Address)
	if named {
		s = fmt.Sprintf("%s (%s) %s", v.Guardrail, v.Enforcement, s)
	}
	return s
}

// verdictSubject is the change a verdict is about, or "the plan as a
// whole".
func verdictSubject(addr string) string {
	if addr == "" {
		return "the plan as a whole"
	}
	return addr
}

// blocked writes, after the summary, what holds changes back and how
// to get past each, in two lists: the guardrails that block the plan,
// which apply refuses to start; then the blocked cluster changes, which
// apply leaves as they are while it makes the others. Advisory failures,
// and overridden ones, are in neither.
func (r *planRenderer) blocked(clusters []*planner.ClusterChange) {
	if applyBlocked(r.p) {
		r.printf("%s\n", r.c.wrap(ansiBoldRed, "Apply is blocked:"))
		for _, g := range blockingGuardrails(r.p) {
			var subjects []string
			for _, a := range g.addrs {
				subjects = append(subjects, verdictSubject(a))
			}
			r.printf("  %s %s (%s) fails on %s\n", r.c.mark(markBlocked), g.name, g.enforcement, strings.Join(subjects, ", "))
			if g.enforcement == planner.Mandatory {
				r.printf("    to go ahead: %s\n", mandatoryHint)
			} else {
				r.printf("    to go ahead: %s\n", overrideCommand(r.p, g.name))
			}
		}
		r.b.WriteByte('\n')
	}
	held := blockedClusters(clusters)
	if len(held) == 0 {
		return
	}
	r.printf("%s\n", r.c.wrap(ansiBoldYello, "Not applied until unblocked:"))
	for _, c := range held {
		ks := blockedConstraints(c)
		if len(ks) == 0 {
			r.printf("  %s %s\n", r.c.mark(markBlocked), withText(c.Addr.String()+" is blocked", proseText(c.Blocked)))
			continue
		}
		for _, k := range ks {
			head := c.Addr.String() + " is blocked by " + constraintLabel(k)
			if k.Hint == "" {
				r.printf("  %s %s\n", r.c.mark(markBlocked), withText(head, proseText(k.Detail)))
				continue
			}
			r.printf("  %s %s\n", r.c.mark(markBlocked), head)
			r.printf("    to go ahead: %s\n", proseText(k.Hint))
		}
	}
	r.b.WriteByte('\n')
}
