package views

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/planner"
)

func init() {
	// The golden files of plans and progress live in folders made on
	// the first -update.
	for _, dir := range []string{"plans", "progress"} {
		if err := os.MkdirAll(filepath.Join("testdata", dir), 0o755); err != nil {
			panic(err)
		}
	}
}

// renderAll renders p in the three views, failing the test if the JSON
// is not valid or the human form without colour holds escapes.
func renderAll(t *testing.T, p *planner.Plan) (human, js, md string) {
	t.Helper()
	var h, j, m bytes.Buffer
	RenderPlan(&h, p, PlanOpts{Width: 78})
	if bytes.Contains(h.Bytes(), []byte("\x1b")) {
		t.Errorf("output without colour holds escape sequences:\n%q", h.String())
	}
	if err := RenderPlanJSON(&j, p); err != nil {
		t.Fatal(err)
	}
	if !json.Valid(j.Bytes()) {
		t.Errorf("JSON output is not valid JSON:\n%s", j.String())
	}
	if err := RenderPlanMarkdown(&m, p); err != nil {
		t.Fatal(err)
	}
	return h.String(), j.String(), m.String()
}

func TestPlanViews(t *testing.T) {
	t.Parallel()
	for _, tt := range planFixtures {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			human, js, md := renderAll(t, tt.plan())
			base := filepath.Join("testdata", "plans", tt.name)
			checkGolden(t, base+".txt", []byte(human))
			checkGolden(t, base+".json", []byte(js))
			checkGolden(t, base+".md", []byte(md))
		})
	}
}

// TestPlanColor checks the coloured human form of plans with every kind
// of symbol and heading. Escape sequences are stored spelt out, so the
// golden file can be read in review.
func TestPlanColor(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"replace", "drift", "no-changes", "cluster-red-black", "cluster-drift", "railings-guardrails", "railings-cluster"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var b bytes.Buffer
			RenderPlan(&b, fixture(t, name), PlanOpts{Color: true, Width: 78})
			checkGolden(t, filepath.Join("testdata", "plans", name+".color.txt"), bytes.ReplaceAll(b.Bytes(), []byte("\x1b"), []byte(`\x1b`)))

			// Without the escapes, the text is that of the plain form.
			var plain bytes.Buffer
			RenderPlan(&plain, fixture(t, name), PlanOpts{Width: 78})
			if got := stripANSI(b.String()); got != plain.String() {
				t.Errorf("coloured output differs from plain output beyond its escapes:\n%s", got)
			}
		})
	}
}

func fixture(t *testing.T, name string) *planner.Plan {
	t.Helper()
	for _, f := range planFixtures {
		if f.name == name {
			return f.plan()
		}
	}
	t.Fatalf("no fixture %q", name)
	return nil
}

func stripANSI(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\x1b' {
			for i < len(s) && s[i] != 'm' {
				i++
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// TestPlanNoSensitiveValues checks that no value a fixture marks secret
// (by a mark or by the schema; each holds "SECRET") reaches any view.
func TestPlanNoSensitiveValues(t *testing.T) {
	t.Parallel()
	for _, tt := range planFixtures {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			human, js, md := renderAll(t, tt.plan())
			var colour bytes.Buffer
			RenderPlan(&colour, tt.plan(), PlanOpts{Color: true})
			for view, out := range map[string]string{"human": human, "color": colour.String(), "json": js, "markdown": md} {
				if strings.Contains(out, "SECRET") {
					t.Errorf("the %s view shows a sensitive value:\n%s", view, out)
				}
			}
		})
	}
	// The fixtures do hold secrets: the test would notice a leak.
	human, _, _ := renderAll(t, fixture(t, "sensitive"))
	if n := strings.Count(human, "(sensitive value)"); n < 10 {
		t.Errorf("the sensitive fixture shows %d sensitive values, want at least 10:\n%s", n, human)
	}
}

// TestPlanJSONSensitiveTrees checks what a program reads where values are
// hidden: null values, and true in the trees at the same places.
func TestPlanJSONSensitiveTrees(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := RenderPlanJSON(&b, fixture(t, "sensitive")); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Variables map[string]struct {
			Value     any
			Sensitive bool
		}
		ResourceChanges []struct {
			Address string
			Change  struct {
				After          any
				AfterSensitive any `json:"after_sensitive"`
				AfterUnknown   any `json:"after_unknown"`
			}
		} `json:"resource_changes"`
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if v := got.Variables["password"]; v.Value != nil || !v.Sensitive {
		t.Errorf("variable password = %+v, want a null value marked sensitive", v)
	}
	if v := got.Variables["region"]; v.Value != "eu-west-1" || v.Sensitive {
		t.Errorf("variable region = %+v, want eu-west-1, not sensitive", v)
	}
	c := got.ResourceChanges[0].Change // local_file.secret, created
	after, _ := c.After.(map[string]any)
	afterSensitive, _ := c.AfterSensitive.(map[string]any)
	afterUnknown, _ := c.AfterUnknown.(map[string]any)
	for _, attr := range []string{"content", "sensitive_content"} {
		if after[attr] != nil || afterSensitive[attr] != true {
			t.Errorf("%s: after = %v, after_sensitive = %v; want null and true", attr, after[attr], afterSensitive[attr])
		}
	}
	if tags, _ := after["tags"].(map[string]any); tags["env"] != "prod" || tags["token"] != nil {
		t.Errorf("tags = %v, want env shown and token null", tags)
	}
	if want := map[string]any{"token": true}; fmt.Sprint(afterSensitive["tags"]) != fmt.Sprint(want) {
		t.Errorf("after_sensitive.tags = %v, want %v", afterSensitive["tags"], want)
	}
	if afterUnknown["id"] != true || afterUnknown["filename"] != nil {
		t.Errorf("after_unknown = %v, want id true and filename absent", afterUnknown)
	}
}

// bigPlan is a plan of n objects: every 20th destroyed, every 50th
// replaced, the rest created.
func bigPlan(n int) *planner.Plan {
	p := newPlan()
	for i := range n {
		addr := fmt.Sprintf("local_file.f[%d]", i)
		obj := file(map[string]cty.Value{
			"id":       str(fmt.Sprintf("f-%d", i)),
			"filename": str(fmt.Sprintf("out/f%04d.txt", i)),
			"content":  str(strings.Repeat("content of a file that is long enough to matter ", 3)),
			"tags":     strmap("index", fmt.Sprint(i), "team", "edge"),
		})
		var ch *planner.ResourceChange
		switch {
		case i%20 == 0:
			ch = change(addr, planner.Delete, obj, cty.NilVal)
			ch.Reason = planner.DeleteBecauseCountIndex
		case i%50 == 1:
			ch = change(addr, planner.DeleteThenCreate, obj, with(obj, map[string]cty.Value{"id": unknown, "filename": str("moved")}))
			ch.RequiredReplace = []cty.Path{cty.GetAttrPath("filename")}
		default:
			ch = change(addr, planner.Create, cty.NilVal, with(obj, map[string]cty.Value{"id": unknown}))
		}
		p.Changes = append(p.Changes, ch)
	}
	return p
}

func TestPlanMarkdownLimit(t *testing.T) {
	t.Parallel()
	const n = 2000
	p := bigPlan(n)
	var b bytes.Buffer
	if err := RenderPlanMarkdown(&b, p); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	if len(md) >= MarkdownLimit {
		t.Fatalf("markdown is %d bytes, want fewer than %d", len(md), MarkdownLimit)
	}
	if !strings.Contains(md, "**Plan: 1860 to add, 0 to change, 40 to replace, 100 to destroy.**") {
		t.Errorf("summary missing:\n%s", md[:min(len(md), 500)])
	}

	// Every destroy and replacement is listed before the first detail.
	firstDetail := strings.Index(md, "<details>")
	if firstDetail < 0 {
		t.Fatal("no details at all")
	}
	list := md[:firstDetail]
	risky := 0
	for _, ch := range p.Changes {
		if ch.Action == planner.Delete || ch.Action.IsReplace() {
			risky++
			if !strings.Contains(list, "`"+ch.Addr.String()+"`") {
				t.Errorf("%s is not listed before the details", ch.Addr)
			}
		}
	}
	if risky != 140 {
		t.Fatalf("the plan has %d destroys and replacements, want 140", risky)
	}

	// The note says how many are left out, and that is the truth.
	shown := strings.Count(md, "<details>")
	note := fmt.Sprintf("_Output cut: %s of 2,000 changes are not shown in detail (65,536-character limit). Run `tack show` on the saved plan for the rest._\n", thousands(n-shown))
	if !strings.HasSuffix(md, note) {
		t.Errorf("markdown does not end with the note %q:\n…%s", note, md[max(0, len(md)-400):])
	}
	if shown < 50 {
		t.Errorf("only %d details shown; the limit leaves room for more", shown)
	}
	// The destroys' details come first, and are whole.
	if !strings.Contains(md, "<details><summary><code>local_file.f[0]</code> will be destroyed") {
		t.Error("the first destroy's details are not shown")
	}
	if strings.Count(md, "<details>") != strings.Count(md, "</details>") {
		t.Error("a details block is cut in the middle")
	}
}

// TestPlanMarkdownLimitExtremes checks the limit where the ordinary
// strategy is not enough: one object too big to show at all, and more
// destroys than the list has room for.
func TestPlanMarkdownLimitExtremes(t *testing.T) {
	t.Parallel()
	huge := newPlan(change("local_file.huge", planner.Create, cty.NilVal, file(map[string]cty.Value{
		"filename": str("out/huge.txt"),
		"content":  str(strings.Repeat("a line of a very large file\n", 5000)),
	})))
	many := newPlan()
	for i := range 5000 {
		ch := change(fmt.Sprintf("module.old.local_file.f[%d]", i), planner.Delete, file(map[string]cty.Value{"filename": str("out/f.txt")}), cty.NilVal)
		ch.Reason = planner.DeleteBecauseNoModule
		many.Changes = append(many.Changes, ch)
	}
	for _, tt := range []struct {
		name string
		p    *planner.Plan
		want []string
	}{
		{"huge", huge, []string{"_Output cut: 1 of 1 change is not shown in detail (65,536-character limit)."}},
		{"many", many, []string{"more, not listed (65,536-character limit)._", "_Output cut: 5,000 of 5,000 changes are not shown in detail"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var b bytes.Buffer
			if err := RenderPlanMarkdown(&b, tt.p); err != nil {
				t.Fatal(err)
			}
			if b.Len() >= MarkdownLimit {
				t.Errorf("markdown is %d bytes, want fewer than %d", b.Len(), MarkdownLimit)
			}
			for _, w := range tt.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("markdown lacks %q:\n…%s", w, b.String()[max(0, b.Len()-600):])
				}
			}
		})
	}
}

// TestPlanMarkdownCut renders a small plan under a small limit, so that
// the golden file shows a cut rendering that can be read in review.
func TestPlanMarkdownCut(t *testing.T) {
	t.Parallel()
	p := bigPlan(30)
	p.Outputs = []*planner.OutputChange{{Name: "count", Action: planner.Create, Before: cty.NullVal(cty.Number), After: num(30)}}
	const limit = 4000
	md := renderMarkdown(p, limit)
	if len(md) >= limit {
		t.Errorf("markdown is %d bytes, want fewer than %d", len(md), limit)
	}
	checkGolden(t, filepath.Join("testdata", "plans", "markdown-cut.md"), []byte(md))
}

func TestThousands(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 65536: "65,536", 1234567: "1,234,567", -1234: "-1,234"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestQuoteString(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"plain":          `"plain"`,
		"a\"b\\c":        `"a\"b\\c"`,
		"${var} %{if}":   `"$${var} %%{if}"`,
		"$5 and 100%":    `"$5 and 100%"`,
		"tab\there\n":    `"tab\there\n"`,
		"\x1b[31mred":    `"\u001b[31mred"`,
		"名前":             `"名前"`,
		"bad\xffbyte":    `"bad\xffbyte"`,
		"real \uFFFD ok": "\"real \uFFFD ok\"",
	} {
		if got := quoteString(in); got != want {
			t.Errorf("quoteString(%q) = %s, want %s", in, got, want)
		}
	}
}
