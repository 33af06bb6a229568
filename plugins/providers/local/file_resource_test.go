package local_test

import (
	"encoding/base64"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/plugins/sdk"
)

var str = cty.StringVal

func TestReadDetectsDrift(t *testing.T) {
	t.Parallel()
	binary := []byte{0x00, 0xff, 0x10}
	tests := []struct {
		name   string
		config map[string]cty.Value
		drift  func(name string) error
		// want is what Read reports; nil means the file is gone.
		want map[string]string
	}{
		{
			name:   "content edited",
			config: map[string]cty.Value{"path": str("app.conf"), "content": str("port = 80\n")},
			drift:  func(name string) error { return os.WriteFile(name, []byte("port = 8080\n"), 0o644) },
			want: map[string]string{
				"id": "app.conf", "path": "app.conf", "content": "port = 8080\n", "content_base64": "(null)",
				"file_permission": "0644", "sha256": sum("port = 8080\n"),
			},
		},
		{
			name:   "binary content edited",
			config: map[string]cty.Value{"path": str("blob.bin"), "content_base64": str(base64.StdEncoding.EncodeToString(binary))},
			drift:  func(name string) error { return os.WriteFile(name, []byte{0xfe, 0xed}, 0o644) },
			want: map[string]string{
				"id": "blob.bin", "path": "blob.bin", "content": "(null)", "content_base64": "/u0=",
				"file_permission": "0644", "sha256": sum("\xfe\xed"),
			},
		},
		{
			name:   "permission changed",
			config: map[string]cty.Value{"path": str("secret"), "content": str("s3cr3t")},
			drift:  func(name string) error { return os.Chmod(name, 0o600) },
			want: map[string]string{
				"id": "secret", "path": "secret", "content": "s3cr3t", "content_base64": "(null)",
				"file_permission": "0600", "sha256": sum("s3cr3t"),
			},
		},
		{
			name:   "deleted",
			config: map[string]cty.Value{"path": str("gone.txt"), "content": str("bye")},
			drift:  os.Remove,
			want:   nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			cfg := h.config(tt.config)
			state := h.apply(cty.NilVal, cfg)
			name := h.abs(tt.config["path"].AsString())
			if err := tt.drift(name); err != nil {
				t.Fatal(err)
			}

			read := h.read(state)
			if diff := cmp.Diff(tt.want, show(read)); diff != "" {
				t.Fatalf("ReadResource after the file changed on disk (-want +got):\n%s", diff)
			}

			// Applying the unchanged configuration puts the file back.
			repaired := h.apply(read, cfg)
			if diff := cmp.Diff(show(state), show(repaired)); diff != "" {
				t.Errorf("state after repairing the drift (-before +after):\n%s", diff)
			}
			checkDisk(t, name, repaired)
		})
	}
}

// Something other than a file at the path (a directory, a named pipe)
// is an error naming what it is; reading a pipe must not wait for a
// writer.
func TestReadRefusesWhatIsNotAFile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		replace func(name string) error
		want    string
	}{
		{"directory", func(name string) error { return os.Mkdir(name, 0o755) }, "not a regular file (d---------)"},
		{"named pipe", func(name string) error { return syscall.Mkfifo(name, 0o644) }, "not a regular file (p---------)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			state := h.apply(cty.NilVal, h.config(map[string]cty.Value{"path": str("app.conf"), "content": str("port = 80\n")}))
			name := h.abs("app.conf")
			if err := os.Remove(name); err != nil {
				t.Fatal(err)
			}
			if err := tt.replace(name); err != nil {
				t.Fatal(err)
			}
			resp := h.c.ReadResource(t.Context(), sdk.ReadResourceRequest{TypeName: "local_file", CurrentState: state})
			if !resp.Diagnostics.HasErrors() {
				t.Fatalf("ReadResource of a %s succeeded: %v", tt.name, resp.NewState.GoString())
			}
			if got := resp.Diagnostics[0].Detail; !strings.Contains(got, tt.want) || !strings.Contains(got, name) {
				t.Errorf("ReadResource of a %s: %q, want it to name the path and say %q", tt.name, got, tt.want)
			}
		})
	}
}

func TestValidateDiagnostics(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	tests := []struct {
		name   string
		config map[string]cty.Value
		want   []diag
	}{
		{
			name:   "neither content nor content_base64",
			config: map[string]cty.Value{"path": str("a")},
			want:   []diag{{"Missing file content", "content"}},
		},
		{
			name:   "both content and content_base64",
			config: map[string]cty.Value{"path": str("a"), "content": str("x"), "content_base64": str("eA==")},
			want:   []diag{{"Conflicting attributes", "content"}},
		},
		{
			name:   "permission in symbolic form",
			config: map[string]cty.Value{"path": str("a"), "content": str("x"), "file_permission": str("rw-r--r--")},
			want:   []diag{{"Invalid file permission", "file_permission"}},
		},
		{
			name:   "permission with a digit that is not octal",
			config: map[string]cty.Value{"path": str("a"), "content": str("x"), "file_permission": str("0648")},
			want:   []diag{{"Invalid file permission", "file_permission"}},
		},
		{
			name:   "permission with the sticky bit",
			config: map[string]cty.Value{"path": str("a"), "content": str("x"), "file_permission": str("1777")},
			want:   []diag{{"Invalid file permission", "file_permission"}},
		},
		{
			name:   "content_base64 that is not base64",
			config: map[string]cty.Value{"path": str("a"), "content_base64": str("not base64!")},
			want:   []diag{{"Invalid base64", "content_base64"}},
		},
		{
			name:   "empty path",
			config: map[string]cty.Value{"path": str(""), "content": str("x")},
			want:   []diag{{"Empty value", "path"}},
		},
		{
			name:   "every mistake at once",
			config: map[string]cty.Value{"path": str("a"), "content_base64": str("%%"), "file_permission": str("777x")},
			want:   []diag{{"Invalid base64", "content_base64"}, {"Invalid file permission", "file_permission"}},
		},
		{
			name:   "three-digit permission",
			config: map[string]cty.Value{"path": str("a"), "content": str("x"), "file_permission": str("600")},
		},
		{
			name:   "content known only at apply",
			config: map[string]cty.Value{"path": str("a"), "content": cty.UnknownVal(cty.String)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp := h.c.ValidateResourceConfig(t.Context(), sdk.ValidateResourceConfigRequest{TypeName: "local_file", Config: h.config(tt.config)})
			if diff := cmp.Diff(tt.want, diags(resp.Diagnostics)); diff != "" {
				t.Errorf("diagnostics (-want +got):\n%s", diff)
			}
		})
	}
}

func TestContentBase64RoundTrip(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	// Bytes that are not UTF-8, which content could not carry.
	want := []byte{0x00, 0xff, 0xfe, '\n', 0x80, 0xc3}
	encoded := base64.StdEncoding.EncodeToString(want)
	state := h.apply(cty.NilVal, h.config(map[string]cty.Value{"path": str("blob.bin"), "content_base64": str(encoded)}))

	got, err := os.ReadFile(h.abs("blob.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("bytes on disk (-want +got):\n%s", diff)
	}
	if got := show(state); got["sha256"] != sum(string(want)) || got["content_base64"] != encoded || got["content"] != "(null)" {
		t.Errorf("state = %v; want content_base64 %q, sha256 %s and no content", got, encoded, sum(string(want)))
	}
	if diff := cmp.Diff(show(state), show(h.read(state))); diff != "" {
		t.Errorf("ReadResource of an unchanged file (-applied +read):\n%s", diff)
	}

	ds := h.c.ReadDataSource(t.Context(), sdk.ReadDataSourceRequest{TypeName: "local_file", Config: cty.ObjectVal(map[string]cty.Value{
		"path": str("blob.bin"), "content": cty.NullVal(cty.String), "content_base64": cty.NullVal(cty.String), "sha256": cty.NullVal(cty.String),
	})})
	requireNoErrors(t, "ReadDataSource", ds.Diagnostics)
	if got := ds.State.GetAttr("content_base64").AsString(); got != encoded {
		t.Errorf("data source content_base64 = %q; want %q", got, encoded)
	}
}

func TestPlanPredictsSHA256AndID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		prior map[string]cty.Value // applied first when set
		next  map[string]cty.Value
		want  map[string]string // planned sha256 and id
	}{
		{
			name: "create with content",
			next: map[string]cty.Value{"path": str("a.txt"), "content": str("hello\n")},
			want: map[string]string{"sha256": sum("hello\n"), "id": "a.txt"},
		},
		{
			name: "create with content_base64",
			next: map[string]cty.Value{"path": str("b.bin"), "content_base64": str("AAEC")},
			want: map[string]string{"sha256": sum("\x00\x01\x02"), "id": "b.bin"},
		},
		{
			name:  "update content",
			prior: map[string]cty.Value{"path": str("c.txt"), "content": str("one")},
			next:  map[string]cty.Value{"path": str("c.txt"), "content": str("two")},
			want:  map[string]string{"sha256": sum("two"), "id": "c.txt"},
		},
		{
			name:  "update permission only",
			prior: map[string]cty.Value{"path": str("d.txt"), "content": str("same")},
			next:  map[string]cty.Value{"path": str("d.txt"), "content": str("same"), "file_permission": str("0600")},
			want:  map[string]string{"sha256": sum("same"), "id": "d.txt"},
		},
		{
			name: "content known only at apply",
			next: map[string]cty.Value{"path": str("e.txt"), "content": cty.UnknownVal(cty.String)},
			want: map[string]string{"sha256": "(known after apply)", "id": "e.txt"},
		},
		{
			name:  "new path",
			prior: map[string]cty.Value{"path": str("f.txt"), "content": str("same")},
			next:  map[string]cty.Value{"path": str("g.txt"), "content": str("same")},
			want:  map[string]string{"sha256": sum("same"), "id": "g.txt"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			prior := cty.NullVal(h.ty)
			if tt.prior != nil {
				prior = h.apply(cty.NilVal, h.config(tt.prior))
			}
			planned := show(h.plan(prior, h.config(tt.next)).PlannedState)
			got := map[string]string{"sha256": planned["sha256"], "id": planned["id"]}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("planned values (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUpdate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		from, to    map[string]cty.Value
		wantReplace []string
	}{
		{
			name: "permission changes in place",
			from: map[string]cty.Value{"path": str("a"), "content": str("x")},
			to:   map[string]cty.Value{"path": str("a"), "content": str("x"), "file_permission": str("0600")},
		},
		{
			name: "content changes in place",
			from: map[string]cty.Value{"path": str("a"), "content": str("x")},
			to:   map[string]cty.Value{"path": str("a"), "content": str("y")},
		},
		{
			name: "text becomes bytes in place",
			from: map[string]cty.Value{"path": str("a"), "content": str("x")},
			to:   map[string]cty.Value{"path": str("a"), "content_base64": str("/w==")},
		},
		{
			name:        "a new path replaces the file",
			from:        map[string]cty.Value{"path": str("a"), "content": str("x")},
			to:          map[string]cty.Value{"path": str("b"), "content": str("x")},
			wantReplace: []string{"path"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			state := h.apply(cty.NilVal, h.config(tt.from))
			resp := h.plan(state, h.config(tt.to))
			var replace []string
			for _, p := range resp.RequiresReplace {
				replace = append(replace, sdk.FormatPath(p))
			}
			if diff := cmp.Diff(tt.wantReplace, replace); diff != "" {
				t.Fatalf("attributes that require replacement (-want +got):\n%s", diff)
			}
			if len(replace) > 0 {
				return
			}
			state = h.apply(state, h.config(tt.to))
			checkDisk(t, h.abs(tt.to["path"].AsString()), state)
		})
	}
}

func TestCreate(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	// 0666 would come out as 0644 under the usual umask if the mode were
	// left to the file's creation.
	state := h.apply(cty.NilVal, h.config(map[string]cty.Value{
		"path": str("deep/er/file.txt"), "content": str("x"), "file_permission": str("0666"),
	}))
	checkDisk(t, h.abs("deep/er/file.txt"), state)

	entries, err := os.ReadDir(h.abs("deep/er"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if diff := cmp.Diff([]string{"file.txt"}, names); diff != "" {
		t.Errorf("the directory holds more than the file, a temporary file left behind? (-want +got):\n%s", diff)
	}
}

func TestDeleteAlreadyGone(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	state := h.apply(cty.NilVal, h.config(map[string]cty.Value{"path": str("f"), "content": str("x")}))
	if err := os.Remove(h.abs("f")); err != nil {
		t.Fatal(err)
	}
	resp := h.destroy(state)
	requireNoErrors(t, "destroying a file that is already gone", resp.Diagnostics)
	if !resp.NewState.IsNull() {
		t.Errorf("NewState = %#v; want null", resp.NewState)
	}
}

func TestImport(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		bytes string
		mode  fs.FileMode
		want  map[string]string
	}{
		{
			name:  "text file",
			bytes: "listen 8080\n",
			mode:  0o640,
			want: map[string]string{
				"id": "conf/app.conf", "path": "conf/app.conf", "content": "listen 8080\n", "content_base64": "(null)",
				"file_permission": "0640", "sha256": sum("listen 8080\n"),
			},
		},
		{
			name:  "binary file",
			bytes: "\x89PNG\xff",
			mode:  0o600,
			want: map[string]string{
				"id": "conf/app.conf", "path": "conf/app.conf", "content": "(null)", "content_base64": "iVBOR/8=",
				"file_permission": "0600", "sha256": sum("\x89PNG\xff"),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			name := h.abs("conf/app.conf")
			if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(name, []byte(tt.bytes), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(name, tt.mode); err != nil {
				t.Fatal(err)
			}
			resp := h.c.ImportResourceState(t.Context(), sdk.ImportResourceStateRequest{TypeName: "local_file", ID: "conf/app.conf"})
			requireNoErrors(t, "ImportResourceState", resp.Diagnostics)
			if len(resp.Imported) != 1 {
				t.Fatalf("imported %d objects; want 1", len(resp.Imported))
			}
			if diff := cmp.Diff(tt.want, show(h.read(resp.Imported[0].State))); diff != "" {
				t.Errorf("state after import and read (-want +got):\n%s", diff)
			}
		})
	}
}

func TestImportMissingFile(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	resp := h.c.ImportResourceState(t.Context(), sdk.ImportResourceStateRequest{TypeName: "local_file", ID: "no/such/file"})
	if diff := cmp.Diff([]diag{{Summary: "File not found"}}, diags(resp.Diagnostics)); diff != "" {
		t.Errorf("diagnostics (-want +got):\n%s", diff)
	}
	if len(resp.Imported) != 0 {
		t.Errorf("imported %d objects from a missing file", len(resp.Imported))
	}
}

func TestWriteErrorNamesThePath(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	// A file where a parent directory should be: no user can write there.
	if err := os.WriteFile(h.abs("blocker"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := h.config(map[string]cty.Value{"path": str("blocker/child.txt"), "content": str("x")})
	planned := h.plan(cty.NilVal, cfg)
	resp := h.c.ApplyResourceChange(t.Context(), sdk.ApplyResourceChangeRequest{
		TypeName: "local_file", PriorState: cty.NullVal(h.ty), PlannedState: planned.PlannedState, Config: cfg,
	})
	if diff := cmp.Diff([]diag{{"Cannot write file", "path"}}, diags(resp.Diagnostics)); diff != "" {
		t.Fatalf("diagnostics (-want +got):\n%s", diff)
	}
	if want := h.abs("blocker/child.txt"); !strings.Contains(resp.Diagnostics[0].Detail, want) {
		t.Errorf("detail %q does not name %s", resp.Diagnostics[0].Detail, want)
	}
	if !resp.NewState.IsNull() {
		t.Errorf("a failed create recorded %#v; want nothing", resp.NewState)
	}
}
