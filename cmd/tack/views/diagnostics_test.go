package views

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// files is one fixture's configuration files, by name.
type files map[string][]byte

// loadFixture reads the configuration files of testdata/<dir>, every file
// but the goldens.
func loadFixture(t *testing.T, dir string) files {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	fs := files{}
	for _, e := range entries {
		if e.IsDir() || strings.HasSuffix(e.Name(), ".golden") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		fs[e.Name()] = b
	}
	return fs
}

// parse returns the diagnostics hclsyntax reports for the fixture's file.
func (fs files) parse(t *testing.T, name string) hcl.Diagnostics {
	t.Helper()
	_, diags := hclsyntax.ParseConfig(fs[name], name, hcl.InitialPos)
	if !diags.HasErrors() {
		t.Fatalf("%s parsed without errors; the fixture should be invalid", name)
	}
	return diags
}

// rng returns the range of the only occurrence of text in the named file,
// so that hand-made diagnostics point where the fixture says, not at
// counted offsets.
func (fs files) rng(t *testing.T, name, text string) *hcl.Range {
	t.Helper()
	src := string(fs[name])
	if strings.Count(src, text) != 1 {
		t.Fatalf("%q occurs %d times in %s, want once", text, strings.Count(src, text), name)
	}
	start := strings.Index(src, text)
	return &hcl.Range{Filename: name, Start: pos(src, start), End: pos(src, start+len(text))}
}

// eof returns the empty range at the end of the named file.
func (fs files) eof(name string) *hcl.Range {
	src := string(fs[name])
	p := pos(src, len(src))
	return &hcl.Range{Filename: name, Start: p, End: p}
}

func pos(src string, offset int) hcl.Pos {
	before := src[:offset]
	lineStart := strings.LastIndexByte(before, '\n') + 1
	return hcl.Pos{
		Line:   strings.Count(before, "\n") + 1,
		Column: utf8.RuneCountInString(before[lineStart:]) + 1,
		Byte:   offset,
	}
}

func TestDiagnostics(t *testing.T) {
	t.Parallel()
	const main = "main.tack.hcl"
	tests := []struct {
		name    string
		width   int
		sources bool // pass the fixture's files as Sources
		diags   func(t *testing.T, fs files) hcl.Diagnostics
	}{
		{
			name: "syntax-unterminated-string", width: 60, sources: true,
			diags: func(t *testing.T, fs files) hcl.Diagnostics { return fs.parse(t, main) },
		},
		{
			name: "syntax-missing-brace", width: 60, sources: true,
			diags: func(t *testing.T, fs files) hcl.Diagnostics { return fs.parse(t, main) },
		},
		{
			name: "unsupported-argument", width: 60, sources: true,
			diags: func(t *testing.T, fs files) hcl.Diagnostics {
				return hcl.Diagnostics{{
					Severity: hcl.DiagError,
					Summary:  "Unsupported argument",
					Detail:   `An argument named "contnet" is not expected here. Did you mean "content"?`,
					Subject:  fs.rng(t, main, "contnet"),
				}}
			},
		},
		{
			name: "multi-line-subject", width: 0, sources: true,
			diags: func(t *testing.T, fs files) hcl.Diagnostics {
				return hcl.Diagnostics{{
					Severity: hcl.DiagError,
					Summary:  "Incorrect attribute value type",
					Detail:   `Inappropriate value for attribute "tags": element "team": string required, but a number was given. Quote the value: team = "42".`,
					Subject:  fs.rng(t, main, "{\n    owner = \"web\"\n    team  = 42\n  }"),
				}}
			},
		},
		{
			name: "eof-empty", width: 60, sources: true,
			diags: func(t *testing.T, fs files) hcl.Diagnostics {
				return hcl.Diagnostics{{
					Severity: hcl.DiagError,
					Summary:  "Unclosed configuration block",
					Detail:   "There is no closing brace for this block before the end of the file.",
					Subject:  fs.eof(main),
				}}
			},
		},
		{
			name: "eof-no-newline", width: 60, sources: true,
			diags: func(t *testing.T, fs files) hcl.Diagnostics {
				return hcl.Diagnostics{{
					Severity: hcl.DiagError,
					Summary:  "Unsupported attribute",
					Detail:   `This object has no argument, nested block, or exported attribute named "pth". Did you mean "path"?`,
					Subject:  fs.rng(t, main, ".pth"),
				}}
			},
		},
		{
			name: "tabs-utf8", width: 60, sources: true,
			diags: func(t *testing.T, fs files) hcl.Diagnostics {
				return hcl.Diagnostics{{
					Severity: hcl.DiagError,
					Summary:  "Invalid tag name",
					Detail:   "Tag names may contain only letters, digits and underscores, and must not begin with \"bad\".",
					Subject:  fs.rng(t, main, "badkey"),
				}}
			},
		},
		{
			name: "no-subject", width: 60, sources: true,
			diags: func(t *testing.T, fs files) hcl.Diagnostics {
				return hcl.Diagnostics{{
					Severity: hcl.DiagError,
					Summary:  "No configuration files",
					Detail:   "The directory /srv/deploy contains no *.tack.hcl or *.tack.json files. Run tack in the directory that holds your configuration, or pass it with -chdir.",
				}}
			},
		},
		{
			name: "warning", width: 60, sources: true,
			diags: func(t *testing.T, fs files) hcl.Diagnostics {
				return hcl.Diagnostics{{
					Severity: hcl.DiagWarning,
					Summary:  "Deprecated argument",
					Detail:   `The argument "sensitive_content" is deprecated. Use "content" and mark the variable that sets it as sensitive.`,
					Subject:  fs.rng(t, main, "sensitive_content"),
				}}
			},
		},
		{
			name: "context", width: 60, sources: true,
			diags: func(t *testing.T, fs files) hcl.Diagnostics {
				return hcl.Diagnostics{{
					Severity: hcl.DiagError,
					Summary:  "Invalid strategy setting",
					Detail:   "A red/black deployment with max_remaining = 0 destroys the previous server group at once, so a rollback has nothing to return to.\n\nKeep at least one:\n    max_remaining = 1",
					Subject:  fs.rng(t, main, "max_remaining = 0"),
					Context:  fs.rng(t, main, "strategy \"red_black\" {\n    max_remaining = 0\n    scale_down    = true\n  }"),
				}}
			},
		},
		{
			name: "several", width: 60, sources: true,
			diags: func(t *testing.T, fs files) hcl.Diagnostics {
				return hcl.Diagnostics{
					{
						Severity: hcl.DiagWarning,
						Summary:  "Quoted number",
						Detail:   `The mode is given as a string; write it as a number: mode = 0644.`,
						Subject:  fs.rng(t, "main.tack.hcl", `"0644"`),
					},
					{
						Severity: hcl.DiagError,
						Summary:  "Unsupported argument",
						Detail:   `An argument named "typ" is not expected here. Did you mean "type"?`,
						Subject:  fs.rng(t, "vars.tack.hcl", "typ"),
					},
					{
						Severity: hcl.DiagError,
						Summary:  "Missing required argument",
						Detail:   `The argument "content" is required, but no definition was found.`,
						Subject:  fs.rng(t, "main.tack.hcl", `resource "local_file" "a"`),
					},
				}
			},
		},
		{
			// A file the view was not given, such as one a provider's
			// diagnostic points into, still gets its file and line.
			name: "missing-source", width: 60, sources: false,
			diags: func(t *testing.T, fs files) hcl.Diagnostics {
				return hcl.Diagnostics{{
					Severity: hcl.DiagError,
					Summary:  "Unsupported argument",
					Detail:   `An argument named "contnet" is not expected here.`,
					Subject: &hcl.Range{
						Filename: "modules/web/main.tack.hcl",
						Start:    hcl.Pos{Line: 7, Column: 3, Byte: 91},
						End:      hcl.Pos{Line: 7, Column: 10, Byte: 98},
					},
				}}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join("testdata", "diagnostics-"+tt.name)
			fs := loadFixture(t, dir)
			diags := tt.diags(t, fs)
			var sources map[string][]byte
			if tt.sources {
				sources = fs
			}

			var plain bytes.Buffer
			(&DiagnosticsView{Width: tt.width, Sources: sources}).Render(&plain, diags)
			if bytes.Contains(plain.Bytes(), []byte("\x1b")) {
				t.Errorf("output without colour holds escape sequences:\n%q", plain.String())
			}
			checkGolden(t, filepath.Join(dir, "human.golden"), plain.Bytes())

			var colour bytes.Buffer
			(&DiagnosticsView{Color: true, Width: tt.width, Sources: sources}).Render(&colour, diags)
			// Escape sequences are stored spelt out, so the golden file can
			// be read in review.
			checkGolden(t, filepath.Join(dir, "color.golden"), bytes.ReplaceAll(colour.Bytes(), []byte("\x1b"), []byte(`\x1b`)))

			var js bytes.Buffer
			if err := RenderDiagnosticsJSON(&js, diags, sources); err != nil {
				t.Fatal(err)
			}
			if !json.Valid(js.Bytes()) {
				t.Errorf("JSON output is not valid JSON:\n%s", js.String())
			}
			checkGolden(t, filepath.Join(dir, "json.golden"), js.Bytes())
		})
	}
}

// checkGolden compares got with the golden file at path, or rewrites the
// file with -update.
func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

func TestWrap(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, text string
		width      int
		want       string
	}{
		{"off", "a b c", 0, "a b c"},
		{"between words", "one two three four", 9, "one two\nthree\nfour"},
		{"long word kept whole", "see https://example.com/a/long/path now", 10, "see\nhttps://example.com/a/long/path\nnow"},
		{"wide characters count double", "名前 名前 名前", 9, "名前 名前\n名前"},
		{"indented lines kept", "Use:\n    a_very_long_argument_name = 1", 10, "Use:\n    a_very_long_argument_name = 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, wrap(tt.text, tt.width)); diff != "" {
				t.Errorf("wrap(%q, %d) mismatch (-want +got):\n%s", tt.text, tt.width, diff)
			}
		})
	}
}

// FuzzDiagnostics checks that no file and no range, however wrong, makes
// the views panic: ranges come from providers and from code that maps
// them back to files, and the file may have changed since.
func FuzzDiagnostics(f *testing.F) {
	f.Add([]byte("resource \"a\" \"b\" {\n\tx = \"名前\"\n}\n"), 2, 2, 19, 3, 1, 30)
	f.Add([]byte("a = 1"), 1, 5, 4, 1, 6, 5)
	f.Add([]byte("x\r\ny\r\n"), 2, 1, 3, 1, 1, 0)
	f.Fuzz(func(t *testing.T, src []byte, sl, sc, sb, el, ec, eb int) {
		r := &hcl.Range{
			Filename: "f.tack.hcl",
			Start:    hcl.Pos{Line: sl, Column: sc, Byte: sb},
			End:      hcl.Pos{Line: el, Column: ec, Byte: eb},
		}
		diags := hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "s", Subject: r, Context: r}}
		sources := map[string][]byte{"f.tack.hcl": src}
		for _, colour := range []bool{false, true} {
			(&DiagnosticsView{Color: colour, Width: 20, Sources: sources}).Render(io.Discard, diags)
		}
		if err := RenderDiagnosticsJSON(io.Discard, diags, sources); err != nil {
			t.Fatal(err)
		}
	})
}
