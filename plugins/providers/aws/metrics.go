package aws

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	asgtypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/schemas"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/smithy-go/transport/http/protocol/awsjson"

	"github.com/tackhq/tack/plugins/sdk"
)

// Canary metrics from CloudWatch.
//
// An Application Load Balancer counts per target group, not per instance
// or Auto Scaling group, so a server group's metrics are those of the
// target groups it is in: a canary's are its canary target groups'
// (canary.go), any other group's those it joins when enabled (its
// target_group_arns and its cluster's load_balancers), each on every load
// balancer that forwards to it. So a canary and its baseline are counted
// apart although their blocks are alike. Two groups compared must not
// share a target group: their counts would be the same mixture of both,
// and QueryMetrics says so rather than answer.
//
// Each target group is read at ALB's resolution, one minute, from the
// window's start widened down to a whole minute to its end as given:
//
//   - Requests is the sum of RequestCount;
//   - Errors is the sum of HTTPCode_Target_5XX_Count: answers the
//     instances gave, not the load balancer's own 5xx, which belong to no
//     target group;
//   - LatencySamples is TargetResponseTime's average of each minute, one
//     sample per minute and target group that served requests — a time
//     series compared as Kayenta compares CloudWatch series, not one
//     sample per request, which CloudWatch does not keep.
//
// ALB publishes a minute's metrics one to three minutes after it ends,
// so the newest minutes of a window may not be counted yet. The end is
// not moved back to hide that (the caller asked up to End, and later
// queries count those minutes); a window shorter than recentWindow is
// answered with a warning that says so, since most of it may be missing.

// cloudWatchJSON makes a CloudWatch call in the AWS JSON 1.0 protocol
// rather than the SDK's default, Smithy RPC v2 CBOR. CloudWatch answers
// both (and its older query protocol); moto, which the endpoints block
// and the tests point the provider at, answers only JSON and query.
func cloudWatchJSON(o *cloudwatch.Options) {
	o.Protocol = awsjson.New10(schemas.GraniteServiceVersion20100801)
}

// metricPeriod is ALB's metric resolution.
const metricPeriod = time.Minute

// recentWindow is the shortest window whose metrics are mostly reported:
// ALB's lag, up to three minutes, is then less than the minutes counted.
const recentWindow = 5 * time.Minute

// The metrics read, with the statistic of each.
var targetGroupMetrics = []struct {
	name, stat string
}{
	{"RequestCount", "Sum"},
	{"HTTPCode_Target_5XX_Count", "Sum"},
	{"TargetResponseTime", "Average"},
}

// metricSeries is one query: a metric of one group's target group on one
// load balancer.
type metricSeries struct {
	group  int // index in the request
	metric int // index in targetGroupMetrics
}

var _ sdk.Metrics = (*serverGroups)(nil)

// QueryMetrics reads what CloudWatch counted for each group's target
// groups over the window; see above.
func (s *serverGroups) QueryMetrics(ctx context.Context, req sdk.QueryMetricsRequest) sdk.QueryMetricsResponse {
	c, diags := s.client()
	if diags != nil {
		return sdk.QueryMetricsResponse{Diagnostics: diags}
	}
	doing := "reading the metrics of cluster " + req.Cluster.Name
	resp := sdk.QueryMetricsResponse{ServerGroups: make([]sdk.ServerGroupMetrics, len(req.ServerGroups))}
	groupTGs := make([][]string, len(req.ServerGroups))
	owner := map[string]string{} // target group ARN → the group that joins it
	var all []string
	for i, name := range req.ServerGroups {
		resp.ServerGroups[i].Name = name
		g, d := c.clusterGroup(ctx, req.Cluster, name, doing)
		if d != nil {
			diags = append(diags, d...)
			continue
		}
		groupTGs[i] = metricTargetGroups(*g)
		for _, tg := range groupTGs[i] {
			if other, ok := owner[tg]; ok && other != name {
				diags = append(diags, sdk.Errorf("Server groups share a target group",
					"%s and %s both join target group %s. CloudWatch counts requests per target group, so their metrics cannot be told apart and compared. A canary takes its share through target groups of its own: name them in the server_group's canary_target_group_arns.",
					other, name, targetGroupName(tg)))
				continue
			}
			if _, ok := owner[tg]; !ok {
				all = append(all, tg)
			}
			owner[tg] = name
		}
	}
	if diags.HasErrors() {
		return sdk.QueryMetricsResponse{Diagnostics: diags}
	}
	balancers, err := c.targetGroupBalancers(ctx, all)
	if err != nil {
		return sdk.QueryMetricsResponse{Diagnostics: sdk.Diagnostics{apiDiag(doing, err, nil)}}
	}

	var queries []cwtypes.MetricDataQuery
	var series []metricSeries
	for i, tgs := range groupTGs {
		for _, tg := range tgs {
			for _, lb := range balancers[tg] {
				for m, metric := range targetGroupMetrics {
					queries = append(queries, cwtypes.MetricDataQuery{
						Id: awssdk.String(fmt.Sprintf("q%d", len(queries))),
						MetricStat: &cwtypes.MetricStat{
							Metric: &cwtypes.Metric{
								Namespace:  awssdk.String("AWS/ApplicationELB"),
								MetricName: awssdk.String(metric.name),
								Dimensions: []cwtypes.Dimension{
									{Name: awssdk.String("LoadBalancer"), Value: awssdk.String(arnResource(lb, "loadbalancer/"))},
									{Name: awssdk.String("TargetGroup"), Value: awssdk.String(arnResource(tg, ""))},
								},
							},
							Period: awssdk.Int32(int32(metricPeriod / time.Second)),
							Stat:   awssdk.String(metric.stat),
						},
					})
					series = append(series, metricSeries{group: i, metric: m})
				}
			}
		}
	}
	start, end := metricWindow(req.Start, req.End)
	// GetMetricData takes at most 500 queries a call.
	for from := 0; from < len(queries); from += 500 {
		to := min(from+500, len(queries))
		pages := cloudwatch.NewGetMetricDataPaginator(c.cloudwatch, &cloudwatch.GetMetricDataInput{
			MetricDataQueries: queries[from:to], StartTime: awssdk.Time(start), EndTime: awssdk.Time(end),
			ScanBy: cwtypes.ScanByTimestampAscending,
		})
		for pages.HasMorePages() {
			page, err := pages.NextPage(ctx, cloudWatchJSON)
			if err != nil {
				return sdk.QueryMetricsResponse{Diagnostics: sdk.Diagnostics{apiDiag(doing, err, nil)}}
			}
			for _, r := range page.MetricDataResults {
				var q int
				if _, err := fmt.Sscanf(awssdk.ToString(r.Id), "q%d", &q); err != nil || q < 0 || q >= len(series) {
					continue
				}
				if r.StatusCode == cwtypes.StatusCodeInternalError || r.StatusCode == cwtypes.StatusCodeForbidden {
					diags = append(diags, sdk.Errorf("CloudWatch error", "While %s: CloudWatch could not read %s (%s).", doing, targetGroupMetrics[series[q].metric].name, r.StatusCode))
					continue
				}
				addSeries(&resp.ServerGroups[series[q].group], series[q].metric, r.Values)
			}
		}
	}
	if d := req.End.Sub(req.Start); d < recentWindow {
		diags = append(diags, sdk.Diagnostic{Severity: sdk.Warning, Summary: "Metrics may not be reported yet",
			Detail: fmt.Sprintf("The window read is %v long. An Application Load Balancer reports a minute's metrics to CloudWatch one to three minutes after it ends, one sample a minute, so AWS may not have reported much of a window shorter than %v yet: counts and latency samples may be missing, not zero.", d.Round(time.Second), recentWindow)})
	}
	resp.Diagnostics = diags
	return resp
}

// metricTargetGroups are the target groups whose counts are g's: its
// canary target groups while it is a canary, else those it joins when
// enabled.
func metricTargetGroups(g asgtypes.AutoScalingGroup) []string {
	if isCanary(groupTraffic(g)) {
		return canaryTargetGroups(g)
	}
	return wantedTargetGroups(g)
}

// addSeries adds one series' values to a group's metrics.
func addSeries(m *sdk.ServerGroupMetrics, metric int, values []float64) {
	for _, v := range values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		switch targetGroupMetrics[metric].name {
		case "RequestCount":
			m.Requests += int64(math.Round(v))
		case "HTTPCode_Target_5XX_Count":
			m.Errors += int64(math.Round(v))
		case "TargetResponseTime": // seconds
			m.LatencySamples = append(m.LatencySamples, time.Duration(v*float64(time.Second)))
		}
	}
}

// metricWindow widens [start, end) down to the period start is in, as
// CloudWatch aggregates whole periods, and ends it at end as given: not
// later, where nothing is reported yet. A window that ends before the
// period it starts in becomes that period.
func metricWindow(start, end time.Time) (time.Time, time.Time) {
	start, end = start.UTC().Truncate(metricPeriod), end.UTC()
	if !start.Before(end) {
		end = start.Add(metricPeriod)
	}
	return start, end
}

// targetGroupBalancers are the load balancers that forward to each target
// group: CloudWatch counts a target group per load balancer.
func (c *client) targetGroupBalancers(ctx context.Context, arns []string) (map[string][]string, error) {
	out := map[string][]string{}
	// DescribeTargetGroups takes at most 20 ARNs a call.
	for from := 0; from < len(arns); from += 20 {
		pages := elbv2.NewDescribeTargetGroupsPaginator(c.elbv2, &elbv2.DescribeTargetGroupsInput{TargetGroupArns: arns[from:min(from+20, len(arns))]})
		for pages.HasMorePages() {
			page, err := pages.NextPage(ctx)
			if err != nil {
				return nil, err
			}
			for _, tg := range page.TargetGroups {
				out[awssdk.ToString(tg.TargetGroupArn)] = tg.LoadBalancerArns
			}
		}
	}
	return out, nil
}

// arnResource is the resource part of an ARN, after its sixth field's
// prefix: arn:aws:elasticloadbalancing:r:a:loadbalancer/app/web/1 with
// prefix loadbalancer/ is app/web/1, CloudWatch's dimension value.
func arnResource(arn, prefix string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return arn
	}
	return strings.TrimPrefix(parts[5], prefix)
}
