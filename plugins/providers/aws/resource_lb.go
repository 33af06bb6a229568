package aws

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/plugins/sdk"
)

// How long creating a load balancer waits for it to be active, and
// deleting it for it to be gone. AWS takes a few minutes.
const (
	lbActiveTimeout  = 10 * time.Minute
	lbDeletedTimeout = 10 * time.Minute
)

// defaultIdleTimeout is AWS's idle timeout for an application load
// balancer, in seconds. AWS (and moto) leave the attribute out of
// DescribeLoadBalancerAttributes until it is set, which means this.
const defaultIdleTimeout = 60

// lbResource is aws_lb: an application load balancer. Its subnets,
// security groups and idle timeout change in place; its name and scheme
// cannot, and replace it.
func lbResource() *sdk.Resource {
	return &sdk.Resource{
		Schema: sdk.Block{
			Description: "An application load balancer (ELBv2). tack reports it created only once AWS has it active. Its subnets, security groups, idle timeout and tags change in place; a new name or scheme replaces it.",
			Attributes: map[string]*sdk.Attribute{
				"name": {Type: cty.String, Required: true, Validators: []sdk.Validator{validLBName},
					Description:   "The load balancer's name: up to 32 letters, digits and hyphens, unique in the region. Changing it replaces the load balancer.",
					PlanModifiers: []sdk.PlanModifier{sdk.RequiresReplace()}},
				"internal": {Type: cty.Bool, Optional: true, Computed: true, Default: cty.False,
					Description:   "Whether the load balancer has only private addresses (scheme internal) rather than public ones (internet-facing). Default false. Changing it replaces the load balancer.",
					PlanModifiers: []sdk.PlanModifier{sdk.RequiresReplace()}},
				"subnets": {Type: cty.Set(cty.String), Required: true,
					Description: "The subnets the load balancer has addresses in, at least two in different Availability Zones of one VPC. Changing them changes the load balancer in place."},
				"security_groups": {Type: cty.Set(cty.String), Optional: true, Computed: true,
					Description:   "The ids of the security groups of the load balancer; the VPC's default group when left out. Changing them changes the load balancer in place.",
					PlanModifiers: []sdk.PlanModifier{sdk.UseStateForUnknown()}},
				"idle_timeout": {Type: cty.Number, Optional: true, Computed: true, Default: cty.NumberIntVal(defaultIdleTimeout),
					Validators:  []sdk.Validator{sdk.WholeNumber, intBetween(1, 4000)},
					Description: "Seconds a connection may stay idle before the load balancer closes it, 1 to 4000. Default 60."},
				"tags":     tagsAttribute(),
				"tags_all": tagsAllAttribute(),
				"id":       idAttribute("The load balancer's ARN; the import id."),
				"arn":      idAttribute("The load balancer's ARN."),
				"dns_name": idAttribute("The load balancer's DNS name, where clients reach it."),
				"zone_id":  idAttribute("The Route 53 hosted zone id of dns_name, for alias records."),
				"vpc_id":   idAttribute("The VPC of the load balancer's subnets."),
			},
		},
		Validate:   validateLB,
		ModifyPlan: func(_ context.Context, meta any, p *sdk.Plan) sdk.Diagnostics { planTagsAll(meta, p); return nil },
		Create:     createLB,
		Read:       readLB,
		Update:     updateLB,
		Delete:     deleteLB,
		Import:     sdk.ImportAs("id"),
	}
}

var elbNamePattern = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,30}[A-Za-z0-9])?$`)

// validLBName checks an ELBv2 name, which load balancers and target
// groups share the rules of.
func validLBName(path cty.Path, v cty.Value) sdk.Diagnostics {
	s := v.AsString()
	if !elbNamePattern.MatchString(s) || strings.Contains(s, "--") || strings.HasPrefix(strings.ToLower(s), "internal-") {
		return sdk.Diagnostics{sdk.AttributeErrorf(path, "Invalid name",
			"%q is not a load balancer name: use up to 32 letters, digits and single hyphens, neither first nor last, and do not start with \"internal-\".", s)}
	}
	return nil
}

// intBetween is a validator for a whole number attribute from lo to hi.
func intBetween(lo, hi int64) sdk.Validator {
	return func(path cty.Path, v cty.Value) sdk.Diagnostics {
		n, acc := v.AsBigFloat().Int64()
		if acc != 0 || n < lo || n > hi {
			return sdk.Diagnostics{sdk.AttributeErrorf(path, "Value out of range",
				"%s must be from %d to %d; got %s.", sdk.FormatPath(path), lo, hi, v.AsBigFloat().Text('g', -1))}
		}
		return nil
	}
}

func validateLB(_ context.Context, d *sdk.Data) sdk.Diagnostics {
	if v := d.Get("subnets"); v.IsWhollyKnown() && !v.IsNull() && v.LengthInt() < 2 {
		return sdk.Diagnostics{sdk.AttributeErrorf(cty.GetAttrPath("subnets"), "Too few subnets",
			"An application load balancer needs subnets in at least two Availability Zones; subnets has %d.", v.LengthInt())}
	}
	return nil
}

func createLB(ctx context.Context, meta any, d *sdk.Data) sdk.Diagnostics {
	c, diags := clientOf(meta)
	if diags != nil {
		return diags
	}
	name := d.String("name")
	// AWS answers a CreateLoadBalancer for a name that is taken, with the
	// same settings, with the existing load balancer (moto makes a second
	// one): either way tack would take over an object it did not make.
	// Asking first makes it an error instead.
	if out, err := c.elbv2.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{Names: []string{name}}); err == nil && len(out.LoadBalancers) > 0 {
		return sdk.Diagnostics{sdk.AttributeErrorf(cty.GetAttrPath("name"), "Load balancer already exists",
			"A load balancer named %q already exists (%s). Choose another name, or import it: tack import ADDRESS %s.",
			name, awssdk.ToString(out.LoadBalancers[0].LoadBalancerArn), awssdk.ToString(out.LoadBalancers[0].LoadBalancerArn))}
	} else if err != nil && !isCode(err, "LoadBalancerNotFound") {
		return sdk.Diagnostics{apiDiag("looking for a load balancer named "+name, err, nil)}
	}
	in := &elbv2.CreateLoadBalancerInput{
		Name:           awssdk.String(name),
		Type:           elbtypes.LoadBalancerTypeEnumApplication,
		Scheme:         elbtypes.LoadBalancerSchemeEnumInternetFacing,
		Subnets:        stringsAttr(d, "subnets"),
		SecurityGroups: stringsAttr(d, "security_groups"),
		Tags:           elbTags(c.tags(ownTags(d))),
	}
	if d.Bool("internal") {
		in.Scheme = elbtypes.LoadBalancerSchemeEnumInternal
	}
	out, err := c.elbv2.CreateLoadBalancer(ctx, in)
	if err != nil {
		return sdk.Diagnostics{apiDiag("creating load balancer "+name, err, lbErrorPath(err))}
	}
	arn := awssdk.ToString(out.LoadBalancers[0].LoadBalancerArn)
	// From here on the load balancer exists: its id is set first, so that
	// any failure below records a half-made object to replace.
	d.Set("id", arn)
	d.Set("arn", arn)
	if err := elbv2.NewLoadBalancerAvailableWaiter(c.elbv2).Wait(ctx, &elbv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{arn}}, lbActiveTimeout); err != nil {
		return sdk.Diagnostics{apiDiag(fmt.Sprintf("waiting for load balancer %s to be active", name), err, nil)}
	}
	if n := d.Int("idle_timeout"); n != defaultIdleTimeout {
		if diags := c.setLBIdleTimeout(ctx, arn, n); diags.HasErrors() {
			return diags
		}
	}
	return readLB(ctx, meta, d)
}

// lbErrorPath is the attribute an error of CreateLoadBalancer or of the
// Set… calls concerns, or nil.
func lbErrorPath(err error) cty.Path {
	switch {
	case isCode(err, "SubnetNotFound", "InvalidSubnet", "InvalidSubnetID.NotFound"): // the last is moto's
		return cty.GetAttrPath("subnets")
	case isCode(err, "InvalidSecurityGroup"):
		return cty.GetAttrPath("security_groups")
	case isCode(err, "DuplicateLoadBalancerName"):
		return cty.GetAttrPath("name")
	case isCode(err, "InvalidConfigurationRequest") && strings.Contains(strings.ToLower(describeError(err)), "availability zone"):
		return cty.GetAttrPath("subnets")
	}
	return nil
}

func (c *client) setLBIdleTimeout(ctx context.Context, arn string, seconds int64) sdk.Diagnostics {
	_, err := c.elbv2.ModifyLoadBalancerAttributes(ctx, &elbv2.ModifyLoadBalancerAttributesInput{
		LoadBalancerArn: awssdk.String(arn),
		Attributes:      []elbtypes.LoadBalancerAttribute{{Key: awssdk.String("idle_timeout.timeout_seconds"), Value: awssdk.String(strconv.FormatInt(seconds, 10))}},
	})
	if err != nil {
		return sdk.Diagnostics{apiDiag("setting the idle timeout of load balancer "+arn, err, cty.GetAttrPath("idle_timeout"))}
	}
	return nil
}

func updateLB(ctx context.Context, meta any, d *sdk.Data) sdk.Diagnostics {
	c, diags := clientOf(meta)
	if diags != nil {
		return diags
	}
	arn := d.String("id")
	if d.HasChange("subnets") {
		if _, err := c.elbv2.SetSubnets(ctx, &elbv2.SetSubnetsInput{LoadBalancerArn: &arn, Subnets: stringsAttr(d, "subnets")}); err != nil {
			return sdk.Diagnostics{apiDiag("changing the subnets of load balancer "+arn, err, cty.GetAttrPath("subnets"))}
		}
	}
	if d.HasChange("security_groups") && d.IsSet("security_groups") {
		if _, err := c.elbv2.SetSecurityGroups(ctx, &elbv2.SetSecurityGroupsInput{LoadBalancerArn: &arn, SecurityGroups: stringsAttr(d, "security_groups")}); err != nil {
			return sdk.Diagnostics{apiDiag("changing the security groups of load balancer "+arn, err, cty.GetAttrPath("security_groups"))}
		}
	}
	if d.HasChange("idle_timeout") {
		if diags := c.setLBIdleTimeout(ctx, arn, d.Int("idle_timeout")); diags.HasErrors() {
			return diags
		}
	}
	if d.HasChange("tags_all") {
		if diags := c.updateELBTags(ctx, arn, d); diags.HasErrors() {
			return diags
		}
	}
	return readLB(ctx, meta, d)
}

func readLB(ctx context.Context, meta any, d *sdk.Data) sdk.Diagnostics {
	c, diags := clientOf(meta)
	if diags != nil {
		return diags
	}
	arn := d.String("id")
	out, err := c.elbv2.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{arn}})
	if isCode(err, "LoadBalancerNotFound", "ValidationError") || err == nil && len(out.LoadBalancers) == 0 {
		// ValidationError: an id that is not an ARN at all names nothing.
		d.SetGone()
		return nil
	}
	if err != nil {
		return sdk.Diagnostics{apiDiag("reading load balancer "+arn, err, nil)}
	}
	lb := out.LoadBalancers[0]
	d.Set("id", awssdk.ToString(lb.LoadBalancerArn))
	d.Set("arn", awssdk.ToString(lb.LoadBalancerArn))
	d.Set("name", awssdk.ToString(lb.LoadBalancerName))
	d.Set("internal", lb.Scheme == elbtypes.LoadBalancerSchemeEnumInternal)
	var subnets []string
	for _, az := range lb.AvailabilityZones {
		subnets = append(subnets, awssdk.ToString(az.SubnetId))
	}
	d.Set("subnets", stringSet(subnets))
	d.Set("security_groups", stringSet(lb.SecurityGroups))
	d.Set("dns_name", awssdk.ToString(lb.DNSName))
	d.Set("zone_id", awssdk.ToString(lb.CanonicalHostedZoneId))
	d.Set("vpc_id", awssdk.ToString(lb.VpcId))

	attrs, err := c.elbv2.DescribeLoadBalancerAttributes(ctx, &elbv2.DescribeLoadBalancerAttributesInput{LoadBalancerArn: &arn})
	if err != nil {
		return sdk.Diagnostics{apiDiag("reading the attributes of load balancer "+arn, err, nil)}
	}
	idle := int64(defaultIdleTimeout)
	for _, a := range attrs.Attributes {
		if awssdk.ToString(a.Key) == "idle_timeout.timeout_seconds" {
			if n, err := strconv.ParseInt(awssdk.ToString(a.Value), 10, 64); err == nil {
				idle = n
			}
		}
	}
	d.Set("idle_timeout", idle)
	return c.readELBTags(ctx, arn, d)
}

func deleteLB(ctx context.Context, meta any, d *sdk.Data) sdk.Diagnostics {
	c, diags := clientOf(meta)
	if diags != nil {
		return diags
	}
	arn := d.String("id")
	if _, err := c.elbv2.DeleteLoadBalancer(ctx, &elbv2.DeleteLoadBalancerInput{LoadBalancerArn: &arn}); err != nil && !isCode(err, "LoadBalancerNotFound") {
		return sdk.Diagnostics{apiDiag("deleting load balancer "+arn, err, nil)}
	}
	// Deleting is asynchronous: wait until it is gone, so that what it
	// used (its subnets' addresses, its security groups) can be deleted
	// after it.
	if err := elbv2.NewLoadBalancersDeletedWaiter(c.elbv2).Wait(ctx, &elbv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{arn}}, lbDeletedTimeout); err != nil {
		return sdk.Diagnostics{apiDiag("waiting for load balancer "+arn+" to be deleted", err, nil)}
	}
	return nil
}

// stringSet is a cty set of strings, empty rather than null for none.
func stringSet(ss []string) cty.Value {
	if len(ss) == 0 {
		return cty.SetValEmpty(cty.String)
	}
	vs := make([]cty.Value, len(ss))
	for i, s := range ss {
		vs[i] = cty.StringVal(s)
	}
	return cty.SetVal(vs)
}

// ELBv2 tags, which load balancers, target groups and listeners share.

func elbTags(m map[string]string) []elbtypes.Tag {
	var out []elbtypes.Tag
	for _, k := range sortedKeys(m) {
		out = append(out, elbtypes.Tag{Key: awssdk.String(k), Value: awssdk.String(m[k])})
	}
	return out
}

func (c *client) readELBTags(ctx context.Context, arn string, d *sdk.Data) sdk.Diagnostics {
	out, err := c.elbv2.DescribeTags(ctx, &elbv2.DescribeTagsInput{ResourceArns: []string{arn}})
	if err != nil {
		return sdk.Diagnostics{apiDiag("reading the tags of "+arn, err, nil)}
	}
	live := map[string]string{}
	for _, td := range out.TagDescriptions {
		for _, t := range td.Tags {
			live[awssdk.ToString(t.Key)] = awssdk.ToString(t.Value)
		}
	}
	c.setLiveTags(d, live)
	return nil
}

func (c *client) updateELBTags(ctx context.Context, arn string, d *sdk.Data) sdk.Diagnostics {
	set, remove := tagChanges(d)
	if len(remove) > 0 {
		if _, err := c.elbv2.RemoveTags(ctx, &elbv2.RemoveTagsInput{ResourceArns: []string{arn}, TagKeys: remove}); err != nil {
			return sdk.Diagnostics{apiDiag("removing tags from "+arn, err, cty.GetAttrPath("tags"))}
		}
	}
	if len(set) > 0 {
		if _, err := c.elbv2.AddTags(ctx, &elbv2.AddTagsInput{ResourceArns: []string{arn}, Tags: elbTags(set)}); err != nil {
			return sdk.Diagnostics{apiDiag("tagging "+arn, err, cty.GetAttrPath("tags"))}
		}
	}
	return nil
}
