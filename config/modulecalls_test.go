package config

import (
	"path/filepath"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

func TestModuleCallsAndLocalCycles(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		dir   string
		check func(*Config) hcl.Diagnostics
	}{
		{"tree-bad-calls", func(c *Config) hcl.Diagnostics { return append(c.CheckModuleCalls(), c.CheckReferences()...) }},
		{"locals-cycle", (*Config).CheckLocalCycles},
	} {
		t.Run(tt.dir, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join("testdata", tt.dir)
			c, diags := NewParser().LoadConfig(dir)
			if diags.HasErrors() {
				t.Fatalf("loading: %s", renderDiags(diags))
			}
			got := renderDiags(tt.check(c))
			checkGolden(t, dir, got)
		})
	}
}

func TestGoodTreeHasNoCallOrCycleProblems(t *testing.T) {
	t.Parallel()
	c, diags := NewParser().LoadConfig(filepath.Join("testdata", "tree-modules"))
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if diags := append(c.CheckModuleCalls(), c.CheckLocalCycles()...); len(diags) > 0 {
		t.Errorf("a valid tree gave:\n%s", renderDiags(diags))
	}
}
