package docgen_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/plugins/sdk"
	"github.com/tackhq/tack/plugins/sdk/docgen"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// provider has a schema of every shape the renderer must handle.
func provider() *sdk.Provider {
	str := func(desc string) *sdk.Attribute {
		return &sdk.Attribute{Type: cty.String, Optional: true, Description: desc}
	}
	return &sdk.Provider{
		Name: "demo",
		Schema: sdk.Block{
			Description: "The demo provider's block.",
			Attributes: map[string]*sdk.Attribute{
				"endpoint": {Type: cty.String, Required: true, Description: "Where the API is."},
				"token":    {Type: cty.String, Optional: true, Sensitive: true, Description: "The API token."},
				"retries":  {Type: cty.Number, Optional: true, Computed: true, Default: cty.NumberIntVal(8), Description: "How often to retry."},
			},
		},
		Resources: map[string]*sdk.Resource{
			"demo_thing": {SchemaVersion: 2, Schema: sdk.Block{
				Description: "A thing.",
				Attributes: map[string]*sdk.Attribute{
					"name":   {Type: cty.String, Required: true, Description: "The thing's name; a | b\nor c."},
					"labels": {Type: cty.Map(cty.String), Optional: true, Description: "Labels."},
					"mode":   {Type: cty.String, Optional: true, Computed: true, Default: cty.StringVal("fast"), Description: "fast or safe."},
					"size":   {Type: cty.Number, Optional: true, Computed: true, Description: "Chosen by the platform unless set."},
					"id":     {Type: cty.String, Computed: true, Description: "The thing's id."},
					"old":    {Type: cty.Bool, Optional: true, Deprecated: true, Description: "Use mode."},
					"ports":  {Type: cty.List(cty.Object(map[string]cty.Type{"from": cty.Number, "to": cty.Number})), Optional: true, Description: "Port ranges."},
				},
				BlockTypes: map[string]*sdk.NestedBlock{
					"health": {Nesting: sdk.NestingSingle, MinItems: 1, MaxItems: 1, Block: sdk.Block{
						Description: "How the thing is checked.",
						Attributes:  map[string]*sdk.Attribute{"path": str("The path.")},
						BlockTypes: map[string]*sdk.NestedBlock{
							"matcher": {Nesting: sdk.NestingList, MaxItems: 3, Block: sdk.Block{Attributes: map[string]*sdk.Attribute{"code": str("A status code.")}}},
						},
					}},
					"rule":   {Nesting: sdk.NestingSet, MinItems: 1, Block: sdk.Block{Attributes: map[string]*sdk.Attribute{"port": {Type: cty.Number, Required: true, Description: "The port."}}}},
					"volume": {Nesting: sdk.NestingMap, Block: sdk.Block{Attributes: map[string]*sdk.Attribute{"size": str("The size.")}}},
				},
			}},
		},
		DataSources: map[string]*sdk.DataSource{
			"demo_thing":  {Schema: sdk.Block{Description: "Looks a thing up.", Attributes: map[string]*sdk.Attribute{"name": {Type: cty.String, Required: true, Description: "Its name."}, "id": {Type: cty.String, Computed: true, Description: "Its id."}}}},
			"demo_images": {Schema: sdk.Block{Attributes: map[string]*sdk.Attribute{"ids": {Type: cty.List(cty.String), Computed: true, Description: "The ids."}}}},
		},
		ServerGroups: func(any) sdk.ServerGroups { return nil },
		ServerGroupSchema: sdk.Block{Attributes: map[string]*sdk.Attribute{
			"image": {Type: cty.String, Required: true, Description: "The image to run."},
		}},
		Metrics: func(any) sdk.Metrics { return nil },
	}
}

func TestMarkdown(t *testing.T) {
	t.Parallel()
	p := provider()
	if errs := p.CheckSchemas(); len(errs) > 0 {
		t.Fatalf("the test's schemas are malformed: %v", errs)
	}
	got := docgen.Markdown(p.GetSchema(context.Background()), docgen.Page{
		Source:    "example/demo",
		Intro:     "# The demo provider\n\nIt demonstrates.\n",
		Generator: "make docs",
	})
	golden := filepath.Join("testdata", "demo.md")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("Markdown (-%s +got); run go test ./plugins/sdk/docgen -update if the change is meant:\n%s", golden, diff)
	}
	// The same schemas render the same bytes, whatever Go's map order.
	for range 5 {
		again := docgen.Markdown(p.GetSchema(context.Background()), docgen.Page{Source: "example/demo", Intro: "# The demo provider\n\nIt demonstrates.\n", Generator: "make docs"})
		if !bytes.Equal(again, got) {
			t.Fatal("Markdown rendered the same schemas differently on a second call")
		}
	}
}

// A provider that hosts no clusters has no server_group section.
func TestMarkdownWithoutServerGroups(t *testing.T) {
	t.Parallel()
	p := provider()
	p.ServerGroups, p.Metrics = nil, nil
	got := string(docgen.Markdown(p.GetSchema(context.Background()), docgen.Page{Source: "example/demo"}))
	for _, s := range []string{"server_group", "canary"} {
		if bytes.Contains([]byte(got), []byte(s)) {
			t.Errorf("the page of a provider without server groups mentions %s:\n%s", s, got)
		}
	}
}
