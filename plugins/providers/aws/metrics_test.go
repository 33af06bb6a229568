package aws

import (
	"strings"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/plugins/sdk"
)

// A canary and its baseline, with the same server_group: the baseline in
// the main target group, the canary in its canary target group, which a
// listener weighs against the main one. CloudWatch's counts of each
// target group come back as the group's, within the window asked and no
// further.
func TestQueryMetrics(t *testing.T) {
	w := newSGWorld(t)
	ctx := t.Context()
	lb, err := w.elb.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: awssdk.String("web"), Subnets: w.subnets})
	if err != nil {
		t.Fatal(err)
	}
	lbARN := awssdk.ToString(lb.LoadBalancers[0].LoadBalancerArn)
	_, err = w.elb.CreateListener(ctx, &elbv2.CreateListenerInput{
		LoadBalancerArn: awssdk.String(lbARN), Protocol: elbtypes.ProtocolEnumHttp, Port: awssdk.Int32(80),
		DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, ForwardConfig: &elbtypes.ForwardActionConfig{
			TargetGroups: []elbtypes.TargetGroupTuple{
				{TargetGroupArn: awssdk.String(w.tgs[0]), Weight: awssdk.Int32(90)},
				{TargetGroupArn: awssdk.String(w.tgs[1]), Weight: awssdk.Int32(10)},
			},
		}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	spec := w.spec(map[string]cty.Value{
		"target_group_arns":        cty.ListVal([]cty.Value{cty.StringVal(w.tgs[0])}),
		"canary_target_group_arns": cty.ListVal([]cty.Value{cty.StringVal(w.tgs[1])}),
	})
	for i, enabled := range []bool{true, false} {
		sg := w.group(int32(i+1), spec, enabled)
		sg.LoadBalancers = nil
		w.create(t, sg)
	}
	canaryTraffic := sdk.Traffic{Enabled: true, Weight: 10}
	if err := w.p.SetTraffic(ctx, sdk.SetTrafficRequest{Cluster: apiProd, Name: "api-prod-v002", Traffic: canaryTraffic}).Diagnostics.Err(); err != nil {
		t.Fatalf("making api-prod-v002 a canary: %v", err)
	}

	// Two minutes in the window for the baseline (v001), one for the
	// canary (v002); a minute before it and one after, which must not
	// count. Values are exact in binary, so averages compare exactly.
	start := time.Now().UTC().Add(-time.Hour).Truncate(time.Minute)
	put := func(tg, metric string, at time.Duration, values ...float64) {
		t.Helper()
		var data []cwtypes.MetricDatum
		for _, v := range values {
			data = append(data, cwtypes.MetricDatum{
				MetricName: awssdk.String(metric), Value: awssdk.Float64(v), Timestamp: awssdk.Time(start.Add(at)),
				Dimensions: []cwtypes.Dimension{
					{Name: awssdk.String("LoadBalancer"), Value: awssdk.String(arnResource(lbARN, "loadbalancer/"))},
					{Name: awssdk.String("TargetGroup"), Value: awssdk.String(arnResource(tg, ""))},
				},
			})
		}
		if _, err := w.cw.PutMetricData(ctx, &cloudwatch.PutMetricDataInput{Namespace: awssdk.String("AWS/ApplicationELB"), MetricData: data}, cloudWatchJSON); err != nil {
			t.Fatal(err)
		}
	}
	base, canary := w.tgs[0], w.tgs[1]
	put(base, "RequestCount", -30*time.Second, 1000)
	put(base, "RequestCount", 10*time.Second, 90)
	put(base, "RequestCount", 70*time.Second, 80)
	put(base, "HTTPCode_Target_5XX_Count", 10*time.Second, 1)
	put(base, "TargetResponseTime", 10*time.Second, 0.25, 0.75)
	put(base, "TargetResponseTime", 70*time.Second, 0.125)
	put(canary, "RequestCount", 20*time.Second, 10)
	put(canary, "HTTPCode_Target_5XX_Count", 20*time.Second, 4)
	put(canary, "TargetResponseTime", 20*time.Second, 1.5)
	put(canary, "RequestCount", 3*time.Minute, 500)

	resp := w.p.QueryMetrics(ctx, sdk.QueryMetricsRequest{
		Cluster: apiProd, ServerGroups: []string{"api-prod-v002", "api-prod-v001"},
		Start: start.Add(5 * time.Second), End: start.Add(2 * time.Minute),
	})
	if err := resp.Diagnostics.Err(); err != nil {
		t.Fatal(err)
	}
	want := []sdk.ServerGroupMetrics{
		{Name: "api-prod-v002", Requests: 10, Errors: 4, LatencySamples: []time.Duration{1500 * time.Millisecond}},
		{Name: "api-prod-v001", Requests: 170, Errors: 1, LatencySamples: []time.Duration{500 * time.Millisecond, 125 * time.Millisecond}},
	}
	if diff := cmp.Diff(want, resp.ServerGroups); diff != "" {
		t.Errorf("metrics (-want +got):\n%s", diff)
	}
	// Under two minutes: ALB may not have reported them yet, and the answer
	// says so; five minutes or more, it does not.
	if d := resp.Diagnostics; len(d) != 1 || d[0].Severity != sdk.Warning || d[0].Summary != "Metrics may not be reported yet" || !strings.Contains(d[0].Detail, "1m55s") {
		t.Errorf("diagnostics of a 2-minute window: %v; want one warning that AWS may not have reported it yet", d)
	}
	resp = w.p.QueryMetrics(ctx, sdk.QueryMetricsRequest{Cluster: apiProd, ServerGroups: []string{"api-prod-v001"}, Start: start, End: start.Add(5 * time.Minute)})
	if len(resp.Diagnostics) > 0 {
		t.Errorf("diagnostics of a 5-minute window: %v; want none", resp.Diagnostics)
	}

	// A group that is no canary shares the baseline's target group, and
	// cannot be told apart from it.
	shared := w.group(3, spec, false)
	shared.LoadBalancers = nil
	w.create(t, shared)
	resp = w.p.QueryMetrics(ctx, sdk.QueryMetricsRequest{Cluster: apiProd, ServerGroups: []string{"api-prod-v003", "api-prod-v001"}, Start: start, End: start.Add(time.Minute)})
	if !resp.Diagnostics.HasErrors() || resp.Diagnostics[0].Summary != "Server groups share a target group" || !strings.Contains(resp.Diagnostics[0].Detail, "api-main") {
		t.Errorf("metrics of groups sharing a target group: %v", resp.Diagnostics)
	}
}

func TestMetricWindow(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct{ start, end, wantStart, wantEnd string }{
		{"2024-05-01T10:00:20Z", "2024-05-01T10:02:10Z", "2024-05-01T10:00:00Z", "2024-05-01T10:02:10Z"},
		{"2024-05-01T10:00:00Z", "2024-05-01T10:02:00Z", "2024-05-01T10:00:00Z", "2024-05-01T10:02:00Z"},
		{"2024-05-01T10:00:20Z", "2024-05-01T10:00:20Z", "2024-05-01T10:00:00Z", "2024-05-01T10:00:20Z"},
		{"2024-05-01T10:00:20Z", "2024-05-01T09:59:00Z", "2024-05-01T10:00:00Z", "2024-05-01T10:01:00Z"},
	}
	for _, tt := range tests {
		s, e := metricWindow(at(tt.start), at(tt.end))
		if !s.Equal(at(tt.wantStart)) || !e.Equal(at(tt.wantEnd)) {
			t.Errorf("window [%s, %s): [%s, %s); want [%s, %s)", tt.start, tt.end, s, e, tt.wantStart, tt.wantEnd)
		}
	}
}
