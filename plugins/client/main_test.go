package client

import (
	"context"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"
	"go.uber.org/goleak"

	"github.com/tackhq/tack/plugins/sdk"
)

// The test binary doubles as the test providers: launched with
// TACK_CLIENT_TEST_PROVIDER set, it serves the provider of that name
// instead of running tests. This is the one place with hand-written
// providers: a crash or an exit in the middle of a call cannot be provoked
// in a well-behaved real provider.
const providerEnv = "TACK_CLIENT_TEST_PROVIDER"

func TestMain(m *testing.M) {
	if name := os.Getenv(providerEnv); name != "" {
		if marker := os.Getenv("TACK_CLIENT_TEST_MARKER"); marker != "" {
			_ = os.WriteFile(marker, []byte("started"), 0o644)
		}
		if name == "never-ready" {
			select {} // never completes the handshake
		}
		sdk.Serve(testProvider(name))
		os.Exit(0)
	}
	goleak.VerifyTestMain(m)
}

// testProvider is a provider with one resource, test_thing, whose Create
// misbehaves as the name says: "panic" panics in Create (the SDK recovers),
// "crash" panics on another goroutine (the process dies), "exit" logs and
// exits, "hang" blocks forever, ignoring its context, "echo" reports TACK_TEST_VALUE in its id, "env" reports in its id
// whether the TLS material
// is still in its environment, "wait" blocks until its
// context ends (or Stop), "ok" creates normally.
func testProvider(behaviour string) *sdk.Provider {
	create := func(ctx context.Context, _ any, d *sdk.Data) sdk.Diagnostics {
		switch behaviour {
		case "panic":
			panic("the thing exploded")
		case "crash":
			sdk.Logger(ctx).Warn("about to fail: preparing the thing")
			done := make(chan struct{})
			go func() { panic("the thing exploded on another goroutine") }()
			<-done
		case "exit":
			log.Print("fatal: lost the connection to the thing")
			os.Exit(3)
		case "hang":
			select {} // ignores its context: only the client's deadline ends the call
		case "env":
			if _, set := os.LookupEnv(sdk.TLSEnv); !set {
				d.Set("id", "tls-env-unset")
				return nil
			}
		case "echo":
			d.Set("id", os.Getenv("TACK_TEST_VALUE"))
			return nil
		case "wait":
			<-ctx.Done()
			return sdk.Diagnostics{sdk.Errorf("Cancelled", "%v", ctx.Err())}
		}
		d.Set("id", "thing-"+d.String("name"))
		sdk.Logger(ctx).Info("created the thing", "name", d.String("name"))
		return nil
	}
	return &sdk.Provider{
		Name:    "test",
		Version: "0.0.1",
		Resources: map[string]*sdk.Resource{
			"test_thing": {
				Schema: sdk.Block{Attributes: map[string]*sdk.Attribute{
					"name": {Type: cty.String, Required: true},
					"id":   {Type: cty.String, Computed: true},
				}},
				Create: create,
				Read:   func(context.Context, any, *sdk.Data) sdk.Diagnostics { return nil },
				Delete: func(context.Context, any, *sdk.Data) sdk.Diagnostics { return nil },
			},
		},
	}
}

// launchTest launches the test binary as the named test provider.
func launchTest(t testing.TB, behaviour string, opts Opts) *Provider {
	t.Helper()
	opts.Name = "tack/test-" + behaviour
	opts.Path = os.Args[0]
	opts.Env = append(opts.Env, providerEnv+"="+behaviour)
	p, err := Launch(t.Context(), opts)
	if err != nil {
		t.Fatalf("Launch: %v", err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// createThing plans and applies a test_thing named name.
func createThing(ctx context.Context, p sdk.ProviderServer, name string) sdk.ApplyResourceChangeResponse {
	cfg := cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal(name), "id": cty.NullVal(cty.String)})
	planned := cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal(name), "id": cty.UnknownVal(cty.String)})
	return p.ApplyResourceChange(ctx, sdk.ApplyResourceChangeRequest{
		TypeName: "test_thing", PriorState: cty.NullVal(cfg.Type()), PlannedState: planned, Config: cfg,
	})
}

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
)

// builtProvider builds cmd/tack-provider-<name> once per test run and
// returns the binary's path.
func builtProvider(t testing.TB, name string) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "tack-client-test-")
		if buildErr != nil {
			return
		}
		cmd := exec.Command("go", "build", "-o", buildDir, "../../cmd/tack-provider-local")
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatalf("building the provider: %v", buildErr)
	}
	return filepath.Join(buildDir, "tack-provider-"+name)
}

// within fails the test when f takes longer than limit. It bounds a
// promise made to users ("no call hangs"), not a performance figure.
func within(t *testing.T, limit time.Duration, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(limit):
		t.Fatalf("%s did not return within %s", what, limit)
	}
}
