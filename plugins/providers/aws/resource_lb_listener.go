package aws

import (
	"context"
	"fmt"
	"slices"
	"strings"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/plugins/sdk"
)

// lbListenerResource is aws_lb_listener: a port of an application load
// balancer and the target groups it forwards to, each with a weight. The
// weights are how a canary takes a share of a cluster's traffic.
func lbListenerResource() *sdk.Resource {
	return &sdk.Resource{
		Schema: sdk.Block{
			Description: "A listener of an application load balancer: a port and protocol, and a default action that forwards requests to one or more target groups by weight (a target group's share is its weight over the sum). Everything but the load balancer changes in place.",
			Attributes: map[string]*sdk.Attribute{
				"load_balancer_arn": {Type: cty.String, Required: true,
					Description:   "The ARN of the load balancer (aws_lb's id). Changing it replaces the listener.",
					PlanModifiers: []sdk.PlanModifier{sdk.RequiresReplace()}},
				"port": {Type: cty.Number, Required: true, Validators: []sdk.Validator{sdk.WholeNumber, intBetween(1, 65535)},
					Description: "The port the load balancer listens on."},
				"protocol": {Type: cty.String, Optional: true, Computed: true, Default: cty.StringVal("HTTP"), Validators: []sdk.Validator{oneOf("HTTP", "HTTPS")},
					Description: "\"HTTP\" (default) or \"HTTPS\", which needs certificate_arn."},
				"certificate_arn": {Type: cty.String, Optional: true,
					Description: "The ARN of the default server certificate (ACM or IAM) of an HTTPS listener."},
				"tags":     tagsAttribute(),
				"tags_all": tagsAllAttribute(),
				"id":       idAttribute("The listener's ARN; the import id."),
				"arn":      idAttribute("The listener's ARN."),
			},
			BlockTypes: map[string]*sdk.NestedBlock{
				"default_action": {Nesting: sdk.NestingSingle, MinItems: 1, Block: sdk.Block{
					Description: "What the listener does with a request no rule matches.",
					BlockTypes: map[string]*sdk.NestedBlock{
						"forward": {Nesting: sdk.NestingSingle, MinItems: 1, Block: sdk.Block{
							Description: "Forward requests to target groups, split by weight.",
							BlockTypes: map[string]*sdk.NestedBlock{
								"target_group": {Nesting: sdk.NestingList, MinItems: 1, MaxItems: 5, Block: sdk.Block{
									Description: "A target group requests go to, and its weight.",
									Attributes: map[string]*sdk.Attribute{
										"arn": {Type: cty.String, Required: true,
											Description: "The target group's ARN (aws_lb_target_group's id)."},
										"weight": {Type: cty.Number, Optional: true, Computed: true, Validators: []sdk.Validator{sdk.WholeNumber, intBetween(0, 999)},
											Description: "The target group's weight, 0 to 999; it gets weight over the sum of weights of the requests. Default 1."},
									},
								}},
							},
						}},
					},
				}},
			},
		},
		Validate:   validateListener,
		ModifyPlan: planListener,
		Create:     createListener,
		Read:       readListener,
		Update:     updateListener,
		Delete:     deleteListener,
		Import:     sdk.ImportAs("id"),
	}
}

var targetGroupsPath = cty.GetAttrPath("default_action").GetAttr("forward").GetAttr("target_group")

// forwardTargets is the target_group list of a default_action value, or
// a null or unknown value when there is none to look into.
func forwardTargets(action cty.Value) cty.Value {
	if action.IsNull() || !action.IsKnown() {
		return action
	}
	fwd := action.GetAttr("forward")
	if fwd.IsNull() || !fwd.IsKnown() {
		return fwd
	}
	return fwd.GetAttr("target_group")
}

func validateListener(_ context.Context, d *sdk.Data) sdk.Diagnostics {
	var diags sdk.Diagnostics
	if d.IsSet("protocol") && d.String("protocol") == "HTTPS" && d.Get("certificate_arn").IsNull() {
		diags = append(diags, sdk.AttributeErrorf(cty.GetAttrPath("certificate_arn"), "Missing certificate",
			"An HTTPS listener needs a server certificate: set certificate_arn to its ARN."))
	}
	tgs := forwardTargets(d.Get("default_action"))
	if tgs.IsNull() || !tgs.IsKnown() {
		return diags
	}
	seen := map[string]bool{}
	for i, tg := range tgs.AsValueSlice() {
		arn := tg.GetAttr("arn")
		if !arn.IsKnown() || arn.IsNull() {
			continue
		}
		if seen[arn.AsString()] {
			diags = append(diags, sdk.AttributeErrorf(targetGroupsPath.Copy().IndexInt(i).GetAttr("arn"), "Duplicate target group",
				"The target group %s is forwarded to twice; give it one target_group block with the sum of the weights.", arn.AsString()))
		}
		seen[arn.AsString()] = true
	}
	return diags
}

// planListener plans a weight of 1, AWS's default, for each target group
// that has none: SDK defaults do not reach into list blocks.
func planListener(_ context.Context, meta any, p *sdk.Plan) sdk.Diagnostics {
	planTagsAll(meta, p)
	action := p.Planned.Get("default_action")
	tgs := forwardTargets(action)
	if tgs.IsNull() || !tgs.IsKnown() || tgs.LengthInt() == 0 {
		return nil
	}
	var out []cty.Value
	for _, tg := range tgs.AsValueSlice() {
		if tg.IsKnown() && !tg.IsNull() && tg.GetAttr("weight").IsNull() {
			m := tg.AsValueMap()
			m["weight"] = cty.NumberIntVal(1)
			tg = cty.ObjectVal(m)
		}
		out = append(out, tg)
	}
	fwd := action.GetAttr("forward").AsValueMap()
	fwd["target_group"] = cty.ListVal(out)
	am := action.AsValueMap()
	am["forward"] = cty.ObjectVal(fwd)
	p.Planned.Set("default_action", cty.ObjectVal(am))
	return nil
}

// listenerActions is the planned default action in AWS's form.
func listenerActions(d *sdk.Data) []elbtypes.Action {
	var tuples []elbtypes.TargetGroupTuple
	tgs := forwardTargets(d.Get("default_action"))
	if !tgs.IsNull() && tgs.IsKnown() {
		for _, tg := range tgs.AsValueSlice() {
			t := elbtypes.TargetGroupTuple{TargetGroupArn: awssdk.String(tg.GetAttr("arn").AsString()), Weight: awssdk.Int32(1)}
			if w := tg.GetAttr("weight"); !w.IsNull() {
				n, _ := w.AsBigFloat().Int64()
				t.Weight = awssdk.Int32(int32(n))
			}
			tuples = append(tuples, t)
		}
	}
	return []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, ForwardConfig: &elbtypes.ForwardActionConfig{TargetGroups: tuples}}}
}

func listenerCertificates(d *sdk.Data) []elbtypes.Certificate {
	if !d.IsSet("certificate_arn") {
		return nil
	}
	return []elbtypes.Certificate{{CertificateArn: awssdk.String(d.String("certificate_arn"))}}
}

// listenerErrorPath is the attribute an error of CreateListener or
// ModifyListener concerns: the target_group block whose ARN AWS names,
// the load balancer, the port; or nil.
func listenerErrorPath(err error, d *sdk.Data) cty.Path {
	msg := describeError(err)
	switch {
	case isCode(err, "TargetGroupNotFound", "TargetGroupAssociationLimit", "IncompatibleProtocols"):
		if tgs := forwardTargets(d.Get("default_action")); !tgs.IsNull() && tgs.IsKnown() {
			for i, tg := range tgs.AsValueSlice() {
				if arn := tg.GetAttr("arn"); arn.IsKnown() && !arn.IsNull() && strings.Contains(msg, arn.AsString()) {
					return targetGroupsPath.Copy().IndexInt(i).GetAttr("arn")
				}
			}
		}
		return targetGroupsPath
	case isCode(err, "LoadBalancerNotFound"):
		return cty.GetAttrPath("load_balancer_arn")
	case isCode(err, "DuplicateListener"):
		return cty.GetAttrPath("port")
	case isCode(err, "CertificateNotFound", "UnsupportedCertificate"):
		return cty.GetAttrPath("certificate_arn")
	}
	return nil
}

func createListener(ctx context.Context, meta any, d *sdk.Data) sdk.Diagnostics {
	c, diags := clientOf(meta)
	if diags != nil {
		return diags
	}
	lb := d.String("load_balancer_arn")
	port := d.Int("port")
	// AWS answers a CreateListener for a port that has a listener with the
	// same settings with that listener, which tack would then take over;
	// moto makes a second listener on a port an earlier ModifyListener
	// moved one to. Asking first makes both an error.
	existing, err := c.elbv2.DescribeListeners(ctx, &elbv2.DescribeListenersInput{LoadBalancerArn: &lb})
	if err != nil {
		return sdk.Diagnostics{apiDiag("reading the listeners of load balancer "+lb, err, listenerErrorPath(err, d))}
	}
	for _, l := range existing.Listeners {
		if int64(awssdk.ToInt32(l.Port)) == port {
			arn := awssdk.ToString(l.ListenerArn)
			return sdk.Diagnostics{sdk.AttributeErrorf(cty.GetAttrPath("port"), "Port already has a listener",
				"The load balancer already listens on port %d (%s). Choose another port, or import that listener: tack import ADDRESS %s.", port, arn, arn)}
		}
	}
	out, err := c.elbv2.CreateListener(ctx, &elbv2.CreateListenerInput{
		LoadBalancerArn: &lb,
		Port:            awssdk.Int32(int32(port)),
		Protocol:        elbtypes.ProtocolEnum(d.String("protocol")),
		Certificates:    listenerCertificates(d),
		DefaultActions:  listenerActions(d),
		Tags:            elbTags(c.tags(ownTags(d))),
	})
	if err != nil {
		return sdk.Diagnostics{apiDiag(fmt.Sprintf("creating listener on port %d", port), err, listenerErrorPath(err, d))}
	}
	arn := awssdk.ToString(out.Listeners[0].ListenerArn)
	d.Set("id", arn)
	d.Set("arn", arn)
	return readListener(ctx, meta, d)
}

func updateListener(ctx context.Context, meta any, d *sdk.Data) sdk.Diagnostics {
	c, diags := clientOf(meta)
	if diags != nil {
		return diags
	}
	arn := d.String("id")
	if d.HasChange("port") || d.HasChange("protocol") || d.HasChange("certificate_arn") || d.HasChange("default_action") {
		_, err := c.elbv2.ModifyListener(ctx, &elbv2.ModifyListenerInput{
			ListenerArn:    &arn,
			Port:           awssdk.Int32(int32(d.Int("port"))),
			Protocol:       elbtypes.ProtocolEnum(d.String("protocol")),
			Certificates:   listenerCertificates(d),
			DefaultActions: listenerActions(d),
		})
		if err != nil {
			return sdk.Diagnostics{apiDiag("changing listener "+arn, err, listenerErrorPath(err, d))}
		}
	}
	if d.HasChange("tags_all") {
		if diags := c.updateELBTags(ctx, arn, d); diags.HasErrors() {
			return diags
		}
	}
	return readListener(ctx, meta, d)
}

func readListener(ctx context.Context, meta any, d *sdk.Data) sdk.Diagnostics {
	c, diags := clientOf(meta)
	if diags != nil {
		return diags
	}
	arn := d.String("id")
	out, err := c.elbv2.DescribeListeners(ctx, &elbv2.DescribeListenersInput{ListenerArns: []string{arn}})
	if isCode(err, "ListenerNotFound", "LoadBalancerNotFound", "ValidationError") || err == nil && len(out.Listeners) == 0 {
		// A listener goes with its load balancer; ValidationError: an id
		// that is not an ARN names nothing.
		d.SetGone()
		return nil
	}
	if err != nil {
		return sdk.Diagnostics{apiDiag("reading listener "+arn, err, nil)}
	}
	l := out.Listeners[0]
	d.Set("id", awssdk.ToString(l.ListenerArn))
	d.Set("arn", awssdk.ToString(l.ListenerArn))
	d.Set("load_balancer_arn", awssdk.ToString(l.LoadBalancerArn))
	d.Set("port", int64(awssdk.ToInt32(l.Port)))
	d.Set("protocol", string(l.Protocol))
	cert := cty.NullVal(cty.String)
	for _, crt := range l.Certificates {
		if crt.IsDefault == nil || *crt.IsDefault {
			cert = cty.StringVal(awssdk.ToString(crt.CertificateArn))
			break
		}
	}
	d.Set("certificate_arn", cert)
	d.Set("default_action", defaultActionValue(d.Get("default_action"), l.DefaultActions))
	return c.readELBTags(ctx, arn, d)
}

// defaultActionValue is the listener's default action as a default_action
// value, its target groups in the recorded order (prior) so that an
// unchanged listener reads as it was written. An action other than
// forward, set outside tack, reads as no forward block: drift the next
// apply corrects.
func defaultActionValue(prior cty.Value, actions []elbtypes.Action) cty.Value {
	ty := lbListenerResource().Schema.BlockTypes["default_action"].ImpliedType()
	fwdTy := ty.AttributeType("forward")
	tgTy := fwdTy.AttributeType("target_group").ElementType()
	var live []elbtypes.TargetGroupTuple
	forward := false
	for _, a := range actions {
		if a.Type != elbtypes.ActionTypeEnumForward {
			continue
		}
		forward = true
		switch {
		case a.ForwardConfig != nil && len(a.ForwardConfig.TargetGroups) > 0:
			live = a.ForwardConfig.TargetGroups
		case a.TargetGroupArn != nil:
			live = []elbtypes.TargetGroupTuple{{TargetGroupArn: a.TargetGroupArn, Weight: awssdk.Int32(1)}}
		}
	}
	if !forward {
		return cty.ObjectVal(map[string]cty.Value{"forward": cty.NullVal(fwdTy)})
	}
	var order []string
	if tgs := forwardTargets(prior); !tgs.IsNull() && tgs.IsWhollyKnown() {
		for _, tg := range tgs.AsValueSlice() {
			order = append(order, tg.GetAttr("arn").AsString())
		}
	}
	rank := func(t elbtypes.TargetGroupTuple) int {
		if i := slices.Index(order, awssdk.ToString(t.TargetGroupArn)); i >= 0 {
			return i
		}
		return len(order)
	}
	live = slices.Clone(live)
	slices.SortStableFunc(live, func(a, b elbtypes.TargetGroupTuple) int { return rank(a) - rank(b) })
	var elems []cty.Value
	for _, t := range live {
		w := int64(1)
		if t.Weight != nil {
			w = int64(*t.Weight)
		}
		elems = append(elems, cty.ObjectVal(map[string]cty.Value{"arn": cty.StringVal(awssdk.ToString(t.TargetGroupArn)), "weight": cty.NumberIntVal(w)}))
	}
	list := cty.ListValEmpty(tgTy)
	if len(elems) > 0 {
		list = cty.ListVal(elems)
	}
	return cty.ObjectVal(map[string]cty.Value{"forward": cty.ObjectVal(map[string]cty.Value{"target_group": list})})
}

func deleteListener(ctx context.Context, meta any, d *sdk.Data) sdk.Diagnostics {
	c, diags := clientOf(meta)
	if diags != nil {
		return diags
	}
	arn := d.String("id")
	if _, err := c.elbv2.DeleteListener(ctx, &elbv2.DeleteListenerInput{ListenerArn: &arn}); err != nil && !isCode(err, "ListenerNotFound", "LoadBalancerNotFound") {
		return sdk.Diagnostics{apiDiag("deleting listener "+arn, err, nil)}
	}
	return nil
}
