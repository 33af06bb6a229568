package aws

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	asgtypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/plugins/sdk"
)

// Canaries on AWS: weights through separate target groups.
//
// A target group spreads its requests over every registered target, so a
// server group cannot be given a share of one. A canary takes its share
// through target groups of its own, its block's canary_target_group_arns,
// which a listener's weighted forward action sets beside the main target
// groups: the canary's share is its target group's weight over the sum of
// the action's weights.
//
// An ALB answers 503 for the share it forwards to a target group with no
// registered target, and the listener's canary weight stays at the
// policy's value for good. So a canary target group is never left empty:
//
//   - a group enabled whole (weight 100) joins its main target groups and
//     its canary ones: outside canaries the serving group takes the whole
//     listener, whatever the weights;
//   - a canary (weight below 100) joins its canary target groups, the
//     provider waits until its instances are healthy there, and only then
//     detaches the cluster's other groups from them, so the canary takes
//     exactly the listener's canary share and the baseline serves that
//     share meanwhile; the canary leaves its main target groups;
//   - promoted (weight 100), the canary joins its main target groups and
//     keeps its canary ones; the old group is disabled later;
//   - a canary disabled or destroyed while it is the only group on a
//     canary target group first hands it back: the cluster's groups
//     enabled whole join it again and are waited for, then the canary
//     leaves (handBack).
//
// The split is the listener's, and the listener is an aws_lb_listener of
// the configuration: were the provider to set its weights, the next plan
// would show drift on a resource tack manages, and put them back. So the
// provider never changes a listener. Before a canary takes traffic it
// checks that every listener forwarding to a canary target group gives it
// the share asked, within a point, and refuses otherwise, naming the
// listener and its weights: a plan that says "send 10% of traffic to
// api-prod-v043" must not be a lie.
//
// The share given is tagged on the group (tack:canary-weight), so that a
// listed canary reports it. Its metrics are its canary target groups'
// (metrics.go), the baseline's its main ones: the two are counted apart
// although their blocks name the same target groups.

// canaryTargetGroups are the target groups g joins while it is a canary.
func canaryTargetGroups(g asgtypes.AutoScalingGroup) []string {
	return indexedTags(groupTagMap(g), tagCanaryTargetGroup)
}

// isCanary reports whether t gives a group a share of its cluster's
// traffic rather than all or none.
func isCanary(t sdk.Traffic) bool { return t.Enabled && t.Weight < 100 }

// validWeight refuses a weight the core should never send.
func validWeight(t sdk.Traffic, name string) sdk.Diagnostics {
	if !t.Enabled || (t.Weight >= 1 && t.Weight <= 100) {
		return nil
	}
	return sdk.Diagnostics{sdk.Errorf("Invalid traffic weight",
		"%s was to take %d%% of its cluster's traffic; an enabled group takes from 1 to 100. This is a bug in tack.", name, t.Weight)}
}

// noCanaryTargetGroups is the diagnostic for a canary whose block has no
// canary_target_group_arns.
func noCanaryTargetGroups(name string, weight int32) sdk.Diagnostics {
	return sdk.Diagnostics{sdk.Errorf("Canary needs canary_target_group_arns",
		"%s was to take %d%% of its cluster's traffic as a canary, but its server_group has no canary_target_group_arns. On AWS a target group spreads requests over every instance registered in it, so a canary takes its share through a target group of its own: add an aws_lb_target_group for the canary, name it in the server_group's canary_target_group_arns, and forward to it beside the main target group in the aws_lb_listener's default_action, weighed so that it gets %d%% (for example weight %d for the canary's and %d for the main one). Otherwise deliver this cluster by red_black or rolling.",
		name, weight, weight, weight, 100-weight)}
}

// checkCanaryTargetGroups refuses canary target groups that are also
// main ones: the canary would take the main share, and its metrics would
// be the baseline's.
func checkCanaryTargetGroups(sp groupSpec, main []string) sdk.Diagnostics {
	var diags sdk.Diagnostics
	if len(sp.CanaryTargetGroupARNs) > 0 && len(main) == 0 {
		diags = append(diags, sdk.AttributeErrorf(cty.GetAttrPath("canary_target_group_arns"), "Canary target groups without main ones",
			"A canary's target groups are weighed against the main ones its baseline serves through, and this server_group has none: add target_group_arns or the cluster's load_balancers, or leave canary_target_group_arns out."))
	}
	for i, arn := range sp.CanaryTargetGroupARNs {
		if slices.Contains(main, arn) {
			diags = append(diags, sdk.AttributeErrorf(cty.GetAttrPath("canary_target_group_arns").IndexInt(i), "Canary target group is a main one",
				"The target group %s is also one the group joins when enabled (target_group_arns or the cluster's load_balancers). A canary needs target groups of its own, which a listener weighs against the main ones.", targetGroupName(arn)))
		}
	}
	return diags
}

// enableCanary gives g weight percent of its cluster's traffic: once the
// listeners are found to give its canary target groups that share, its
// weight is tagged, its processes resumed, and it is attached to its
// canary target groups; once its instances are healthy there, the
// cluster's other groups are detached from them, and g from its main
// ones.
func (c *client) enableCanary(ctx context.Context, g asgtypes.AutoScalingGroup, weight int32) sdk.Diagnostics {
	name := awssdk.ToString(g.AutoScalingGroupName)
	canary := canaryTargetGroups(g)
	if len(canary) == 0 {
		return noCanaryTargetGroups(name, weight)
	}
	if d := c.checkCanarySplit(ctx, name, canary, weight); d != nil {
		return d
	}
	_, err := c.autoscaling.CreateOrUpdateTags(ctx, &autoscaling.CreateOrUpdateTagsInput{Tags: []asgtypes.Tag{{
		Key: awssdk.String(tagCanaryWeight), Value: awssdk.String(strconv.Itoa(int(weight))), PropagateAtLaunch: awssdk.Bool(false),
		ResourceId: awssdk.String(name), ResourceType: awssdk.String("auto-scaling-group"),
	}}})
	if err != nil {
		return sdk.Diagnostics{apiDiag("tagging "+name+" with its canary weight", err, nil)}
	}
	if _, err := c.autoscaling.ResumeProcesses(ctx, &autoscaling.ResumeProcessesInput{AutoScalingGroupName: awssdk.String(name), ScalingProcesses: disabledProcesses}); err != nil {
		return sdk.Diagnostics{apiDiag("resuming the scaling processes of "+name, err, nil)}
	}
	if d := c.attach(ctx, g, canary, "its canary target groups"); d != nil {
		return d
	}
	// Until the canary serves there, the groups already on its canary
	// target groups keep the canary's share.
	if err := c.waitServing(ctx, name, canary); err != nil {
		return sdk.Diagnostics{sdk.Errorf("Canary not serving",
			"%s was attached to its canary target groups, but %v, so the groups that served that share keep it and the canary takes none yet. Check the target groups' health checks against the new version; the deployment rolls the canary back.", name, err)}
	}
	peers, err := c.clusterPeers(ctx, g)
	if err != nil {
		return sdk.Diagnostics{apiDiag("listing the other groups of "+name+"'s cluster", err, nil)}
	}
	for _, p := range peers {
		if d := c.detachOnly(ctx, p, canary, "the canary target groups of "+name); d != nil {
			return d
		}
	}
	return c.detachOnly(ctx, g, wantedTargetGroups(g), "its main target groups")
}

// handBack gives the canary target groups g is alone on back to the
// cluster's groups enabled whole, before g leaves them (disabled or
// destroyed), so that the listener's canary share returns to the baseline
// rather than to an empty target group. They are waited for; a group
// that is not healthy there in time is a warning, not a reason to keep g:
// registered, it still beats an empty target group.
func (c *client) handBack(ctx context.Context, g asgtypes.AutoScalingGroup) sdk.Diagnostics {
	name := awssdk.ToString(g.AutoScalingGroupName)
	var mine []string
	for _, tg := range canaryTargetGroups(g) {
		if slices.Contains(g.TargetGroupARNs, tg) {
			mine = append(mine, tg)
		}
	}
	if len(mine) == 0 {
		return nil
	}
	peers, err := c.clusterPeers(ctx, g)
	if err != nil {
		return sdk.Diagnostics{apiDiag("listing the other groups of "+name+"'s cluster", err, nil)}
	}
	var diags sdk.Diagnostics
	for _, tg := range mine {
		var whole []asgtypes.AutoScalingGroup
		shared := false
		for _, p := range peers {
			shared = shared || slices.Contains(p.TargetGroupARNs, tg)
			if groupTraffic(p) == (sdk.Traffic{Enabled: true, Weight: 100}) && slices.Contains(canaryTargetGroups(p), tg) {
				whole = append(whole, p)
			}
		}
		if shared {
			continue
		}
		for _, p := range whole {
			pn := awssdk.ToString(p.AutoScalingGroupName)
			if d := c.attach(ctx, p, []string{tg}, "the canary target group "+targetGroupName(tg)); d != nil {
				return d
			}
			if err := c.waitServing(ctx, pn, []string{tg}); err != nil {
				diags = append(diags, sdk.Diagnostic{Severity: sdk.Warning, Summary: "Baseline not yet serving the canary's share",
					Detail: fmt.Sprintf("%s took back the canary target group %s from %s, but %v. It is registered there, so the share does not go to an empty target group.", pn, targetGroupName(tg), name, err)})
			}
		}
	}
	return diags
}

// clusterPeers are the other groups of g's cluster, not being deleted.
func (c *client) clusterPeers(ctx context.Context, g asgtypes.AutoScalingGroup) ([]asgtypes.AutoScalingGroup, error) {
	name, cluster := awssdk.ToString(g.AutoScalingGroupName), groupTagMap(g)[tagCluster]
	var out []asgtypes.AutoScalingGroup
	pages := autoscaling.NewDescribeAutoScalingGroupsPaginator(c.autoscaling, &autoscaling.DescribeAutoScalingGroupsInput{
		Filters: []asgtypes.Filter{{Name: awssdk.String("tag:" + tagCluster), Values: []string{cluster}}},
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, p := range page.AutoScalingGroups {
			if awssdk.ToString(p.AutoScalingGroupName) != name && isClusterGroup(p, cluster) && !deleting(p) {
				out = append(out, p)
			}
		}
	}
	return out, nil
}

// servingTimeout bounds waitServing: an ALB's default health check takes
// two and a half minutes to find a target healthy.
const servingTimeout = 10 * time.Minute

// waitServing waits until the group named name has an instance in
// service and every instance in service is healthy in each of tgs (or
// registered where the target group checks no health), polling
// DescribeTargetHealth. It says why not when servingTimeout passes.
func (c *client) waitServing(ctx context.Context, name string, tgs []string) error {
	deadline := time.Now().Add(servingTimeout)
	for {
		why, err := c.notServing(ctx, name, tgs)
		if err != nil || why == "" {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("after %v %s", servingTimeout, why)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s when interrupted", why)
		case <-time.After(5 * time.Second):
		}
	}
}

// notServing says why the group named name does not serve yet in tgs, or
// "" when it does.
func (c *client) notServing(ctx context.Context, name string, tgs []string) (string, error) {
	g, err := c.group(ctx, name)
	if err != nil {
		return "", err
	}
	var ids []string
	if g != nil {
		for _, in := range g.Instances {
			if in.LifecycleState == asgtypes.LifecycleStateInService {
				ids = append(ids, awssdk.ToString(in.InstanceId))
			}
		}
	}
	if len(ids) == 0 {
		return name + " has no instance in service", nil
	}
	for _, tg := range tgs {
		out, err := c.elbv2.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: awssdk.String(tg)})
		if err != nil {
			return "", err
		}
		state := map[string]elbtypes.TargetHealthStateEnum{}
		for _, d := range out.TargetHealthDescriptions {
			if d.Target != nil && d.TargetHealth != nil {
				state[awssdk.ToString(d.Target.Id)] = d.TargetHealth.State
			}
		}
		for _, id := range ids {
			switch s := state[id]; s {
			case elbtypes.TargetHealthStateEnumHealthy, elbtypes.TargetHealthStateEnumUnavailable:
			case "":
				return fmt.Sprintf("instance %s of %s is not registered in target group %s", id, name, targetGroupName(tg)), nil
			default:
				return fmt.Sprintf("instance %s of %s is %s in target group %s", id, name, s, targetGroupName(tg)), nil
			}
		}
	}
	return "", nil
}

// attach attaches g to those of tgs it is not attached to.
func (c *client) attach(ctx context.Context, g asgtypes.AutoScalingGroup, tgs []string, what string) sdk.Diagnostics {
	var missing []string
	for _, tg := range tgs {
		if !slices.Contains(g.TargetGroupARNs, tg) {
			missing = append(missing, tg)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	name := awssdk.ToString(g.AutoScalingGroupName)
	_, err := c.autoscaling.AttachLoadBalancerTargetGroups(ctx, &autoscaling.AttachLoadBalancerTargetGroupsInput{AutoScalingGroupName: awssdk.String(name), TargetGroupARNs: missing})
	if err != nil {
		return sdk.Diagnostics{apiDiag("attaching "+name+" to "+what, err, nil)}
	}
	return nil
}

// detachOnly detaches g from those of tgs it is attached to.
func (c *client) detachOnly(ctx context.Context, g asgtypes.AutoScalingGroup, tgs []string, what string) sdk.Diagnostics {
	var attached []string
	for _, tg := range tgs {
		if slices.Contains(g.TargetGroupARNs, tg) {
			attached = append(attached, tg)
		}
	}
	if len(attached) == 0 {
		return nil
	}
	name := awssdk.ToString(g.AutoScalingGroupName)
	_, err := c.autoscaling.DetachLoadBalancerTargetGroups(ctx, &autoscaling.DetachLoadBalancerTargetGroupsInput{AutoScalingGroupName: awssdk.String(name), TargetGroupARNs: attached})
	if err != nil {
		return sdk.Diagnostics{apiDiag("detaching "+name+" from "+what, err, nil)}
	}
	return nil
}

// checkCanarySplit makes sure that every listener forwarding to one of a
// canary's target groups gives it weight percent of what it forwards,
// within a point, and that at least one does: else the plan's share would
// be a lie. Each listener's default action and rules are read.
func (c *client) checkCanarySplit(ctx context.Context, group string, canary []string, weight int32) sdk.Diagnostics {
	doing := "reading the listeners that forward to the canary target groups of " + group
	balancers, err := c.targetGroupBalancers(ctx, canary)
	if isCode(err, "TargetGroupNotFound") {
		return sdk.Diagnostics{sdk.AttributeErrorf(cty.GetAttrPath("canary_target_group_arns"), "Canary target group not found",
			"While %s: %s. Each of canary_target_group_arns must be a target group that exists, such as aws_lb_target_group.canary.arn.", doing, describeError(err))}
	}
	if err != nil {
		return sdk.Diagnostics{apiDiag(doing, err, nil)}
	}
	listeners := map[string][]forwarder{} // by load balancer ARN
	var diags sdk.Diagnostics
	for _, tg := range canary {
		found := false
		for _, lb := range balancers[tg] {
			fs, ok := listeners[lb]
			if !ok {
				fs, err = c.forwarders(ctx, lb)
				if err != nil {
					return sdk.Diagnostics{apiDiag(doing, err, nil)}
				}
				listeners[lb] = fs
			}
			for _, f := range fs {
				share, ok := f.share(tg)
				if !ok {
					continue
				}
				found = true
				if math.Abs(share-float64(weight)) > 1 {
					diags = append(diags, splitMismatch(group, tg, weight, f, share))
				}
			}
		}
		if !found {
			diags = append(diags, sdk.Errorf("No listener forwards to the canary target group",
				"%s is to take %d%% of its cluster's traffic through its canary target group %s, but no listener forwards to it, so it would take none. Forward to it beside the main target group in an aws_lb_listener's default_action, weighed so that it gets %d%% (for example weight %d for it and %d for the main one).",
				group, weight, targetGroupName(tg), weight, weight, 100-weight))
		}
	}
	return diags
}

// splitMismatch is the diagnostic for a forward action f that gives the
// canary target group tg share percent instead of weight.
func splitMismatch(group, tg string, weight int32, f forwarder, share float64) sdk.Diagnostic {
	name := targetGroupName(tg)
	detail := fmt.Sprintf("%s is to take %d%% of its cluster's traffic through its canary target group %s, but %s weighs %s, which sends %s %s%% of what it forwards. tack does not change listeners, which are resources of the configuration: set the weights of that forward action so that %s's weight over their sum is %d%% (for example %d for it and %d for the main target group)",
		group, weight, name, f.where, f.weights(), name, percent(share), name, weight, weight, 100-weight)
	if r := math.Round(share); r >= 1 && r <= 99 {
		detail += fmt.Sprintf(", or set the delivery policy's canary weight to %s", percent(r))
	}
	return sdk.Errorf("Listener does not give the canary its share", "%s.", detail)
}

// forwarder is a listener's forward action: its default action or a
// rule's.
type forwarder struct {
	where  string // "listener HTTP:80 of load balancer web (ARN)", or a rule of one
	tuples []elbtypes.TargetGroupTuple
}

// share is the percentage of the requests f forwards that go to tg, and
// whether f forwards to tg at all.
func (f forwarder) share(tg string) (float64, bool) {
	var sum, mine int32
	found := false
	for _, t := range f.tuples {
		w := tupleWeight(t)
		sum += w
		if awssdk.ToString(t.TargetGroupArn) == tg {
			mine += w
			found = true
		}
	}
	if !found {
		return 0, false
	}
	if sum == 0 {
		return 0, true
	}
	return 100 * float64(mine) / float64(sum), true
}

// weights lists f's target groups with their weights: "web-canary 1 and
// web 1".
func (f forwarder) weights() string {
	var parts []string
	for _, t := range f.tuples {
		parts = append(parts, fmt.Sprintf("%s %d", targetGroupName(awssdk.ToString(t.TargetGroupArn)), tupleWeight(t)))
	}
	if len(parts) < 2 {
		return strings.Join(parts, "") + " alone"
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// tupleWeight is a target group's weight in a forward action; AWS's
// default is 1.
func tupleWeight(t elbtypes.TargetGroupTuple) int32 {
	if t.Weight == nil {
		return 1
	}
	return *t.Weight
}

// percent prints a share without needless decimals: 10, 33.3.
func percent(v float64) string {
	if v == math.Trunc(v) {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

// forwarders are the forward actions of every listener of the load
// balancer lb: each default action, and each rule's.
func (c *client) forwarders(ctx context.Context, lb string) ([]forwarder, error) {
	var out []forwarder
	pages := elbv2.NewDescribeListenersPaginator(c.elbv2, &elbv2.DescribeListenersInput{LoadBalancerArn: awssdk.String(lb)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, l := range page.Listeners {
			arn := awssdk.ToString(l.ListenerArn)
			where := fmt.Sprintf("listener %s:%d of load balancer %s (%s)", l.Protocol, awssdk.ToInt32(l.Port), loadBalancerName(lb), arn)
			for _, a := range l.DefaultActions {
				if ts := forwardTuples(a); ts != nil {
					out = append(out, forwarder{where: where, tuples: ts})
				}
			}
			rules, err := c.elbv2.DescribeRules(ctx, &elbv2.DescribeRulesInput{ListenerArn: awssdk.String(arn)})
			if err != nil {
				return nil, err
			}
			for _, r := range rules.Rules {
				if awssdk.ToBool(r.IsDefault) {
					continue // the default action, read above
				}
				for _, a := range r.Actions {
					if ts := forwardTuples(a); ts != nil {
						out = append(out, forwarder{where: fmt.Sprintf("the rule of priority %s of %s", awssdk.ToString(r.Priority), where), tuples: ts})
					}
				}
			}
		}
	}
	return out, nil
}

// forwardTuples are the target groups a forward action sends to, with
// their weights; nil for any other action. AWS gives a forward to one
// target group as TargetGroupArn, with or without a ForwardConfig.
func forwardTuples(a elbtypes.Action) []elbtypes.TargetGroupTuple {
	if a.Type != elbtypes.ActionTypeEnumForward {
		return nil
	}
	if a.ForwardConfig != nil && len(a.ForwardConfig.TargetGroups) > 0 {
		return a.ForwardConfig.TargetGroups
	}
	if a.TargetGroupArn != nil {
		return []elbtypes.TargetGroupTuple{{TargetGroupArn: a.TargetGroupArn, Weight: awssdk.Int32(1)}}
	}
	return nil
}

// loadBalancerName is the name in a load balancer's ARN
// (…:loadbalancer/app/NAME/ID), or the ARN.
func loadBalancerName(arn string) string {
	parts := strings.Split(arnResource(arn, "loadbalancer/"), "/")
	if len(parts) == 3 {
		return parts[1]
	}
	return arn
}
