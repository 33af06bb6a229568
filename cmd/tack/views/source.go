package views

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"golang.org/x/text/width"
)

// tabWidth is the distance between tab stops when a snippet's tabs are
// expanded. Tabs are expanded, not printed, so that the marker line under a
// snippet lines up whatever the terminal's tab stops are.
const tabWidth = 8

// source is one configuration file as the diagnostics views see it: its
// bytes, where each line begins, and the block headers that name where an
// offset is ("resource \"local_file\" \"a\"").
type source struct {
	src        []byte
	lineStarts []int // lineStarts[i] is the byte offset of line i+1
	nav        interface{ ContextString(offset int) string }
}

func newSource(filename string, src []byte) *source {
	s := &source{src: src, lineStarts: []int{0}}
	for i, b := range src {
		if b == '\n' {
			// A file that ends in a newline has one more, empty, line: a
			// range at the very end of the file points there.
			s.lineStarts = append(s.lineStarts, i+1)
		}
	}
	// Block headers come from parsing the file again. A file with syntax
	// errors still yields the blocks before the error, which is where most
	// diagnostics point. JSON files have no headers to show.
	if !strings.HasSuffix(filename, ".json") {
		f, _ := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
		if f != nil {
			if nav, ok := f.Nav.(interface{ ContextString(int) string }); ok {
				s.nav = nav
			}
		}
	}
	return s
}

// lines returns the number of lines in the file.
func (s *source) lines() int { return len(s.lineStarts) }

// lineBounds returns the byte offsets of the start and end of line n
// (1-based), the end excluding the line's newline and any carriage return
// before it.
func (s *source) lineBounds(n int) (start, end int) {
	start = s.lineStarts[n-1]
	end = len(s.src)
	if n < len(s.lineStarts) {
		end = s.lineStarts[n] - 1
	}
	if end > start && s.src[end-1] == '\r' {
		end--
	}
	return start, end
}

// offset returns the byte offset of p in the file, or false if p's line is
// not in the file. Ranges made by hcl carry a byte offset, which is used
// when it lies on p's line; ranges made by hand or mapped from elsewhere may
// carry only a line and column, which then counts characters from the start
// of the line.
func (s *source) offset(p hcl.Pos) (int, bool) {
	if p.Line < 1 || p.Line > s.lines() {
		return 0, false
	}
	start, end := s.lineBounds(p.Line)
	if p.Byte >= start && p.Byte <= end && !(p.Byte == 0 && p.Column > 1) {
		return p.Byte, true
	}
	off := start
	for col := 1; col < p.Column && off < end; col++ {
		_, size := utf8.DecodeRune(s.src[off:end])
		off += size
	}
	return off, true
}

// context returns the header of the top-level block that holds offset, or
// "" if there is none.
func (s *source) context(offset int) string {
	if s.nav == nil {
		return ""
	}
	return s.nav.ContextString(offset)
}

// snippet is the part of a file shown with a diagnostic: whole lines
// covering its subject and context, and the subject's place in them.
type snippet struct {
	context             string // enclosing block header, or ""
	firstLine, lastLine int    // 1-based, inclusive
	start, end          int    // byte offsets of the code shown
	subjStart, subjEnd  int    // byte offsets of the subject
}

// snippet returns the snippet for a diagnostic whose subject is subject and
// whose context (which may be nil) is context, or false if the subject does
// not lie in the file.
func (s *source) snippet(subject hcl.Range, context *hcl.Range) (snippet, bool) {
	subjStart, subjEnd, ok := s.span(subject)
	if !ok {
		return snippet{}, false
	}
	start, end := subjStart, subjEnd
	if context != nil && context.Filename == subject.Filename {
		if cs, ce, ok := s.span(*context); ok {
			start, end = min(start, cs), max(end, ce)
		}
	}
	sn := snippet{
		context:   s.context(subjStart),
		firstLine: s.lineOf(start),
		lastLine:  s.lineOf(end),
		subjStart: subjStart,
		subjEnd:   subjEnd,
	}
	sn.start, _ = s.lineBounds(sn.firstLine)
	_, sn.end = s.lineBounds(sn.lastLine)
	return sn, true
}

// span returns the byte offsets of r in the file. hcl's syntax errors often
// end a range at the first column of the next line, after the newline; such
// a range is taken to end with the line before, so that the snippet does not
// show a line the problem is not on.
func (s *source) span(r hcl.Range) (start, end int, ok bool) {
	start, ok1 := s.offset(r.Start)
	end, ok2 := s.offset(r.End)
	if !ok1 || !ok2 || end < start {
		return 0, 0, false
	}
	if endLine := s.lineOf(end); end > start && endLine > s.lineOf(start) && end == s.lineStarts[endLine-1] {
		_, end = s.lineBounds(endLine - 1)
		end = max(end, start)
	}
	return start, end, true
}

// lineOf returns the 1-based line that holds offset.
func (s *source) lineOf(offset int) int {
	n := 1
	for n < len(s.lineStarts) && s.lineStarts[n] <= offset {
		n++
	}
	return n
}

// runeWidth returns the number of terminal columns r takes: two for East
// Asian wide and full-width characters (CJK, most emoji), none for
// combining marks and format characters, one otherwise.
func runeWidth(r rune) int {
	switch {
	case r < 0x20 || r == 0x7f:
		return 0
	case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf):
		return 0
	}
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return 2
	}
	return 1
}

// stringWidth returns the number of terminal columns s takes on one line.
func stringWidth(s string) int {
	n := 0
	for _, r := range s {
		n += runeWidth(r)
	}
	return n
}

// expanded is one source line as a snippet shows it, with its tabs expanded
// to spaces and invalid UTF-8 replaced.
type expanded struct {
	text string
	// col[i] is the display column at which byte i of the source line is
	// shown, and pos[i] the offset in text where it begins; both have one
	// more entry, for the end of the line.
	col, pos []int
}

// expandTabs expands line so that a marker can be placed under any of its
// bytes.
func expandTabs(line []byte) expanded {
	var b strings.Builder
	e := expanded{col: make([]int, len(line)+1), pos: make([]int, len(line)+1)}
	col := 0
	for i := 0; i < len(line); {
		r, size := utf8.DecodeRune(line[i:])
		for j := range size {
			e.col[i+j], e.pos[i+j] = col, b.Len()
		}
		switch {
		case r == '\t':
			n := tabWidth - col%tabWidth
			b.WriteString(strings.Repeat(" ", n))
			col += n
		case r == utf8.RuneError && size == 1:
			// Not UTF-8: show the replacement character in its place.
			b.WriteRune(utf8.RuneError)
			col++
		default:
			b.Write(line[i : i+size])
			col += runeWidth(r)
		}
		i += size
	}
	e.col[len(line)], e.pos[len(line)] = col, b.Len()
	e.text = b.String()
	return e
}
