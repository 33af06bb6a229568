package config

import (
	"path/filepath"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/plugins/sdk"
)

// fakeSchemas holds schemas in memory, as the planner will from the
// providers it launched.
type fakeSchemas map[string]struct {
	resources, data map[string]*sdk.Block
	serverGroup     *sdk.Block
}

func (f fakeSchemas) HasProvider(p string) bool { _, ok := f[p]; return ok }

func (f fakeSchemas) ResourceSchema(p string, mode ResourceMode, t string) (*sdk.Block, bool) {
	set := f[p].resources
	if mode == DataMode {
		set = f[p].data
	}
	b, ok := set[t]
	return b, ok
}

func (f fakeSchemas) ServerGroupSchema(p string) (*sdk.Block, bool) {
	return f[p].serverGroup, f[p].serverGroup != nil
}

func (f fakeSchemas) TypeNames(p string, mode ResourceMode) []string {
	return sortedKeys(f[p].resources)
}

func testSchemas() fakeSchemas {
	file := &sdk.Block{
		Attributes: map[string]*sdk.Attribute{
			"path":            {Type: cty.String, Required: true},
			"content":         {Type: cty.String, Optional: true},
			"file_permission": {Type: cty.String, Optional: true, Computed: true},
			"sha256":          {Type: cty.String, Computed: true},
		},
		BlockTypes: map[string]*sdk.NestedBlock{
			"check": {Nesting: sdk.NestingSingle, Block: sdk.Block{Attributes: map[string]*sdk.Attribute{"url": {Type: cty.String, Required: true}}}},
		},
	}
	return fakeSchemas{
		"local": {
			resources:   map[string]*sdk.Block{"local_file": file},
			data:        map[string]*sdk.Block{"local_file": file},
			serverGroup: &sdk.Block{Attributes: map[string]*sdk.Attribute{"command": {Type: cty.List(cty.String), Required: true}}},
		},
		"hello": {resources: map[string]*sdk.Block{}},
	}
}

func TestCheckProviderBodies(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("testdata", "schemas-bad-bodies")
	c, diags := NewParser().LoadConfig(dir)
	if diags.HasErrors() {
		t.Fatalf("loading: %s", renderDiags(diags))
	}
	got := renderDiags(CheckProviderBodies(c, testSchemas()))
	checkGolden(t, dir, got)
}

func TestCheckProviderBodiesAcceptsGoodBodies(t *testing.T) {
	t.Parallel()
	p := NewParser()
	c, diags := p.LoadConfig(filepath.Join("testdata", "tree-modules"))
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if diags := CheckProviderBodies(c, testSchemas()); len(diags) > 0 {
		t.Errorf("a valid configuration gave:\n%s", renderDiags(diags))
	}
}
