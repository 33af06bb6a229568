package aws

import (
	"slices"
	"strings"
	"testing"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/plugins/sdk"
)

// weighedListener makes a load balancer "web" with a listener on port 80
// that forwards to each target group with its weight, and returns the
// listener's ARN.
func (w *sgWorld) weighedListener(t *testing.T, weights map[string]int32) string {
	t.Helper()
	ctx := t.Context()
	lb, err := w.elb.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: awssdk.String("web"), Subnets: w.subnets})
	if err != nil {
		t.Fatal(err)
	}
	var tuples []elbtypes.TargetGroupTuple
	for _, tg := range w.tgs {
		if wt, ok := weights[tg]; ok {
			tuples = append(tuples, elbtypes.TargetGroupTuple{TargetGroupArn: awssdk.String(tg), Weight: awssdk.Int32(wt)})
		}
	}
	l, err := w.elb.CreateListener(ctx, &elbv2.CreateListenerInput{
		LoadBalancerArn: lb.LoadBalancers[0].LoadBalancerArn, Protocol: elbtypes.ProtocolEnumHttp, Port: awssdk.Int32(80),
		DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, ForwardConfig: &elbtypes.ForwardActionConfig{TargetGroups: tuples}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return awssdk.ToString(l.Listeners[0].ListenerArn)
}

// A canary on AWS: it takes its share through its canary target group
// alone, once the listener is found to give that target group the share
// asked; promoted, it joins the main target group and leaves the
// canary's; disabled, it leaves both. A listener that weighs otherwise is
// refused, naming it and its weights, and the group is left as it was.
func TestServerGroupCanary(t *testing.T) {
	w := newSGWorld(t)
	ctx := t.Context()
	main, canary := w.tgs[0], w.tgs[1] // api-main, api-extra
	listener := w.weighedListener(t, map[string]int32{main: 90, canary: 10})
	spec := w.spec(map[string]cty.Value{"canary_target_group_arns": cty.ListVal([]cty.Value{cty.StringVal(canary)})})
	w.create(t, w.group(1, spec, true)) // the baseline, serving
	w.create(t, w.group(2, spec, false))

	traffic := func(tr sdk.Traffic) sdk.Diagnostics {
		return w.p.SetTraffic(ctx, sdk.SetTrafficRequest{Cluster: apiProd, Name: "api-prod-v002", Traffic: tr}).Diagnostics
	}
	attached := func() []string {
		t.Helper()
		return sortedCopy(w.asgOf(t, "api-prod-v002").TargetGroupARNs)
	}
	listed := func() map[string]sdk.Traffic {
		t.Helper()
		out := map[string]sdk.Traffic{}
		for _, g := range w.list(t, apiProd) {
			out[g.Name] = g.Traffic
		}
		return out
	}

	// 90 and 10 give the canary 10%, so 50% is refused, and so is 12%:
	// only a point either way passes.
	for _, weight := range []int32{50, 12} {
		diags := traffic(sdk.Traffic{Enabled: true, Weight: weight})
		if !diags.HasErrors() || diags[0].Summary != "Listener does not give the canary its share" {
			t.Fatalf("a weight of %d against 90/10: %v", weight, diags)
		}
		for _, want := range []string{"listener HTTP:80 of load balancer web (" + listener + ")", "api-main 90 and api-extra 10", "sends api-extra 10% of what it forwards", "canary weight to 10"} {
			if !strings.Contains(diags[0].Detail, want) {
				t.Errorf("a weight of %d: the diagnostic does not say %q:\n%s", weight, want, diags[0].Detail)
			}
		}
	}
	g := w.asgOf(t, "api-prod-v002")
	if got := suspendedOf(g); !slices.Equal(got, []string{"AddToLoadBalancer"}) || len(g.TargetGroupARNs) > 0 {
		t.Errorf("after the weights were refused the group has %v suspended and %v attached; want it as created", got, g.TargetGroupARNs)
	}

	for _, weight := range []int32{9, 10} {
		if err := traffic(sdk.Traffic{Enabled: true, Weight: weight}).Err(); err != nil {
			t.Fatalf("a weight of %d against 90/10: %v", weight, err)
		}
		if got := listed()["api-prod-v002"]; got != (sdk.Traffic{Enabled: true, Weight: weight}) {
			t.Errorf("a canary given %d%% lists with traffic %+v", weight, got)
		}
	}
	g = w.asgOf(t, "api-prod-v002")
	if got := suspendedOf(g); len(got) > 0 {
		t.Errorf("a canary has %v suspended", got)
	}
	if got := attached(); !slices.Equal(got, []string{canary}) {
		t.Errorf("a canary is attached to %v; want its canary target group alone", got)
	}
	if got := listed()["api-prod-v001"]; got != (sdk.Traffic{Enabled: true, Weight: 100}) {
		t.Errorf("the baseline lists with traffic %+v", got)
	}
	if got := states(w.health(t, "api-prod-v002")); !slices.Equal(got, []string{"up", "up"}) {
		t.Errorf("health of the canary: %v; want 2 up", got)
	}

	// Promoted: the main target group, and no more the canary's.
	if err := traffic(sdk.Traffic{Enabled: true, Weight: 100}).Err(); err != nil {
		t.Fatalf("promoting: %v", err)
	}
	if got := attached(); !slices.Equal(got, []string{main}) {
		t.Errorf("a promoted canary is attached to %v; want the main target group alone", got)
	}
	if got := listed()["api-prod-v002"]; got != (sdk.Traffic{Enabled: true, Weight: 100}) {
		t.Errorf("a promoted canary lists with traffic %+v", got)
	}

	// A canary again, from enabled: it leaves the main target group.
	if err := traffic(sdk.Traffic{Enabled: true, Weight: 10}).Err(); err != nil {
		t.Fatalf("a canary again: %v", err)
	}
	if got := attached(); !slices.Equal(got, []string{canary}) {
		t.Errorf("an enabled group made a canary is attached to %v; want its canary target group alone", got)
	}

	// Disabled, from a canary: attached to nothing.
	if err := traffic(sdk.Traffic{}).Err(); err != nil {
		t.Fatalf("disabling the canary: %v", err)
	}
	if got := attached(); len(got) > 0 {
		t.Errorf("a disabled canary is attached to %v", got)
	}
	if got := listed()["api-prod-v002"]; got.Enabled {
		t.Errorf("a disabled canary lists with traffic %+v", got)
	}

	// A rule of the listener that forwards to the canary target group is
	// weighed too.
	rule, err := w.elb.CreateRule(ctx, &elbv2.CreateRuleInput{
		ListenerArn: awssdk.String(listener), Priority: awssdk.Int32(10),
		Conditions: []elbtypes.RuleCondition{{Field: awssdk.String("path-pattern"), Values: []string{"/beta/*"}}},
		Actions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, ForwardConfig: &elbtypes.ForwardActionConfig{TargetGroups: []elbtypes.TargetGroupTuple{
			{TargetGroupArn: awssdk.String(main), Weight: awssdk.Int32(1)},
			{TargetGroupArn: awssdk.String(canary), Weight: awssdk.Int32(1)},
		}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	diags := traffic(sdk.Traffic{Enabled: true, Weight: 10})
	if !diags.HasErrors() || !strings.Contains(diags[0].Detail, "the rule of priority 10 of listener HTTP:80") || !strings.Contains(diags[0].Detail, "api-main 1 and api-extra 1") {
		t.Errorf("a rule that splits 50/50: %v", diags)
	}
	if _, err := w.elb.DeleteRule(ctx, &elbv2.DeleteRuleInput{RuleArn: rule.Rules[0].RuleArn}); err != nil {
		t.Fatal(err)
	}

	// Created as a canary: attached to the canary target group from the
	// start, with its share.
	sg := w.group(3, spec, true)
	sg.Traffic.Weight = 10
	if got := w.create(t, sg).Traffic; got != sg.Traffic {
		t.Errorf("a group created as a canary has traffic %+v", got)
	}
	if got := w.asgOf(t, "api-prod-v003").TargetGroupARNs; !slices.Equal(got, []string{canary}) {
		t.Errorf("a group created as a canary is attached to %v", got)
	}
}

// A canary target group that no listener forwards to would take no
// traffic at all: refused, naming it.
func TestServerGroupCanaryWithoutListener(t *testing.T) {
	w := newSGWorld(t)
	spec := w.spec(map[string]cty.Value{"canary_target_group_arns": cty.ListVal([]cty.Value{cty.StringVal(w.tgs[1])})})
	w.create(t, w.group(1, spec, false))
	diags := w.p.SetTraffic(t.Context(), sdk.SetTrafficRequest{Cluster: apiProd, Name: "api-prod-v001", Traffic: sdk.Traffic{Enabled: true, Weight: 10}}).Diagnostics
	if !diags.HasErrors() || diags[0].Summary != "No listener forwards to the canary target group" || !strings.Contains(diags[0].Detail, "api-extra") {
		t.Errorf("a canary whose target group no listener forwards to: %v", diags)
	}
	if g := w.asgOf(t, "api-prod-v001"); len(g.TargetGroupARNs) > 0 {
		t.Errorf("the refused canary is attached to %v", g.TargetGroupARNs)
	}
}

func TestForwarderShare(t *testing.T) {
	tuple := func(arn string, w *int32) elbtypes.TargetGroupTuple {
		return elbtypes.TargetGroupTuple{TargetGroupArn: awssdk.String(arn), Weight: w}
	}
	tests := []struct {
		name   string
		tuples []elbtypes.TargetGroupTuple
		share  float64
		found  bool
	}{
		{"weighed", []elbtypes.TargetGroupTuple{tuple("main", awssdk.Int32(90)), tuple("canary", awssdk.Int32(10))}, 10, true},
		{"weights left out are 1", []elbtypes.TargetGroupTuple{tuple("main", nil), tuple("canary", nil), tuple("other", awssdk.Int32(2))}, 25, true},
		{"all weights 0", []elbtypes.TargetGroupTuple{tuple("main", awssdk.Int32(0)), tuple("canary", awssdk.Int32(0))}, 0, true},
		{"alone", []elbtypes.TargetGroupTuple{tuple("canary", awssdk.Int32(3))}, 100, true},
		{"not forwarded to", []elbtypes.TargetGroupTuple{tuple("main", awssdk.Int32(1))}, 0, false},
	}
	for _, tt := range tests {
		share, found := forwarder{tuples: tt.tuples}.share("canary")
		if share != tt.share || found != tt.found {
			t.Errorf("%s: share %v, found %t; want %v, %t", tt.name, share, found, tt.share, tt.found)
		}
	}
}
