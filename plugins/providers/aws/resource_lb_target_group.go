package aws

import (
	"context"
	"strconv"
	"strings"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/plugins/sdk"
)

// targetGroupInUseTimeout is how long deleting a target group retries
// while AWS says a listener still uses it: a listener deleted a moment
// before in the same apply takes a while to let go.
const targetGroupInUseTimeout = 2 * time.Minute

// The health check AWS gives an HTTP target group, which tack plans when
// the health_check block is left out, so that the plan shows it and drift
// from it is seen.
var defaultHealthCheck = map[string]cty.Value{
	"path":                cty.StringVal("/"),
	"interval":            cty.NumberIntVal(30),
	"timeout":             cty.NumberIntVal(5),
	"healthy_threshold":   cty.NumberIntVal(5),
	"unhealthy_threshold": cty.NumberIntVal(2),
	"matcher":             cty.StringVal("200"),
}

// lbTargetGroupResource is aws_lb_target_group: the instances or IP
// addresses an application load balancer sends a listener's traffic to,
// and how it checks their health. A cluster's server groups attach to it.
func lbTargetGroupResource() *sdk.Resource {
	return &sdk.Resource{
		Schema: sdk.Block{
			Description: "A target group of an application load balancer: where a listener forwards requests, and the health check that decides which targets get them. Clusters attach their server groups to it. The health check, deregistration delay and tags change in place; a new name, port, protocol, VPC or target type replaces it.",
			Attributes: map[string]*sdk.Attribute{
				"name": {Type: cty.String, Required: true, Validators: []sdk.Validator{validLBName},
					Description:   "The target group's name: up to 32 letters, digits and hyphens, unique in the region. Changing it replaces the target group.",
					PlanModifiers: []sdk.PlanModifier{sdk.RequiresReplace()}},
				"port": {Type: cty.Number, Required: true, Validators: []sdk.Validator{sdk.WholeNumber, intBetween(1, 65535)},
					Description:   "The port targets receive traffic on. Changing it replaces the target group.",
					PlanModifiers: []sdk.PlanModifier{sdk.RequiresReplace()}},
				"protocol": {Type: cty.String, Optional: true, Computed: true, Default: cty.StringVal("HTTP"), Validators: []sdk.Validator{oneOf("HTTP", "HTTPS")},
					Description:   "How the load balancer talks to targets: \"HTTP\" (default) or \"HTTPS\". Changing it replaces the target group.",
					PlanModifiers: []sdk.PlanModifier{sdk.RequiresReplace()}},
				"vpc_id": {Type: cty.String, Required: true,
					Description:   "The VPC of the targets. Changing it replaces the target group.",
					PlanModifiers: []sdk.PlanModifier{sdk.RequiresReplace()}},
				"target_type": {Type: cty.String, Optional: true, Computed: true, Default: cty.StringVal("instance"), Validators: []sdk.Validator{oneOf("instance", "ip")},
					Description:   "What targets are: \"instance\" (default; instances by id, as Auto Scaling groups register them) or \"ip\". Changing it replaces the target group.",
					PlanModifiers: []sdk.PlanModifier{sdk.RequiresReplace()}},
				"deregistration_delay": {Type: cty.Number, Optional: true, Computed: true, Default: cty.NumberIntVal(300), Validators: []sdk.Validator{sdk.WholeNumber, intBetween(0, 3600)},
					Description: "Seconds a deregistering target keeps serving the requests it has before it is removed, 0 to 3600. Default 300."},
				"tags":     tagsAttribute(),
				"tags_all": tagsAllAttribute(),
				"id":       idAttribute("The target group's ARN; the import id."),
				"arn":      idAttribute("The target group's ARN."),
			},
			BlockTypes: map[string]*sdk.NestedBlock{
				"health_check": {Nesting: sdk.NestingSingle, Block: sdk.Block{
					Description: "How the load balancer checks each target's health. Left out, AWS's defaults for HTTP apply, and are what tack plans and records.",
					Attributes: map[string]*sdk.Attribute{
						"path": {Type: cty.String, Optional: true, Computed: true, Default: defaultHealthCheck["path"],
							Description: "The path requested, starting with /. Default \"/\"."},
						"interval": {Type: cty.Number, Optional: true, Computed: true, Default: defaultHealthCheck["interval"], Validators: []sdk.Validator{sdk.WholeNumber, intBetween(5, 300)},
							Description: "Seconds between checks of one target, 5 to 300. Default 30."},
						"timeout": {Type: cty.Number, Optional: true, Computed: true, Default: defaultHealthCheck["timeout"], Validators: []sdk.Validator{sdk.WholeNumber, intBetween(2, 120)},
							Description: "Seconds without an answer that fail a check, 2 to 120, less than interval. Default 5."},
						"healthy_threshold": {Type: cty.Number, Optional: true, Computed: true, Default: defaultHealthCheck["healthy_threshold"], Validators: []sdk.Validator{sdk.WholeNumber, intBetween(2, 10)},
							Description: "Checks in a row that must pass before an unhealthy target is healthy, 2 to 10. Default 5."},
						"unhealthy_threshold": {Type: cty.Number, Optional: true, Computed: true, Default: defaultHealthCheck["unhealthy_threshold"], Validators: []sdk.Validator{sdk.WholeNumber, intBetween(2, 10)},
							Description: "Checks in a row that must fail before a healthy target is unhealthy, 2 to 10. Default 2."},
						"matcher": {Type: cty.String, Optional: true, Computed: true, Default: defaultHealthCheck["matcher"],
							Description: "The HTTP codes a passing check answers: \"200\", \"200,202\" or \"200-299\". Default \"200\"."},
					},
				}},
			},
		},
		Validate:   validateTargetGroup,
		ModifyPlan: planTargetGroup,
		Create:     createTargetGroup,
		Read:       readTargetGroup,
		Update:     updateTargetGroup,
		Delete:     deleteTargetGroup,
		Import:     sdk.ImportAs("id"),
	}
}

// oneOf is a validator for a string attribute with a closed set of values.
func oneOf(values ...string) sdk.Validator {
	return func(path cty.Path, v cty.Value) sdk.Diagnostics {
		for _, ok := range values {
			if v.AsString() == ok {
				return nil
			}
		}
		return sdk.Diagnostics{sdk.AttributeErrorf(path, "Unsupported value",
			"%s must be one of %s; got %q.", sdk.FormatPath(path), `"`+strings.Join(values, `", "`)+`"`, v.AsString())}
	}
}

var healthCheckPath = cty.GetAttrPath("health_check")

func validateTargetGroup(_ context.Context, d *sdk.Data) sdk.Diagnostics {
	hc := d.Get("health_check")
	if hc.IsNull() || !hc.IsKnown() {
		return nil
	}
	interval, timeout := hc.GetAttr("interval"), hc.GetAttr("timeout")
	if interval.IsKnown() && timeout.IsKnown() && !interval.IsNull() && !timeout.IsNull() && timeout.GreaterThanOrEqualTo(interval).True() {
		return sdk.Diagnostics{sdk.AttributeErrorf(healthCheckPath.Copy().GetAttr("timeout"), "Health check timeout too long",
			"An HTTP health check's timeout must be less than its interval; timeout is %s and interval %s.",
			timeout.AsBigFloat().Text('g', -1), interval.AsBigFloat().Text('g', -1))}
	}
	return nil
}

// planTargetGroup plans AWS's default health check when the block is left
// out: the target group has one either way, and recording it lets a
// change made outside tack show.
func planTargetGroup(_ context.Context, meta any, p *sdk.Plan) sdk.Diagnostics {
	planTagsAll(meta, p)
	if p.Config.IsNull() || p.Config.GetAttr("health_check").IsNull() {
		p.Planned.Set("health_check", cty.ObjectVal(defaultHealthCheck))
	}
	return nil
}

func createTargetGroup(ctx context.Context, meta any, d *sdk.Data) sdk.Diagnostics {
	c, diags := clientOf(meta)
	if diags != nil {
		return diags
	}
	name := d.String("name")
	// AWS answers a CreateTargetGroup for a taken name, with the same
	// settings, with the existing group (moto refuses it): tack would take
	// over a group it did not make. Asking first makes it an error.
	if out, err := c.elbv2.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{Names: []string{name}}); err == nil && len(out.TargetGroups) > 0 {
		arn := awssdk.ToString(out.TargetGroups[0].TargetGroupArn)
		return sdk.Diagnostics{sdk.AttributeErrorf(cty.GetAttrPath("name"), "Target group already exists",
			"A target group named %q already exists (%s). Choose another name, or import it: tack import ADDRESS %s.", name, arn, arn)}
	} else if err != nil && !isCode(err, "TargetGroupNotFound") {
		return sdk.Diagnostics{apiDiag("looking for a target group named "+name, err, nil)}
	}
	hc := healthCheckOf(d)
	in := &elbv2.CreateTargetGroupInput{
		Name:                       awssdk.String(name),
		Port:                       awssdk.Int32(int32(d.Int("port"))),
		Protocol:                   elbtypes.ProtocolEnum(d.String("protocol")),
		VpcId:                      awssdk.String(d.String("vpc_id")),
		TargetType:                 elbtypes.TargetTypeEnum(d.String("target_type")),
		HealthCheckPath:            hc.HealthCheckPath,
		HealthCheckIntervalSeconds: hc.HealthCheckIntervalSeconds,
		HealthCheckTimeoutSeconds:  hc.HealthCheckTimeoutSeconds,
		HealthyThresholdCount:      hc.HealthyThresholdCount,
		UnhealthyThresholdCount:    hc.UnhealthyThresholdCount,
		Matcher:                    hc.Matcher,
		Tags:                       elbTags(c.tags(ownTags(d))),
	}
	out, err := c.elbv2.CreateTargetGroup(ctx, in)
	if err != nil {
		return sdk.Diagnostics{apiDiag("creating target group "+name, err, targetGroupErrorPath(err))}
	}
	arn := awssdk.ToString(out.TargetGroups[0].TargetGroupArn)
	// The group exists: its id is set before anything else can fail, so
	// that a failure records a half-made group to replace.
	d.Set("id", arn)
	d.Set("arn", arn)
	if n := d.Int("deregistration_delay"); n != 300 {
		if diags := c.setDeregistrationDelay(ctx, arn, n); diags.HasErrors() {
			return diags
		}
	}
	return readTargetGroup(ctx, meta, d)
}

func targetGroupErrorPath(err error) cty.Path {
	msg := strings.ToLower(describeError(err))
	switch {
	case isCode(err, "DuplicateTargetGroupName", "InvalidTargetGroupName"):
		return cty.GetAttrPath("name")
	case strings.Contains(msg, "vpc"):
		return cty.GetAttrPath("vpc_id")
	case strings.Contains(msg, "health check") || strings.Contains(msg, "httpcode") || strings.Contains(msg, "matcher"):
		return healthCheckPath
	}
	return nil
}

// healthCheckOf is the planned health check in ModifyTargetGroup's form,
// which CreateTargetGroup shares.
func healthCheckOf(d *sdk.Data) *elbv2.ModifyTargetGroupInput {
	hc := d.Get("health_check")
	in := &elbv2.ModifyTargetGroupInput{}
	if hc.IsNull() || !hc.IsKnown() {
		return in
	}
	str := func(name string) *string {
		if v := hc.GetAttr(name); !v.IsNull() && v.IsKnown() {
			return awssdk.String(v.AsString())
		}
		return nil
	}
	num := func(name string) *int32 {
		if v := hc.GetAttr(name); !v.IsNull() && v.IsKnown() {
			n, _ := v.AsBigFloat().Int64()
			return awssdk.Int32(int32(n))
		}
		return nil
	}
	in.HealthCheckPath = str("path")
	in.HealthCheckIntervalSeconds = num("interval")
	in.HealthCheckTimeoutSeconds = num("timeout")
	in.HealthyThresholdCount = num("healthy_threshold")
	in.UnhealthyThresholdCount = num("unhealthy_threshold")
	if m := str("matcher"); m != nil {
		in.Matcher = &elbtypes.Matcher{HttpCode: m}
	}
	return in
}

func (c *client) setDeregistrationDelay(ctx context.Context, arn string, seconds int64) sdk.Diagnostics {
	_, err := c.elbv2.ModifyTargetGroupAttributes(ctx, &elbv2.ModifyTargetGroupAttributesInput{
		TargetGroupArn: awssdk.String(arn),
		Attributes:     []elbtypes.TargetGroupAttribute{{Key: awssdk.String("deregistration_delay.timeout_seconds"), Value: awssdk.String(strconv.FormatInt(seconds, 10))}},
	})
	if err != nil {
		return sdk.Diagnostics{apiDiag("setting the deregistration delay of target group "+arn, err, cty.GetAttrPath("deregistration_delay"))}
	}
	return nil
}

func updateTargetGroup(ctx context.Context, meta any, d *sdk.Data) sdk.Diagnostics {
	c, diags := clientOf(meta)
	if diags != nil {
		return diags
	}
	arn := d.String("id")
	if d.HasChange("health_check") {
		in := healthCheckOf(d)
		in.TargetGroupArn = &arn
		if _, err := c.elbv2.ModifyTargetGroup(ctx, in); err != nil {
			return sdk.Diagnostics{apiDiag("changing the health check of target group "+arn, err, healthCheckPath)}
		}
	}
	if d.HasChange("deregistration_delay") {
		if diags := c.setDeregistrationDelay(ctx, arn, d.Int("deregistration_delay")); diags.HasErrors() {
			return diags
		}
	}
	if d.HasChange("tags_all") {
		if diags := c.updateELBTags(ctx, arn, d); diags.HasErrors() {
			return diags
		}
	}
	return readTargetGroup(ctx, meta, d)
}

func readTargetGroup(ctx context.Context, meta any, d *sdk.Data) sdk.Diagnostics {
	c, diags := clientOf(meta)
	if diags != nil {
		return diags
	}
	arn := d.String("id")
	out, err := c.elbv2.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{TargetGroupArns: []string{arn}})
	if isCode(err, "TargetGroupNotFound", "ValidationError") || err == nil && len(out.TargetGroups) == 0 {
		// ValidationError: an id that is not an ARN names nothing.
		d.SetGone()
		return nil
	}
	if err != nil {
		return sdk.Diagnostics{apiDiag("reading target group "+arn, err, nil)}
	}
	tg := out.TargetGroups[0]
	d.Set("id", awssdk.ToString(tg.TargetGroupArn))
	d.Set("arn", awssdk.ToString(tg.TargetGroupArn))
	d.Set("name", awssdk.ToString(tg.TargetGroupName))
	d.Set("port", int64(awssdk.ToInt32(tg.Port)))
	d.Set("protocol", string(tg.Protocol))
	d.Set("vpc_id", awssdk.ToString(tg.VpcId))
	d.Set("target_type", string(tg.TargetType))
	matcher := ""
	if tg.Matcher != nil {
		matcher = awssdk.ToString(tg.Matcher.HttpCode)
	}
	d.Set("health_check", cty.ObjectVal(map[string]cty.Value{
		"path":                cty.StringVal(awssdk.ToString(tg.HealthCheckPath)),
		"interval":            cty.NumberIntVal(int64(awssdk.ToInt32(tg.HealthCheckIntervalSeconds))),
		"timeout":             cty.NumberIntVal(int64(awssdk.ToInt32(tg.HealthCheckTimeoutSeconds))),
		"healthy_threshold":   cty.NumberIntVal(int64(awssdk.ToInt32(tg.HealthyThresholdCount))),
		"unhealthy_threshold": cty.NumberIntVal(int64(awssdk.ToInt32(tg.UnhealthyThresholdCount))),
		"matcher":             cty.StringVal(matcher),
	}))
	attrs, err := c.elbv2.DescribeTargetGroupAttributes(ctx, &elbv2.DescribeTargetGroupAttributesInput{TargetGroupArn: &arn})
	if err != nil {
		return sdk.Diagnostics{apiDiag("reading the attributes of target group "+arn, err, nil)}
	}
	delay := int64(300)
	for _, a := range attrs.Attributes {
		if awssdk.ToString(a.Key) == "deregistration_delay.timeout_seconds" {
			if n, err := strconv.ParseInt(awssdk.ToString(a.Value), 10, 64); err == nil {
				delay = n
			}
		}
	}
	d.Set("deregistration_delay", delay)
	return c.readELBTags(ctx, arn, d)
}

func deleteTargetGroup(ctx context.Context, meta any, d *sdk.Data) sdk.Diagnostics {
	c, diags := clientOf(meta)
	if diags != nil {
		return diags
	}
	arn := d.String("id")
	err := retryWhile(ctx, targetGroupInUseTimeout, 2*time.Second, []string{"ResourceInUse"}, func() error {
		_, err := c.elbv2.DeleteTargetGroup(ctx, &elbv2.DeleteTargetGroupInput{TargetGroupArn: &arn})
		return err
	})
	if err != nil && !isCode(err, "TargetGroupNotFound") {
		return sdk.Diagnostics{apiDiag("deleting target group "+arn, err, nil)}
	}
	return nil
}
