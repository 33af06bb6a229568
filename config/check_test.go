package config

import (
	"path/filepath"
	"testing"
)

func TestCheckReferences(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("testdata", "refs-bad")
	c, diags := NewParser().LoadConfig(dir)
	if diags.HasErrors() {
		t.Fatalf("loading: %s", renderDiags(diags))
	}
	got := renderDiags(c.CheckReferences())
	checkGolden(t, dir, got)
}

func TestCheckReferencesAcceptsEveryBlockFixture(t *testing.T) {
	t.Parallel()
	p := NewParser()
	for _, dir := range []string{"load-full", "tree-modules"} {
		c, diags := p.LoadConfig(filepath.Join("testdata", dir))
		if dir == "load-full" {
			// Its module.net has no directory; only references matter here.
			diags = nil
		}
		if diags.HasErrors() {
			t.Fatalf("%s: %s", dir, renderDiags(diags))
		}
		if diags := c.CheckReferences(); len(diags) > 0 {
			t.Errorf("%s: a valid configuration gave:\n%s", dir, renderDiags(diags))
		}
	}
}
