package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"github.com/tackhq/tack/cmd/tack/views"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
)

// fmtExts are the file names tack fmt formats: configuration and variable
// files, both in HCL's native syntax. *.tack.json is left alone; JSON has
// its own formatters.
var fmtExts = []string{".tack.hcl", ".tackvars"}

// stdinName stands for standard input in listings, diffs and diagnostics.
const stdinName = "<stdin>"

type fmtCommand struct {
	*meta

	// stdin is read for the "-" target; os.Stdin when nil.
	stdin io.Reader

	list, write, diff, check, recursive bool
}

func (c *fmtCommand) Help() string {
	return `Usage: tack fmt [options] [TARGET...]

  Rewrites *.tack.hcl and *.tackvars files to tack's canonical style.
  Each TARGET is a file or a directory (default: the current directory);
  "-" formats standard input and prints the result on standard output.
  Files with syntax errors are reported and left untouched.

Options:

  -list=false    Don't print the names of files whose formatting changed.
  -write=false   Don't rewrite files; print the formatted source instead
                 (names only if -list=true is given too).
  -diff          Print a unified diff of the formatting changes.
  -check         Write nothing; exit 3 if any file is not formatted.
  -recursive     Also format files in subdirectories (hidden directories
                 such as .tack are skipped).

Exit status: 0 on success, 1 on errors (syntax errors included),
3 when -check finds unformatted files.`
}

func (c *fmtCommand) Synopsis() string { return "Rewrite configuration files to the canonical style" }

func (c *fmtCommand) Run(args []string) int {
	flags := flag.NewFlagSet("fmt", flag.ContinueOnError)
	flags.SetOutput(c.stderr)
	flags.BoolVar(&c.list, "list", true, "")
	flags.BoolVar(&c.write, "write", true, "")
	flags.BoolVar(&c.diff, "diff", false, "")
	flags.BoolVar(&c.check, "check", false, "")
	flags.BoolVar(&c.recursive, "recursive", false, "")
	flags.Usage = func() { c.ui.Error(c.Help()) }
	if err := flags.Parse(args); err != nil {
		return 1
	}
	listSet := false
	flags.Visit(func(f *flag.Flag) { listSet = listSet || f.Name == "list" })
	// -write=false means "show me the result": unless names were asked for
	// explicitly, print the source rather than a list of names.
	if !c.write && !listSet {
		c.list = false
	}
	if c.check {
		c.write = false
	}

	targets := flags.Args()
	if len(targets) == 0 {
		targets = []string{"."}
	}
	if len(targets) > 1 && containsDash(targets) {
		c.ui.Error(`Error: "-" (standard input) must be tack fmt's only target.` + "\n\n" + c.Help())
		return 1
	}

	var r fmtResult
	if targets[0] == "-" {
		// Standard input is never written back, and its name is listed
		// only on request.
		c.write = false
		if !listSet {
			c.list = false
		}
		in := c.stdin
		if in == nil {
			in = os.Stdin
		}
		src, err := io.ReadAll(in)
		if err != nil {
			c.ui.Error("Error: reading standard input: " + err.Error())
			return 1
		}
		c.processSource(&r, stdinName, "", src)
	} else {
		for _, t := range targets {
			c.processTarget(&r, t)
		}
	}

	switch {
	case r.failed:
		return 1
	case c.check && r.changed:
		return 3
	}
	return 0
}

// fmtResult is what a run found, for the exit status.
type fmtResult struct {
	changed bool // some file was not in canonical style
	failed  bool // some file could not be read, parsed or written
}

func containsDash(targets []string) bool {
	for _, t := range targets {
		if t == "-" {
			return true
		}
	}
	return false
}

func isFmtFile(name string) bool {
	for _, ext := range fmtExts {
		if strings.HasSuffix(name, ext) && len(name) > len(ext) {
			return true
		}
	}
	return false
}

// processTarget formats one command-line target: a file, which must have
// a formattable name, or a directory, whose formattable files are
// processed in lexical order (and those of its subdirectories with
// -recursive).
func (c *fmtCommand) processTarget(r *fmtResult, target string) {
	info, err := os.Stat(target)
	if err != nil {
		c.fail(r, fmt.Errorf("reading %s: %w", target, err))
		return
	}
	if !info.IsDir() {
		if !isFmtFile(filepath.Base(target)) {
			c.ui.Error(fmt.Sprintf("Error: %s is not a *.tack.hcl or *.tackvars file; tack fmt formats only those.", target))
			r.failed = true
			return
		}
		c.processFile(r, target)
		return
	}
	err = filepath.WalkDir(target, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			// Report and keep going: one unreadable directory should not
			// hide the state of the rest.
			c.fail(r, fmt.Errorf("reading %s: %w", path, err))
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if path == target {
				return nil
			}
			if !c.recursive || strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() && isFmtFile(d.Name()) {
			c.processFile(r, path)
		}
		return nil
	})
	if err != nil {
		c.fail(r, fmt.Errorf("reading %s: %w", target, err))
	}
}

func (c *fmtCommand) processFile(r *fmtResult, path string) {
	src, err := os.ReadFile(path)
	if err != nil {
		c.fail(r, fmt.Errorf("reading %s: %w", path, err))
		return
	}
	c.processSource(r, path, path, src)
}

// processSource formats src, named name in output, and reports, writes or
// prints the result as the flags say. writePath is where to write it back;
// empty for standard input.
func (c *fmtCommand) processSource(r *fmtResult, name, writePath string, src []byte) {
	out, diags := formatHCL(name, src)
	if diags.HasErrors() {
		c.printDiags(diags, name, src)
		r.failed = true
		return
	}
	changed := !bytes.Equal(src, out)
	if changed {
		r.changed = true
		if c.list {
			fmt.Fprintln(c.stdout, name)
		}
		if c.write && writePath != "" {
			if err := writeFileAtomic(writePath, out); err != nil {
				c.fail(r, err)
				return
			}
		}
		if c.diff {
			io.WriteString(c.stdout, unifiedDiff("old/"+name, "new/"+name, string(src), string(out)))
		}
	}
	if !c.write && !c.list && !c.diff && !c.check {
		c.stdout.Write(out)
	}
}

func (c *fmtCommand) fail(r *fmtResult, err error) {
	c.ui.Error("Error: " + err.Error())
	r.failed = true
}

// formatHCL returns src in canonical style, or the syntax errors that
// make formatting unsafe. hclwrite formats token by token and would
// happily rewrite a file it cannot parse, so the file is parsed first.
func formatHCL(name string, src []byte) ([]byte, hcl.Diagnostics) {
	_, diags := hclsyntax.ParseConfig(src, name, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, diags
	}
	out := hclwrite.Format(src)
	// hclwrite.Format is meant to be idempotent, but alignment can shift
	// once more after the first pass in corner cases; repeat until stable
	// so that fmt of fmt's output never reports a change.
	for range 3 {
		next := hclwrite.Format(out)
		if bytes.Equal(next, out) {
			break
		}
		out = next
	}
	return out, diags
}

// printDiags renders diagnostics on stderr with the shared renderer.
func (c *fmtCommand) printDiags(diags hcl.Diagnostics, name string, src []byte) {
	view := &views.DiagnosticsView{Color: c.color(false), Width: 78, Sources: map[string][]byte{name: src}}
	view.Render(c.stderr, diags)
}

// writeFileAtomic replaces the file at path with data, so that a reader or
// a crash sees the old file or the new one, never half of either. The new
// file keeps the old one's permissions; a symbolic link is followed and
// its target replaced, leaving the link in place.
func writeFileAtomic(path string, data []byte) (err error) {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	info, err := os.Stat(real)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(real), "."+filepath.Base(real)+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			os.Remove(tmp.Name())
		}
	}()
	_, werr := tmp.Write(data)
	err = errors.Join(werr, tmp.Chmod(info.Mode().Perm()), tmp.Sync(), tmp.Close())
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), real); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// unifiedDiff returns the changes from a to b as a unified diff with three
// lines of context, headed "--- aName" and "+++ bName"; empty when a and b
// are equal. Lines are compared whole, line ending included, so a missing
// final newline shows as a change and is marked the way diff(1) marks it.
func unifiedDiff(aName, bName, a, b string) string {
	if a == b {
		return ""
	}
	const context = 3
	ops := diffLines(splitLines(a), splitLines(b))

	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", aName, bName)
	// aLine and bLine count the lines of a and b before ops[i].
	aLine, bLine := 0, 0
	for i := 0; i < len(ops); {
		if ops[i].kind == ' ' {
			aLine++
			bLine++
			i++
			continue
		}
		// A hunk starts up to context lines before this change and runs
		// until a stretch of more than 2*context unchanged lines (or the
		// end), keeping context lines after its last change.
		start := max(0, i-context)
		end := i
		for j := i; j < len(ops); j++ {
			if ops[j].kind != ' ' {
				end = j + 1
			} else if j-end >= 2*context {
				break
			}
		}
		end = min(len(ops), end+context)
		aStart, bStart := aLine-(i-start), bLine-(i-start)
		aCount, bCount := 0, 0
		for _, op := range ops[start:end] {
			if op.kind != '+' {
				aCount++
			}
			if op.kind != '-' {
				bCount++
			}
		}
		fmt.Fprintf(&out, "@@ -%s +%s @@\n", hunkRange(aStart, aCount), hunkRange(bStart, bCount))
		for _, op := range ops[start:end] {
			out.WriteByte(op.kind)
			out.WriteString(op.line)
			if !strings.HasSuffix(op.line, "\n") {
				out.WriteString("\n\\ No newline at end of file\n")
			}
		}
		aLine += aCount - (i - start)
		bLine += bCount - (i - start)
		i = end
	}
	return out.String()
}

// hunkRange formats a hunk's range of lines as diff(1) does: the first
// line (1-based) and the count, the count left out when it is 1, and for
// an empty range the line after which it sits.
func hunkRange(before, count int) string {
	switch count {
	case 0:
		return fmt.Sprintf("%d,0", before)
	case 1:
		return fmt.Sprintf("%d", before+1)
	}
	return fmt.Sprintf("%d,%d", before+1, count)
}

// splitLines splits s after each newline; the last line lacks one only if
// s does.
func splitLines(s string) []string {
	var lines []string
	for s != "" {
		i := strings.IndexByte(s, '\n') + 1
		if i == 0 {
			i = len(s)
		}
		lines = append(lines, s[:i])
		s = s[i:]
	}
	return lines
}

// diffOp is one line of an edit script: kind ' ' keeps a line, '-'
// deletes it from a, '+' inserts it from b.
type diffOp struct {
	kind byte
	line string
}

// diffLines returns a shortest edit script from a to b, by Myers' O(ND)
// algorithm ("An O(ND) Difference Algorithm and Its Variations", 1986).
// It keeps every round's frontier to walk the path back, O(D·(N+M))
// memory, which is plenty for configuration files.
func diffLines(a, b []string) []diffOp {
	n, m := len(a), len(b)
	offset := n + m + 1
	// v[offset+k] is the furthest x reached on diagonal k = x-y.
	v := make([]int, 2*offset+1)
	var trace [][]int
search:
	for d := 0; d <= n+m; d++ {
		trace = append(trace, append([]int(nil), v...))
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[offset+k-1] < v[offset+k+1]) {
				x = v[offset+k+1] // down: insert b[y]
			} else {
				x = v[offset+k-1] + 1 // right: delete a[x]
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			v[offset+k] = x
			if x >= n && y >= m {
				break search
			}
		}
	}

	// Walk back from (n, m): each round d undoes one snake and the edit
	// that preceded it, found from the frontier of round d-1.
	var ops []diffOp
	x, y := n, m
	for d := len(trace) - 1; d >= 0; d-- {
		v := trace[d]
		k := x - y
		prevK := k - 1
		if k == -d || (k != d && v[offset+k-1] < v[offset+k+1]) {
			prevK = k + 1
		}
		prevX := v[offset+prevK]
		prevY := prevX - prevK
		for x > prevX && y > prevY {
			x--
			y--
			ops = append(ops, diffOp{' ', a[x]})
		}
		if d == 0 {
			break
		}
		if x == prevX {
			y--
			ops = append(ops, diffOp{'+', b[y]})
		} else {
			x--
			ops = append(ops, diffOp{'-', a[x]})
		}
	}
	slices.Reverse(ops)
	return ops
}
