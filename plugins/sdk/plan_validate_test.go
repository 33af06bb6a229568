package sdk_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/plugins/proto"
	"github.com/tackhq/tack/plugins/sdk"
)

// olderProvider serves a provider as one built before some capability
// was added to the protocol: one it lacks, it neither says it has nor
// honours (it predates the request's field). Calls stay unary, so that
// each can be counted.
type olderProvider struct {
	withoutCalls
	validates, refreshes bool
}

func (p olderProvider) GetSchema(ctx context.Context, req *proto.GetSchema_Request) (*proto.GetSchema_Response, error) {
	resp, err := p.withoutCalls.GetSchema(ctx, req)
	if resp != nil && resp.Capabilities != nil {
		resp.Capabilities.PlanValidates = p.validates
		resp.Capabilities.PlanRefreshes = p.refreshes
	}
	return resp, err
}

func (p olderProvider) PlanResourceChange(ctx context.Context, req *proto.PlanResourceChange_Request) (*proto.PlanResourceChange_Response, error) {
	req.Validate = req.Validate && p.validates
	req.Refresh = req.Refresh && p.refreshes
	return p.withoutCalls.PlanResourceChange(ctx, req)
}

// A plan that asks to validate too gets what validating found, and no
// plan when that is an error, whether the provider validates in the
// same call or the client asks it separately; one that can takes one
// call for both.
func TestPlanResourceChangeValidates(t *testing.T) {
	t.Parallel()
	tooLow := sdk.Diagnostic{Severity: sdk.Error, Summary: "Port too low", Attribute: cty.GetAttrPath("port")}
	plain := sdk.Diagnostic{Severity: sdk.Warning, Summary: "Port 80 is plain HTTP", Attribute: cty.GetAttrPath("port")}
	for _, can := range []bool{true, false} {
		t.Run(fmt.Sprintf("provider validates while planning=%v", can), func(t *testing.T) {
			t.Parallel()
			r := thingResource()
			r.Validate = func(_ context.Context, d *sdk.Data) sdk.Diagnostics {
				switch port := d.Int("port"); {
				case port < 10:
					return sdk.Diagnostics{tooLow}
				case port == 80:
					return sdk.Diagnostics{plain}
				}
				return nil
			}
			srv := sdk.NewProtoServer(&sdk.Provider{Name: "test", Resources: map[string]*sdk.Resource{"test_thing": r}})
			c, counter := serveCounted(t, olderProvider{withoutCalls: withoutCalls{ProviderServer: srv}, validates: can, refreshes: true})
			plan := func(port int64) sdk.PlanResourceChangeResponse {
				config := thing(map[string]cty.Value{"name": cty.StringVal("a"), "port": cty.NumberIntVal(port)})
				return c.PlanResourceChange(t.Context(), sdk.PlanResourceChangeRequest{
					TypeName: "test_thing", PriorState: cty.NullVal(thingType), ProposedNewState: config, Config: config, Validate: true,
				})
			}

			bad := plan(1)
			if len(bad.ValidateDiagnostics) != 1 || bad.ValidateDiagnostics[0].Summary != tooLow.Summary {
				t.Errorf("an invalid configuration: validation found %v, want %q", bad.ValidateDiagnostics, tooLow.Summary)
			}
			if bad.PlannedState != cty.NilVal || len(bad.Diagnostics) != 0 {
				t.Errorf("an invalid configuration was planned: %#v, %v", bad.PlannedState, bad.Diagnostics)
			}

			good := plan(80)
			if len(good.ValidateDiagnostics) != 1 || good.ValidateDiagnostics[0].Summary != plain.Summary {
				t.Errorf("a valid configuration: validation found %v, want the warning %q", good.ValidateDiagnostics, plain.Summary)
			}
			if good.Diagnostics.HasErrors() || !good.PlannedState.GetAttr("port").RawEquals(cty.NumberIntVal(80)) {
				t.Errorf("a valid configuration: planned %#v, %v", good.PlannedState, good.Diagnostics)
			}

			validates := counter.count(proto.Provider_ValidateResourceConfig_FullMethodName)
			if want := map[bool]int{true: 0, false: 2}[can]; validates != want {
				t.Errorf("%d ValidateResourceConfig calls, want %d", validates, want)
			}
			if got := counter.count(proto.Provider_PlanResourceChange_FullMethodName); got != 2 {
				t.Errorf("%d PlanResourceChange calls, want 2", got)
			}
		})
	}
}
