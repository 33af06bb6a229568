package sdk_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/plugins/sdk"
	"github.com/tackhq/tack/plugins/sdk/sdktest"
)

// Stop cancels the context of a call in flight (the user pressed Ctrl-C
// while a slow create waited on the cloud), and of every later call.
func TestStopCancelsInFlightCalls(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		serve func(t *testing.T, p *sdk.Provider) sdk.ProviderServer
	}{
		{"Provider.Stop", func(_ *testing.T, p *sdk.Provider) sdk.ProviderServer { return p }},
		{"Stop over gRPC", func(t *testing.T, p *sdk.Provider) sdk.ProviderServer { return sdktest.Serve(t, p) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			started := make(chan struct{}, 2)
			// atEntry receives ctx.Err() as each Create starts, before
			// it waits: what a vendor checks before calling the cloud.
			atEntry := make(chan error, 2)
			r := thingResource()
			r.Create = func(ctx context.Context, _ any, d *sdk.Data) sdk.Diagnostics {
				atEntry <- ctx.Err()
				started <- struct{}{}
				<-ctx.Done()
				return sdk.Diagnostics{sdk.Errorf("Create cancelled", "%v", ctx.Err())}
			}
			p := &sdk.Provider{Name: "test", Resources: map[string]*sdk.Resource{"test_thing": r}}
			srv := tt.serve(t, p)
			ctx := t.Context()
			create := sdk.ApplyResourceChangeRequest{
				TypeName:   "test_thing",
				PriorState: cty.NullVal(thingType),
				PlannedState: thing(map[string]cty.Value{
					"id": unknownString, "arn": unknownString, "name": cty.StringVal("a"), "port": cty.NumberIntVal(80), "zone": unknownString,
				}),
				Config: thing(map[string]cty.Value{"name": cty.StringVal("a")}),
			}
			done := make(chan sdk.ApplyResourceChangeResponse)
			go func() { done <- srv.ApplyResourceChange(ctx, create) }()
			<-started
			<-atEntry
			if err := srv.Stop(ctx); err != nil {
				t.Fatalf("Stop: %v", err)
			}
			want := sdk.Diagnostics{sdk.Errorf("Create cancelled", "%v", context.Canceled)}
			resp := <-done
			if diff := cmp.Diff(want, resp.Diagnostics, sdk.CmpOptions); diff != "" {
				t.Errorf("in-flight create (-want +got):\n%s", diff)
			}
			if !resp.NewState.IsNull() {
				t.Errorf("cancelled create left new state %#v; want null", resp.NewState)
			}

			// A call after Stop starts already cancelled instead of
			// starting new work on the platform.
			later := srv.ApplyResourceChange(ctx, create)
			if err := <-atEntry; !errors.Is(err, context.Canceled) {
				t.Errorf("a create started after Stop saw ctx.Err() = %v on entry; want context.Canceled", err)
			}
			if diff := cmp.Diff(want, later.Diagnostics, sdk.CmpOptions); diff != "" {
				t.Errorf("create after Stop (-want +got):\n%s", diff)
			}
			// The caller's own context is not the one cancelled.
			if err := ctx.Err(); err != nil {
				t.Errorf("Stop cancelled the caller's context: %v", err)
			}
		})
	}
}

// Stop before any other call is fine; ConfigureProvider starts a new run
// (a provider started with -debug serves one tack command after another),
// so the Stop of an earlier command does not cancel the next one.
func TestStopThenConfigureStartsANewRun(t *testing.T) {
	t.Parallel()
	var sawErr error
	p := &sdk.Provider{Name: "test", Configure: func(ctx context.Context, _ *sdk.Data) (any, sdk.Diagnostics) {
		sawErr = ctx.Err()
		return nil, nil
	}}
	if err := p.Stop(t.Context()); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	p.ConfigureProvider(t.Context(), sdk.ConfigureProviderRequest{Config: cty.EmptyObjectVal})
	if sawErr != nil {
		t.Errorf("Configure after an earlier run's Stop saw ctx.Err() = %v, want a live context", sawErr)
	}
	if err := p.Stop(t.Context()); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	p.ConfigureProvider(t.Context(), sdk.ConfigureProviderRequest{Config: cty.EmptyObjectVal})
	if sawErr != nil {
		t.Errorf("a second run's Configure saw ctx.Err() = %v", sawErr)
	}
}
