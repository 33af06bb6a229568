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

// liveTargetGroup is what AWS has of a target group, described outside
// the provider, in the provider's vocabulary.
type liveTargetGroup struct {
	Name, Protocol, VPC, TargetType string
	Port, DeregistrationDelay       string
	HealthCheck                     map[string]string
	Tags                            map[string]string
}

func describeTargetGroup(t *testing.T, s *mototest.Server, arn string) (liveTargetGroup, error) {
	t.Helper()
	c := motoELBv2(s)
	out, err := c.DescribeTargetGroups(t.Context(), &elbv2.DescribeTargetGroupsInput{TargetGroupArns: []string{arn}})
	if err != nil {
		return liveTargetGroup{}, err
	}
	tg := out.TargetGroups[0]
	got := liveTargetGroup{
		Name: awssdk.ToString(tg.TargetGroupName), Protocol: string(tg.Protocol), VPC: awssdk.ToString(tg.VpcId), TargetType: string(tg.TargetType),
		Port: fmt.Sprint(awssdk.ToInt32(tg.Port)),
		HealthCheck: map[string]string{
			"path":                awssdk.ToString(tg.HealthCheckPath),
			"interval":            fmt.Sprint(awssdk.ToInt32(tg.HealthCheckIntervalSeconds)),
			"timeout":             fmt.Sprint(awssdk.ToInt32(tg.HealthCheckTimeoutSeconds)),
			"healthy_threshold":   fmt.Sprint(awssdk.ToInt32(tg.HealthyThresholdCount)),
			"unhealthy_threshold": fmt.Sprint(awssdk.ToInt32(tg.UnhealthyThresholdCount)),
			"matcher":             awssdk.ToString(tg.Matcher.HttpCode),
		},
		Tags: map[string]string{},
	}
	attrs, err := c.DescribeTargetGroupAttributes(t.Context(), &elbv2.DescribeTargetGroupAttributesInput{TargetGroupArn: &arn})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range attrs.Attributes {
		if awssdk.ToString(a.Key) == "deregistration_delay.timeout_seconds" {
			got.DeregistrationDelay = awssdk.ToString(a.Value)
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

// targetGroupFromState is what a target group's state says AWS has.
func targetGroupFromState(state cty.Value) liveTargetGroup {
	num := func(v cty.Value) string { return v.AsBigFloat().Text('f', 0) }
	hc := state.GetAttr("health_check")
	return liveTargetGroup{
		Name: str(state, "name"), Protocol: str(state, "protocol"), VPC: str(state, "vpc_id"), TargetType: str(state, "target_type"),
		Port: num(state.GetAttr("port")), DeregistrationDelay: num(state.GetAttr("deregistration_delay")),
		HealthCheck: map[string]string{
			"path": str(hc, "path"), "interval": num(hc.GetAttr("interval")), "timeout": num(hc.GetAttr("timeout")),
			"healthy_threshold": num(hc.GetAttr("healthy_threshold")), "unhealthy_threshold": num(hc.GetAttr("unhealthy_threshold")),
			"matcher": str(hc, "matcher"),
		},
		Tags: withDefaultTags(tagMap(state.GetAttr("tags"))),
	}
}

func TestTargetGroupConformance(t *testing.T) {
	s := mototest.Shared(t)
	motoEnv(t, s)
	vpc, _ := defaultSubnets(t, s)
	var arns []string
	conformance(t, s, "aws_lb_target_group", sdktest.ResourceCase{
		// No health_check block: AWS's defaults are planned and recorded.
		Config: fmt.Sprintf(`
			name                 = "api"
			port                 = 8080
			vpc_id               = %q
			deregistration_delay = 30
		`, vpc),
		Update: fmt.Sprintf(`
			name                 = "api"
			port                 = 8080
			vpc_id               = %q
			deregistration_delay = 10
			health_check {
				path              = "/healthz"
				interval          = 10
				timeout           = 3
				healthy_threshold = 2
				matcher           = "200-299"
			}
			tags = { app = "api" }
		`, vpc),
		Replace: fmt.Sprintf(`
			name        = "api"
			port        = 9090
			vpc_id      = %q
			target_type = "ip"
			health_check { path = "/healthz" }
		`, vpc),
		ImportID: func(state cty.Value) string { return str(state, "id") },
		Check: func(t *testing.T, state cty.Value) {
			arn := str(state, "id")
			arns = append(arns, arn)
			got, err := describeTargetGroup(t, s, arn)
			if err != nil {
				t.Fatalf("describing %s: %v", arn, err)
			}
			if diff := cmp.Diff(targetGroupFromState(state), got); diff != "" {
				t.Errorf("AWS's target group differs from the state (-state +aws):\n%s", diff)
			}
		},
		Destroyed: func(t *testing.T, _ cty.Value) {
			for _, arn := range arns {
				if _, err := describeTargetGroup(t, s, arn); !isCode(err, "TargetGroupNotFound") {
					t.Errorf("describing %s after destroy: %v; want TargetGroupNotFound", arn, err)
				}
			}
		},
	})
}

func TestTargetGroupDrift(t *testing.T) {
	h := newResourceHarness(t, nil)
	vpc, _ := defaultSubnets(t, h.s)
	body := fmt.Sprintf(`
		name   = "api"
		port   = 80
		vpc_id = %q
		health_check { path = "/healthz" }
	`, vpc)
	state := h.create("aws_lb_target_group", body)
	arn := str(state, "id")

	c := motoELBv2(h.s)
	if _, err := c.ModifyTargetGroup(t.Context(), &elbv2.ModifyTargetGroupInput{TargetGroupArn: &arn, HealthCheckPath: awssdk.String("/"), HealthyThresholdCount: awssdk.Int32(3)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ModifyTargetGroupAttributes(t.Context(), &elbv2.ModifyTargetGroupAttributesInput{TargetGroupArn: &arn,
		Attributes: []elbtypes.TargetGroupAttribute{{Key: awssdk.String("deregistration_delay.timeout_seconds"), Value: awssdk.String("5")}}}); err != nil {
		t.Fatal(err)
	}
	got := h.read("aws_lb_target_group", state)
	if p, n := str(got, "health_check", "path"), got.GetAttr("health_check").GetAttr("healthy_threshold"); p != "/" || !n.RawEquals(cty.NumberIntVal(3)) {
		t.Errorf("health_check after a change outside tack: path %q, healthy_threshold %#v; want / and 3", p, n)
	}
	if d := got.GetAttr("deregistration_delay"); !d.RawEquals(cty.NumberIntVal(5)) {
		t.Errorf("deregistration_delay after a change outside tack = %#v; want 5", d)
	}

	cfg := h.config("aws_lb_target_group", body)
	h.wantInPlace("aws_lb_target_group", got, cfg)
	fixed, diags := h.apply("aws_lb_target_group", got, cfg)
	if err := diags.Err(); err != nil {
		t.Fatal(err)
	}
	live, err := describeTargetGroup(t, h.s, arn)
	if err != nil {
		t.Fatal(err)
	}
	if live.HealthCheck["path"] != "/healthz" || live.HealthCheck["healthy_threshold"] != "5" || live.DeregistrationDelay != "300" {
		t.Errorf("apply did not put back the configuration: %+v", live)
	}
	h.wantNoChange("aws_lb_target_group", fixed, cfg)

	if _, err := c.DeleteTargetGroup(t.Context(), &elbv2.DeleteTargetGroupInput{TargetGroupArn: &arn}); err != nil {
		t.Fatal(err)
	}
	if got := h.read("aws_lb_target_group", fixed); !got.IsNull() {
		t.Errorf("a target group deleted outside tack reads as %#v; want gone", got)
	}
}

func TestTargetGroupErrors(t *testing.T) {
	h := newResourceHarness(t, nil)
	vpc, _ := defaultSubnets(t, h.s)

	cfg := h.config("aws_lb_target_group", `
		name   = "api"
		port   = 80
		vpc_id = "vpc-0123456789abcdef0"
	`)
	state, diags := h.apply("aws_lb_target_group", cty.NullVal(cfg.Type()), cfg)
	wantDiag(t, diags, "AWS error ValidationError", "vpc_id", "Elastic Load Balancing v2 CreateTargetGroup: ValidationError", "vpc-0123456789abcdef0")
	if !state.IsNull() {
		t.Errorf("a create AWS refused returned %#v; want nothing recorded", state)
	}

	existing := makeTargetGroup(t, h.s, "taken", vpc)
	cfg = h.config("aws_lb_target_group", fmt.Sprintf(`
		name   = "taken"
		port   = 80
		vpc_id = %q
	`, vpc))
	_, diags = h.apply("aws_lb_target_group", cty.NullVal(cfg.Type()), cfg)
	wantDiag(t, diags, "Target group already exists", "name", existing, "tack import")

	_, diags = h.validate("aws_lb_target_group", fmt.Sprintf(`
		name   = "api"
		port   = 80
		vpc_id = %q
		health_check {
			interval = 5
			timeout  = 5
		}
	`, vpc))
	wantDiag(t, diags, "Health check timeout too long", "health_check.timeout")
}

func TestTargetGroupImport(t *testing.T) {
	h := newResourceHarness(t, nil)
	vpc, _ := defaultSubnets(t, h.s)
	arn := makeTargetGroup(t, h.s, "legacy", vpc)
	state := h.importID("aws_lb_target_group", arn)
	cfg := h.config("aws_lb_target_group", fmt.Sprintf(`
		name   = "legacy"
		port   = 80
		vpc_id = %q
	`, vpc))
	// moto's defaults for an HTTP group are AWS's, which are the schema's,
	// so the short configuration matches everything but the tags: the
	// group lacks the provider's default tags, and an update in place adds
	// them.
	h.wantInPlace("aws_lb_target_group", state, cfg)
	state, diags := h.apply("aws_lb_target_group", state, cfg)
	if err := diags.Err(); err != nil {
		t.Fatal(err)
	}
	live, err := describeTargetGroup(t, h.s, arn)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(testDefaultTags, live.Tags); diff != "" {
		t.Errorf("tags after adopting an imported group (-want +got):\n%s", diff)
	}
	h.wantNoChange("aws_lb_target_group", state, cfg)
}

func TestTargetGroupHalfMade(t *testing.T) {
	// The proxy refuses attribute changes, so that a create fails after
	// the group exists.
	s := mototest.Shared(t)
	proxy := faultProxy(t, s, func(action string) (string, bool) {
		return "InvalidConfigurationRequest", action == "ModifyTargetGroupAttributes"
	})
	h := newResourceHarness(t, map[string]string{"elbv2": proxy})
	vpc, _ := defaultSubnets(t, h.s)
	cfg := h.config("aws_lb_target_group", fmt.Sprintf(`
		name                 = "api"
		port                 = 80
		vpc_id               = %q
		deregistration_delay = 0
	`, vpc))
	state, diags := h.apply("aws_lb_target_group", cty.NullVal(cfg.Type()), cfg)
	wantDiag(t, diags, "AWS error InvalidConfigurationRequest", "deregistration_delay",
		"Elastic Load Balancing v2 ModifyTargetGroupAttributes: InvalidConfigurationRequest")
	if state.IsNull() || str(state, "id") == "" {
		t.Fatalf("a create that failed after making the group returned %#v; want its id recorded", state)
	}
	if _, err := describeTargetGroup(t, h.s, str(state, "id")); err != nil {
		t.Errorf("the recorded half-made target group: %v", err)
	}
	h.destroy("aws_lb_target_group", state)
}
