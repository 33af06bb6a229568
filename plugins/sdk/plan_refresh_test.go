package sdk_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/plugins/proto"
	"github.com/tackhq/tack/plugins/sdk"
)

// A plan that asks to refresh gets what was read, and a plan made
// against it, whether the provider reads in the same call or the client
// reads first; an object gone or unreadable is not planned. One that can
// takes one call for both.
func TestPlanResourceChangeRefreshes(t *testing.T) {
	t.Parallel()
	for _, can := range []bool{true, false} {
		t.Run(fmt.Sprintf("provider refreshes while planning=%v", can), func(t *testing.T) {
			t.Parallel()
			// live is the zone the object is in now: "" when it is gone,
			// "fail" when it cannot be read.
			var mu sync.Mutex
			live := "z1"
			r := thingResource()
			r.Read = func(_ context.Context, _ any, d *sdk.Data) sdk.Diagnostics {
				mu.Lock()
				defer mu.Unlock()
				switch live {
				case "":
					d.SetGone()
				case "fail":
					return sdk.Diagnostics{{Severity: sdk.Error, Summary: "Cannot reach the zone"}}
				default:
					d.Set("zone", live)
				}
				return nil
			}
			srv := sdk.NewProtoServer(&sdk.Provider{Name: "test", Resources: map[string]*sdk.Resource{"test_thing": r}})
			c, counter := serveCounted(t, olderProvider{withoutCalls: withoutCalls{ProviderServer: srv}, validates: true, refreshes: can})
			recorded := thing(map[string]cty.Value{
				"id": cty.StringVal("i-1"), "arn": cty.StringVal("arn:1"), "name": cty.StringVal("a"),
				"port": cty.NumberIntVal(80), "zone": cty.StringVal("z1"),
			})
			plan := func(zone string) sdk.PlanResourceChangeResponse {
				mu.Lock()
				live = zone
				mu.Unlock()
				return c.PlanResourceChange(t.Context(), sdk.PlanResourceChangeRequest{
					TypeName: "test_thing", PriorState: recorded, Config: thing(map[string]cty.Value{"name": cty.StringVal("a")}),
					Validate: true, Refresh: true,
				})
			}

			same := plan("z1")
			if same.Refreshed == nil || !same.Refreshed.NewState.RawEquals(recorded) {
				t.Errorf("an unchanged object: read %#v", same.Refreshed)
			}
			if same.Diagnostics.HasErrors() || !same.PlannedState.RawEquals(recorded) {
				t.Errorf("an unchanged object: planned %#v, %v; want it as recorded", same.PlannedState, same.Diagnostics)
			}

			// The zone is optional and computed, and not configured: the
			// plan keeps the zone read, so it was planned against the read.
			moved := plan("z2")
			if moved.Refreshed == nil || !moved.Refreshed.NewState.GetAttr("zone").RawEquals(cty.StringVal("z2")) {
				t.Errorf("a moved object: read %#v", moved.Refreshed)
			}
			if moved.Diagnostics.HasErrors() || !moved.PlannedState.GetAttr("zone").RawEquals(cty.StringVal("z2")) {
				t.Errorf("a moved object: planned %#v, %v; want zone z2, as read", moved.PlannedState, moved.Diagnostics)
			}

			gone := plan("")
			if gone.Refreshed == nil || !gone.Refreshed.NewState.IsNull() || gone.Refreshed.Diagnostics.HasErrors() {
				t.Errorf("a gone object: read %#v", gone.Refreshed)
			}
			if gone.PlannedState != cty.NilVal || len(gone.Diagnostics) != 0 {
				t.Errorf("a gone object was planned: %#v, %v", gone.PlannedState, gone.Diagnostics)
			}

			failed := plan("fail")
			if failed.Refreshed == nil || len(failed.Refreshed.Diagnostics) != 1 || failed.Refreshed.Diagnostics[0].Summary != "Cannot reach the zone" {
				t.Errorf("an unreadable object: read %#v", failed.Refreshed)
			}
			if failed.PlannedState != cty.NilVal || len(failed.Diagnostics) != 0 || len(failed.ValidateDiagnostics) != 0 {
				t.Errorf("an unreadable object was validated or planned: %#v, %v, %v", failed.PlannedState, failed.Diagnostics, failed.ValidateDiagnostics)
			}

			reads := counter.count(proto.Provider_ReadResource_FullMethodName)
			plans := counter.count(proto.Provider_PlanResourceChange_FullMethodName)
			want := map[bool][2]int{true: {0, 4}, false: {4, 2}}[can]
			if reads != want[0] || plans != want[1] {
				t.Errorf("%d ReadResource and %d PlanResourceChange calls, want %d and %d", reads, plans, want[0], want[1])
			}
		})
	}
}
