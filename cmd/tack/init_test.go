package main

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tackhq/tack/plugins/install"
)

// TestLaunchChecksumMismatch checks the second line of defence: a binary
// swapped after install.Locate hashed it is refused by the plugin client,
// and the user reads the same advice as when Locate refuses it.
func TestLaunchChecksumMismatch(t *testing.T) {
	t.Parallel()
	providers := buildProviders(t)
	m := &meta{stdout: io.Discard, stderr: io.Discard, getenv: func(string) string { return "" }}
	path := filepath.Join(providers, "tack-provider-local")
	wrong := make([]byte, 32) // what Locate hashed before the swap
	_, err := m.launch(context.Background(), install.Selected{Source: "tack/local", Version: version, Path: path, SHA256: wrong}, nil)
	var mismatch *install.ChecksumMismatchError
	if !errors.As(err, &mismatch) {
		t.Fatalf("launch: %v; want a *install.ChecksumMismatchError", err)
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), `run "tack init -upgrade" to record the new one`) {
		t.Errorf("launch: %v; want the path and the way to accept the binary", err)
	}
}

func TestCLIConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		src       string // "" for no file
		named     bool   // through TACK_CLI_CONFIG_FILE rather than ~/.tackrc
		want      map[string]string
		wantDiags []string // summaries
	}{
		{name: "no file"},
		{name: "named but missing", named: true, wantDiags: []string{"Cannot read the CLI configuration"}},
		{name: "empty", src: "\n", named: true},
		{
			name: "overrides, relative to the file",
			src:  "dev_overrides = {\n  \"vendor/hello\" = \"bin\"\n  \"tack/local\" = \"/opt/local\"\n}\n",
			want: map[string]string{"vendor/hello": "{dir}/bin", "tack/local": "/opt/local"},
		},
		{
			name:      "a bad source",
			src:       "dev_overrides = {\n  \"Hello\" = \"bin\"\n}\n",
			want:      map[string]string{},
			wantDiags: []string{"Invalid development override"},
		},
		{
			name:      "not a string",
			src:       "dev_overrides = {\n  \"vendor/hello\" = 1\n}\n",
			named:     true,
			want:      map[string]string{},
			wantDiags: []string{"Invalid development override"},
		},
		{
			name:      "not an object",
			src:       "dev_overrides = \"vendor/hello\"\n",
			wantDiags: []string{"Invalid expression"},
		},
		{
			name:      "a block, as in Terraform",
			src:       "dev_overrides {\n}\n",
			wantDiags: []string{"Unsupported block type"},
		},
		{
			name:      "an unknown setting",
			src:       "plugin_cache_dir = \"x\"\n",
			wantDiags: []string{"Unsupported argument"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, ".tackrc")
			if tt.src != "" {
				if err := os.WriteFile(path, []byte(tt.src), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			env := map[string]string{"HOME": dir}
			if tt.named {
				env = map[string]string{"TACK_CLI_CONFIG_FILE": path}
			}
			m := &meta{getenv: func(k string) string { return env[k] }}
			cc, diags := m.cliConfig()
			var gotDiags []string
			for _, d := range diags {
				gotDiags = append(gotDiags, d.Summary)
			}
			if diff := cmp.Diff(tt.wantDiags, gotDiags); diff != "" {
				t.Errorf("diagnostics (-want +got):\n%s", diff)
			}
			var want map[string]string
			if tt.want != nil {
				want = map[string]string{}
				for k, v := range tt.want {
					want[k] = strings.ReplaceAll(v, "{dir}", dir)
				}
			}
			if diff := cmp.Diff(want, cc.devOverrides); diff != "" {
				t.Errorf("dev overrides (-want +got):\n%s", diff)
			}
		})
	}
}
