package views

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/config"
	"github.com/tackhq/tack/config/addrs"
	"github.com/tackhq/tack/planner"
	"github.com/tackhq/tack/plugins/sdk"
)

// More ANSI escape sequences, for plans.
const (
	ansiGreen    = "\x1b[32m"
	ansiYellow   = "\x1b[33m"
	ansiRed      = "\x1b[31m"
	ansiCyan     = "\x1b[36m"
	ansiDarkGray = "\x1b[90m"
	ansiBoldGrn  = "\x1b[1;32m"
)

// PlanOpts are the settings of the human plan view, decided once by the
// command from the terminal it writes to.
type PlanOpts struct {
	// Color turns on ANSI colour: green +, yellow ~, red -, cyan <=, bold
	// headings. Without it the output holds no escape sequences.
	Color bool
	// Width is the column at which prose is wrapped, between words, and
	// the width of the rule below the drift section; 0 turns wrapping
	// off and draws the rule 78 columns wide. Diff lines are never
	// wrapped.
	Width int
}

// RenderPlan writes p for people, in Terraform's layout: what changed
// outside tack (drift), the symbols used, every change as a resource
// block with what differs, every cluster change as a cluster block with
// its deployment's steps, the guardrails checked, the summary line (and
// a second one for clusters), what blocks apply and how to get past it,
// and the changes to outputs. Under a change's block are its railings:
// a cluster's environment constraints, and the guardrails' verdicts on
// the change.
// Unchanged attributes and blocks are counted rather than shown; values
// that are sensitive, by a variable's mark or by the provider's schema,
// are shown as (sensitive value), and those known only after apply as
// (known after apply). A type whose schema the plan lacks is shown
// without telling blocks from attributes.
//
// Write errors are not reported: the views write to the terminal, where
// there is nobody left to tell.
func RenderPlan(w io.Writer, p *planner.Plan, opts PlanOpts) {
	r := planRenderer{p: p, c: palette(opts.Color), width: opts.Width}
	r.render()
	io.WriteString(w, r.b.String())
}

type planRenderer struct {
	p     *planner.Plan
	c     palette
	width int
	b     strings.Builder

	rail    railings
	current map[string]bool // addresses of the current objects shown
}

func (r *planRenderer) printf(format string, args ...any) { fmt.Fprintf(&r.b, format, args...) }

// para writes prose, wrapped, and a blank line after it.
func (r *planRenderer) para(text string) {
	r.b.WriteString(wrap(text, r.width))
	r.b.WriteString("\n\n")
}

func (r *planRenderer) render() {
	p := r.p
	changes := visibleChanges(p)
	clusters := visibleClusters(p)
	outputs := changedOutputs(p)
	r.rail = sortRailings(p, shownAddrs(changes, clusters))
	r.current = currentAddrs(changes)

	if hasDrift(p) {
		r.drift()
	}

	switch {
	case len(changes) == 0 && len(clusters) == 0 && len(outputs) == 0 && p.Errored:
		// "No changes" would not be true of a plan that stopped early.
	case len(changes) == 0 && len(clusters) == 0 && len(outputs) == 0:
		r.noChanges()
	case len(changes) == 0 && len(clusters) == 0:
		r.outputs(outputs)
		if p.Mode != planner.RefreshOnlyMode {
			r.para("You can apply this plan to save these new output values to the tack state, without changing any real infrastructure.")
		}
	default:
		r.legend(changes, clusters)
		r.printf("tack will perform the following actions:\n\n")
		for _, ch := range changes {
			r.change(ch)
		}
		for _, c := range clusters {
			r.cluster(c)
		}
		r.guardrails()
		r.printf("%s %s\n", r.c.wrap(ansiBold, "Plan:"), summaryCounts(p.Counts()))
		if s := clusterSummary(countClusters(p)); s != "" {
			r.printf("%s %s\n", r.c.wrap(ansiBold, "Clusters:"), s)
		}
		r.b.WriteByte('\n')
		r.blocked(clusters)
		if len(outputs) > 0 {
			r.outputs(outputs)
		}
	}
	if len(changes) == 0 && len(clusters) == 0 && len(p.Verdicts) > 0 {
		// A policy may judge a plan that changes no resource or
		// cluster; what it said is shown all the same.
		r.guardrails()
		r.blocked(nil)
	}

	if p.Errored {
		r.b.WriteString(r.c.wrap(ansiBoldRed, "This plan is incomplete:"))
		r.b.WriteString(" planning stopped at an error, so it cannot be applied.\n")
	}
	// Sections end with a blank line, to keep apart from the next; the
	// last one needs none.
	out := strings.TrimRight(r.b.String(), "\n") + "\n"
	r.b.Reset()
	r.b.WriteString(out)
}

// drift writes the objects that changed outside tack, with the paragraph
// that says what the plan will do about them.
func (r *planRenderer) drift() {
	r.printf("%s\n\n", r.c.wrap(ansiBold, "Note: Objects have changed outside of tack"))
	r.para(`tack detected the following changes made outside of tack since the last "tack apply" which may have affected this plan:`)
	for _, ch := range r.p.Drift {
		addr, phrase := driftHeader(ch)
		r.printf("  %s %s\n", r.c.wrap(ansiBold, "# "+addr), phrase)
		r.lines(driftLines(r.p, ch))
		r.b.WriteByte('\n')
	}
	for _, d := range r.p.ClusterDrift {
		r.printf("  %s: %s\n", r.c.wrap(ansiBold, "# "+clusterAddr(d.Cluster)), clusterDriftText(d))
	}
	if len(r.p.ClusterDrift) > 0 {
		r.b.WriteByte('\n')
	}
	if r.p.Mode == planner.RefreshOnlyMode {
		r.para("This is a refresh-only plan, so tack will not take any actions to undo these. If you were expecting these changes then you can apply this plan to record the updated values in the tack state without changing any remote objects.")
		return
	}
	r.para("Unless you have made equivalent changes to your configuration, or ignored the relevant attributes using ignore_changes, the following plan may include actions to undo or respond to these changes.")
	width := r.width
	if width <= 0 {
		width = 78
	}
	r.printf("%s\n\n", strings.Repeat("─", width))
}

func (r *planRenderer) noChanges() {
	headline, detail, ok := noChangesText(r.p)
	if !ok {
		return
	}
	r.printf("%s %s\n\n", r.c.wrap(ansiBoldGrn, "No changes."), r.c.wrap(ansiBold, headline))
	r.para(detail)
}

// noChangesText is what a plan without changes says after "No
// changes.", and ok false for a refresh-only plan with drift, whose drift
// section has said it all.
func noChangesText(p *planner.Plan) (headline, detail string, ok bool) {
	switch {
	case p.Mode == planner.DestroyMode:
		return "No objects need to be destroyed.",
			"Either you have not created any objects yet or the existing objects were already deleted outside of tack.", true
	case p.Mode == planner.RefreshOnlyMode && hasDrift(p):
		return "", "", false
	case p.Mode == planner.RefreshOnlyMode:
		return "Your infrastructure still matches the configuration.",
			"tack has checked that the real remote objects still match the result of your most recent changes, and found no differences.", true
	case hasDrift(p):
		return "Your infrastructure matches the configuration.",
			"Your configuration already matches the changes detected above. If you'd like to update the tack state to match, create and apply a refresh-only plan:\n  tack apply -refresh-only", true
	}
	return "Your infrastructure matches the configuration.",
		"tack has compared your real infrastructure against your configuration and found no differences, so no changes are needed.", true
}

// legend writes the introduction and the symbols the changes use, in a
// fixed order. A cluster's ~ is said in the words of what happens to it:
// "deploy or resize a cluster".
func (r *planRenderer) legend(changes []*planner.ResourceChange, clusters []*planner.ClusterChange) {
	used := map[planner.Action]bool{}
	for _, ch := range changes {
		used[ch.Action] = true
	}
	clusterUsed := map[planner.ClusterAction]bool{}
	for _, c := range clusters {
		clusterUsed[c.Action] = true
	}
	used[planner.Create] = used[planner.Create] || clusterUsed[planner.ClusterCreate]
	used[planner.Delete] = used[planner.Delete] || clusterUsed[planner.ClusterDestroy]
	var verbs []string
	for _, v := range []struct {
		act  planner.ClusterAction
		verb string
	}{{planner.ClusterDeploy, "deploy"}, {planner.ClusterResize, "resize"}, {planner.ClusterResume, "resume"}} {
		if clusterUsed[v.act] {
			verbs = append(verbs, v.verb)
		}
	}
	update := "update in-place"
	if len(verbs) > 0 {
		clusterText := verbs[0]
		if n := len(verbs); n > 1 {
			clusterText = strings.Join(verbs[:n-1], ", ") + " or " + verbs[n-1]
		}
		clusterText += " a cluster"
		if used[planner.Update] {
			update += ", or " + clusterText
		} else {
			update = clusterText
		}
		used[planner.Update] = true
	}
	var b strings.Builder
	for _, l := range []struct {
		act  planner.Action
		text string
	}{
		{planner.Create, "create"},
		{planner.Update, update},
		{planner.Delete, "destroy"},
		{planner.DeleteThenCreate, "destroy and then create replacement"},
		{planner.CreateThenDelete, "create replacement and then destroy"},
		{planner.Read, "read (data resources)"},
	} {
		if used[l.act] {
			fmt.Fprintf(&b, "%s %s\n", r.c.sym(actionSym(l.act)), l.text)
		}
	}
	if b.Len() == 0 {
		// Only moves and imports, which have no symbol.
		return
	}
	r.b.WriteString(wrap("tack used the selected providers to generate the following execution plan. Resource actions are indicated with the following symbols:", r.width))
	r.b.WriteByte('\n')
	r.b.WriteString(b.String())
	r.b.WriteByte('\n')
}

func (r *planRenderer) change(ch *planner.ResourceChange) {
	h := changeHeader(ch)
	r.printf("  %s %s\n", r.c.wrap(ansiBold, "# "+h.addr), h.phrase)
	for _, reason := range h.reasons {
		r.printf("  # %s\n", reason)
	}
	r.lines(changeLines(r.p, ch))
	if addr, ok := verdictAddrKey(ch, r.current); ok {
		r.railings(r.rail.byAddr[addr], nil)
	}
	r.b.WriteByte('\n')
}

func (r *planRenderer) cluster(c *planner.ClusterChange) {
	h := clusterHeader(c)
	r.printf("  %s %s\n", r.c.wrap(ansiBold, "# "+h.addr), h.phrase)
	for _, reason := range h.reasons {
		r.printf("  # %s\n", reason)
	}
	r.lines(clusterLines(r.p, c))
	r.railings(r.rail.byAddr[c.Addr.String()], c.Constraints)
	r.b.WriteByte('\n')
}

func (r *planRenderer) outputs(outputs []*planner.OutputChange) {
	r.printf("%s\n", r.c.wrap(ansiBold, "Changes to Outputs:"))
	r.lines(outputLines(outputs))
	r.b.WriteByte('\n')
}

// lines writes diff lines in the human form.
func (r *planRenderer) lines(lines []diffLine) {
	for _, l := range lines {
		r.b.WriteString(r.c.line(l))
		r.b.WriteByte('\n')
	}
}

// header is what is said of a change above its block.
type header struct {
	addr    string   // with " (deposed object KEY)" when deposed
	phrase  string   // "will be created"
	reasons []string // each "(because …)", one comment line each
}

func changeHeader(ch *planner.ResourceChange) header {
	h := header{addr: ch.Addr.String()}
	if ch.Deposed != "" {
		h.addr += fmt.Sprintf(" (deposed object %s)", ch.Deposed)
	}
	switch ch.Action {
	case planner.Create:
		h.phrase = "will be created"
	case planner.Read:
		h.phrase = "will be read during apply"
	case planner.Update:
		h.phrase = "will be updated in-place"
	case planner.DeleteThenCreate, planner.CreateThenDelete:
		h.phrase = "must be replaced"
	case planner.Delete:
		h.phrase = "will be destroyed"
	default:
		switch {
		case ch.Importing != nil:
			h.phrase = "will be imported"
		case ch.Moved():
			h.addr = ch.PrevRunAddr.String()
			h.phrase = "has moved to " + ch.Addr.String()
		default:
			h.phrase = "has no changes"
		}
	}
	if reason := reasonText(ch); reason != "" {
		h.reasons = append(h.reasons, reason)
	}
	if ch.Deposed != "" && ch.Action == planner.Delete {
		h.reasons = append(h.reasons, "(left over from a partially-failed replacement of this instance)")
	}
	if ch.Moved() && ch.Action != planner.NoOp || ch.Moved() && ch.Importing != nil {
		h.reasons = append(h.reasons, "(moved from "+ch.PrevRunAddr.String()+")")
	}
	if ch.Importing != nil && ch.Action != planner.NoOp {
		h.reasons = append(h.reasons, "(imported from "+quoteString(ch.Importing.ID)+")")
	}
	return h
}

// reasonText says why an object is replaced, destroyed or read during
// apply, or "" when the action says enough.
func reasonText(ch *planner.ResourceChange) string {
	switch ch.Reason {
	case planner.ReplaceByRequest:
		return "(requested by -replace)"
	case planner.ReplaceByTriggers:
		return "(because an object in replace_triggered_by changed)"
	case planner.ReplaceBecauseTainted:
		return "(tainted: it was only partly created)"
	case planner.DeleteBecauseNoResourceConfig:
		return "(because " + ch.Addr.ContainingResource().String() + " is not in the configuration)"
	case planner.DeleteBecauseCountIndex:
		return "(because index " + keyText(ch.Addr.Resource.Key) + " is out of range for count)"
	case planner.DeleteBecauseEachKey:
		return "(because key " + keyText(ch.Addr.Resource.Key) + " is not in for_each map)"
	case planner.DeleteBecauseNoModule:
		return "(because " + ch.Addr.Module.String() + " is not in the configuration)"
	case planner.ReadBecauseConfigUnknown:
		return "(config refers to values not yet known)"
	case planner.ReadBecauseDependencyPending:
		return "(depends on a resource or a module with changes pending)"
	}
	return ""
}

func keyText(k addrs.InstanceKey) string {
	if k == nil {
		return "[]"
	}
	return k.String()
}

func driftHeader(ch *planner.ResourceChange) (addr, phrase string) {
	addr = ch.Addr.String()
	if ch.Deposed != "" {
		addr += fmt.Sprintf(" (deposed object %s)", ch.Deposed)
	}
	if ch.Action == planner.Delete {
		return addr, "has been deleted"
	}
	return addr, "has changed"
}

// changeLines renders one planned change as a resource or data block.
func changeLines(p *planner.Plan, ch *planner.ResourceChange) []diffLine {
	sym := actionSym(ch.Action)
	before, after := ch.Before, ch.After
	switch ch.Action {
	case planner.Create, planner.Read:
		if ch.Action == planner.Create {
			before = cty.NilVal
		}
	case planner.Delete:
		after = cty.NilVal
	}
	// An object being imported is news to the reader in full; one that
	// only moved is not.
	showUnchanged := ch.Action == planner.NoOp && ch.Importing != nil
	return objectLines(blockHeader(ch.Addr), sym, before, after, schemaOf(p, ch), ch.RequiredReplace, showUnchanged)
}

// driftLines renders what changed outside tack: the recorded value
// before, what is live after.
func driftLines(p *planner.Plan, ch *planner.ResourceChange) []diffLine {
	after := ch.After
	sym := "~"
	if ch.Action == planner.Delete {
		after, sym = cty.NilVal, "-"
	}
	return objectLines(blockHeader(ch.Addr), sym, ch.Before, after, schemaOf(p, ch), nil, false)
}

// blockHeader is `resource "local_file" "a"` or `data "x" "y"`.
func blockHeader(addr addrs.AbsResourceInstance) string {
	res := addr.Resource.Resource
	kw := "resource"
	if res.Mode == addrs.DataResourceMode {
		kw = "data"
	}
	return kw + " " + quoteString(res.Type) + " " + quoteString(res.Name)
}

func schemaOf(p *planner.Plan, ch *planner.ResourceChange) *sdk.Block {
	return p.Schemas[ch.Provider.Source][ch.Addr.Resource.Resource.Type]
}

// outputLines renders output changes as `name = value` lines.
func outputLines(outputs []*planner.OutputChange) []diffLine {
	d := &differ{}
	width := 0
	for _, o := range outputs {
		width = max(width, stringWidth(attrKey(o.Name)))
	}
	for _, o := range outputs {
		b, a := prepareValue(o.Before, nil), prepareValue(o.After, nil)
		if o.Sensitive {
			b, a = markSensitive(b), markSensitive(a)
		}
		key := attrKey(o.Name)
		act := o.Action
		if act == planner.Create {
			b = cty.NullVal(cty.DynamicPseudoType)
		}
		if act == planner.Delete {
			a = cty.NullVal(cty.DynamicPseudoType)
		}
		if act == planner.Update && (b.IsNull() || a.IsNull()) {
			// An output set to or from null reads as added or removed.
			act, _ = childAction(b, a)
		}
		lead := key + strings.Repeat(" ", width-stringWidth(key)) + " = "
		if act == planner.Create && a.IsNull() {
			d.add(diffLine{sym: "+", text: lead + "null"})
			continue
		}
		d.entry(cty.GetAttrPath(o.Name), act, lead, b, a, 0, false)
	}
	return d.lines
}

func markSensitive(v cty.Value) cty.Value {
	if v.IsNull() {
		return v
	}
	return v.Mark(config.Sensitive)
}

// visibleChanges are the changes the plan shows: every one that does
// something, moves or imports.
func visibleChanges(p *planner.Plan) []*planner.ResourceChange {
	var out []*planner.ResourceChange
	for _, ch := range p.Changes {
		if ch.Action != planner.NoOp || ch.Moved() || ch.Importing != nil {
			out = append(out, ch)
		}
	}
	return out
}

// changedOutputs are the outputs that change, by name.
func changedOutputs(p *planner.Plan) []*planner.OutputChange {
	var out []*planner.OutputChange
	for _, o := range p.Outputs {
		if o.Action != planner.NoOp {
			out = append(out, o)
		}
	}
	slices.SortStableFunc(out, func(a, b *planner.OutputChange) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// summaryCounts is the summary line after "Plan:". Imports and moves are
// named only when there are some.
func summaryCounts(c planner.Counts) string {
	s := fmt.Sprintf("%d to add, %d to change, %d to replace, %d to destroy", c.Add, c.Change, c.Replace, c.Destroy)
	if c.Import > 0 {
		s += fmt.Sprintf(", %d to import", c.Import)
	}
	if c.Move > 0 {
		s += fmt.Sprintf(", %d to move", c.Move)
	}
	return s + "."
}

// palette colours text when it is on.
type palette bool

func (c palette) wrap(code, s string) string {
	if !c || s == "" {
		return s
	}
	return code + s + ansiReset
}

// sym colours an action symbol, right-aligned in three columns.
func (c palette) sym(s string) string {
	pad := strings.Repeat(" ", max(0, 3-len(s)))
	switch s {
	case "+":
		return pad + c.wrap(ansiGreen, s)
	case "-":
		return pad + c.wrap(ansiRed, s)
	case "~":
		return pad + c.wrap(ansiYellow, s)
	case "-/+":
		return c.wrap(ansiRed, "-") + "/" + c.wrap(ansiGreen, "+")
	case "+/-":
		return c.wrap(ansiGreen, "+") + "/" + c.wrap(ansiRed, "-")
	case "<=":
		return pad + c.wrap(ansiCyan, s)
	}
	return pad + s
}

// line is the human form of a diff line.
func (c palette) line(l diffLine) string {
	if l.blank {
		return ""
	}
	text := l.text
	if l.comment {
		text = c.wrap(ansiDarkGray, text)
	}
	s := strings.Repeat(" ", 4*l.depth) + c.sym(l.sym) + " " + text
	if l.note != "" {
		s += " " + c.wrap(ansiRed, l.note)
	}
	return strings.TrimRight(s, " ")
}
