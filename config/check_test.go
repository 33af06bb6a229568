package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCheckReferences(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("testdata", "refs-bad")
	c, diags := NewParser().LoadConfig(dir)
	if diags.HasErrors() {
		t.Fatalf("loading: %s", renderDiags(diags))
	}
	got := renderDiags(c.CheckReferences())
	golden := filepath.Join(dir, "diagnostics.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("reading the golden file (run go test ./config -update): %v", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("diagnostics (-want +got):\n%s", diff)
	}
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
