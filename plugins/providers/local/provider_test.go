package local_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/plugins/providers/local"
	"github.com/tackhq/tack/plugins/providers/local/localtest"
	"github.com/tackhq/tack/plugins/sdk"
	"github.com/tackhq/tack/plugins/sdk/sdktest"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	input := filepath.Join(dir, "input.txt")
	if err := os.WriteFile(input, []byte("read me\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The resource uses relative paths, so that they also prove the
	// provider's directory is honoured: Check and Destroyed look under dir.
	created := filepath.Join(dir, "etc", "app", "greeting.txt")
	replaced := filepath.Join(dir, "moved.txt")

	// The load balancer's supervisor must be gone before dir is removed.
	t.Cleanup(func() { supervisorExits(t, filepath.Join(dir, ".tack", "local")) })

	sdktest.Run(t, sdktest.Suite{
		Provider: local.New(localtest.Options()),
		Config:   fmt.Sprintf("directory = %q", dir),
		Resources: map[string]sdktest.ResourceCase{
			"local_file": {
				Config: `
					path    = "etc/app/greeting.txt"
					content = "hello\n"
				`,
				Update: `
					path            = "etc/app/greeting.txt"
					content         = "hello, world\n"
					file_permission = "0600"
				`,
				Replace: `
					path            = "moved.txt"
					content         = "hello, world\n"
					file_permission = "0600"
				`,
				ImportID: func(state cty.Value) string { return state.GetAttr("path").AsString() },
				Check: func(t *testing.T, state cty.Value) {
					t.Helper()
					checkDisk(t, filepath.Join(dir, state.GetAttr("path").AsString()), state)
				},
				Destroyed: func(t *testing.T, _ cty.Value) {
					for _, name := range []string{created, replaced} {
						if _, err := os.Stat(name); !errors.Is(err, fs.ErrNotExist) {
							t.Errorf("%s still exists after destroy (stat: %v)", name, err)
						}
					}
				},
			},
			"local_load_balancer": {
				Config: `
					listen = "127.0.0.1:0"
					health_check {
						path     = "/healthz"
						interval = "200ms"
					}
				`,
				Update: `
					listen        = "127.0.0.1:0"
					drain_timeout = "5s"
					health_check {
						path                = "/healthz"
						interval            = "300ms"
						unhealthy_threshold = 3
					}
				`,
				ImportID: func(state cty.Value) string { return state.GetAttr("id").AsString() },
				Check: func(t *testing.T, state cty.Value) {
					t.Helper()
					// A real proxy listens there, with nothing to route to.
					status, _, err := get("http://" + state.GetAttr("address").AsString())
					if err != nil || status != http.StatusServiceUnavailable {
						t.Errorf("GET through the new load balancer: %d, %v; want 503 (no instances)", status, err)
					}
				},
				Destroyed: func(t *testing.T, state cty.Value) {
					if _, _, err := get("http://" + state.GetAttr("address").AsString()); err == nil {
						t.Errorf("the deleted load balancer still answers on %s", state.GetAttr("address").AsString())
					}
				},
			},
		},
		DataSources: map[string]sdktest.DataSourceCase{
			"local_file": {
				Config: fmt.Sprintf("path = %q", input),
				Check: func(t *testing.T, state cty.Value) {
					want := map[string]string{
						"path":           input,
						"content":        "read me\n",
						"content_base64": base64.StdEncoding.EncodeToString([]byte("read me\n")),
						"sha256":         sum("read me\n"),
					}
					if diff := cmp.Diff(want, show(state)); diff != "" {
						t.Errorf("data source state (-want +got):\n%s", diff)
					}
				},
			},
		},
	})
}

// checkDisk fails unless the file at name has the bytes, mode and hash the
// local_file state records.
func checkDisk(t *testing.T, name string, state cty.Value) {
	t.Helper()
	type file struct {
		Bytes  string
		Mode   fs.FileMode
		SHA256 string
	}
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatalf("reading the file tack wrote: %v", err)
	}
	info, err := os.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	got := file{Bytes: string(data), Mode: info.Mode(), SHA256: sum(string(data))}

	want := file{SHA256: state.GetAttr("sha256").AsString()}
	if c := state.GetAttr("content"); !c.IsNull() {
		want.Bytes = c.AsString()
	} else {
		b, err := base64.StdEncoding.DecodeString(state.GetAttr("content_base64").AsString())
		if err != nil {
			t.Fatalf("state's content_base64: %v", err)
		}
		want.Bytes = string(b)
	}
	mode, err := strconv.ParseUint(state.GetAttr("file_permission").AsString(), 8, 32)
	if err != nil {
		t.Fatalf("state's file_permission: %v", err)
	}
	want.Mode = fs.FileMode(mode)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s on disk differs from the state (-state +disk):\n%s", name, diff)
	}
}

// harness drives one provider, served over real gRPC and configured with
// a fresh directory, the way tack's core would.
type harness struct {
	t     *testing.T
	c     *sdk.GRPCClient
	dir   string
	block sdk.Block // local_file's schema, as the core receives it
	ty    cty.Type
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{t: t, c: sdktest.Serve(t, local.Provider()), dir: t.TempDir()}
	cfg := providerConfig(cty.StringVal(h.dir))
	requireNoErrors(t, "ConfigureProvider", h.c.ConfigureProvider(t.Context(), sdk.ConfigureProviderRequest{Config: cfg}).Diagnostics)
	schemas := h.c.GetSchema(t.Context())
	requireNoErrors(t, "GetSchema", schemas.Diagnostics)
	h.block = schemas.ResourceTypes["local_file"].Block
	h.ty = h.block.ImpliedType()
	return h
}

// abs is where a relative path lands.
func (h *harness) abs(path string) string { return filepath.Join(h.dir, path) }

// config is a local_file configuration: attrs, every other attribute null.
func (h *harness) config(attrs map[string]cty.Value) cty.Value {
	all := map[string]cty.Value{}
	for name, ty := range h.ty.AttributeTypes() {
		all[name] = cty.NullVal(ty)
	}
	for name, v := range attrs {
		all[name] = v
	}
	return cty.ObjectVal(all)
}

func (h *harness) plan(prior, cfg cty.Value) sdk.PlanResourceChangeResponse {
	h.t.Helper()
	if prior == cty.NilVal {
		prior = cty.NullVal(h.ty)
	}
	resp := h.c.PlanResourceChange(h.t.Context(), sdk.PlanResourceChangeRequest{
		TypeName: "local_file", PriorState: prior, ProposedNewState: sdk.ProposedNewState(&h.block, prior, cfg), Config: cfg,
	})
	requireNoErrors(h.t, "PlanResourceChange", resp.Diagnostics)
	return resp
}

// apply plans cfg against prior (null: create) and applies the plan.
func (h *harness) apply(prior, cfg cty.Value) cty.Value {
	h.t.Helper()
	if prior == cty.NilVal {
		prior = cty.NullVal(h.ty)
	}
	planned := h.plan(prior, cfg)
	if len(planned.RequiresReplace) > 0 {
		h.t.Fatalf("the change requires replacement (%v); apply only plans in-place changes", planned.RequiresReplace)
	}
	resp := h.c.ApplyResourceChange(h.t.Context(), sdk.ApplyResourceChangeRequest{
		TypeName: "local_file", PriorState: prior, PlannedState: planned.PlannedState, Config: cfg,
	})
	requireNoErrors(h.t, "ApplyResourceChange", resp.Diagnostics)
	return resp.NewState
}

func (h *harness) destroy(state cty.Value) sdk.ApplyResourceChangeResponse {
	h.t.Helper()
	return h.c.ApplyResourceChange(h.t.Context(), sdk.ApplyResourceChangeRequest{
		TypeName: "local_file", PriorState: state, PlannedState: cty.NullVal(h.ty), Config: cty.NullVal(h.ty),
	})
}

func (h *harness) read(state cty.Value) cty.Value {
	h.t.Helper()
	resp := h.c.ReadResource(h.t.Context(), sdk.ReadResourceRequest{TypeName: "local_file", CurrentState: state})
	requireNoErrors(h.t, "ReadResource", resp.Diagnostics)
	return resp.NewState
}

// show renders an object of string attributes as a map a diff reads well;
// null is nil.
func show(v cty.Value) map[string]string {
	if v.IsNull() {
		return nil
	}
	out := map[string]string{}
	for name, av := range v.AsValueMap() {
		switch {
		case !av.IsKnown():
			out[name] = "(known after apply)"
		case av.IsNull():
			out[name] = "(null)"
		default:
			out[name] = av.AsString()
		}
	}
	return out
}

// diag is what a user sees of a diagnostic: its summary, and the attribute
// the core points at.
type diag struct {
	Summary   string
	Attribute string
}

func diags(ds sdk.Diagnostics) []diag {
	var out []diag
	for _, d := range ds {
		out = append(out, diag{Summary: d.Summary, Attribute: sdk.FormatPath(d.Attribute)})
	}
	return out
}

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// providerConfig is a provider block setting directory only.
func providerConfig(directory cty.Value) cty.Value {
	return cty.ObjectVal(map[string]cty.Value{"directory": directory, "platform_directory": cty.NullVal(cty.String)})
}

func requireNoErrors(t testing.TB, what string, ds sdk.Diagnostics) {
	t.Helper()
	if err := ds.Err(); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func TestProviderDirectory(t *testing.T) {
	t.Parallel()
	// go test runs in the package directory, which is also the working
	// directory of this in-process provider.
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	if err := os.WriteFile(filepath.Join(tmp, "doc.go"), []byte("elsewhere"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		directory cty.Value
		want      string // content of "doc.go" as the provider resolves it
	}{
		{name: "default is the working directory", directory: cty.NullVal(cty.String), want: string(doc)},
		{name: "relative to the working directory", directory: cty.StringVal("."), want: string(doc)},
		{name: "absolute", directory: cty.StringVal(tmp), want: "elsewhere"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := sdktest.Serve(t, local.Provider())
			cfg := providerConfig(tt.directory)
			requireNoErrors(t, "ValidateProviderConfig", c.ValidateProviderConfig(t.Context(), sdk.ValidateProviderConfigRequest{Config: cfg}).Diagnostics)
			requireNoErrors(t, "ConfigureProvider", c.ConfigureProvider(t.Context(), sdk.ConfigureProviderRequest{Config: cfg}).Diagnostics)
			resp := c.ReadDataSource(t.Context(), sdk.ReadDataSourceRequest{TypeName: "local_file", Config: cty.ObjectVal(map[string]cty.Value{
				"path": cty.StringVal("doc.go"), "content": cty.NullVal(cty.String), "content_base64": cty.NullVal(cty.String), "sha256": cty.NullVal(cty.String),
			})})
			requireNoErrors(t, "ReadDataSource", resp.Diagnostics)
			if diff := cmp.Diff(tt.want, resp.State.GetAttr("content").AsString()); diff != "" {
				t.Errorf("content of doc.go (-want +got):\n%s", diff)
			}
		})
	}
}

func TestProviderConfigDiagnostics(t *testing.T) {
	t.Parallel()
	c := sdktest.Serve(t, local.Provider())
	cfg := providerConfig(cty.StringVal(""))
	got := diags(c.ValidateProviderConfig(t.Context(), sdk.ValidateProviderConfigRequest{Config: cfg}).Diagnostics)
	if diff := cmp.Diff([]diag{{"Empty value", "directory"}}, got); diff != "" {
		t.Errorf("diagnostics for an empty directory (-want +got):\n%s", diff)
	}
}
