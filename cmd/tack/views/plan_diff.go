package views

import (
	"fmt"
	"math/big"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/ctymarks"

	"github.com/tackhq/tack/config"
	"github.com/tackhq/tack/planner"
	"github.com/tackhq/tack/plugins/sdk"
)

// This file turns a before and an after value into the lines of a
// Terraform-style diff. The human view prints the lines with the action
// symbol after the indentation; the markdown view moves the symbol to the
// first column, where GitHub's diff highlighting looks for it. Both views
// therefore show the same lines, and a change to how values are shown is
// made once, here.

// diffLine is one line of a rendered change. The human form of a line is
//
//	<4×depth spaces><sym right-aligned in 3 columns> <text> <note>
//
// so that "  + resource", "-/+ resource" and " <= data" line up, and the
// attributes of a block sit four columns further in.
type diffLine struct {
	sym     string // "+", "-", "~", "-/+", "+/-", "<=", or "" for none
	depth   int
	text    string
	note    string // a trailing comment: "# forces replacement"
	comment bool   // text is a comment of tack's, not a value
	blank   bool
}

// identifying are the attributes shown even when unchanged, at the top
// level of an object that is updated, replaced or moved, so that a reader
// can tell which object it is (Terraform shows id the same way).
var identifying = map[string]bool{"id": true, "name": true}

// differ collects the lines of one object's diff.
type differ struct {
	lines []diffLine
	// replace are the paths that force replacement.
	replace []cty.Path
	// showUnchanged shows unchanged attributes, elements and blocks
	// instead of counting them as hidden: for an object being imported,
	// whose whole content is news to the reader.
	showUnchanged bool
}

func (d *differ) add(l diffLine) { d.lines = append(d.lines, l) }

func (d *differ) comment(depth int, text string) {
	d.add(diffLine{depth: depth, text: text, comment: true})
}

// sub returns an empty differ with d's settings, for lines that may or
// may not be written depending on what they turn out to hold.
func (d *differ) sub() *differ {
	return &differ{replace: d.replace, showUnchanged: d.showUnchanged}
}

func (d *differ) noteFor(path cty.Path) string {
	for _, p := range d.replace {
		if p.Equals(path) {
			return "# forces replacement"
		}
	}
	return ""
}

// objectLines renders one object as a block with a header such as
// `resource "local_file" "a"`: the body holds what changed between before
// and after, which may each be null.
func objectLines(header, sym string, before, after cty.Value, schema *sdk.Block, replace []cty.Path, showUnchanged bool) []diffLine {
	d := &differ{replace: replace, showUnchanged: showUnchanged}
	before, after = prepareValue(before, schema), prepareValue(after, schema)
	d.block(nil, sym, header+" ", schema, before, after, 0, true)
	return d.lines
}

// prepareValue returns v with the config.Sensitive mark wherever the
// value is sensitive, because a variable was (a mark) or because the
// provider's schema says the attribute is; every other mark is dropped.
// From here on, whether a part of a value may be shown is a question
// asked of the value alone.
func prepareValue(v cty.Value, schema *sdk.Block) cty.Value {
	if v == cty.NilVal {
		return cty.NullVal(cty.DynamicPseudoType)
	}
	v, _ = v.WrangleMarksDeep(func(mark any, _ cty.Path) (ctymarks.WrangleAction, error) {
		if mark == config.Sensitive {
			return ctymarks.WrangleKeep, nil
		}
		return ctymarks.WrangleDrop, nil
	})
	if schema == nil || !hasSensitive(schema) {
		return v
	}
	v, _ = cty.Transform(v, func(path cty.Path, v cty.Value) (cty.Value, error) {
		if a := attributeAt(schema, path); a != nil && a.Sensitive && !v.HasMark(config.Sensitive) {
			return v.Mark(config.Sensitive), nil
		}
		return v, nil
	})
	return v
}

// attributeAt returns the schema of the attribute that path leads to, or
// nil when it leads to a block, into an attribute's value, or nowhere the
// schema knows.
func attributeAt(b *sdk.Block, path cty.Path) *sdk.Attribute {
	for i := 0; i < len(path); i++ {
		step, ok := path[i].(cty.GetAttrStep)
		if !ok {
			return nil
		}
		if a, ok := b.Attributes[step.Name]; ok {
			if i == len(path)-1 {
				return a
			}
			return nil
		}
		nb, ok := b.BlockTypes[step.Name]
		if !ok || nb == nil {
			return nil
		}
		if nb.Nesting != sdk.NestingSingle {
			// The next step picks one block of the list, set or map.
			if i+1 >= len(path) {
				return nil
			}
			if _, ok := path[i+1].(cty.IndexStep); !ok {
				return nil
			}
			i++
		}
		b = &nb.Block
	}
	return nil
}

// hasSensitive reports whether any attribute of b or of its nested
// blocks is sensitive.
func hasSensitive(b *sdk.Block) bool {
	for _, a := range b.Attributes {
		if a != nil && a.Sensitive {
			return true
		}
	}
	for _, nb := range b.BlockTypes {
		if nb != nil && hasSensitive(&nb.Block) {
			return true
		}
	}
	return false
}

// nestedBlock returns the nested block type name of b, or nil when b is nil
// or has none of that name.
func nestedBlock(b *sdk.Block, name string) *sdk.NestedBlock {
	if b == nil {
		return nil
	}
	return b.BlockTypes[name]
}

// block renders a block: its header line, its body and its closing brace.
// label is what comes between the symbol and the brace, with a trailing
// space: `resource "local_file" "a" `, `rule `, `rule "web" `.
func (d *differ) block(path cty.Path, sym, label string, schema *sdk.Block, b, a cty.Value, depth int, top bool) {
	note := d.noteFor(path)
	switch {
	case isSensitive(b) || isSensitive(a):
		d.add(diffLine{sym: sym, depth: depth, text: label + "{", note: note})
		d.comment(depth+1, "# (sensitive block hidden)")
	case !b.IsKnown() || !a.IsKnown():
		d.add(diffLine{sym: sym, depth: depth, text: label + "{", note: note})
		d.comment(depth+1, "# (known after apply)")
	default:
		d.add(diffLine{sym: sym, depth: depth, text: label + "{", note: note})
		d.body(path, schema, unmark(b), unmark(a), depth+1, top)
	}
	d.add(diffLine{depth: depth, text: "}"})
}

// body renders the attributes and nested blocks of a block whose values
// before and after are b and a: known, unmarked objects or null. Without
// a schema every attribute is shown as an attribute.
func (d *differ) body(path cty.Path, schema *sdk.Block, b, a cty.Value, depth int, top bool) {
	if !isObjectOrNull(b) || !isObjectOrNull(a) {
		// Not the shape a block has: show it as a value, not hide it.
		act, ok := childAction(b, a)
		if ok {
			d.entry(path, act, "", b, a, depth, false)
		}
		return
	}

	var attrs, blocks []string
	for _, name := range attributeNames(b, a) {
		if nb := nestedBlock(schema, name); nb != nil && blockShapeOK(nb, attr(b, name)) && blockShapeOK(nb, attr(a, name)) {
			blocks = append(blocks, name)
		} else {
			attrs = append(attrs, name)
		}
	}

	type shown struct {
		name string
		act  planner.Action
		b, a cty.Value
	}
	var list []shown
	hidden, width := 0, 0
	for _, name := range attrs {
		bv, av := attr(b, name), attr(a, name)
		act, ok := childAction(bv, av)
		if !ok {
			continue
		}
		if act == planner.NoOp && !d.showUnchanged && !(top && identifying[name]) {
			hidden++
			continue
		}
		list = append(list, shown{name, act, bv, av})
		width = max(width, stringWidth(attrKey(name)))
	}
	for _, s := range list {
		key := attrKey(s.name)
		lead := key + strings.Repeat(" ", width-stringWidth(key)) + " = "
		d.entry(path.GetAttr(s.name), s.act, lead, s.b, s.a, depth, false)
	}
	if hidden > 0 {
		d.comment(depth, hiddenNote(hidden, "attribute"))
	}

	sub := d.sub()
	hiddenBlocks := 0
	for _, name := range blocks {
		sub.blockType(path.GetAttr(name), name, schema.BlockTypes[name], attr(b, name), attr(a, name), depth, &hiddenBlocks)
	}
	if hiddenBlocks > 0 {
		sub.comment(depth, hiddenNote(hiddenBlocks, "block"))
	}
	if len(sub.lines) > 0 && (len(list) > 0 || hidden > 0) {
		d.add(diffLine{blank: true})
	}
	d.lines = append(d.lines, sub.lines...)
}

// blockType renders the blocks of one nested block type, counting the
// unchanged ones it leaves out in hidden.
func (d *differ) blockType(path cty.Path, name string, nb *sdk.NestedBlock, b, a cty.Value, depth int, hidden *int) {
	one := func(path cty.Path, label string, act planner.Action, b, a cty.Value) {
		if act == planner.NoOp && !d.showUnchanged {
			*hidden++
			return
		}
		d.block(path, actionSym(act), label, &nb.Block, b, a, depth, false)
	}
	if nb.Nesting == sdk.NestingSingle {
		if act, ok := childAction(b, a); ok {
			one(path, name+" ", act, b, a)
		}
		return
	}
	if isSensitive(b) || isSensitive(a) || !b.IsKnown() || !a.IsKnown() {
		// The whole collection of blocks is hidden or not yet known.
		if act, ok := childAction(b, a); ok && act != planner.NoOp {
			d.block(path, actionSym(act), name+" ", nil, b, a, depth, false)
		} else if ok {
			*hidden++
		}
		return
	}
	b, a = unmark(b), unmark(a)
	switch nb.Nesting {
	case sdk.NestingList:
		for _, op := range matchSequence(elements(b), elements(a), true) {
			one(path.IndexInt(op.index()), name+" ", op.act, op.b, op.a)
		}
	case sdk.NestingSet:
		for _, op := range matchSet(elements(b), elements(a)) {
			one(path.Index(op.key()), name+" ", op.act, op.b, op.a)
		}
	case sdk.NestingMap:
		for _, k := range mapKeys(b, a) {
			bv, av := mapElem(b, k), mapElem(a, k)
			if act, ok := childAction(bv, av); ok {
				one(path.Index(cty.StringVal(k)), name+" "+quoteString(k)+" ", act, bv, av)
			}
		}
	}
}

// entry renders one attribute, map element or list element: lead is what
// comes before the value ("content = ", `"env" = `, or "" in a list).
// Elements of lists end in a comma, and a removed element of a list is
// not followed by "-> null", since the list does not hold a null instead.
func (d *differ) entry(path cty.Path, act planner.Action, lead string, b, a cty.Value, depth int, inList bool) {
	note := d.noteFor(path)
	trail := ""
	if inList {
		trail = ","
	}
	switch act {
	case planner.Create:
		d.whole(path, "+", "+", lead, a, depth, note, trail)
	case planner.Delete:
		end := trail
		if !inList {
			end = " -> null" + trail
		}
		d.whole(path, "-", "-", lead, b, depth, note, end)
	case planner.Update:
		d.update(path, lead, b, a, depth, note, trail)
	default:
		d.whole(path, "", "", lead, a, depth, note, trail)
	}
}

// whole renders a value in full, its first line with headSym and nested
// elements with sym; end follows the value on its last line.
func (d *differ) whole(path cty.Path, headSym, sym, lead string, v cty.Value, depth int, note, end string) {
	if s, ok := inlineValue(v); ok {
		d.add(diffLine{sym: headSym, depth: depth, text: lead + s + end, note: note})
		return
	}
	v = unmark(v)
	ty := v.Type()
	switch {
	case ty.IsPrimitiveType():
		// Only a string that inlineValue declined: a heredoc.
		lines, delim := heredoc(v.AsString())
		d.add(diffLine{sym: headSym, depth: depth, text: lead + "<<-" + delim, note: note})
		for _, l := range lines {
			d.add(diffLine{depth: depth + 1, text: l})
		}
		d.add(diffLine{depth: depth, text: delim + end})
	case ty.IsListType() || ty.IsSetType() || ty.IsTupleType():
		d.add(diffLine{sym: headSym, depth: depth, text: lead + "[", note: note})
		for it := v.ElementIterator(); it.Next(); {
			k, ev := it.Element()
			d.whole(path.Index(k), sym, sym, "", ev, depth+1, d.noteFor(path.Index(k)), ",")
		}
		d.add(diffLine{depth: depth, text: "]" + end})
	default: // map or object
		obj := ty.IsObjectType()
		type kv struct {
			key  string
			path cty.Path
			v    cty.Value
		}
		var entries []kv
		width := 0
		for it := v.ElementIterator(); it.Next(); {
			k, ev := it.Element()
			e := kv{quoteString(k.AsString()), path.Index(k), ev}
			if obj {
				if ev.IsNull() {
					continue // an unset attribute, as in a block
				}
				e.key, e.path = attrKey(k.AsString()), path.GetAttr(k.AsString())
			}
			entries = append(entries, e)
			width = max(width, stringWidth(e.key))
		}
		d.add(diffLine{sym: headSym, depth: depth, text: lead + "{", note: note})
		for _, e := range entries {
			d.whole(e.path, sym, sym, e.key+strings.Repeat(" ", width-stringWidth(e.key))+" = ", e.v, depth+1, d.noteFor(e.path), "")
		}
		d.add(diffLine{depth: depth, text: "}" + end})
	}
}

// update renders a value that changed from b to a, neither null.
func (d *differ) update(path cty.Path, lead string, b, a cty.Value, depth int, note, trail string) {
	if isSensitive(b) || isSensitive(a) {
		d.add(diffLine{sym: "~", depth: depth, text: lead + "(sensitive value)" + trail, note: note})
		return
	}
	b, a = unmark(b), unmark(a)
	if !a.IsKnown() {
		if s, ok := inlineValue(b); ok {
			d.add(diffLine{sym: "~", depth: depth, text: lead + s + " -> (known after apply)" + trail, note: note})
		} else {
			d.whole(path, "~", "-", lead, b, depth, note, " -> (known after apply)"+trail)
		}
		return
	}
	if !b.IsKnown() {
		if s, ok := inlineValue(a); ok {
			d.add(diffLine{sym: "~", depth: depth, text: lead + "(known after apply) -> " + s + trail, note: note})
		} else {
			d.whole(path, "~", "+", lead+"(known after apply) -> ", a, depth, note, trail)
		}
		return
	}
	bt, at := b.Type(), a.Type()
	switch {
	case bt.IsPrimitiveType() && at.IsPrimitiveType():
		if bt == cty.String && at == cty.String && isHeredoc(b.AsString()) && isHeredoc(a.AsString()) {
			d.heredocDiff(lead, b.AsString(), a.AsString(), depth, note, trail)
			return
		}
		bs, _ := inlineValue(b)
		as, _ := inlineValue(a)
		if bs == "" || as == "" { // a string only a heredoc shows exactly
			bs, as = primitiveString(b), primitiveString(a)
		}
		d.add(diffLine{sym: "~", depth: depth, text: lead + bs + " -> " + as + trail, note: note})
	case (bt.IsListType() || bt.IsTupleType()) && (at.IsListType() || at.IsTupleType()):
		d.sequenceDiff(path, lead, elements(b), elements(a), depth, note, trail, false)
	case bt.IsSetType() && at.IsSetType():
		d.sequenceDiff(path, lead, elements(b), elements(a), depth, note, trail, true)
	case (bt.IsMapType() || bt.IsObjectType()) && (at.IsMapType() || at.IsObjectType()):
		d.mapDiff(path, lead, b, a, depth, note, trail, at.IsObjectType())
	default:
		// The value changed shape: the old one goes, the new one comes.
		d.whole(path, "-", "-", lead, b, depth, note, trail)
		d.whole(path, "+", "+", lead, a, depth, "", trail)
	}
}

// sequenceDiff renders a changed list, tuple or set element by element.
func (d *differ) sequenceDiff(path cty.Path, lead string, b, a []cty.Value, depth int, note, trail string, set bool) {
	var ops []seqOp
	if set {
		ops = matchSet(b, a)
	} else {
		ops = matchSequence(b, a, structural(b) || structural(a))
	}
	d.add(diffLine{sym: "~", depth: depth, text: lead + "[", note: note})
	hidden := 0
	for _, op := range ops {
		if op.act == planner.NoOp && !d.showUnchanged {
			hidden++
			continue
		}
		p := path.IndexInt(op.index())
		if set {
			p = path.Index(op.key())
		}
		d.entry(p, op.act, "", op.b, op.a, depth+1, true)
	}
	if hidden > 0 {
		d.comment(depth+1, hiddenNote(hidden, "element"))
	}
	d.add(diffLine{depth: depth, text: "]" + trail})
}

// mapDiff renders a changed map or object key by key.
func (d *differ) mapDiff(path cty.Path, lead string, b, a cty.Value, depth int, note, trail string, obj bool) {
	type shown struct {
		key  string
		p    cty.Path
		act  planner.Action
		b, a cty.Value
	}
	var list []shown
	hidden, width := 0, 0
	for _, k := range mapKeys(b, a) {
		bv, av := mapElem(b, k), mapElem(a, k)
		act, ok := childAction(bv, av)
		if !ok {
			continue
		}
		if act == planner.NoOp && !d.showUnchanged {
			hidden++
			continue
		}
		key, p := quoteString(k), path.Index(cty.StringVal(k))
		if obj {
			key, p = attrKey(k), path.GetAttr(k)
		}
		list = append(list, shown{key, p, act, bv, av})
		width = max(width, stringWidth(key))
	}
	d.add(diffLine{sym: "~", depth: depth, text: lead + "{", note: note})
	for _, s := range list {
		d.entry(s.p, s.act, s.key+strings.Repeat(" ", width-stringWidth(s.key))+" = ", s.b, s.a, depth+1, false)
	}
	if hidden > 0 {
		noun := "element"
		if obj {
			noun = "attribute"
		}
		d.comment(depth+1, hiddenNote(hidden, noun))
	}
	d.add(diffLine{depth: depth, text: "}" + trail})
}

// heredocDiff renders a changed multi-line string line by line. Runs of
// unchanged lines more than three lines from a change are hidden, unless
// unchanged content is being shown.
func (d *differ) heredocDiff(lead, b, a string, depth int, note, trail string) {
	bl, _ := heredoc(b)
	al, _ := heredoc(a)
	_, delim := heredoc(b + a)
	d.add(diffLine{sym: "~", depth: depth, text: lead + "<<-" + delim, note: note})
	ops := diffStrings(bl, al)
	const context = 3
	near := make([]bool, len(ops))
	for i, op := range ops {
		if op.act == planner.NoOp {
			continue
		}
		for j := max(0, i-context); j <= min(len(ops)-1, i+context); j++ {
			near[j] = true
		}
	}
	hidden := 0
	flush := func() {
		if hidden > 0 {
			d.comment(depth+1, hiddenNote(hidden, "line"))
			hidden = 0
		}
	}
	for i, op := range ops {
		if op.act == planner.NoOp && !near[i] && !d.showUnchanged {
			hidden++
			continue
		}
		flush()
		d.add(diffLine{sym: actionSym(op.act), depth: depth + 1, text: op.text})
	}
	flush()
	d.add(diffLine{depth: depth, text: delim + trail})
}

// childAction is what happened to one part of a value: NoOp when it did
// not change, and ok false when it is null before and after, and so is
// not worth a line.
func childAction(b, a cty.Value) (act planner.Action, ok bool) {
	bn, an := b.IsNull(), a.IsNull()
	switch {
	case bn && an:
		return planner.NoOp, false
	case bn:
		return planner.Create, true
	case an:
		return planner.Delete, true
	case b.RawEquals(a):
		// Marks take part: a value that became sensitive has changed.
		return planner.NoOp, true
	}
	return planner.Update, true
}

// seqOp is one step of a list or set diff: an element kept, removed,
// added, or (for lists of objects) changed in place.
type seqOp struct {
	act    planner.Action
	b, a   cty.Value // null when absent
	bi, ai int       // positions in before and after, -1 when absent
}

// index is the element's position in the list the path should name: its
// new position, or its old one when it is removed.
func (op seqOp) index() int {
	if op.ai >= 0 {
		return op.ai
	}
	return op.bi
}

// key is a set element's own value, which is its key in a path.
func (op seqOp) key() cty.Value {
	if op.ai >= 0 {
		return op.a
	}
	return op.b
}

// matchSequence pairs the elements of two lists: equal elements by their
// longest common subsequence, and, when pair is set, the elements
// removed and added between two kept ones position by position, as
// changes in place (which reads better than a removal and an addition
// for a list of objects whose one attribute changed).
func matchSequence(b, a []cty.Value, pair bool) []seqOp {
	lcs := longestCommon(len(b), len(a), func(i, j int) bool { return b[i].RawEquals(a[j]) })
	var ops []seqOp
	i, j := 0, 0
	gap := func(bEnd, aEnd int) {
		for pair && i < bEnd && j < aEnd {
			act, _ := childAction(b[i], a[j])
			ops = append(ops, seqOp{act: act, b: b[i], a: a[j], bi: i, ai: j})
			i++
			j++
		}
		for ; i < bEnd; i++ {
			ops = append(ops, seqOp{act: planner.Delete, b: b[i], a: cty.NullVal(b[i].Type()), bi: i, ai: -1})
		}
		for ; j < aEnd; j++ {
			ops = append(ops, seqOp{act: planner.Create, b: cty.NullVal(a[j].Type()), a: a[j], bi: -1, ai: j})
		}
	}
	for _, m := range lcs {
		gap(m[0], m[1])
		ops = append(ops, seqOp{act: planner.NoOp, b: b[i], a: a[j], bi: i, ai: j})
		i++
		j++
	}
	gap(len(b), len(a))
	return ops
}

// matchSet pairs equal elements of two sets; the others are removed or
// added. Sets have no positions, so nothing is changed in place.
func matchSet(b, a []cty.Value) []seqOp {
	used := make([]bool, len(a))
	var ops []seqOp
	for i, bv := range b {
		found := -1
		for j, av := range a {
			if !used[j] && bv.RawEquals(av) {
				found = j
				break
			}
		}
		if found >= 0 {
			used[found] = true
			ops = append(ops, seqOp{act: planner.NoOp, b: bv, a: a[found], bi: i, ai: found})
		} else {
			ops = append(ops, seqOp{act: planner.Delete, b: bv, a: cty.NullVal(bv.Type()), bi: i, ai: -1})
		}
	}
	for j, av := range a {
		if !used[j] {
			ops = append(ops, seqOp{act: planner.Create, b: cty.NullVal(av.Type()), a: av, bi: -1, ai: j})
		}
	}
	return ops
}

type stringOp struct {
	act  planner.Action
	text string
}

// diffStrings is the line diff of a multi-line string.
func diffStrings(b, a []string) []stringOp {
	lcs := longestCommon(len(b), len(a), func(i, j int) bool { return b[i] == a[j] })
	var ops []stringOp
	i, j := 0, 0
	for _, m := range append(lcs, [2]int{len(b), len(a)}) {
		for ; i < m[0]; i++ {
			ops = append(ops, stringOp{planner.Delete, b[i]})
		}
		for ; j < m[1]; j++ {
			ops = append(ops, stringOp{planner.Create, a[j]})
		}
		if i < len(b) && j < len(a) {
			ops = append(ops, stringOp{planner.NoOp, b[i]})
			i++
			j++
		}
	}
	return ops
}

// longestCommon returns the index pairs of a longest common subsequence
// of two sequences of lengths n and m, in order.
func longestCommon(n, m int, eq func(i, j int) bool) [][2]int {
	// Common prefixes and suffixes are matched directly, which keeps the
	// table small for the usual change of a line or two.
	pre := 0
	for pre < n && pre < m && eq(pre, pre) {
		pre++
	}
	suf := 0
	for suf < n-pre && suf < m-pre && eq(n-1-suf, m-1-suf) {
		suf++
	}
	var out [][2]int
	for k := 0; k < pre; k++ {
		out = append(out, [2]int{k, k})
	}
	bn, an := n-pre-suf, m-pre-suf
	// t[i][j] is the length of an LCS of the middles from i and j on.
	t := make([][]int, bn+1)
	for i := range t {
		t[i] = make([]int, an+1)
	}
	for i := bn - 1; i >= 0; i-- {
		for j := an - 1; j >= 0; j-- {
			if eq(pre+i, pre+j) {
				t[i][j] = t[i+1][j+1] + 1
			} else {
				t[i][j] = max(t[i+1][j], t[i][j+1])
			}
		}
	}
	for i, j := 0, 0; i < bn && j < an; {
		switch {
		case eq(pre+i, pre+j):
			out = append(out, [2]int{pre + i, pre + j})
			i++
			j++
		case t[i+1][j] >= t[i][j+1]:
			i++
		default:
			j++
		}
	}
	for k := 0; k < suf; k++ {
		out = append(out, [2]int{n - suf + k, m - suf + k})
	}
	return out
}

// inlineValue renders a value that fits on one line, and reports false
// for one that does not: a non-empty collection, or a string that is
// shown as a heredoc.
func inlineValue(v cty.Value) (string, bool) {
	switch {
	case isSensitive(v):
		return "(sensitive value)", true
	case !v.IsKnown():
		return "(known after apply)", true
	case v.IsNull():
		return "null", true
	}
	v = unmark(v)
	ty := v.Type()
	switch {
	case ty == cty.String:
		if isHeredoc(v.AsString()) {
			return "", false
		}
		return quoteString(v.AsString()), true
	case ty.IsPrimitiveType():
		return primitiveString(v), true
	case ty.IsListType() || ty.IsSetType() || ty.IsTupleType():
		if v.LengthInt() == 0 {
			return "[]", true
		}
	case ty.IsMapType() || ty.IsObjectType():
		if v.LengthInt() == 0 {
			return "{}", true
		}
	}
	return "", false
}

// primitiveString renders a known, non-null, unmarked primitive.
func primitiveString(v cty.Value) string {
	switch v.Type() {
	case cty.String:
		return quoteString(v.AsString())
	case cty.Number:
		return numberString(v.AsBigFloat())
	case cty.Bool:
		if v.True() {
			return "true"
		}
		return "false"
	}
	return "(" + v.Type().FriendlyName() + ")"
}

func numberString(f *big.Float) string {
	if f.IsInf() {
		if f.Sign() < 0 {
			return "-Infinity"
		}
		return "Infinity"
	}
	return f.Text('f', -1)
}

// isHeredoc reports whether s is shown as a heredoc: it has several
// lines, ends with a newline (which a heredoc always does, so that the
// rendering is exact), and holds no control characters a terminal might
// act on.
func isHeredoc(s string) bool {
	if !strings.HasSuffix(s, "\n") || strings.Count(s, "\n") < 2 {
		return false
	}
	for _, r := range s {
		if r != '\n' && r != '\t' && (unicode.IsControl(r) || r == '\u2028' || r == '\u2029') {
			return false
		}
	}
	return true
}

// heredoc splits a heredoc string into its lines and picks a delimiter
// that no line is equal to.
func heredoc(s string) ([]string, string) {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	delim := "EOT"
	for n := 1; slices.ContainsFunc(lines, func(l string) bool { return strings.TrimSpace(l) == delim }); n++ {
		delim = fmt.Sprintf("EOT%d", n)
	}
	return lines, delim
}

// quoteString writes s as an HCL quoted string, escaping what HCL
// requires and every non-printing character, so that a value cannot move
// the cursor or change colours on the reader's terminal.
func quoteString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i, r := range s {
		switch r {
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '$', '%':
			b.WriteRune(r)
			if strings.HasPrefix(s[i+1:], "{") {
				b.WriteRune(r) // ${ and %{ are escaped by doubling
			}
		default:
			switch {
			case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"):
				// A byte that is not UTF-8; shown, not passed on.
				fmt.Fprintf(&b, `\x%02x`, s[i])
			case unicode.IsPrint(r) || r == ' ':
				b.WriteRune(r)
			case r <= 0xFFFF:
				fmt.Fprintf(&b, `\u%04x`, r)
			default:
				fmt.Fprintf(&b, `\U%08x`, r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// attrKey renders an attribute name bare when it is an identifier, and
// quoted otherwise (an object's attributes can be named anything).
func attrKey(name string) string {
	if isIdentifier(name) {
		return name
	}
	return quoteString(name)
}

func isIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_' || unicode.IsLetter(r):
		case i > 0 && (r == '-' || unicode.IsDigit(r)):
		default:
			return false
		}
	}
	return true
}

func hiddenNote(n int, noun string) string {
	if n != 1 {
		noun += "s"
	}
	return fmt.Sprintf("# (%d unchanged %s hidden)", n, noun)
}

// actionSym is the symbol of an action in the human view.
func actionSym(a planner.Action) string {
	switch a {
	case planner.Create:
		return "+"
	case planner.Delete:
		return "-"
	case planner.Update:
		return "~"
	case planner.DeleteThenCreate:
		return "-/+"
	case planner.CreateThenDelete:
		return "+/-"
	case planner.Read:
		return "<="
	}
	return ""
}

func isSensitive(v cty.Value) bool { return v.HasMark(config.Sensitive) }

func unmark(v cty.Value) cty.Value {
	u, _ := v.Unmark()
	return u
}

func isObjectOrNull(v cty.Value) bool {
	return v.IsNull() || v.Type().IsObjectType()
}

// attr returns the attribute of an object, or null when the object is
// null or has no such attribute.
func attr(obj cty.Value, name string) cty.Value {
	if obj.IsNull() || !obj.IsKnown() || !obj.Type().IsObjectType() || !obj.Type().HasAttribute(name) {
		return cty.NullVal(cty.DynamicPseudoType)
	}
	return unmark(obj).GetAttr(name)
}

// attributeNames are the attribute names of two objects, together and
// sorted.
func attributeNames(b, a cty.Value) []string {
	var names []string
	for _, v := range []cty.Value{b, a} {
		if v.Type().IsObjectType() {
			for name := range v.Type().AttributeTypes() {
				names = append(names, name)
			}
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// mapKeys are the keys of two maps or objects, together and sorted.
func mapKeys(b, a cty.Value) []string {
	var keys []string
	for _, v := range []cty.Value{b, a} {
		v = unmark(v)
		if v.IsNull() || !v.IsKnown() {
			continue
		}
		for it := v.ElementIterator(); it.Next(); {
			k, _ := it.Element()
			keys = append(keys, k.AsString())
		}
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// mapElem returns the element of a map or object, or null.
func mapElem(v cty.Value, key string) cty.Value {
	v = unmark(v)
	if v.IsNull() || !v.IsKnown() {
		return cty.NullVal(cty.DynamicPseudoType)
	}
	if v.Type().IsObjectType() {
		return attr(v, key)
	}
	if k := cty.StringVal(key); v.HasIndex(k).True() {
		return v.Index(k)
	}
	return cty.NullVal(cty.DynamicPseudoType)
}

// elements are the elements of a list, set or tuple; none when it is null.
func elements(v cty.Value) []cty.Value {
	v = unmark(v)
	if v.IsNull() || !v.IsKnown() {
		return nil
	}
	var out []cty.Value
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		out = append(out, e)
	}
	return out
}

// structural reports whether a list holds objects or maps, whose changed
// elements read best paired with their old selves.
func structural(vs []cty.Value) bool {
	for _, v := range vs {
		ty := v.Type()
		if ty.IsObjectType() || ty.IsMapType() {
			return true
		}
	}
	return false
}

// blockShapeOK reports whether v has the shape a block of type nb has,
// so that it can be shown as blocks.
func blockShapeOK(nb *sdk.NestedBlock, v cty.Value) bool {
	if v.IsNull() || !v.IsKnown() {
		return true
	}
	ty := v.Type()
	switch nb.Nesting {
	case sdk.NestingSingle:
		return ty.IsObjectType()
	case sdk.NestingList:
		return ty.IsListType() || ty.IsTupleType()
	case sdk.NestingSet:
		return ty.IsSetType()
	case sdk.NestingMap:
		return ty.IsMapType() || ty.IsObjectType()
	}
	return false
}
