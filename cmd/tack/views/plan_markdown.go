package views

import (
	"fmt"
	"html"
	"io"
	"strings"

	"github.com/tackhq/tack/planner"
	"github.com/tackhq/tack/plugins/sdk"
)

// MarkdownLimit is the size that a markdown plan always stays under, in
// bytes: GitHub refuses a pull-request comment of 65,536 characters or
// more, and no character is shorter than a byte.
const MarkdownLimit = 65536

// RenderPlanMarkdown writes p as GitHub-flavoured markdown for a
// pull-request comment. In order:
//
//   - the summary line (or that there are no changes), the clusters'
//     summary line when clusters change, and whether the plan is
//     incomplete or objects changed outside tack;
//   - what holds changes back, each with how to get past it: the
//     guardrails that block the plan (with the changes they fail on),
//     which apply refuses to start, then the blocked cluster changes
//     (with their blocked constraints), which apply leaves as they are
//     while it makes the others;
//   - every destroy and replacement, one line each, under a warning;
//   - the failures that do not block (advisory, overridden) and the
//     verdicts that cannot be decided until apply, as warnings;
//   - each change in a folded <details> block, its resource or cluster
//     block in a ```diff fence (added lines start with +, removed with -,
//     changed with !, so that GitHub colours them; a cluster's
//     deployment steps follow its spec), then its constraints and the
//     guardrails' verdicts on it; destroys, replacements and blocked
//     clusters first;
//   - the guardrails checked, with their counts;
//   - the changes to outputs, and the objects changed outside tack.
//
// The result is always shorter than [MarkdownLimit]. When everything does
// not fit, the summary and the lists are kept, what blocks apply first
// (only when it alone overflows is any of it left out, and counted),
// details are included in order for as long as they fit, and a note at
// the end says what was left out. Sensitive values are never shown.
// It returns the error from writing.
func RenderPlanMarkdown(w io.Writer, p *planner.Plan) error {
	_, err := io.WriteString(w, renderMarkdown(p, MarkdownLimit))
	if err != nil {
		return fmt.Errorf("writing the plan as markdown: %w", err)
	}
	return nil
}

// mdItem is one folded detail, rendered only if there is room for it.
type mdItem struct {
	section string // the heading it goes under
	kind    string // what the cut note counts it as: "change", "output", "drift"
	render  func() string
}

// renderMarkdown renders p in fewer than limit bytes.
func renderMarkdown(p *planner.Plan, limit int) string {
	changes := visibleChanges(p)
	clusters := visibleClusters(p)
	outputs := changedOutputs(p)

	var head strings.Builder
	head.WriteString("### tack plan")
	if p.Mode != planner.NormalMode {
		head.WriteString(" (" + p.Mode.String() + ")")
	}
	head.WriteString("\n\n")
	switch {
	case len(changes) > 0 || len(clusters) > 0:
		fmt.Fprintf(&head, "**Plan: %s**\n\n", summaryCounts(p.Counts()))
		if s := clusterSummary(countClusters(p)); s != "" {
			fmt.Fprintf(&head, "**Clusters: %s**\n\n", s)
		}
	case p.Mode == planner.RefreshOnlyMode && hasDrift(p):
		head.WriteString("**Refresh only:** applying this plan records the changes made outside of tack in the state, without changing any remote objects.\n\n")
	case len(outputs) > 0:
		head.WriteString("**Only outputs change:** applying this plan saves the new output values in the state, without changing any real infrastructure.\n\n")
	case p.Errored:
	default:
		if headline, _, ok := noChangesText(p); ok {
			head.WriteString("**No changes.** " + headline + "\n\n")
		}
	}
	if p.Errored {
		head.WriteString("> [!CAUTION]\n> This plan is incomplete: planning stopped at an error, so it cannot be applied.\n\n")
	}
	if n := len(p.Drift) + len(p.ClusterDrift); n > 0 {
		fmt.Fprintf(&head, "%s changed outside of tack since the last `tack apply`; see below.\n\n", plural(n, "object"))
	}

	// Destroys, replacements and blocked clusters come first, in the
	// lists and in the details, because they are what a reviewer must not
	// miss.
	var risky, rest []*planner.ResourceChange
	for _, ch := range changes {
		if ch.Action == planner.Delete || ch.Action.IsReplace() {
			risky = append(risky, ch)
		} else {
			rest = append(rest, ch)
		}
	}
	var riskyClusters, restClusters []*planner.ClusterChange
	for _, c := range clusters {
		switch c.Action {
		case planner.ClusterBlocked, planner.ClusterDestroy:
			riskyClusters = append(riskyClusters, c)
		default:
			restClusters = append(restClusters, c)
		}
	}
	var riskyLines []string
	for _, ch := range risky {
		riskyLines = append(riskyLines, riskyLine(ch))
	}
	for _, c := range riskyClusters {
		if c.Action == planner.ClusterDestroy {
			riskyLines = append(riskyLines, riskyClusterLine(c))
		}
	}
	rail := sortRailings(p, shownAddrs(changes, clusters))
	current := currentAddrs(changes)

	// The note that ends a cut rendering is at most this long.
	const noteRoom = 400
	budget := limit - 1 - noteRoom

	// The lists, in order: what blocks apply and the clusters held back,
	// which are never left out while there is any room at all; destroys
	// and replacements; and the failures that do not block.
	mdList(&head, "#### ⛔ Apply is blocked\n\n", mdBlockers(p), budget, limit)
	mdList(&head, "#### ⏸️ Not applied until unblocked\n\n", mdHeldClusters(clusters), budget, limit)
	mdList(&head, "#### ⚠️ Destroys and replacements\n\n", riskyLines, budget, limit)
	mdList(&head, "#### Warnings\n\n", mdWarnings(p), budget, limit)

	var items []mdItem
	resourceItem := func(ch *planner.ResourceChange) {
		items = append(items, mdItem{"#### Changes\n\n", "change", func() string {
			h := changeHeader(ch)
			var verdicts []*planner.Verdict
			if addr, ok := verdictAddrKey(ch, current); ok {
				verdicts = rail.byAddr[addr]
			}
			return mdDetails(mdSummary(h), changeLines(p, ch), mdRailings(verdicts, nil))
		}})
	}
	clusterItem := func(c *planner.ClusterChange) {
		items = append(items, mdItem{"#### Changes\n\n", "change", func() string {
			return mdDetails(mdSummary(clusterHeader(c)), clusterLines(p, c), mdRailings(rail.byAddr[c.Addr.String()], c.Constraints))
		}})
	}
	for _, ch := range risky {
		resourceItem(ch)
	}
	for _, c := range riskyClusters {
		clusterItem(c)
	}
	for _, ch := range rest {
		resourceItem(ch)
	}
	for _, c := range restClusters {
		clusterItem(c)
	}
	if len(shownChecks(p, rail.loose)) > 0 || len(rail.loose) > 0 {
		items = append(items, mdItem{"", "guardrails", func() string { return mdGuardrails(p, rail.loose) }})
	}
	if len(outputs) > 0 {
		items = append(items, mdItem{"", "output", func() string {
			return "#### Changes to outputs\n\n" + mdFence(outputLines(outputs)) + "\n"
		}})
	}
	for _, ch := range p.Drift {
		items = append(items, mdItem{"#### Changed outside of tack\n\n", "drift", func() string {
			addr, phrase := driftHeader(ch)
			return mdDetails("<code>"+html.EscapeString(addr)+"</code> "+phrase, driftLines(p, ch), "")
		}})
	}
	for _, d := range p.ClusterDrift {
		items = append(items, mdItem{"#### Changed outside of tack\n\n", "drift", func() string {
			return "- " + mdCode(clusterAddr(d.Cluster)) + ": " + mdEscape(clusterDriftText(d)) + "\n"
		}})
	}

	var b strings.Builder
	b.WriteString(head.String())
	section := ""
	shown := map[string]int{}
	for _, it := range items {
		piece := it.render()
		if it.section != section {
			piece = it.section + piece
		}
		if b.Len()+len(piece) > budget {
			break
		}
		b.WriteString(piece)
		section = it.section
		shown[it.kind]++
	}

	total := map[string]int{}
	for _, it := range items {
		total[it.kind]++
	}
	var missing []string
	if n := total["change"]; shown["change"] < n {
		m := n - shown["change"]
		missing = append(missing, fmt.Sprintf("%s of %s %s not shown in detail", thousands(m), plural(n, "change"), isAre(m)))
	}
	if shown["guardrails"] < total["guardrails"] {
		missing = append(missing, "the guardrails checked are not shown")
	}
	if shown["output"] < total["output"] {
		missing = append(missing, "the changes to outputs are not shown")
	}
	if n := total["drift"]; shown["drift"] < n {
		m := n - shown["drift"]
		missing = append(missing, fmt.Sprintf("%s of %s changed outside of tack %s not shown", thousands(m), plural(n, "object"), isAre(m)))
	}
	if len(missing) > 0 {
		if !strings.HasSuffix(b.String(), "\n\n") {
			b.WriteString("\n") // after a list, which the note must not join
		}
		fmt.Fprintf(&b, "_Output cut: %s (%s-character limit). Run `tack show` on the saved plan for the rest._\n",
			strings.Join(missing, "; "), thousands(limit))
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}

// riskyLine is the line of a destroy or replacement in the warning list.
func riskyLine(ch *planner.ResourceChange) string {
	h := changeHeader(ch)
	s := mdCode(h.addr) + " " + h.phrase
	for _, r := range h.reasons {
		s += " " + mdEscape(r)
	}
	if len(ch.RequiredReplace) > 0 && ch.Action.IsReplace() {
		// The human view marks these in the block; a list has to say.
		var paths []string
		for _, p := range ch.RequiredReplace {
			paths = append(paths, mdCode(sdk.FormatPath(p)))
		}
		s += " (a change to " + strings.Join(paths, ", ") + " forces it)"
	}
	return s
}

// riskyClusterLine is the line of a cluster destroy or blocked cluster
// change in the warning list.
func riskyClusterLine(c *planner.ClusterChange) string {
	h := clusterHeader(c)
	s := mdCode(h.addr) + " " + mdEscape(h.phrase)
	for _, r := range h.reasons {
		s += " " + mdEscape(r)
	}
	return s
}

// mdSummary is the summary of a change's details: its address and what
// is said of it, as HTML.
func mdSummary(h header) string {
	s := "<code>" + html.EscapeString(h.addr) + "</code> " + html.EscapeString(h.phrase)
	for _, r := range h.reasons {
		s += " " + html.EscapeString(r)
	}
	return s
}

// mdDetails folds a block of diff lines, and the markdown after it,
// under a summary, which is HTML.
func mdDetails(summary string, lines []diffLine, after string) string {
	if after != "" {
		after = "\n" + after
	}
	return "<details><summary>" + summary + "</summary>\n\n" + mdFence(lines) + after + "\n</details>\n\n"
}

// mdFence writes diff lines in a ```diff fence, with the action symbol
// moved to the first column where GitHub's diff highlighting looks for
// it: + and - as they are, ~ as !, which GitHub shows as changed. A
// replacement's -/+ and +/- already begin there. The fence is longer
// than any run of backticks in the lines.
func mdFence(lines []diffLine) string {
	var body strings.Builder
	for _, l := range lines {
		body.WriteString(mdLine(l))
		body.WriteByte('\n')
	}
	fence := strings.Repeat("`", max(3, longestRun(body.String(), '`')+1))
	return fence + "diff\n" + body.String() + fence + "\n"
}

func mdLine(l diffLine) string {
	s := palette(false).line(l)
	switch l.sym {
	case "+", "-", "~":
		pos := 4*l.depth + 2 // where the human form puts the symbol
		if len(s) <= pos || s[pos] != l.sym[0] {
			return s
		}
		c := l.sym
		if c == "~" {
			c = "!"
		}
		return c + s[1:pos] + " " + s[pos+1:]
	}
	return s
}

// mdCode writes s as a code span.
func mdCode(s string) string {
	ticks := strings.Repeat("`", longestRun(s, '`')+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return ticks + s + ticks
}

// mdEscape escapes the characters of s that markdown would read as
// formatting.
func mdEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\`*_[]<>&|~#", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func longestRun(s string, c byte) int {
	best, n := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			n++
			best = max(best, n)
		} else {
			n = 0
		}
	}
	return best
}

// plural is "1 change", "2,000 changes".
func plural(n int, noun string) string {
	if n != 1 {
		noun += "s"
	}
	return thousands(n) + " " + noun
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

// thousands writes n with commas between groups of three digits.
func thousands(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// mdList writes a list under a heading, nothing when it is empty. Items
// are written for as long as they fit in budget, the rest counted in a
// last item; an item may hold nested lists.
func mdList(head *strings.Builder, heading string, items []string, budget, limit int) {
	if len(items) == 0 {
		return
	}
	head.WriteString(heading)
	more := func(n int) string {
		return fmt.Sprintf("- _…and %s more, not listed (%s-character limit)._\n", thousands(n), thousands(limit))
	}
	for i, line := range items {
		item := "- " + line + "\n"
		room := 0 // to say how many more there are, unless none
		if i < len(items)-1 {
			room = len(more(len(items) - i - 1))
		}
		if head.Len()+len(item)+room > budget {
			head.WriteString(more(len(items) - i))
			break
		}
		head.WriteString(item)
	}
	head.WriteString("\n")
}

// Marks of railings in markdown, where emoji read better than the human
// view's characters.
var mdMarks = map[string]string{
	markMet: "✅", markWaits: "⏳", markBlocked: "⛔", markWarn: "⚠️", markUnknown: "❔",
}

// mdText is prose from a guardrail, a policy or the state, escaped for
// markdown.
func mdText(s string) string { return mdEscape(proseText(s)) }

// mdHint is how to get past a blocked railing: a tack command as code,
// anything else as prose.
func mdHint(hint string) string {
	if strings.HasPrefix(hint, "tack ") {
		return "to go ahead: " + mdCode(hint)
	}
	return "to go ahead: " + mdText(hint)
}

// mdWithText is "head: text", or head alone when text is empty.
func mdWithText(head, text string) string {
	if text == "" {
		return head
	}
	return head + ": " + mdText(text)
}

// mdSubject is the change a verdict is about, as code, or "the plan as
// a whole".
func mdSubject(addr string) string {
	if addr == "" {
		return verdictSubject(addr)
	}
	return mdCode(addr)
}

// mdBlockers are the items of the list of what blocks apply: each
// blocking guardrail with the changes it fails on, and how to get past
// it.
func mdBlockers(p *planner.Plan) []string {
	var out []string
	verdicts := map[string][]*planner.Verdict{}
	for _, v := range p.Blockers() {
		key := v.Guardrail + " " + string(v.Enforcement)
		verdicts[key] = append(verdicts[key], v)
	}
	for _, g := range blockingGuardrails(p) {
		vs := verdicts[g.name+" "+string(g.enforcement)]
		head := fmt.Sprintf("%s (%s) fails on ", mdCode(g.name), g.enforcement)
		var s string
		if len(vs) == 1 {
			s = mdWithText(head+mdSubject(vs[0].Address), vs[0].Message)
		} else {
			s = head + plural(len(vs), "change") + ":"
			for _, v := range vs {
				s += "\n  - " + mdWithText(mdSubject(v.Address), v.Message)
			}
		}
		hint := "to go ahead: " + mandatoryHint
		if g.enforcement != planner.Mandatory {
			hint = mdHint(overrideCommand(p, g.name))
		}
		out = append(out, s+"\n  - "+hint)
	}
	return out
}

// mdHeldClusters are the items of the list of the blocked cluster
// changes, which apply leaves as they are while it makes the others:
// each with its blocked constraints and how to get past each.
func mdHeldClusters(clusters []*planner.ClusterChange) []string {
	var out []string
	for _, c := range blockedClusters(clusters) {
		s := riskyClusterLine(c)
		for _, k := range blockedConstraints(c) {
			s += "\n  - " + mdWithText(mdCode(k.Kind)+mdEscape(constraintWhere(k)), k.Detail)
			if k.Hint != "" {
				s += "; " + mdHint(k.Hint)
			}
		}
		out = append(out, s)
	}
	return out
}

// mdWarnings are the items of the list of failures that do not block
// apply (advisory ones, and overridden ones) and of verdicts that cannot
// be decided until apply, in plan order.
func mdWarnings(p *planner.Plan) []string {
	var out []string
	for _, v := range p.Verdicts {
		if v.Blocks() {
			continue
		}
		out = append(out, mdVerdict(v, true))
	}
	return out
}

// mdVerdict is a verdict as a list item: its guardrail, what it says of
// the change (named when named), its message and who overrode it.
func mdVerdict(v *planner.Verdict, named bool) string {
	s := fmt.Sprintf("%s (%s) %s", mdCode(v.Guardrail), v.Enforcement, verdictVerb(v))
	if named {
		s += " on " + mdSubject(v.Address)
	}
	s = mdWithText(s, v.Message)
	return s + mdOverride(v)
}

// mdRailings is the list, inside a change's details, of its constraints
// and the verdicts on it; "" when it has none.
func mdRailings(verdicts []*planner.Verdict, constraints []planner.Constraint) string {
	var b strings.Builder
	for _, k := range constraints {
		s := mdWithText(mdCode(k.Kind)+mdEscape(constraintWhere(k)), k.Detail)
		if k.Status == planner.ConstraintBlocked && k.Hint != "" {
			s += "; " + mdHint(k.Hint)
		}
		fmt.Fprintf(&b, "- %s %s\n", mdMarks[constraintMark(k)], s)
	}
	for _, v := range verdicts {
		fmt.Fprintf(&b, "- %s %s\n", mdMarks[verdictMark(v)], mdVerdict(v, false))
	}
	return b.String()
}

// mdGuardrails is the section of the guardrails that applied to the
// plan's changes, each with its counts, and the verdicts no change shown
// carries, under their guardrail.
func mdGuardrails(p *planner.Plan, loose []*planner.Verdict) string {
	var b strings.Builder
	b.WriteString("#### Guardrails\n\n")
	listed := map[*planner.Verdict]bool{}
	for _, g := range shownChecks(p, loose) {
		fmt.Fprintf(&b, "- %s (%s): %s\n", mdCode(g.Name), checkQualifier(g), checkText(g, p))
		for _, v := range loose {
			if ofCheck(v, g) {
				fmt.Fprintf(&b, "  - %s %s\n", mdMarks[verdictMark(v)], mdVerdictLoose(v))
				listed[v] = true
			}
		}
	}
	for _, v := range loose {
		if !listed[v] {
			fmt.Fprintf(&b, "- %s %s\n", mdMarks[verdictMark(v)], mdVerdict(v, true))
		}
	}
	return b.String() + "\n"
}

// mdVerdictLoose is a verdict listed under its guardrail: "fails on the
// plan as a whole: MESSAGE".
func mdVerdictLoose(v *planner.Verdict) string {
	s := mdWithText(verdictVerb(v)+" on "+mdSubject(v.Address), v.Message)
	return s + mdOverride(v)
}

// mdOverride says who let a failure through and why, after a verdict;
// "" when nobody did.
func mdOverride(v *planner.Verdict) string {
	o := v.Override
	if o == nil || v.Result != planner.VerdictFail {
		return ""
	}
	who := "overridden"
	if o.Actor != "" {
		who += " by " + mdText(o.Actor)
	}
	return "; " + mdWithText(who, o.Reason)
}
