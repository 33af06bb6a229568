package local_test

import (
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/plugins/sdk"
)

func TestDataSource(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	if err := os.WriteFile(h.abs("motd"), []byte("welcome\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(h.abs("a-directory"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		path      string
		want      map[string]string
		wantDiags []diag
	}{
		{
			name: "relative path resolves against the provider's directory",
			path: "motd",
			want: map[string]string{"path": "motd", "content": "welcome\n", "content_base64": "d2VsY29tZQo=", "sha256": sum("welcome\n")},
		},
		{
			name: "absolute path",
			path: h.abs("motd"),
			want: map[string]string{"path": h.abs("motd"), "content": "welcome\n", "content_base64": "d2VsY29tZQo=", "sha256": sum("welcome\n")},
		},
		{
			name:      "missing file",
			path:      "no-such-file",
			wantDiags: []diag{{"File not found", "path"}},
		},
		{
			name:      "directory",
			path:      "a-directory",
			wantDiags: []diag{{"Cannot read file", "path"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp := h.c.ReadDataSource(t.Context(), sdk.ReadDataSourceRequest{TypeName: "local_file", Config: cty.ObjectVal(map[string]cty.Value{
				"path": cty.StringVal(tt.path), "content": cty.NullVal(cty.String), "content_base64": cty.NullVal(cty.String), "sha256": cty.NullVal(cty.String),
			})})
			if diff := cmp.Diff(tt.wantDiags, diags(resp.Diagnostics)); diff != "" {
				t.Errorf("diagnostics (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, show(resp.State)); diff != "" {
				t.Errorf("state (-want +got):\n%s", diff)
			}
		})
	}
}
