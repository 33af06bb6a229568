package aws

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/internal/mototest"
	"github.com/tackhq/tack/plugins/sdk"
	"github.com/tackhq/tack/plugins/sdk/sdktest"
)

// The tests run against one moto server, reset before each test; they
// share it, so none of them runs in parallel.
func TestMain(m *testing.M) {
	code := m.Run()
	mototest.StopShared()
	os.Exit(code)
}

// motoEnv points the SDK's credential chain at moto's fake credentials
// for the test.
func motoEnv(t *testing.T, s *mototest.Server) {
	t.Helper()
	for _, kv := range s.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
}

// providerConfig is a provider block's value with every endpoint at url.
func providerConfig(url string, attrs map[string]cty.Value) cty.Value {
	b := providerSchema()
	eps := map[string]cty.Value{}
	for _, s := range endpointServices {
		eps[s] = cty.StringVal(url)
	}
	vals := map[string]cty.Value{"endpoints": b.BlockTypes["endpoints"].Block.Object(eps)}
	for k, v := range attrs {
		vals[k] = v
	}
	return b.Object(vals)
}

// newClient serves the provider in-process, configured against moto, and
// returns its client with the server.
func newClient(t *testing.T) (*sdk.GRPCClient, *mototest.Server) {
	t.Helper()
	s := mototest.Shared(t)
	motoEnv(t, s)
	c := sdktest.Serve(t, Provider())
	ctx := context.Background()
	c.GetSchema(ctx)
	resp := c.ConfigureProvider(ctx, sdk.ConfigureProviderRequest{Config: providerConfig(s.URL, nil)})
	if err := resp.Diagnostics.Err(); err != nil {
		t.Fatalf("configuring against moto: %v", err)
	}
	return c, s
}

func TestConfigure(t *testing.T) {
	_, s := newClient(t)

	// Credentials the endpoint refuses are one clear error before any
	// other work. moto accepts any key, so the STS endpoint is pointed
	// at a port that answers nothing at all.
	c := sdktest.Serve(t, Provider())
	c.GetSchema(context.Background())
	cfg := providerConfig(s.URL, map[string]cty.Value{"max_retries": cty.NumberIntVal(0)})
	eps := cfg.GetAttr("endpoints").AsValueMap()
	eps["sts"] = cty.StringVal("http://127.0.0.1:1")
	vals := cfg.AsValueMap()
	vals["endpoints"] = cty.ObjectVal(eps)
	resp := c.ConfigureProvider(context.Background(), sdk.ConfigureProviderRequest{Config: cty.ObjectVal(vals)})
	if !resp.Diagnostics.HasErrors() || resp.Diagnostics[0].Summary != "Invalid AWS credentials" {
		t.Errorf("configure with an unreachable STS: %v; want one Invalid AWS credentials error", resp.Diagnostics)
	}

	// No region anywhere is an error about the region.
	t.Setenv("AWS_REGION", "")
	c = sdktest.Serve(t, Provider())
	c.GetSchema(context.Background())
	resp = c.ConfigureProvider(context.Background(), sdk.ConfigureProviderRequest{Config: providerConfig(s.URL, nil)})
	if !resp.Diagnostics.HasErrors() || resp.Diagnostics[0].Summary != "No AWS region" {
		t.Errorf("configure without a region: %v; want No AWS region", resp.Diagnostics)
	}
}

// TestConfigureProfileAndRole: a profile from a shared config file gives
// the region and credentials, and assume_role swaps them for the role's,
// through STS (moto's), before any other call.
func TestConfigureProfileAndRole(t *testing.T) {
	s := mototest.Shared(t)
	motoEnv(t, s)
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	dir := t.TempDir()
	configFile, credsFile := dir+"/config", dir+"/credentials"
	if err := os.WriteFile(configFile, []byte("[profile deploy]\nregion = eu-west-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(credsFile, []byte("[deploy]\naws_access_key_id = testing\naws_secret_access_key = testing\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	files := func(p string) cty.Value { return cty.ListVal([]cty.Value{cty.StringVal(p)}) }
	b := providerSchema()
	attrs := map[string]cty.Value{
		"profile":                  cty.StringVal("deploy"),
		"shared_config_files":      files(configFile),
		"shared_credentials_files": files(credsFile),
		"assume_role": b.BlockTypes["assume_role"].Block.Object(map[string]cty.Value{
			"role_arn":     cty.StringVal("arn:aws:iam::123456789012:role/deployer"),
			"session_name": cty.StringVal("ci"),
			"external_id":  cty.StringVal("tack-test"),
		}),
	}
	var meta any
	p := Provider()
	p.Configure = func(ctx context.Context, d *sdk.Data) (any, sdk.Diagnostics) {
		m, diags := configure(ctx, d)
		meta = m
		return m, diags
	}
	c := sdktest.Serve(t, p)
	c.GetSchema(context.Background())
	resp := c.ConfigureProvider(context.Background(), sdk.ConfigureProviderRequest{Config: providerConfig(s.URL, attrs)})
	if err := resp.Diagnostics.Err(); err != nil {
		t.Fatalf("configure with a profile and a role: %v", err)
	}
	cl := meta.(*client)
	if cl.region != "eu-west-1" {
		t.Errorf("region = %q; want the profile's eu-west-1", cl.region)
	}
	// The clients sign with the assumed role's credentials.
	creds, err := cl.ec2.Options().Credentials.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if creds.Source != "AssumeRoleProvider" {
		t.Errorf("credentials come from %q; want the assumed role's", creds.Source)
	}
}
