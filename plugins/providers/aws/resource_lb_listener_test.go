package aws

import (
	"fmt"
	"testing"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/internal/mototest"
	"github.com/tackhq/tack/plugins/sdk/sdktest"
)

// liveListener is what AWS has of a listener, described outside the
// provider: its target groups as "arn=weight".
type liveListener struct {
	LoadBalancer, Protocol string
	Port                   int32
	Forward                []string
	Tags                   map[string]string
}

func describeListener(t *testing.T, s *mototest.Server, arn string) (liveListener, error) {
	t.Helper()
	c := motoELBv2(s)
	out, err := c.DescribeListeners(t.Context(), &elbv2.DescribeListenersInput{ListenerArns: []string{arn}})
	if err != nil {
		return liveListener{}, err
	}
	l := out.Listeners[0]
	got := liveListener{LoadBalancer: awssdk.ToString(l.LoadBalancerArn), Protocol: string(l.Protocol), Port: awssdk.ToInt32(l.Port), Tags: map[string]string{}}
	for _, a := range l.DefaultActions {
		if a.ForwardConfig != nil {
			for _, tg := range a.ForwardConfig.TargetGroups {
				got.Forward = append(got.Forward, fmt.Sprintf("%s=%d", awssdk.ToString(tg.TargetGroupArn), awssdk.ToInt32(tg.Weight)))
			}
		}
	}
	tags, err := c.DescribeTags(t.Context(), &elbv2.DescribeTagsInput{ResourceArns: []string{arn}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tag := range tags.TagDescriptions[0].Tags {
		got.Tags[awssdk.ToString(tag.Key)] = awssdk.ToString(tag.Value)
	}
	return got, nil
}

func listenerFromState(state cty.Value) liveListener {
	port, _ := state.GetAttr("port").AsBigFloat().Int64()
	want := liveListener{LoadBalancer: str(state, "load_balancer_arn"), Protocol: str(state, "protocol"), Port: int32(port), Tags: withDefaultTags(tagMap(state.GetAttr("tags")))}
	for _, tg := range forwardTargets(state.GetAttr("default_action")).AsValueSlice() {
		w, _ := tg.GetAttr("weight").AsBigFloat().Int64()
		want.Forward = append(want.Forward, fmt.Sprintf("%s=%d", str(tg, "arn"), w))
	}
	return want
}

func TestListenerConformance(t *testing.T) {
	s := mototest.Shared(t)
	motoEnv(t, s)
	vpc, subnets := defaultSubnets(t, s)
	lb, lb2 := makeLB(t, s, "web", subnets[:2]), makeLB(t, s, "web-2", subnets[1:3])
	blue, green := makeTargetGroup(t, s, "blue", vpc), makeTargetGroup(t, s, "green", vpc)
	var arns []string
	conformance(t, s, "aws_lb_listener", sdktest.ResourceCase{
		// One target group without a weight: AWS's 1 is planned.
		Config: fmt.Sprintf(`
			load_balancer_arn = %q
			port              = 80
			default_action {
				forward {
					target_group { arn = %q }
				}
			}
		`, lb, blue),
		// A canary's split, another port, tags: all in place.
		Update: fmt.Sprintf(`
			load_balancer_arn = %q
			port              = 8080
			default_action {
				forward {
					target_group {
						arn    = %q
						weight = 90
					}
					target_group {
						arn    = %q
						weight = 10
					}
				}
			}
			tags = { Name = "web" }
		`, lb, blue, green),
		Replace: fmt.Sprintf(`
			load_balancer_arn = %q
			port              = 8080
			default_action {
				forward {
					target_group { arn = %q }
				}
			}
		`, lb2, green),
		ImportID: func(state cty.Value) string { return str(state, "id") },
		Check: func(t *testing.T, state cty.Value) {
			arn := str(state, "id")
			arns = append(arns, arn)
			got, err := describeListener(t, s, arn)
			if err != nil {
				t.Fatalf("describing %s: %v", arn, err)
			}
			if diff := cmp.Diff(listenerFromState(state), got); diff != "" {
				t.Errorf("AWS's listener differs from the state (-state +aws):\n%s", diff)
			}
		},
		Destroyed: func(t *testing.T, _ cty.Value) {
			for _, arn := range arns {
				if _, err := describeListener(t, s, arn); !isCode(err, "ListenerNotFound") {
					t.Errorf("describing %s after destroy: %v; want ListenerNotFound", arn, err)
				}
			}
		},
	})
}

func TestListenerDrift(t *testing.T) {
	h := newResourceHarness(t, nil)
	vpc, subnets := defaultSubnets(t, h.s)
	lb := makeLB(t, h.s, "web", subnets[:2])
	blue, green := makeTargetGroup(t, h.s, "blue", vpc), makeTargetGroup(t, h.s, "green", vpc)
	body := fmt.Sprintf(`
		load_balancer_arn = %q
		port              = 80
		default_action {
			forward {
				target_group {
					arn    = %q
					weight = 100
				}
				target_group {
					arn    = %q
					weight = 0
				}
			}
		}
	`, lb, blue, green)
	state := h.create("aws_lb_listener", body)
	arn := str(state, "id")

	// Someone shifts traffic by hand, listing the groups in the other
	// order.
	c := motoELBv2(h.s)
	if _, err := c.ModifyListener(t.Context(), &elbv2.ModifyListenerInput{ListenerArn: &arn, DefaultActions: []elbtypes.Action{{
		Type: elbtypes.ActionTypeEnumForward,
		ForwardConfig: &elbtypes.ForwardActionConfig{TargetGroups: []elbtypes.TargetGroupTuple{
			{TargetGroupArn: &green, Weight: awssdk.Int32(50)}, {TargetGroupArn: &blue, Weight: awssdk.Int32(50)},
		}},
	}}}); err != nil {
		t.Fatal(err)
	}
	got := h.read("aws_lb_listener", state)
	want := []string{blue + "=50", green + "=50"} // in the configuration's order
	if diff := cmp.Diff(want, listenerFromState(got).Forward); diff != "" {
		t.Errorf("forward after a change outside tack (-want +got):\n%s", diff)
	}

	cfg := h.config("aws_lb_listener", body)
	h.wantInPlace("aws_lb_listener", got, cfg)
	fixed, diags := h.apply("aws_lb_listener", got, cfg)
	if err := diags.Err(); err != nil {
		t.Fatal(err)
	}
	live, err := describeListener(t, h.s, arn)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{blue + "=100", green + "=0"}, live.Forward); diff != "" {
		t.Errorf("weights after apply (-want +got):\n%s", diff)
	}
	h.wantNoChange("aws_lb_listener", fixed, cfg)

	// Its load balancer deleted outside tack, the listener is gone too.
	if _, err := c.DeleteLoadBalancer(t.Context(), &elbv2.DeleteLoadBalancerInput{LoadBalancerArn: &lb}); err != nil {
		t.Fatal(err)
	}
	if got := h.read("aws_lb_listener", fixed); !got.IsNull() {
		t.Errorf("a listener whose load balancer was deleted reads as %#v; want gone", got)
	}
	h.destroy("aws_lb_listener", fixed) // already gone is not an error
}

func TestListenerErrors(t *testing.T) {
	h := newResourceHarness(t, nil)
	vpc, subnets := defaultSubnets(t, h.s)
	lb := makeLB(t, h.s, "web", subnets[:2])
	blue := makeTargetGroup(t, h.s, "blue", vpc)
	missing := "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/gone/0123456789abcdef"

	cfg := h.config("aws_lb_listener", fmt.Sprintf(`
		load_balancer_arn = %q
		port              = 80
		default_action {
			forward {
				target_group { arn = %q }
				target_group { arn = %q }
			}
		}
	`, lb, blue, missing))
	state, diags := h.apply("aws_lb_listener", cty.NullVal(cfg.Type()), cfg)
	wantDiag(t, diags, "AWS error TargetGroupNotFound", "default_action.forward.target_group[1].arn",
		"Elastic Load Balancing v2 CreateListener: TargetGroupNotFound", missing)
	if !state.IsNull() {
		t.Errorf("a create AWS refused returned %#v; want nothing recorded", state)
	}

	// A port that has a listener already is refused before anything is
	// made: AWS would hand back that listener for tack to take over.
	if _, err := motoELBv2(h.s).CreateListener(t.Context(), &elbv2.CreateListenerInput{
		LoadBalancerArn: &lb, Port: awssdk.Int32(443), Protocol: elbtypes.ProtocolEnumHttp,
		DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: &blue}},
	}); err != nil {
		t.Fatal(err)
	}
	cfg = h.config("aws_lb_listener", fmt.Sprintf(`
		load_balancer_arn = %q
		port              = 443
		default_action {
			forward {
				target_group { arn = %q }
			}
		}
	`, lb, blue))
	_, diags = h.apply("aws_lb_listener", cty.NullVal(cfg.Type()), cfg)
	wantDiag(t, diags, "Port already has a listener", "port", "443", "tack import")

	_, diags = h.validate("aws_lb_listener", fmt.Sprintf(`
		load_balancer_arn = %q
		port              = 443
		protocol          = "HTTPS"
		default_action {
			forward {
				target_group { arn = %q }
			}
		}
	`, lb, blue))
	wantDiag(t, diags, "Missing certificate", "certificate_arn")
}
