package views

import (
	"fmt"
	"io"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// ANSI escape sequences used when colour is on.
const (
	ansiReset     = "\x1b[0m"
	ansiBold      = "\x1b[1m"
	ansiBoldRed   = "\x1b[1;31m"
	ansiBoldYello = "\x1b[1;33m"
	ansiUnderline = "\x1b[4m"
)

// DiagnosticsView renders diagnostics for people, in Terraform's layout:
//
//	Error: Unsupported argument
//
//	  on main.tack.hcl line 12, in resource "local_file" "a":
//	  12:   contnet = "x"
//	        ^~~~~~~
//
//	An argument named "contnet" is not expected here. Did you mean "content"?
//
// The zero value renders without colour, without wrapping and without
// snippets. A DiagnosticsView is not modified by Render and may be shared
// by goroutines that do not change its fields.
type DiagnosticsView struct {
	// Color turns on ANSI colour: the severity in bold red or yellow, the
	// summary in bold, and the subject underlined in the snippet instead of
	// marked on a line of its own (a subject of no width, which cannot be
	// underlined, keeps its caret). Without it the output holds no escape
	// sequences at all.
	Color bool

	// Width is the column at which details are wrapped, between words;
	// 0 turns wrapping off. Snippets are never wrapped.
	Width int

	// Sources maps a file name, as it appears in hcl.Range.Filename, to the
	// file's bytes, from which snippets are drawn. A diagnostic whose file is
	// missing is shown with its file and line but no snippet. The map and
	// its contents are only read.
	Sources map[string][]byte
}

// Render writes diags to w, in the order given, separated by blank lines.
// Nil entries are skipped. Write errors are not reported: the views write
// to the terminal, where there is nobody left to tell.
func (v *DiagnosticsView) Render(w io.Writer, diags hcl.Diagnostics) {
	var b strings.Builder
	sources := sourceCache{files: v.Sources}
	first := true
	for _, d := range diags {
		if d == nil {
			continue
		}
		if !first {
			b.WriteByte('\n')
		}
		first = false
		v.render(&b, d, &sources)
	}
	io.WriteString(w, b.String())
}

func (v *DiagnosticsView) render(b *strings.Builder, d *hcl.Diagnostic, sources *sourceCache) {
	sev := severityWord(d.Severity)
	if v.Color {
		colour := ansiBoldRed
		if d.Severity == hcl.DiagWarning {
			colour = ansiBoldYello
		}
		fmt.Fprintf(b, "%s%s: %s%s%s%s\n", colour, sev, ansiReset, ansiBold, d.Summary, ansiReset)
	} else {
		fmt.Fprintf(b, "%s: %s\n", sev, d.Summary)
	}

	if d.Subject != nil && d.Subject.Filename != "" {
		b.WriteByte('\n')
		v.renderSnippet(b, d, sources)
	}

	if d.Detail != "" {
		b.WriteByte('\n')
		b.WriteString(wrap(d.Detail, v.Width))
		b.WriteByte('\n')
	}
}

// renderSnippet writes the "on FILE line N" line and, when the file is
// known, the lines of the subject and context with the subject marked.
func (v *DiagnosticsView) renderSnippet(b *strings.Builder, d *hcl.Diagnostic, sources *sourceCache) {
	subj := *d.Subject
	src := sources.get(subj.Filename)
	var sn snippet
	ok := false
	if src != nil {
		sn, ok = src.snippet(subj, d.Context)
	}
	in := ""
	if ok && sn.context != "" {
		in = ", in " + sn.context
	}
	fmt.Fprintf(b, "  on %s line %d%s:\n", subj.Filename, subj.Start.Line, in)
	if !ok {
		return
	}

	// Line numbers are right-aligned in at least four columns, as in
	// Terraform, and wider when the file is longer.
	numWidth := max(4, len(fmt.Sprint(sn.lastLine)))
	for n := sn.firstLine; n <= sn.lastLine; n++ {
		start, end := src.lineBounds(n)
		line := src.src[start:end]
		e := expandTabs(line)

		// The part of this line the subject covers, as offsets into line.
		hs, he := max(sn.subjStart, start)-start, min(sn.subjEnd, end)-start
		marked := sn.subjStart <= end && sn.subjEnd >= start
		if marked && n > src.lineOf(sn.subjStart) {
			// On the lines after the subject's first, leading indentation
			// is not part of what is wrong.
			for hs < he && (line[hs] == ' ' || line[hs] == '\t') {
				hs++
			}
		}
		if marked && hs == he && sn.subjStart != sn.subjEnd {
			// A line of a longer subject with nothing on it to mark.
			marked = false
		}

		text := e.text
		if v.Color && marked && hs < he {
			text = text[:e.pos[hs]] + ansiUnderline + text[e.pos[hs]:e.pos[he]] + ansiReset + text[e.pos[he]:]
		}
		fmt.Fprintf(b, "%*d: %s\n", numWidth, n, text)
		// With colour the subject is underlined in place, unless it has
		// no width (hcl points at the end of a line or of the file), when
		// there is nothing to underline and the caret is shown instead.
		if !marked || (v.Color && hs < he) {
			continue
		}
		// The marker starts with a caret where the subject starts; a
		// subject of no width is a caret alone.
		from, to := e.col[hs], e.col[he]
		marker := "^" + strings.Repeat("~", max(0, to-from-1))
		if n > src.lineOf(sn.subjStart) {
			marker = strings.Repeat("~", max(1, to-from))
		}
		fmt.Fprintf(b, "%s%s\n", strings.Repeat(" ", numWidth+2+from), marker)
	}
}

// severityWord names a severity as the human view shows it. A diagnostic
// with no severity set is shown, and counted, as an error, so that a
// mistake in building it does not hide a problem.
func severityWord(s hcl.DiagnosticSeverity) string {
	if s == hcl.DiagWarning {
		return "Warning"
	}
	return "Error"
}

// sourceCache parses each file at most once per Render.
type sourceCache struct {
	files  map[string][]byte
	parsed map[string]*source
}

func (c *sourceCache) get(filename string) *source {
	if s, ok := c.parsed[filename]; ok {
		return s
	}
	var s *source
	if src, ok := c.files[filename]; ok {
		s = newSource(filename, src)
	}
	if c.parsed == nil {
		c.parsed = map[string]*source{}
	}
	c.parsed[filename] = s
	return s
}

// wrap wraps text at width columns, between words. Lines that begin with a
// space or tab are taken as preformatted (an example, a list) and left as
// they are, as are words longer than width. Width 0 or less leaves text
// as it is.
func wrap(text string, width int) string {
	if width <= 0 {
		return text
	}
	lines := strings.Split(text, "\n")
	var out []string
	for _, line := range lines {
		if strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t") || stringWidth(line) <= width {
			out = append(out, line)
			continue
		}
		cur, curWidth := "", 0
		for _, word := range strings.Fields(line) {
			ww := stringWidth(word)
			switch {
			case cur == "":
				cur, curWidth = word, ww
			case curWidth+1+ww <= width:
				cur, curWidth = cur+" "+word, curWidth+1+ww
			default:
				out = append(out, cur)
				cur, curWidth = word, ww
			}
		}
		out = append(out, cur)
	}
	return strings.Join(out, "\n")
}
