package main

import (
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/plugins/sdk"
	"github.com/tackhq/tack/plugins/sdk/sdktest"
)

// TestProvider runs the SDK's conformance suite: every resource through
// create, read, plan-again, update, replace, import and delete over real
// gRPC, and the data source.
func TestProvider(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// A greeting tack does not manage, for the data source to read.
	writeFile(t, filepath.Join(dir, "reader.txt"), "Hi, reader!\n")

	sdktest.Run(t, sdktest.Suite{
		Provider: provider(),
		Config:   fmt.Sprintf("directory = %q", dir),
		Resources: map[string]sdktest.ResourceCase{
			"hello_greeting": {
				Config:   `name = "world"`,
				Update:   "name = \"world\"\ngreeting = \"Howdy\"",
				Replace:  "name = \"moon\"\ngreeting = \"Howdy\"",
				ImportID: func(state cty.Value) string { return state.GetAttr("name").AsString() },
				Check: func(t *testing.T, state cty.Value) {
					name, greeting := state.GetAttr("name").AsString(), state.GetAttr("greeting").AsString()
					path := filepath.Join(dir, name+".txt")
					want := greeting + ", " + name + "!"
					if got := readFile(t, path); got != want+"\n" {
						t.Errorf("%s holds %q; want %q", path, got, want+"\n")
					}
					if got := state.GetAttr("message").AsString(); got != want {
						t.Errorf("message is %q; want %q", got, want)
					}
					if got := state.GetAttr("id").AsString(); got != path {
						t.Errorf("id is %q; want %q", got, path)
					}
				},
				Destroyed: func(t *testing.T, _ cty.Value) {
					for _, name := range []string{"world", "moon"} {
						if _, err := os.Stat(filepath.Join(dir, name+".txt")); !os.IsNotExist(err) {
							t.Errorf("%s.txt still exists after delete (stat: %v)", name, err)
						}
					}
				},
			},
		},
		DataSources: map[string]sdktest.DataSourceCase{
			"hello_greeting": {
				Config: `name = "reader"`,
				Check: func(t *testing.T, state cty.Value) {
					if got, want := state.GetAttr("message"), cty.StringVal("Hi, reader!"); !got.RawEquals(want) {
						t.Errorf("message is %#v; want %#v", got, want)
					}
				},
			},
		},
	})
}

// TestDrift checks what sdktest cannot: a file edited or removed behind
// tack's back shows in the refreshed state, and the next plan and apply
// write the configured greeting back.
func TestDrift(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		content string // "" removes the file
		// What refresh should record; an empty wantMessage means gone.
		wantGreeting, wantMessage string
	}{
		{name: "greeting edited", content: "Howdy, world!\n", wantGreeting: "Howdy", wantMessage: "Howdy, world!"},
		{name: "text replaced", content: "Go away\n", wantGreeting: "Hello", wantMessage: "Go away"},
		{name: "removed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, dir := t.Context(), t.TempDir()
			path := filepath.Join(dir, "world.txt")
			c := configured(t, dir)
			recorded := greetingObject("world", "Hello", "Hello, world!", path)
			if tt.content != "" {
				writeFile(t, path, tt.content)
			}

			read := c.ReadResource(ctx, sdk.ReadResourceRequest{TypeName: "hello_greeting", CurrentState: recorded})
			if err := read.Diagnostics.Err(); err != nil {
				t.Fatalf("ReadResource: %v", err)
			}
			if tt.wantMessage == "" {
				if !read.NewState.IsNull() {
					t.Fatalf("ReadResource of a removed file returned %#v; want null (gone)", read.NewState)
				}
				// Deleting what is already gone must succeed, or the
				// user could never remove it from the state.
				del := c.ApplyResourceChange(ctx, sdk.ApplyResourceChangeRequest{
					TypeName: "hello_greeting", PriorState: recorded, PlannedState: cty.NullVal(recorded.Type()), Config: cty.NullVal(recorded.Type()),
				})
				if err := del.Diagnostics.Err(); err != nil {
					t.Errorf("deleting a greeting already gone: %v", err)
				}
				return
			}
			if want := greetingObject("world", tt.wantGreeting, tt.wantMessage, path); !read.NewState.RawEquals(want) {
				t.Fatalf("ReadResource returned\n %#v\nwant\n %#v", read.NewState, want)
			}

			config := greetingObject("world", "", "", "")
			schema := &provider().Resources["hello_greeting"].Schema
			plan := c.PlanResourceChange(ctx, sdk.PlanResourceChangeRequest{
				TypeName: "hello_greeting", PriorState: read.NewState, Config: config,
				ProposedNewState: sdk.ProposedNewState(schema, read.NewState, config),
			})
			if err := plan.Diagnostics.Err(); err != nil {
				t.Fatalf("PlanResourceChange: %v", err)
			}
			if !plan.PlannedState.RawEquals(recorded) || len(plan.RequiresReplace) > 0 {
				t.Fatalf("the plan after drift is %#v (replace %v); want an in-place update back to %#v", plan.PlannedState, plan.RequiresReplace, recorded)
			}
			apply := c.ApplyResourceChange(ctx, sdk.ApplyResourceChangeRequest{
				TypeName: "hello_greeting", PriorState: read.NewState, PlannedState: plan.PlannedState, Config: config,
			})
			if err := apply.Diagnostics.Err(); err != nil {
				t.Fatalf("ApplyResourceChange: %v", err)
			}
			if got := readFile(t, path); got != "Hello, world!\n" {
				t.Errorf("after apply %s holds %q; want %q", path, got, "Hello, world!\n")
			}
		})
	}
}

// TestCreateKeepsExistingFile checks that create never overwrites a file
// tack does not manage: the user imports it instead.
func TestCreateKeepsExistingFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "world.txt")
	writeFile(t, path, "Mine\n")
	c := configured(t, dir)
	config := greetingObject("world", "", "", "")
	null := cty.NullVal(config.Type())
	plan := c.PlanResourceChange(t.Context(), sdk.PlanResourceChangeRequest{
		TypeName: "hello_greeting", PriorState: null, ProposedNewState: config, Config: config,
	})
	if err := plan.Diagnostics.Err(); err != nil {
		t.Fatalf("PlanResourceChange: %v", err)
	}
	apply := c.ApplyResourceChange(t.Context(), sdk.ApplyResourceChangeRequest{
		TypeName: "hello_greeting", PriorState: null, PlannedState: plan.PlannedState, Config: config,
	})
	if !apply.Diagnostics.HasErrors() || !apply.NewState.IsNull() {
		t.Errorf("creating over an existing file: state %#v, diagnostics %v; want an error and no object", apply.NewState, apply.Diagnostics)
	}
	if got := readFile(t, path); got != "Mine\n" {
		t.Errorf("%s holds %q after a refused create; want it untouched", path, got)
	}
}

// TestInvalidName checks that a name which would put the file outside the
// directory is refused at validation, pointing at the name attribute.
func TestInvalidName(t *testing.T) {
	t.Parallel()
	c := configured(t, t.TempDir())
	for _, name := range []string{"", ".", "..", "../escape", "a/b"} {
		resp := c.ValidateResourceConfig(t.Context(), sdk.ValidateResourceConfigRequest{
			TypeName: "hello_greeting", Config: greetingObject(name, "", "", ""),
		})
		if len(resp.Diagnostics) != 1 || sdk.FormatPath(resp.Diagnostics[0].Attribute) != "name" {
			t.Errorf("validating name %q: got %v; want one error about name", name, resp.Diagnostics)
		}
	}
	resp := c.ValidateResourceConfig(t.Context(), sdk.ValidateResourceConfigRequest{
		TypeName: "hello_greeting", Config: greetingObject("world", "", "", ""),
	})
	if err := resp.Diagnostics.Err(); err != nil {
		t.Errorf("validating name \"world\": %v", err)
	}
}

// TestImportsOnlySDK keeps the example honest: a provider must need
// nothing of tack but plugins/sdk.
func TestImportsOnlySDK(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	const tack, allowed = "github.com/tackhq/tack/", "github.com/tackhq/tack/plugins/sdk"
	checked := 0
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		for _, imp := range f.Imports {
			path, err := strconv.Unquote(imp.Path.Value)
			if err != nil {
				t.Fatalf("%s: import %s: %v", file, imp.Path.Value, err)
			}
			if strings.HasPrefix(path, tack) && path != allowed {
				t.Errorf("%s imports %s; a provider may import nothing of tack but %s", file, path, allowed)
			}
		}
	}
	if checked == 0 {
		t.Fatal("found no non-test Go files to check")
	}
}

// configured serves the provider in-process, configured with dir.
func configured(t *testing.T, dir string) *sdk.GRPCClient {
	t.Helper()
	c := sdktest.Serve(t, provider())
	config := cty.ObjectVal(map[string]cty.Value{"directory": cty.StringVal(dir)})
	if err := c.ConfigureProvider(t.Context(), sdk.ConfigureProviderRequest{Config: config}).Diagnostics.Err(); err != nil {
		t.Fatalf("ConfigureProvider: %v", err)
	}
	return c
}

// greetingObject is a hello_greeting value; "" stands for null, except in
// name, which is always set.
func greetingObject(name, greeting, message, id string) cty.Value {
	str := func(s string) cty.Value {
		if s == "" {
			return cty.NullVal(cty.String)
		}
		return cty.StringVal(s)
	}
	return cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal(name), "greeting": str(greeting), "message": str(message), "id": str(id)})
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
