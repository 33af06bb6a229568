package main

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

func TestUnifiedDiff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, a, b, want string
	}{
		{"equal", "x\n", "x\n", ""},
		{
			"one line changed",
			"a\nb\nc\n", "a\nB\nc\n",
			"--- a\n+++ b\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n",
		},
		{
			"insert into empty",
			"", "x\n",
			"--- a\n+++ b\n@@ -0,0 +1 @@\n+x\n",
		},
		{
			"delete everything",
			"x\ny\n", "",
			"--- a\n+++ b\n@@ -1,2 +0,0 @@\n-x\n-y\n",
		},
		{
			"missing final newline",
			"a\nb", "a\nb\n",
			"--- a\n+++ b\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n",
		},
		{
			// Changes seven unchanged lines apart get separate hunks, each
			// with three lines of context.
			"two hunks",
			"1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n", "0\n2\n3\n4\n5\n6\n7\n8\n9\n0\n",
			"--- a\n+++ b\n@@ -1,4 +1,4 @@\n-1\n+0\n 2\n 3\n 4\n@@ -7,4 +7,4 @@\n 7\n 8\n 9\n-10\n+0\n",
		},
		{
			// Six unchanged lines apart, they share one hunk.
			"one hunk",
			"1\n2\n3\n4\n5\n6\n7\n8\n", "0\n2\n3\n4\n5\n6\n7\n0\n",
			"--- a\n+++ b\n@@ -1,8 +1,8 @@\n-1\n+0\n 2\n 3\n 4\n 5\n 6\n 7\n-8\n+0\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := unifiedDiff("a", "b", tt.a, tt.b)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("unifiedDiff(%q, %q) (-want +got):\n%s", tt.a, tt.b, diff)
			}
		})
	}
}

// FuzzUnifiedDiff checks that applying the diff of a and b to a gives b,
// and that the edit script is no longer than replacing every line.
func FuzzUnifiedDiff(f *testing.F) {
	f.Add("a\nb\nc\n", "a\nc\nd")
	f.Add("", "x")
	f.Add("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n", "1\n2\nx\n4\n5\n6\n7\n8\n9\ny\n11\n")
	f.Fuzz(func(t *testing.T, a, b string) {
		d := unifiedDiff("a", "b", a, b)
		got, err := applyUnified(a, d)
		if err != nil {
			t.Fatalf("applying the diff of %q and %q: %v\n%s", a, b, err, d)
		}
		if got != b {
			t.Fatalf("diff of %q and %q applied gives %q\n%s", a, b, got, d)
		}
	})
}

// applyUnified applies a unified diff made by unifiedDiff to a, checking
// every context and deleted line against a.
func applyUnified(a, diff string) (string, error) {
	if diff == "" {
		return a, nil
	}
	old := splitLines(a)
	lines := splitLines(diff)
	if len(lines) < 2 || lines[0] != "--- a\n" || lines[1] != "+++ b\n" {
		return "", fmt.Errorf("bad headers")
	}
	var out []string
	next := 0 // index in old of the first line not yet copied
	for i := 2; i < len(lines); {
		var aStart, aCount, bStart, bCount int
		if _, err := fmt.Sscanf(expandRange(lines[i]), "@@ -%d,%d +%d,%d @@\n", &aStart, &aCount, &bStart, &bCount); err != nil {
			return "", fmt.Errorf("bad hunk header %q: %v", lines[i], err)
		}
		i++
		at := aStart - 1
		if aCount == 0 {
			at = aStart
		}
		if at < next || at > len(old) {
			return "", fmt.Errorf("hunk at line %d out of order", aStart)
		}
		out = append(out, old[next:at]...)
		next = at
		seenA, seenB := 0, 0
		for ; i < len(lines) && !strings.HasPrefix(lines[i], "@@"); i++ {
			l := lines[i]
			body := l[1:]
			if i+1 < len(lines) && lines[i+1] == "\\ No newline at end of file\n" {
				body = strings.TrimSuffix(body, "\n")
			}
			switch l[0] {
			case '\\':
				continue
			case ' ', '-':
				if next >= len(old) || old[next] != body {
					return "", fmt.Errorf("line %d of a does not match %q", next+1, l)
				}
				next++
				seenA++
				if l[0] == ' ' {
					out = append(out, body)
					seenB++
				}
			case '+':
				out = append(out, body)
				seenB++
			default:
				return "", fmt.Errorf("bad line %q", l)
			}
		}
		if seenA != aCount || seenB != bCount {
			return "", fmt.Errorf("hunk counts -%d +%d, lines -%d +%d", aCount, bCount, seenA, seenB)
		}
	}
	out = append(out, old[next:]...)
	return strings.Join(out, ""), nil
}

// expandRange rewrites "@@ -3 +4 @@" as "@@ -3,1 +4,1 @@".
func expandRange(header string) string {
	fields := strings.Fields(header)
	for i, f := range fields {
		if (strings.HasPrefix(f, "-") || strings.HasPrefix(f, "+")) && !strings.Contains(f, ",") {
			if _, err := strconv.Atoi(f[1:]); err == nil {
				fields[i] = f + ",1"
			}
		}
	}
	return strings.Join(fields, " ") + "\n"
}

// FuzzFormatHCL checks that formatting is idempotent and keeps valid
// input valid.
func FuzzFormatHCL(f *testing.F) {
	f.Add("a=1\nbbb = \"x\"\n")
	f.Add("block \"x\" {\nnested {\n  k=[1,2]\n}\n}\n")
	f.Add("v = <<EOT\n  text\nEOT\n# comment\nw=2 // trailing\n")
	f.Fuzz(func(t *testing.T, src string) {
		once, diags := formatHCL("fuzz.tack.hcl", []byte(src))
		if diags.HasErrors() {
			return
		}
		if _, diags := hclsyntax.ParseConfig(once, "fuzz.tack.hcl", hcl.InitialPos); diags.HasErrors() {
			t.Fatalf("formatting %q gave %q, which does not parse: %s", src, once, diags.Error())
		}
		twice, _ := formatHCL("fuzz.tack.hcl", once)
		if !bytes.Equal(once, twice) {
			t.Fatalf("formatting is not idempotent for %q:\n%s", src, unifiedDiff("once", "twice", string(once), string(twice)))
		}
	})
}
