package aws

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
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

// onTargetGroup is what serves through the target group tg: the names of
// the groups attached to it, as DescribeLoadBalancerTargetGroups gives
// each group's, and how many targets are registered in it.
func (w *sgWorld) onTargetGroup(t *testing.T, tg string) ([]string, int) {
	t.Helper()
	ctx := t.Context()
	out, err := w.asg.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, g := range out.AutoScalingGroups {
		lbs, err := w.asg.DescribeLoadBalancerTargetGroups(ctx, &autoscaling.DescribeLoadBalancerTargetGroupsInput{AutoScalingGroupName: g.AutoScalingGroupName})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range lbs.LoadBalancerTargetGroups {
			if awssdk.ToString(s.LoadBalancerTargetGroupARN) == tg {
				names = append(names, awssdk.ToString(g.AutoScalingGroupName))
			}
		}
	}
	sort.Strings(names)
	health, err := w.elb.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: awssdk.String(tg)})
	if err != nil {
		t.Fatal(err)
	}
	registered := 0
	for _, d := range health.TargetHealthDescriptions {
		if d.TargetHealth != nil && d.TargetHealth.State == elbtypes.TargetHealthStateEnumHealthy {
			registered++
		}
	}
	return names, registered
}

// A canary on AWS, through every transition, with the canary target
// group never empty (an ALB answers 503 for the share it forwards to an
// empty one): the serving group is on it outside canaries; a canary takes
// it from the baseline once the listener is found to give it the share
// asked; rolled back or destroyed, it hands it back to the baseline
// first; promoted, it keeps it and joins the main one. A listener that
// weighs otherwise is refused, naming it and its weights, and the group
// is left as it was.
func TestServerGroupCanary(t *testing.T) {
	w := newSGWorld(t)
	ctx := t.Context()
	main, canary := w.tgs[0], w.tgs[1] // api-main, api-extra
	listener := w.weighedListener(t, map[string]int32{main: 90, canary: 10})
	spec := w.spec(map[string]cty.Value{"canary_target_group_arns": cty.ListVal([]cty.Value{cty.StringVal(canary)})})

	traffic := func(name string, tr sdk.Traffic) sdk.Diagnostics {
		return w.p.SetTraffic(ctx, sdk.SetTrafficRequest{Cluster: apiProd, Name: name, Traffic: tr}).Diagnostics
	}
	attached := func(name string) []string {
		t.Helper()
		return sortedCopy(w.asgOf(t, name).TargetGroupARNs)
	}
	listed := func() map[string]sdk.Traffic {
		t.Helper()
		out := map[string]sdk.Traffic{}
		for _, g := range w.list(t, apiProd) {
			out[g.Name] = g.Traffic
		}
		return out
	}
	// serving checks, after a step, who serves the canary target group:
	// never nobody.
	serving := func(step string, want ...string) {
		t.Helper()
		got, registered := w.onTargetGroup(t, canary)
		if !slices.Equal(got, want) || registered == 0 {
			t.Errorf("%s: the canary target group has %v attached and %d targets registered; want %v, and targets", step, got, registered, want)
		}
	}
	whole, ten := sdk.Traffic{Enabled: true, Weight: 100}, sdk.Traffic{Enabled: true, Weight: 10}

	w.create(t, w.group(1, spec, true)) // the baseline, serving
	if got := attached("api-prod-v001"); !slices.Equal(got, sortedCopy([]string{main, canary})) {
		t.Errorf("a group created enabled is attached to %v; want the main and the canary target groups", got)
	}
	serving("created enabled", "api-prod-v001")
	w.create(t, w.group(2, spec, false))
	serving("another created disabled", "api-prod-v001")

	// 90 and 10 give the canary 10%, so 50% is refused, and so is 12%:
	// only a point either way passes.
	for _, weight := range []int32{50, 12} {
		diags := traffic("api-prod-v002", sdk.Traffic{Enabled: true, Weight: weight})
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
	serving("weights refused", "api-prod-v001")

	// The canary takes the canary target group from the baseline, which
	// keeps the main one.
	for _, weight := range []int32{9, 10} {
		if err := traffic("api-prod-v002", sdk.Traffic{Enabled: true, Weight: weight}).Err(); err != nil {
			t.Fatalf("a weight of %d against 90/10: %v", weight, err)
		}
		if got := listed()["api-prod-v002"]; got != (sdk.Traffic{Enabled: true, Weight: weight}) {
			t.Errorf("a canary given %d%% lists with traffic %+v", weight, got)
		}
		serving(fmt.Sprintf("a canary given %d%%", weight), "api-prod-v002")
	}
	if got := suspendedOf(w.asgOf(t, "api-prod-v002")); len(got) > 0 {
		t.Errorf("a canary has %v suspended", got)
	}
	if got := attached("api-prod-v002"); !slices.Equal(got, []string{canary}) {
		t.Errorf("a canary is attached to %v; want its canary target group alone", got)
	}
	if got := attached("api-prod-v001"); !slices.Equal(got, []string{main}) {
		t.Errorf("the baseline of a canary is attached to %v; want the main target group alone", got)
	}
	if got := listed()["api-prod-v001"]; got != whole {
		t.Errorf("the baseline lists with traffic %+v", got)
	}
	if got := states(w.health(t, "api-prod-v002")); !slices.Equal(got, []string{"up", "up"}) {
		t.Errorf("health of the canary: %v; want 2 up", got)
	}

	// Rolled back: the baseline takes the canary target group back before
	// the canary leaves it.
	if err := traffic("api-prod-v002", sdk.Traffic{}).Err(); err != nil {
		t.Fatalf("disabling the canary: %v", err)
	}
	serving("the canary disabled", "api-prod-v001")
	if got := attached("api-prod-v002"); len(got) > 0 {
		t.Errorf("a disabled canary is attached to %v", got)
	}
	if got := listed(); got["api-prod-v001"] != whole || got["api-prod-v002"].Enabled {
		t.Errorf("after a rollback the groups list with traffic %+v", got)
	}

	// Destroyed while a canary: handed back the same way.
	if err := traffic("api-prod-v002", ten).Err(); err != nil {
		t.Fatalf("a canary again: %v", err)
	}
	serving("a canary again", "api-prod-v002")
	if err := w.p.DestroyServerGroup(ctx, sdk.DestroyServerGroupRequest{Cluster: apiProd, Name: "api-prod-v002"}).Diagnostics.Err(); err != nil {
		t.Fatalf("destroying the canary: %v", err)
	}
	serving("the canary destroyed", "api-prod-v001")

	// Promoted: the main target group as well, the canary's kept; the old
	// group disabled then leaves both.
	w.create(t, w.group(3, spec, false))
	if err := traffic("api-prod-v003", ten).Err(); err != nil {
		t.Fatalf("a canary: %v", err)
	}
	if err := traffic("api-prod-v003", whole).Err(); err != nil {
		t.Fatalf("promoting: %v", err)
	}
	if got := attached("api-prod-v003"); !slices.Equal(got, sortedCopy([]string{main, canary})) {
		t.Errorf("a promoted canary is attached to %v; want the main and the canary target groups", got)
	}
	if got := listed()["api-prod-v003"]; got != whole {
		t.Errorf("a promoted canary lists with traffic %+v", got)
	}
	serving("the canary promoted", "api-prod-v003")
	if err := traffic("api-prod-v001", sdk.Traffic{}).Err(); err != nil {
		t.Fatalf("disabling the old group: %v", err)
	}
	serving("the old group disabled", "api-prod-v003")
	if got := attached("api-prod-v001"); len(got) > 0 {
		t.Errorf("the disabled old group is attached to %v", got)
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
	diags := traffic("api-prod-v001", ten)
	if !diags.HasErrors() || !strings.Contains(diags[0].Detail, "the rule of priority 10 of listener HTTP:80") || !strings.Contains(diags[0].Detail, "api-main 1 and api-extra 1") {
		t.Errorf("a rule that splits 50/50: %v", diags)
	}
	if _, err := w.elb.DeleteRule(ctx, &elbv2.DeleteRuleInput{RuleArn: rule.Rules[0].RuleArn}); err != nil {
		t.Fatal(err)
	}

	// Created as a canary: it takes the canary target group from the
	// serving group, with its share.
	sg := w.group(4, spec, true)
	sg.Traffic.Weight = 10
	if got := w.create(t, sg).Traffic; got != sg.Traffic {
		t.Errorf("a group created as a canary has traffic %+v", got)
	}
	if got := attached("api-prod-v004"); !slices.Equal(got, []string{canary}) {
		t.Errorf("a group created as a canary is attached to %v", got)
	}
	serving("a group created as a canary", "api-prod-v004")
	if got := attached("api-prod-v003"); !slices.Equal(got, []string{main}) {
		t.Errorf("the baseline of a group created as a canary is attached to %v; want the main target group alone", got)
	}
}

// Canary target groups with no main ones have no baseline to be weighed
// against: refused when the group is created.
func TestServerGroupCanaryWithoutMain(t *testing.T) {
	w := newSGWorld(t)
	sg := w.group(1, w.spec(map[string]cty.Value{"canary_target_group_arns": cty.ListVal([]cty.Value{cty.StringVal(w.tgs[1])})}), true)
	sg.LoadBalancers = nil
	diags := w.p.CreateServerGroup(t.Context(), sdk.CreateServerGroupRequest{ServerGroup: sg}).Diagnostics
	if !diags.HasErrors() || diags[0].Summary != "Canary target groups without main ones" {
		t.Errorf("canary target groups without main ones: %v", diags)
	}
	if g := w.asgOf(t, "api-prod-v001"); g != nil {
		t.Errorf("the refused group was made")
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
