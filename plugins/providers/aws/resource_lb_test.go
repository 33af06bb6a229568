package aws

import (
	"fmt"
	"sort"
	"testing"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/internal/mototest"
	"github.com/tackhq/tack/plugins/sdk/sdktest"
)

// liveLB is what AWS has of a load balancer, described outside the
// provider.
type liveLB struct {
	Name, Scheme, State string
	Subnets, Groups     []string
	IdleTimeout         string
	Tags                map[string]string
}

func describeLB(t *testing.T, s *mototest.Server, arn string) (liveLB, error) {
	t.Helper()
	c := motoELBv2(s)
	out, err := c.DescribeLoadBalancers(t.Context(), &elbv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{arn}})
	if err != nil {
		return liveLB{}, err
	}
	lb := out.LoadBalancers[0]
	got := liveLB{Name: awssdk.ToString(lb.LoadBalancerName), Scheme: string(lb.Scheme), State: string(lb.State.Code), Groups: lb.SecurityGroups, IdleTimeout: "60", Tags: map[string]string{}}
	for _, az := range lb.AvailabilityZones {
		got.Subnets = append(got.Subnets, awssdk.ToString(az.SubnetId))
	}
	sort.Strings(got.Subnets)
	sort.Strings(got.Groups)
	attrs, err := c.DescribeLoadBalancerAttributes(t.Context(), &elbv2.DescribeLoadBalancerAttributesInput{LoadBalancerArn: &arn})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range attrs.Attributes {
		if awssdk.ToString(a.Key) == "idle_timeout.timeout_seconds" {
			got.IdleTimeout = awssdk.ToString(a.Value)
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

// lbFromState is what a load balancer's state says AWS has.
func lbFromState(state cty.Value) liveLB {
	want := liveLB{Name: str(state, "name"), Scheme: "internet-facing", State: "active", Tags: withDefaultTags(tagMap(state.GetAttr("tags")))}
	if state.GetAttr("internal").True() {
		want.Scheme = "internal"
	}
	for _, e := range state.GetAttr("subnets").AsValueSlice() {
		want.Subnets = append(want.Subnets, e.AsString())
	}
	for _, e := range state.GetAttr("security_groups").AsValueSlice() {
		want.Groups = append(want.Groups, e.AsString())
	}
	sort.Strings(want.Subnets)
	sort.Strings(want.Groups)
	n, _ := state.GetAttr("idle_timeout").AsBigFloat().Int64()
	want.IdleTimeout = fmt.Sprint(n)
	return want
}

func TestLBConformance(t *testing.T) {
	s := mototest.Shared(t)
	motoEnv(t, s)
	vpc, subnets := defaultSubnets(t, s)
	web, edge := makeSecurityGroup(t, s, "web", vpc), makeSecurityGroup(t, s, "edge", vpc)
	var arns []string
	conformance(t, s, "aws_lb", sdktest.ResourceCase{
		Config: fmt.Sprintf(`
			name            = "web"
			subnets         = [%q, %q]
			security_groups = [%q]
			tags            = { Name = "web" }
		`, subnets[0], subnets[1], web),
		Update: fmt.Sprintf(`
			name            = "web"
			subnets         = [%q, %q, %q]
			security_groups = [%q, %q]
			idle_timeout    = 120
			tags            = { Name = "web", tier = "front" }
		`, subnets[0], subnets[1], subnets[2], web, edge),
		Replace: fmt.Sprintf(`
			name     = "web"
			internal = true
			subnets  = [%q, %q]
		`, subnets[0], subnets[1]),
		ImportID: func(state cty.Value) string { return str(state, "id") },
		Check: func(t *testing.T, state cty.Value) {
			arn := str(state, "id")
			arns = append(arns, arn)
			got, err := describeLB(t, s, arn)
			if err != nil {
				t.Fatalf("describing %s: %v", arn, err)
			}
			if diff := cmp.Diff(lbFromState(state), got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("AWS's load balancer differs from the state (-state +aws):\n%s", diff)
			}
			if str(state, "arn") != arn || str(state, "dns_name") == "" || str(state, "zone_id") == "" || str(state, "vpc_id") != vpc {
				t.Errorf("computed attributes: arn %q, dns_name %q, zone_id %q, vpc_id %q", str(state, "arn"), str(state, "dns_name"), str(state, "zone_id"), str(state, "vpc_id"))
			}
		},
		Destroyed: func(t *testing.T, _ cty.Value) {
			for _, arn := range arns {
				if _, err := describeLB(t, s, arn); !isCode(err, "LoadBalancerNotFound") {
					t.Errorf("describing %s after destroy: %v; want LoadBalancerNotFound", arn, err)
				}
			}
		},
	})
}

func TestLBDrift(t *testing.T) {
	h := newResourceHarness(t, nil)
	vpc, subnets := defaultSubnets(t, h.s)
	web, other := makeSecurityGroup(t, h.s, "web", vpc), makeSecurityGroup(t, h.s, "other", vpc)
	body := fmt.Sprintf(`
		name            = "web"
		subnets         = [%q, %q]
		security_groups = [%q]
		idle_timeout    = 30
	`, subnets[0], subnets[1], web)
	state := h.create("aws_lb", body)
	arn := str(state, "id")

	c := motoELBv2(h.s)
	if _, err := c.SetSecurityGroups(t.Context(), &elbv2.SetSecurityGroupsInput{LoadBalancerArn: &arn, SecurityGroups: []string{other}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ModifyLoadBalancerAttributes(t.Context(), &elbv2.ModifyLoadBalancerAttributesInput{LoadBalancerArn: &arn,
		Attributes: []elbtypes.LoadBalancerAttribute{{Key: awssdk.String("idle_timeout.timeout_seconds"), Value: awssdk.String("300")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddTags(t.Context(), &elbv2.AddTagsInput{ResourceArns: []string{arn}, Tags: []elbtypes.Tag{{Key: awssdk.String("owner"), Value: awssdk.String("someone")}}}); err != nil {
		t.Fatal(err)
	}
	got := h.read("aws_lb", state)
	if g := got.GetAttr("security_groups"); !g.RawEquals(cty.SetVal([]cty.Value{cty.StringVal(other)})) {
		t.Errorf("security_groups after a change outside tack = %#v; want [%s]", g, other)
	}
	if n, _ := got.GetAttr("idle_timeout").AsBigFloat().Int64(); n != 300 {
		t.Errorf("idle_timeout after a change outside tack = %d; want 300", n)
	}
	if diff := cmp.Diff(map[string]string{"owner": "someone"}, tagMap(got.GetAttr("tags"))); diff != "" {
		t.Errorf("tags after a tag added outside tack (-want +got):\n%s", diff)
	}

	cfg := h.config("aws_lb", body)
	h.wantInPlace("aws_lb", got, cfg)
	fixed, diags := h.apply("aws_lb", got, cfg)
	if err := diags.Err(); err != nil {
		t.Fatal(err)
	}
	live, err := describeLB(t, h.s, arn)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(lbFromState(fixed), live, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("after apply, AWS differs from the state (-state +aws):\n%s", diff)
	}
	if live.IdleTimeout != "30" || len(live.Groups) != 1 || live.Groups[0] != web {
		t.Errorf("apply did not put back the configuration: %+v", live)
	}

	if _, err := c.DeleteLoadBalancer(t.Context(), &elbv2.DeleteLoadBalancerInput{LoadBalancerArn: &arn}); err != nil {
		t.Fatal(err)
	}
	if got := h.read("aws_lb", fixed); !got.IsNull() {
		t.Errorf("a load balancer deleted outside tack reads as %#v; want gone", got)
	}
	h.destroy("aws_lb", fixed) // already gone is not an error
}

func TestLBErrors(t *testing.T) {
	// The proxy refuses attribute changes, so that a create fails after
	// the load balancer exists.
	s := mototest.Shared(t)
	proxy := faultProxy(t, s, func(action string) (string, bool) {
		return "InvalidConfigurationRequest", action == "ModifyLoadBalancerAttributes"
	})
	h := newResourceHarness(t, map[string]string{"elbv2": proxy})
	_, subnets := defaultSubnets(t, h.s)

	cfg := h.config("aws_lb", fmt.Sprintf(`
		name    = "web"
		subnets = [%q, "subnet-0123456789abcdef0"]
	`, subnets[0]))
	state, diags := h.apply("aws_lb", cty.NullVal(cfg.Type()), cfg)
	// AWS's code is SubnetNotFound; moto answers with EC2's.
	wantDiag(t, diags, "AWS error InvalidSubnetID.NotFound", "subnets", "Elastic Load Balancing v2 CreateLoadBalancer: InvalidSubnetID.NotFound", "subnet-0123456789abcdef0")
	if !state.IsNull() {
		t.Errorf("a create AWS refused returned %#v; want nothing recorded", state)
	}

	// Made, then a follow-up call fails: the half-made load balancer is
	// recorded, so that the next plan replaces it.
	cfg = h.config("aws_lb", fmt.Sprintf(`
		name         = "web"
		subnets      = [%q, %q]
		idle_timeout = 90
	`, subnets[0], subnets[1]))
	state, diags = h.apply("aws_lb", cty.NullVal(cfg.Type()), cfg)
	wantDiag(t, diags, "AWS error InvalidConfigurationRequest", "idle_timeout",
		"Elastic Load Balancing v2 ModifyLoadBalancerAttributes: InvalidConfigurationRequest")
	if state.IsNull() || str(state, "id") == "" {
		t.Fatalf("a create that failed after making the load balancer returned %#v; want its id recorded", state)
	}
	if _, err := describeLB(t, h.s, str(state, "id")); err != nil {
		t.Errorf("the recorded half-made load balancer: %v", err)
	}

	// A name taken outside tack is refused before anything is made (AWS
	// would hand back the existing one, moto would make a second).
	cfg = h.config("aws_lb", fmt.Sprintf(`
		name    = "web"
		subnets = [%q, %q]
	`, subnets[1], subnets[2]))
	state2, diags := h.apply("aws_lb", cty.NullVal(cfg.Type()), cfg)
	wantDiag(t, diags, "Load balancer already exists", "name", str(state, "id"), "tack import")
	if !state2.IsNull() {
		t.Errorf("a refused create returned %#v", state2)
	}

	_, diags = h.validate("aws_lb", fmt.Sprintf(`
		name    = "-web"
		subnets = [%q]
	`, subnets[0]))
	if len(diags) != 2 {
		t.Errorf("validating a bad name and one subnet: %v; want two errors", diags)
	}
}
