package client

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/plugins/sdk"
)

// TestLocalProviderOutOfProcess drives the real tack-provider-local binary,
// launched as a plugin, through a local_file's whole life.
func TestLocalProviderOutOfProcess(t *testing.T) {
	t.Parallel()
	bin := builtProvider(t, "local")
	sum := fileSHA256(t, bin)
	ctx := t.Context()
	p, err := Launch(ctx, Opts{Name: "tack/local", Path: bin, SHA256: sum})
	if err != nil {
		t.Fatalf("Launch: %v", err)
	}
	defer p.Close()

	// schema
	schemas := p.GetSchema(ctx)
	if schemas.Diagnostics.HasErrors() {
		t.Fatalf("GetSchema: %v", schemas.Diagnostics.Err())
	}
	fileSchema, ok := schemas.ResourceTypes["local_file"]
	if !ok {
		t.Fatalf("the local provider has no local_file resource; it has %v", keys(schemas.ResourceTypes))
	}
	if _, ok := schemas.DataSources["local_file"]; !ok {
		t.Fatalf("the local provider has no local_file data source")
	}
	for _, attr := range []string{"path", "content", "content_base64", "file_permission", "sha256"} {
		if _, ok := fileSchema.Block.Attributes[attr]; !ok {
			t.Errorf("local_file has no attribute %q", attr)
		}
	}
	block := &fileSchema.Block
	requireOK(t, "ConfigureProvider", p.ConfigureProvider(ctx, sdk.ConfigureProviderRequest{
		TackVersion: "test", Config: cty.NullVal(schemas.Provider.Block.ImpliedType()),
	}).Diagnostics)

	path := filepath.Join(t.TempDir(), "greeting.txt")
	config := block.Object(map[string]cty.Value{"path": cty.StringVal(path), "content": cty.StringVal("hello\n")})

	// validate: a good config passes, one without content is refused at
	// the right attribute.
	requireOK(t, "ValidateResourceConfig", p.ValidateResourceConfig(ctx, sdk.ValidateResourceConfigRequest{TypeName: "local_file", Config: config}).Diagnostics)
	bad := p.ValidateResourceConfig(ctx, sdk.ValidateResourceConfigRequest{TypeName: "local_file", Config: block.Object(map[string]cty.Value{"path": cty.StringVal(path)})})
	if !bad.Diagnostics.HasErrors() {
		t.Errorf("a local_file without content validated")
	}

	// plan
	null := cty.NullVal(block.ImpliedType())
	plan := p.PlanResourceChange(ctx, sdk.PlanResourceChangeRequest{
		TypeName: "local_file", PriorState: null, ProposedNewState: sdk.ProposedNewState(block, null, config), Config: config,
	})
	requireOK(t, "PlanResourceChange", plan.Diagnostics)
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("planning wrote the file (stat: %v)", err)
	}

	// apply
	applied := p.ApplyResourceChange(ctx, sdk.ApplyResourceChangeRequest{TypeName: "local_file", PriorState: null, PlannedState: plan.PlannedState, Config: config})
	requireOK(t, "ApplyResourceChange", applied.Diagnostics)
	state := applied.NewState
	if got, err := os.ReadFile(path); err != nil || string(got) != "hello\n" {
		t.Fatalf("after apply the file holds %q (%v), want %q", got, err, "hello\n")
	}
	want := sha256.Sum256([]byte("hello\n"))
	if got := state.GetAttr("sha256").AsString(); got != hex.EncodeToString(want[:]) {
		t.Errorf("sha256 = %s, want %x", got, want)
	}

	// read: unchanged, then drift after an edit outside tack
	read := p.ReadResource(ctx, sdk.ReadResourceRequest{TypeName: "local_file", CurrentState: state})
	requireOK(t, "ReadResource", read.Diagnostics)
	if !read.NewState.RawEquals(state) {
		t.Errorf("read after apply differs:\n read: %#v\n applied: %#v", read.NewState, state)
	}
	if err := os.WriteFile(path, []byte("edited by hand\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	drift := p.ReadResource(ctx, sdk.ReadResourceRequest{TypeName: "local_file", CurrentState: state})
	requireOK(t, "ReadResource after edit", drift.Diagnostics)
	if got := drift.NewState.GetAttr("content").AsString(); got != "edited by hand\n" {
		t.Errorf("after an edit outside tack, read content = %q", got)
	}

	// import by path
	imp := p.ImportResourceState(ctx, sdk.ImportResourceStateRequest{TypeName: "local_file", ID: path})
	requireOK(t, "ImportResourceState", imp.Diagnostics)
	if len(imp.Imported) != 1 {
		t.Fatalf("import returned %d objects, want 1", len(imp.Imported))
	}
	imported := p.ReadResource(ctx, sdk.ReadResourceRequest{TypeName: "local_file", CurrentState: imp.Imported[0].State})
	requireOK(t, "ReadResource after import", imported.Diagnostics)
	if got := imported.NewState.GetAttr("content").AsString(); got != "edited by hand\n" {
		t.Errorf("imported content = %q", got)
	}

	// delete
	deleted := p.ApplyResourceChange(ctx, sdk.ApplyResourceChangeRequest{TypeName: "local_file", PriorState: drift.NewState, PlannedState: null, Config: null})
	requireOK(t, "ApplyResourceChange (delete)", deleted.Diagnostics)
	if !deleted.NewState.IsNull() {
		t.Errorf("delete left a state: %#v", deleted.NewState)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("the file still exists after delete (stat: %v)", err)
	}
	gone := p.ReadResource(ctx, sdk.ReadResourceRequest{TypeName: "local_file", CurrentState: drift.NewState})
	requireOK(t, "ReadResource after delete", gone.Diagnostics)
	if !gone.NewState.IsNull() {
		t.Errorf("read after delete = %#v, want null", gone.NewState)
	}
}

func requireOK(t *testing.T, what string, diags sdk.Diagnostics) {
	t.Helper()
	if diags.HasErrors() {
		t.Fatalf("%s: %v", what, diags.Err())
	}
}

func fileSHA256(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return sum[:]
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
