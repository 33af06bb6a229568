package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
)

func TestModuleCallsAndLocalCycles(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		dir   string
		check func(*Config) hcl.Diagnostics
	}{
		{"tree-bad-calls", (*Config).CheckModuleCalls},
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
