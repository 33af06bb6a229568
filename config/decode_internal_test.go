package config

import (
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// partialContent skips HCL's copy of a body that sets no meta-argument;
// what it returns must read exactly as HCL's own result does, to the
// decoding of the meta-arguments and to the provider's schema after.
func TestPartialContentMatchesHCL(t *testing.T) {
	t.Parallel()
	bodies := map[string]string{
		"plain":                    "path = \"a\"\ncontent = \"x\"\n",
		"count":                    "count = 2\ncontent = \"x\"\n",
		"lifecycle block":          "content = \"x\"\nlifecycle {\n  prevent_destroy = true\n}\n",
		"lifecycle as attribute":   "lifecycle = true\ncontent = \"x\"\n",
		"nested block":             "content = \"x\"\nnested {\n  a = 1\n}\n",
		"unknown argument":         "colour = \"red\"\n",
		"nested and meta-argument": "depends_on = []\nnested {\n  a = 1\n}\n",
	}
	provider := &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{{Name: "path"}, {Name: "content"}},
		Blocks:     []hcl.BlockHeaderSchema{{Type: "nested"}},
	}
	for name, src := range bodies {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			read := func(split func(hcl.Body) (*hcl.BodyContent, hcl.Body, hcl.Diagnostics)) []string {
				f, diags := hclsyntax.ParseConfig([]byte(src), "main.tack.hcl", hcl.InitialPos)
				if diags.HasErrors() {
					t.Fatal(diags.Error())
				}
				content, remain, diags := split(f.Body)
				out := summary("meta", content, diags)
				rest, rdiags := remain.Content(provider)
				return append(out, summary("provider", rest, rdiags)...)
			}
			want := read(func(b hcl.Body) (*hcl.BodyContent, hcl.Body, hcl.Diagnostics) {
				return b.PartialContent(resourceSchema)
			})
			got := read(func(b hcl.Body) (*hcl.BodyContent, hcl.Body, hcl.Diagnostics) {
				return partialContent(b, resourceSchema)
			})
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("partialContent reads differently from PartialContent (-hcl +ours):\n%s", diff)
			}
		})
	}
}

// summary lists what a body's content holds and the diagnostics, by
// name and place.
func summary(what string, c *hcl.BodyContent, diags hcl.Diagnostics) []string {
	var out []string
	for n, a := range c.Attributes {
		out = append(out, what+" attribute "+n+" at "+a.Range.String())
	}
	for _, b := range c.Blocks {
		out = append(out, what+" block "+b.Type+" at "+b.DefRange.String())
	}
	out = append(out, what+" missing item at "+c.MissingItemRange.String())
	for _, d := range diags {
		out = append(out, what+" diagnostic "+d.Summary+": "+d.Detail)
	}
	sort.Strings(out)
	return out
}
