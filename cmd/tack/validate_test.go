package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestValidateFixtures runs tack validate over every fixture of bad input
// in config/testdata and compares what a user reads on stderr, rendered
// with snippets, with a golden file in testdata/validate-fixtures.
func TestValidateFixtures(t *testing.T) {
	t.Parallel()
	providers := buildProviders(t)
	var dirs []string
	for _, pattern := range []string{"load-*", "tree-bad-*", "refs-*", "schemas-bad-*", "locals-*", "eval-bad-*"} {
		found, err := filepath.Glob(filepath.Join("..", "..", "config", "testdata", pattern))
		if err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, found...)
	}
	if len(dirs) < 40 {
		t.Fatalf("found %d fixtures of bad input, want at least 40", len(dirs))
	}
	env := func(string) string { return "" }
	for _, dir := range dirs {
		name := filepath.Base(dir)
		if name == "load-full" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			status := run([]string{"validate", "-no-color", "-plugin-dir=" + providers, dir}, &stdout, &stderr, env)
			if status != 1 {
				t.Errorf("exit status %d, want 1 for bad input; stdout:\n%s", status, stdout.String())
			}
			got := stderr.String()
			golden := filepath.Join("testdata", "validate-fixtures", name+".golden")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("reading the golden file (run go test ./cmd/tack -update): %v", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("stderr (-want +got):\n%s", diff)
			}
		})
	}
}
