// Package sdktest is the conformance and acceptance-test kit for provider
// vendors. [Run] serves a provider in-process over real gRPC (the same
// server code and wire encoding tack uses, no binary and no tack CLI) and
// drives every resource type through its whole life, checking the
// contract tack relies on:
//
//   - every schema is well formed;
//   - create, then read, returns what apply returned;
//   - planning the applied state again plans no change;
//   - an update plans in place, a replacement plans requires-replace, as
//     the case declares, and both apply;
//   - import, then read, matches the object;
//   - delete, then read, reports the object gone, and deleting it again
//     succeeds;
//   - the recorded state survives UpgradeResourceState at its own version;
//   - every data source reads with every computed attribute known.
//
// A vendor calls Run from one test function. This package imports nothing
// of tack but plugins/sdk.
package sdktest

import (
	"context"
	"maps"
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/tackhq/tack/plugins/sdk"
)

// Suite is what Run checks.
type Suite struct {
	// Provider is served over gRPC for the test.
	Provider sdk.ProviderServer
	// Config is the body of the provider block, in HCL.
	Config string
	// Resources has a case for every resource type the provider has;
	// a type without one fails the suite.
	Resources map[string]ResourceCase
	// DataSources has a case for every data source type.
	DataSources map[string]DataSourceCase
}

// ResourceCase drives one resource type. Configurations are resource block
// bodies in HCL.
type ResourceCase struct {
	// Config creates the object.
	Config string
	// Update, when set, changes the object in place.
	Update string
	// Replace, when set, is a change that must replace the object.
	Replace string
	// ImportID returns the identifier to import the object by, from its
	// state; nil skips the import check.
	ImportID func(state cty.Value) string
	// ImportIgnore names attributes an import cannot recover (a value
	// only the configuration knows); they are not compared.
	ImportIgnore []string
	// Check, when set, is called with the state after each apply that
	// leaves an object, for the vendor's own assertions.
	Check func(t *testing.T, state cty.Value)
	// Destroyed, when set, is called after delete to check, outside the
	// provider, that the object is gone.
	Destroyed func(t *testing.T, lastState cty.Value)
}

// DataSourceCase drives one data source type.
type DataSourceCase struct {
	// Config is the data block body in HCL.
	Config string
	// Check, when set, is called with the state read.
	Check func(t *testing.T, state cty.Value)
}

// Serve serves p in-process over gRPC on a loopback port and returns the
// core's client for it; both end with the test.
func Serve(t testing.TB, p sdk.ProviderServer) *sdk.GRPCClient {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listening for the provider: %v", err)
	}
	srv := grpc.NewServer(sdk.GRPCServerOptions()...)
	logger := hclog.New(&hclog.LoggerOptions{Name: "provider", Output: t.Output(), Level: hclog.Warn})
	sdk.RegisterGRPC(srv, p, logger)
	go func() { _ = srv.Serve(lis) }()
	conn, err := grpc.NewClient("passthrough:///"+lis.Addr().String(),
		append(sdk.GRPCDialOptions(), grpc.WithTransportCredentials(insecure.NewCredentials()))...)
	if err != nil {
		srv.Stop()
		t.Fatalf("connecting to the provider: %v", err)
	}
	t.Cleanup(func() {
		_ = conn.Close()
		srv.Stop()
	})
	return sdk.NewGRPCClient(conn)
}

// Run checks the provider against the contract; see the package doc.
func Run(t *testing.T, s Suite) {
	t.Helper()
	ctx := t.Context()
	c := Serve(t, s.Provider)
	schemas := c.GetSchema(ctx)
	requireNoErrors(t, "GetSchema", schemas.Diagnostics)

	t.Run("schema", func(t *testing.T) {
		check := func(what string, b *sdk.Block) {
			for _, err := range b.Validate() {
				t.Errorf("%s: %v", what, err)
			}
		}
		check("provider config", &schemas.Provider.Block)
		for _, name := range slices.Sorted(maps.Keys(schemas.ResourceTypes)) {
			sch := schemas.ResourceTypes[name]
			check("resource "+name, &sch.Block)
			if _, ok := s.Resources[name]; !ok {
				t.Errorf("resource type %s has no ResourceCase; every type must be exercised", name)
			}
		}
		for _, name := range slices.Sorted(maps.Keys(schemas.DataSources)) {
			sch := schemas.DataSources[name]
			check("data source "+name, &sch.Block)
			if _, ok := s.DataSources[name]; !ok {
				t.Errorf("data source %s has no DataSourceCase; every type must be exercised", name)
			}
		}
		if schemas.Capabilities.ServerGroups {
			check("server_group", &schemas.Capabilities.ServerGroupSchema.Block)
		}
		// What does not cross the wire (defaults, ConflictsWith, type
		// name prefixes) only the provider itself can check.
		if c, ok := s.Provider.(interface{ CheckSchemas() []error }); ok {
			for _, err := range c.CheckSchemas() {
				t.Error(err)
			}
		}
	})

	pcfg := decode(t, "provider config", s.Config, &schemas.Provider.Block)
	requireNoErrors(t, "ValidateProviderConfig", c.ValidateProviderConfig(ctx, sdk.ValidateProviderConfigRequest{Config: pcfg}).Diagnostics)
	requireNoErrors(t, "ConfigureProvider", c.ConfigureProvider(ctx, sdk.ConfigureProviderRequest{TackVersion: "sdktest", Config: pcfg}).Diagnostics)

	for _, name := range slices.Sorted(maps.Keys(s.Resources)) {
		rc := s.Resources[name]
		sch, ok := schemas.ResourceTypes[name]
		if !ok {
			t.Errorf("ResourceCase %s: the provider has no such resource type", name)
			continue
		}
		t.Run("resource/"+name, func(t *testing.T) {
			r := &resourceRun{t: t, ctx: t.Context(), c: c, name: name, block: &sch.Block, version: sch.Version, rc: rc}
			r.run()
		})
	}
	for _, name := range slices.Sorted(maps.Keys(s.DataSources)) {
		dc := s.DataSources[name]
		sch, ok := schemas.DataSources[name]
		if !ok {
			t.Errorf("DataSourceCase %s: the provider has no such data source", name)
			continue
		}
		t.Run("data/"+name, func(t *testing.T) {
			cfg := decode(t, name, dc.Config, &sch.Block)
			resp := c.ReadDataSource(t.Context(), sdk.ReadDataSourceRequest{TypeName: name, Config: cfg})
			requireNoErrors(t, "ReadDataSource", resp.Diagnostics)
			if !resp.State.IsWhollyKnown() || resp.State.IsNull() {
				t.Fatalf("ReadDataSource returned %#v; want a known object", resp.State)
			}
			checkConforms(t, "ReadDataSource", cfg, resp.State)
			if dc.Check != nil {
				dc.Check(t, resp.State)
			}
		})
	}
}

type resourceRun struct {
	t       *testing.T
	ctx     context.Context
	c       *sdk.GRPCClient
	name    string
	block   *sdk.Block
	version int64
	rc      ResourceCase
}

func (r *resourceRun) run() {
	t := r.t
	cfg := r.config("Config", r.rc.Config)
	state := r.create(cfg)
	r.noChange(state, cfg)
	r.roundTrip(state)

	if r.rc.Update != "" {
		next := r.config("Update", r.rc.Update)
		planned, replace := r.plan("Update", state, next)
		if planned.RawEquals(state) {
			t.Fatalf("Update: the plan is no change; the Update config must change the object")
		}
		if len(replace) > 0 {
			t.Fatalf("Update: the plan requires replacement (%s); an Update config must apply in place", paths(replace))
		}
		state = r.apply("Update", state, planned, next)
		r.readBack("after update", state)
		r.noChange(state, next)
		cfg = next
	}
	if r.rc.Replace != "" {
		next := r.config("Replace", r.rc.Replace)
		_, replace := r.plan("Replace", state, next)
		if len(replace) == 0 {
			t.Fatalf("Replace: the plan does not require replacement; a Replace config must")
		}
		r.apply("Replace (destroy)", state, cty.NullVal(state.Type()), cty.NullVal(state.Type()))
		state = r.create(next)
		r.noChange(state, next)
		cfg = next
	}
	if r.rc.ImportID != nil {
		r.importCheck(state)
	}
	if gone := r.apply("Delete", state, cty.NullVal(state.Type()), cty.NullVal(state.Type())); !gone.IsNull() {
		t.Fatalf("Delete returned %#v; want null", gone)
	}
	// Deleting an object that is already gone succeeds: a destroy that
	// was interrupted is run again.
	if again := r.c.ApplyResourceChange(r.ctx, sdk.ApplyResourceChangeRequest{
		TypeName: r.name, PriorState: state, PlannedState: cty.NullVal(state.Type()), Config: cty.NullVal(state.Type()),
	}); again.Diagnostics.HasErrors() {
		t.Fatalf("deleting an object that is already gone failed: %v", again.Diagnostics.Err())
	}
	read := r.c.ReadResource(r.ctx, sdk.ReadResourceRequest{TypeName: r.name, CurrentState: state})
	requireNoErrors(t, "ReadResource after delete", read.Diagnostics)
	if !read.NewState.IsNull() {
		t.Fatalf("ReadResource after delete returned %#v; want null (gone)", read.NewState)
	}
	if r.rc.Destroyed != nil {
		r.rc.Destroyed(t, state)
	}
}

func (r *resourceRun) config(what, src string) cty.Value {
	r.t.Helper()
	cfg := decode(r.t, what, src, r.block)
	resp := r.c.ValidateResourceConfig(r.ctx, sdk.ValidateResourceConfigRequest{TypeName: r.name, Config: cfg})
	requireNoErrors(r.t, what+": ValidateResourceConfig", resp.Diagnostics)
	return cfg
}

func (r *resourceRun) plan(what string, prior, cfg cty.Value) (cty.Value, []cty.Path) {
	r.t.Helper()
	resp := r.c.PlanResourceChange(r.ctx, sdk.PlanResourceChangeRequest{
		TypeName: r.name, PriorState: prior, ProposedNewState: sdk.ProposedNewState(r.block, prior, cfg), Config: cfg,
	})
	requireNoErrors(r.t, what+": PlanResourceChange", resp.Diagnostics)
	checkConforms(r.t, what+": planned state", cfg, resp.PlannedState)
	return resp.PlannedState, resp.RequiresReplace
}

func (r *resourceRun) apply(what string, prior, planned, cfg cty.Value) cty.Value {
	r.t.Helper()
	resp := r.c.ApplyResourceChange(r.ctx, sdk.ApplyResourceChangeRequest{
		TypeName: r.name, PriorState: prior, PlannedState: planned, Config: cfg,
	})
	requireNoErrors(r.t, what+": ApplyResourceChange", resp.Diagnostics)
	if planned.IsNull() {
		return resp.NewState
	}
	if !resp.NewState.IsWhollyKnown() {
		r.t.Fatalf("%s: the new state has unknown values: %#v", what, resp.NewState)
	}
	// Every value known at plan time must be kept: reviewers approved it.
	_ = cty.Walk(planned, func(p cty.Path, pv cty.Value) (bool, error) {
		if !pv.IsWhollyKnown() {
			return pv.IsKnown(), nil
		}
		got, err := p.Apply(resp.NewState)
		if err == nil && !got.RawEquals(pv) {
			r.t.Errorf("%s: %s was planned as %#v but applied as %#v", what, sdk.FormatPath(p), pv, got)
		}
		return false, nil
	})
	if r.rc.Check != nil {
		r.rc.Check(r.t, resp.NewState)
	}
	return resp.NewState
}

func (r *resourceRun) create(cfg cty.Value) cty.Value {
	r.t.Helper()
	planned, replace := r.plan("Create", cty.NullVal(cfg.Type()), cfg)
	if len(replace) > 0 {
		r.t.Errorf("Create: a create must not require replacement, got %s", paths(replace))
	}
	state := r.apply("Create", cty.NullVal(cfg.Type()), planned, cfg)
	r.readBack("after create", state)
	return state
}

func (r *resourceRun) readBack(what string, state cty.Value) {
	r.t.Helper()
	resp := r.c.ReadResource(r.ctx, sdk.ReadResourceRequest{TypeName: r.name, CurrentState: state})
	requireNoErrors(r.t, "ReadResource "+what, resp.Diagnostics)
	if !resp.NewState.RawEquals(state) {
		r.t.Fatalf("ReadResource %s returned a different object than apply:\n read:  %#v\n apply: %#v", what, resp.NewState, state)
	}
}

func (r *resourceRun) noChange(state, cfg cty.Value) {
	r.t.Helper()
	planned, replace := r.plan("Plan again", state, cfg)
	if !planned.RawEquals(state) || len(replace) > 0 {
		r.t.Fatalf("planning the applied state again must plan no change:\n planned: %#v\n state:   %#v\n replace: %s", planned, state, paths(replace))
	}
}

func (r *resourceRun) roundTrip(state cty.Value) {
	r.t.Helper()
	raw, err := ctyjson.Marshal(state, state.Type())
	if err != nil {
		r.t.Fatalf("state does not encode as JSON: %v", err)
	}
	resp := r.c.UpgradeResourceState(r.ctx, sdk.UpgradeResourceStateRequest{TypeName: r.name, Version: r.version, RawStateJSON: raw})
	requireNoErrors(r.t, "UpgradeResourceState at the current version", resp.Diagnostics)
	if !resp.UpgradedState.RawEquals(state) {
		r.t.Fatalf("UpgradeResourceState at the current version changed the state:\n got:  %#v\n want: %#v", resp.UpgradedState, state)
	}
}

func (r *resourceRun) importCheck(state cty.Value) {
	r.t.Helper()
	id := r.rc.ImportID(state)
	resp := r.c.ImportResourceState(r.ctx, sdk.ImportResourceStateRequest{TypeName: r.name, ID: id})
	requireNoErrors(r.t, "ImportResourceState", resp.Diagnostics)
	if len(resp.Imported) != 1 {
		r.t.Fatalf("ImportResourceState(%q) returned %d objects; want 1", id, len(resp.Imported))
	}
	imp := resp.Imported[0]
	read := r.c.ReadResource(r.ctx, sdk.ReadResourceRequest{TypeName: imp.TypeName, CurrentState: imp.State, Private: imp.Private})
	requireNoErrors(r.t, "ReadResource after import", read.Diagnostics)
	if read.NewState.IsNull() {
		r.t.Fatalf("ReadResource after importing %q reports the object gone", id)
	}
	ignore := map[string]bool{}
	for _, name := range r.rc.ImportIgnore {
		ignore[name] = true
	}
	for name := range state.Type().AttributeTypes() {
		if ignore[name] {
			continue
		}
		if got, want := read.NewState.GetAttr(name), state.GetAttr(name); !got.RawEquals(want) {
			r.t.Errorf("import of %q: %s is %#v; the object has %#v", id, name, got, want)
		}
	}
}

// decode parses an HCL body and decodes it against the block's schema.
func decode(t testing.TB, what, src string, b *sdk.Block) cty.Value {
	t.Helper()
	f, diags := hclsyntax.ParseConfig([]byte(src), what+".tack.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("%s: %s", what, diags.Error())
	}
	v, diags := hcldec.Decode(f.Body, b.DecoderSpec(), nil)
	if diags.HasErrors() {
		t.Fatalf("%s: %s", what, diags.Error())
	}
	return v
}

// checkConforms fails when got drops or changes a value the configuration
// set: a provider may only fill what the user left out.
func checkConforms(t testing.TB, what string, cfg, got cty.Value) {
	t.Helper()
	_ = cty.Walk(cfg, func(p cty.Path, cv cty.Value) (bool, error) {
		if cv.IsNull() || !cv.IsKnown() {
			return false, nil
		}
		if cv.Type().IsObjectType() || cv.Type().IsListType() || cv.Type().IsMapType() || cv.Type().IsTupleType() {
			return true, nil
		}
		gv, err := p.Apply(got)
		if err != nil || !gv.RawEquals(cv) {
			t.Errorf("%s: %s is %#v, but the configuration sets %#v", what, sdk.FormatPath(p), gv, cv)
		}
		return false, nil
	})
}

func requireNoErrors(t testing.TB, what string, diags sdk.Diagnostics) {
	t.Helper()
	for _, d := range diags {
		if d.Severity == sdk.Warning {
			t.Logf("%s: warning: %s", what, d)
		}
	}
	if diags.HasErrors() {
		t.Fatalf("%s: %v", what, diags.Err())
	}
}

func paths(ps []cty.Path) string {
	var s []string
	for _, p := range ps {
		s = append(s, sdk.FormatPath(p))
	}
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}
