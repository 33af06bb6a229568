package aws

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/plugins/sdk"
)

// How long deleting a security group keeps trying while AWS answers
// DependencyViolation: an instance being terminated, or a load balancer
// being deleted, holds its network interfaces for minutes. Variables so
// that tests need not wait as long.
var (
	securityGroupDeleteTimeout   = 10 * time.Minute
	securityGroupDeleteFirstWait = 5 * time.Second
)

// securityGroupResource is aws_security_group: a VPC security group whose
// rules tack owns. The ingress and egress blocks are every rule the group
// has: a rule added outside tack shows as drift and is revoked by the next
// apply, and the allow-all egress rule AWS gives a new group is revoked
// unless an egress block asks for it.
func securityGroupResource() *sdk.Resource {
	return &sdk.Resource{
		Schema: sdk.Block{
			Description: "A VPC security group and all of its rules. tack owns every rule: the allow-all egress rule AWS adds to a new group is removed unless an egress block asks for it, and a rule added outside tack shows as drift. Rules change in place; a new name, description or VPC replaces the group.",
			Attributes: map[string]*sdk.Attribute{
				"name": {Type: cty.String, Required: true, Validators: []sdk.Validator{validSecurityGroupName},
					Description:   "The group's name, unique in its VPC. Changing it replaces the group.",
					PlanModifiers: []sdk.PlanModifier{sdk.RequiresReplace()}},
				"description": {Type: cty.String, Optional: true, Computed: true, Default: cty.StringVal("Managed by tack"),
					Description:   "The group's description; AWS cannot change it, so changing it replaces the group. Default \"Managed by tack\".",
					PlanModifiers: []sdk.PlanModifier{sdk.RequiresReplace()}},
				"vpc_id": {Type: cty.String, Optional: true, Computed: true,
					Description:   "The VPC the group belongs to; the region's default VPC when left out. Changing it replaces the group.",
					PlanModifiers: []sdk.PlanModifier{sdk.UseStateForUnknown(), sdk.RequiresReplace()}},
				"tags":     tagsAttribute(),
				"tags_all": tagsAllAttribute(),
				"id":       idAttribute("The group's id, sg-…; the import id."),
				"arn":      idAttribute("The group's ARN."),
			},
			BlockTypes: map[string]*sdk.NestedBlock{
				"ingress": {Nesting: sdk.NestingList, Block: securityGroupRuleBlock("A rule that lets traffic in.")},
				"egress":  {Nesting: sdk.NestingList, Block: securityGroupRuleBlock("A rule that lets traffic out. With no egress block the group allows no outbound traffic; `egress { protocol = \"-1\"  from_port = 0  to_port = 0  cidr_blocks = [\"0.0.0.0/0\"] }` allows all of it.")},
			},
		},
		Validate:   validateSecurityGroup,
		ModifyPlan: func(_ context.Context, meta any, p *sdk.Plan) sdk.Diagnostics { planTagsAll(meta, p); return nil },
		Create:     createSecurityGroup,
		Read:       readSecurityGroup,
		Update:     updateSecurityGroup,
		Delete:     deleteSecurityGroup,
		Import:     sdk.ImportAs("id"),
	}
}

func securityGroupRuleBlock(description string) sdk.Block {
	return sdk.Block{
		Description: description + " Every source in it (each CIDR block, each security group) is one AWS rule with the same protocol, ports and description.",
		Attributes: map[string]*sdk.Attribute{
			"protocol": {Type: cty.String, Required: true,
				Description: "\"tcp\", \"udp\", \"icmp\", \"icmpv6\", a protocol number, or \"-1\" for every protocol (and every port)."},
			"from_port": {Type: cty.Number, Required: true, Validators: []sdk.Validator{sdk.WholeNumber},
				Description: "The first port of the range; for icmp the type, -1 for any. Ignored when protocol is \"-1\" (write 0)."},
			"to_port": {Type: cty.Number, Required: true, Validators: []sdk.Validator{sdk.WholeNumber},
				Description: "The last port of the range; for icmp the code, -1 for any. Ignored when protocol is \"-1\" (write 0)."},
			"cidr_blocks": {Type: cty.List(cty.String), Optional: true, Validators: []sdk.Validator{validCIDRBlocks},
				Description: "IPv4 or IPv6 CIDR blocks the rule allows, such as \"10.0.0.0/16\" or \"::/0\"."},
			"security_groups": {Type: cty.List(cty.String), Optional: true,
				Description: "Ids of security groups whose members the rule allows."},
			"description": {Type: cty.String, Optional: true,
				Description: "The rule's description. Changing it changes the rules in place."},
		},
	}
}

func validSecurityGroupName(path cty.Path, v cty.Value) sdk.Diagnostics {
	s := v.AsString()
	if s == "" || len(s) > 255 || strings.HasPrefix(strings.ToLower(s), "sg-") {
		return sdk.Diagnostics{sdk.AttributeErrorf(path, "Invalid security group name",
			"A security group's name must be 1 to 255 characters and must not start with \"sg-\"; %q is not.", s)}
	}
	return nil
}

func validCIDRBlocks(path cty.Path, v cty.Value) sdk.Diagnostics {
	var diags sdk.Diagnostics
	for i, e := range v.AsValueSlice() {
		if e.IsNull() || !e.IsKnown() {
			continue
		}
		if _, err := netip.ParsePrefix(e.AsString()); err != nil {
			diags = append(diags, sdk.AttributeErrorf(path.Copy().IndexInt(i), "Invalid CIDR block",
				"%q is not a CIDR block: write an address and a prefix length, such as \"10.0.0.0/16\" or \"::/0\".", e.AsString()))
		}
	}
	return diags
}

// validateSecurityGroup checks each rule block: a known protocol, ports
// in range, at least one source, and no rule twice (AWS would refuse the
// second).
func validateSecurityGroup(_ context.Context, d *sdk.Data) sdk.Diagnostics {
	var diags sdk.Diagnostics
	for _, dir := range []string{"ingress", "egress"} {
		blocks := d.Get(dir)
		if blocks.IsNull() || !blocks.IsKnown() {
			continue
		}
		seen := map[string]cty.Path{}
		for i, b := range blocks.AsValueSlice() {
			at := cty.GetAttrPath(dir).IndexInt(i)
			if !b.IsWhollyKnown() {
				continue
			}
			proto := b.GetAttr("protocol").AsString()
			if !validProtocol(proto) {
				diags = append(diags, sdk.AttributeErrorf(at.Copy().GetAttr("protocol"), "Invalid protocol",
					"%q is not a protocol: use \"tcp\", \"udp\", \"icmp\", \"icmpv6\", a protocol number from 0 to 255, or \"-1\" for all.", proto))
				continue
			}
			if p := normalProtocol(proto); p == "tcp" || p == "udp" {
				from, to := portOf(b.GetAttr("from_port")), portOf(b.GetAttr("to_port"))
				if from < 0 || to > 65535 || from > to {
					diags = append(diags, sdk.AttributeErrorf(at.Copy().GetAttr("from_port"), "Invalid port range",
						"A %s rule's ports must run from from_port to to_port within 0–65535; %d to %d does not.", p, from, to))
				}
			}
			rules := blockRules(b)
			if len(rules) == 0 {
				diags = append(diags, sdk.AttributeErrorf(at, "Rule without a source",
					"Each %s block needs at least one source: cidr_blocks or security_groups.", dir))
			}
			for _, r := range rules {
				if first, dup := seen[r.key()]; dup {
					diags = append(diags, sdk.AttributeErrorf(at, "Duplicate rule",
						"This %s block repeats a rule of %s (%s); AWS keeps each rule once, so write it once.", dir, sdk.FormatPath(first), r))
				} else {
					seen[r.key()] = at
				}
			}
		}
	}
	return diags
}

// sgRule is one rule as AWS keeps it: a protocol and port range from one
// source, a CIDR block or a security group.
type sgRule struct {
	protocol    string // normalised: see normalProtocol
	from, to    int32  // both 0 when protocol is "-1"
	cidr        string // exactly one of cidr and group is set
	group       string
	description string
}

// key identifies the rule for AWS; the description is not part of it.
func (r sgRule) key() string {
	src := "cidr:" + canonicalCIDR(r.cidr)
	if r.group != "" {
		src = "group:" + r.group
	}
	return fmt.Sprintf("%s %d-%d %s", r.protocol, r.from, r.to, src)
}

func (r sgRule) String() string {
	src := r.cidr
	if r.group != "" {
		src = r.group
	}
	if r.protocol == "-1" {
		return "all traffic from " + src
	}
	return fmt.Sprintf("%s %d-%d from %s", r.protocol, r.from, r.to, src)
}

func canonicalCIDR(s string) string {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.String()
	}
	return s
}

// normalProtocol spells a protocol as AWS reports it.
func normalProtocol(p string) string {
	switch strings.ToLower(p) {
	case "tcp", "6":
		return "tcp"
	case "udp", "17":
		return "udp"
	case "icmp", "1":
		return "icmp"
	case "icmpv6", "58":
		return "icmpv6"
	case "-1", "all":
		return "-1"
	}
	return strings.ToLower(p)
}

func validProtocol(p string) bool {
	switch normalProtocol(p) {
	case "tcp", "udp", "icmp", "icmpv6", "-1":
		return true
	}
	n, err := strconv.Atoi(p)
	return err == nil && n >= 0 && n <= 255
}

func portOf(v cty.Value) int64 {
	if v.IsNull() || !v.IsKnown() {
		return 0
	}
	n, _ := v.AsBigFloat().Int64()
	return n
}

// blockRules expands a known rule block into AWS's rules.
func blockRules(b cty.Value) []sgRule {
	proto := normalProtocol(b.GetAttr("protocol").AsString())
	base := sgRule{protocol: proto}
	if proto != "-1" {
		base.from, base.to = int32(portOf(b.GetAttr("from_port"))), int32(portOf(b.GetAttr("to_port")))
	}
	if v := b.GetAttr("description"); !v.IsNull() {
		base.description = v.AsString()
	}
	var out []sgRule
	for _, src := range []string{"cidr_blocks", "security_groups"} {
		list := b.GetAttr(src)
		if list.IsNull() {
			continue
		}
		for _, e := range list.AsValueSlice() {
			r := base
			if src == "cidr_blocks" {
				r.cidr = e.AsString()
			} else {
				r.group = e.AsString()
			}
			out = append(out, r)
		}
	}
	return out
}

// liveRules flattens AWS's permissions into rules. Prefix list rules are
// not tack's (the schema cannot say them) and are left out, and so left
// alone.
func liveRules(perms []ec2types.IpPermission) []sgRule {
	var out []sgRule
	for _, p := range perms {
		base := sgRule{protocol: normalProtocol(awssdk.ToString(p.IpProtocol))}
		if base.protocol != "-1" {
			base.from, base.to = awssdk.ToInt32(p.FromPort), awssdk.ToInt32(p.ToPort)
		}
		for _, r := range p.IpRanges {
			out = append(out, withSource(base, awssdk.ToString(r.CidrIp), "", r.Description))
		}
		for _, r := range p.Ipv6Ranges {
			out = append(out, withSource(base, awssdk.ToString(r.CidrIpv6), "", r.Description))
		}
		for _, g := range p.UserIdGroupPairs {
			out = append(out, withSource(base, "", awssdk.ToString(g.GroupId), g.Description))
		}
	}
	return out
}

func withSource(r sgRule, cidr, group string, description *string) sgRule {
	r.cidr, r.group, r.description = cidr, group, awssdk.ToString(description)
	return r
}

// ipPermissions is rules in AWS's form, one permission per protocol and
// port range.
func ipPermissions(rules []sgRule) []ec2types.IpPermission {
	var out []ec2types.IpPermission
	index := map[string]int{}
	for _, r := range rules {
		k := fmt.Sprintf("%s %d-%d", r.protocol, r.from, r.to)
		i, ok := index[k]
		if !ok {
			p := ec2types.IpPermission{IpProtocol: awssdk.String(r.protocol)}
			if r.protocol != "-1" {
				p.FromPort, p.ToPort = awssdk.Int32(r.from), awssdk.Int32(r.to)
			}
			out = append(out, p)
			i = len(out) - 1
			index[k] = i
		}
		var desc *string
		if r.description != "" {
			desc = awssdk.String(r.description)
		}
		p := &out[i]
		switch {
		case r.group != "":
			p.UserIdGroupPairs = append(p.UserIdGroupPairs, ec2types.UserIdGroupPair{GroupId: awssdk.String(r.group), Description: desc})
		case strings.Contains(r.cidr, ":"):
			p.Ipv6Ranges = append(p.Ipv6Ranges, ec2types.Ipv6Range{CidrIpv6: awssdk.String(r.cidr), Description: desc})
		default:
			p.IpRanges = append(p.IpRanges, ec2types.IpRange{CidrIp: awssdk.String(r.cidr), Description: desc})
		}
	}
	return out
}

// rulesToBlocks writes the live rules as blocks, keeping the recorded
// blocks (prior) where AWS still has their rules, so that an unchanged
// group reads exactly as it was written: in the same order, with the
// same spelling of protocols. A recorded rule that is gone drops out of
// its block, a changed description shows on its block, and rules added
// outside tack come last, one block per protocol, ports and description.
func rulesToBlocks(prior cty.Value, live []sgRule, ty cty.Type) cty.Value {
	byKey := map[string]*sgRule{}
	for i := range live {
		byKey[live[i].key()] = &live[i]
	}
	used := map[string]bool{}
	var blocks []cty.Value
	if !prior.IsNull() && prior.IsWhollyKnown() {
		for _, b := range prior.AsValueSlice() {
			if nb, ok := keepBlock(b, byKey, used); ok {
				blocks = append(blocks, nb)
			}
		}
	}
	type group struct {
		rule          sgRule
		cidrs, groups []cty.Value
	}
	var extra []*group
	for _, r := range live {
		if used[r.key()] {
			continue
		}
		used[r.key()] = true
		var g *group
		for _, e := range extra {
			if e.rule.protocol == r.protocol && e.rule.from == r.from && e.rule.to == r.to && e.rule.description == r.description {
				g = e
				break
			}
		}
		if g == nil {
			g = &group{rule: r}
			extra = append(extra, g)
		}
		if r.group != "" {
			g.groups = append(g.groups, cty.StringVal(r.group))
		} else {
			g.cidrs = append(g.cidrs, cty.StringVal(r.cidr))
		}
	}
	for _, g := range extra {
		desc := cty.NullVal(cty.String)
		if g.rule.description != "" {
			desc = cty.StringVal(g.rule.description)
		}
		blocks = append(blocks, cty.ObjectVal(map[string]cty.Value{
			"protocol":        cty.StringVal(g.rule.protocol),
			"from_port":       cty.NumberIntVal(int64(g.rule.from)),
			"to_port":         cty.NumberIntVal(int64(g.rule.to)),
			"cidr_blocks":     listOrNull(g.cidrs),
			"security_groups": listOrNull(g.groups),
			"description":     desc,
		}))
	}
	if len(blocks) == 0 {
		return cty.ListValEmpty(ty)
	}
	return cty.ListVal(blocks)
}

// keepBlock is a recorded block as AWS has it now: with only the sources
// whose rules remain (false when none does), and the live description.
func keepBlock(b cty.Value, byKey map[string]*sgRule, used map[string]bool) (cty.Value, bool) {
	rules := blockRules(b)
	present := map[string]bool{}
	var changed *string // the first live description that is not the block's
	for _, r := range rules {
		if l, ok := byKey[r.key()]; ok && !used[r.key()] {
			present[r.key()] = true
			if changed == nil && l.description != r.description {
				changed = &l.description
			}
		}
	}
	if len(present) == 0 {
		return cty.NilVal, false
	}
	attrs := b.AsValueMap()
	filter := func(name string, mk func(string) sgRule) {
		list := attrs[name]
		if list.IsNull() {
			return
		}
		var kept []cty.Value
		for _, e := range list.AsValueSlice() {
			if present[mk(e.AsString()).key()] {
				kept = append(kept, e)
			}
		}
		if len(kept) != list.LengthInt() {
			attrs[name] = listOrNull(kept)
		}
	}
	base := rules[0]
	filter("cidr_blocks", func(s string) sgRule { return withSource(base, s, "", nil) })
	filter("security_groups", func(s string) sgRule { return withSource(base, "", s, nil) })
	for k := range present {
		used[k] = true
	}
	switch {
	case changed == nil:
	case *changed == "":
		attrs["description"] = cty.NullVal(cty.String)
	default:
		attrs["description"] = cty.StringVal(*changed)
	}
	return cty.ObjectVal(attrs), true
}

func listOrNull(vs []cty.Value) cty.Value {
	if len(vs) == 0 {
		return cty.NullVal(cty.List(cty.String))
	}
	return cty.ListVal(vs)
}

func (c *client) describeSecurityGroup(ctx context.Context, id string) (*ec2types.SecurityGroup, error) {
	out, err := c.ec2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}})
	if err != nil {
		return nil, err
	}
	if len(out.SecurityGroups) == 0 {
		return nil, nil
	}
	return &out.SecurityGroups[0], nil
}

func createSecurityGroup(ctx context.Context, meta any, d *sdk.Data) sdk.Diagnostics {
	c, diags := clientOf(meta)
	if diags != nil {
		return diags
	}
	name := d.String("name")
	in := &ec2.CreateSecurityGroupInput{GroupName: awssdk.String(name), Description: awssdk.String(d.String("description"))}
	if d.IsSet("vpc_id") {
		in.VpcId = awssdk.String(d.String("vpc_id"))
	}
	if tags := c.tags(ownTags(d)); len(tags) > 0 {
		in.TagSpecifications = []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeSecurityGroup, Tags: ec2Tags(tags)}}
	}
	out, err := c.ec2.CreateSecurityGroup(ctx, in)
	if err != nil {
		var path cty.Path
		switch {
		case isCode(err, "InvalidGroup.Duplicate", "InvalidParameterValue"):
			path = cty.GetAttrPath("name")
		case isCode(err, "InvalidVpcID.NotFound", "VPCIdNotSpecified"):
			path = cty.GetAttrPath("vpc_id")
		}
		return sdk.Diagnostics{apiDiag("creating security group "+name, err, path)}
	}
	// From here on the group exists: the id is set before anything else
	// can fail, so that a failure records a half-made group to replace.
	id := awssdk.ToString(out.GroupId)
	d.Set("id", id)
	d.Set("arn", out.SecurityGroupArn)
	// AWS is eventually consistent: a new group may not be found for a
	// moment, and its rules cannot be changed until it is.
	if err := ec2.NewSecurityGroupExistsWaiter(c.ec2, func(o *ec2.SecurityGroupExistsWaiterOptions) { o.MinDelay = time.Second }).
		Wait(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}}, 2*time.Minute); err != nil {
		return sdk.Diagnostics{apiDiag("waiting for new security group "+id+" to be found", err, nil)}
	}
	if diags := c.reconcileSecurityGroupRules(ctx, d, id); diags.HasErrors() {
		return diags
	}
	return readSecurityGroup(ctx, meta, d)
}

func updateSecurityGroup(ctx context.Context, meta any, d *sdk.Data) sdk.Diagnostics {
	c, diags := clientOf(meta)
	if diags != nil {
		return diags
	}
	id := d.String("id")
	if d.HasChange("tags_all") {
		if diags := c.updateEC2Tags(ctx, id, d); diags.HasErrors() {
			return diags
		}
	}
	if diags := c.reconcileSecurityGroupRules(ctx, d, id); diags.HasErrors() {
		return diags
	}
	return readSecurityGroup(ctx, meta, d)
}

func readSecurityGroup(ctx context.Context, meta any, d *sdk.Data) sdk.Diagnostics {
	c, diags := clientOf(meta)
	if diags != nil {
		return diags
	}
	id := d.String("id")
	sg, err := c.describeSecurityGroup(ctx, id)
	if isCode(err, "InvalidGroup.NotFound", "InvalidGroupId.NotFound") || err == nil && sg == nil {
		d.SetGone()
		return nil
	}
	if err != nil {
		return sdk.Diagnostics{apiDiag("reading security group "+id, err, nil)}
	}
	d.Set("id", awssdk.ToString(sg.GroupId))
	arn := awssdk.ToString(sg.SecurityGroupArn)
	if arn == "" {
		// Older regions' answers lack the ARN; it has one form.
		arn = fmt.Sprintf("arn:aws:ec2:%s:%s:security-group/%s", c.region, awssdk.ToString(sg.OwnerId), id)
	}
	d.Set("arn", arn)
	d.Set("name", awssdk.ToString(sg.GroupName))
	d.Set("description", awssdk.ToString(sg.Description))
	d.Set("vpc_id", awssdk.ToString(sg.VpcId))
	rb := securityGroupRuleBlock("")
	ty := rb.ImpliedType()
	d.Set("ingress", rulesToBlocks(d.Get("ingress"), liveRules(sg.IpPermissions), ty))
	d.Set("egress", rulesToBlocks(d.Get("egress"), liveRules(sg.IpPermissionsEgress), ty))
	c.setLiveTags(d, ec2TagMap(sg.Tags))
	return nil
}

// reconcileSecurityGroupRules makes the group's live rules those of the
// planned blocks: it authorizes the missing ones first, block by block,
// so that an error names its block and traffic the old and new rules both
// allow never stops; then it corrects descriptions and revokes the rules
// no block asks for.
func (c *client) reconcileSecurityGroupRules(ctx context.Context, d *sdk.Data, id string) sdk.Diagnostics {
	sg, err := c.describeSecurityGroup(ctx, id)
	if err == nil && sg == nil {
		err = fmt.Errorf("security group %s was not found", id)
	}
	if err != nil {
		return sdk.Diagnostics{apiDiag("reading the rules of security group "+id, err, nil)}
	}
	var diags sdk.Diagnostics
	for _, dir := range []string{"ingress", "egress"} {
		live := sg.IpPermissions
		if dir == "egress" {
			live = sg.IpPermissionsEgress
		}
		diags = append(diags, c.reconcileRules(ctx, id, dir, d.Get(dir), liveRules(live))...)
	}
	return diags
}

func (c *client) reconcileRules(ctx context.Context, id, dir string, blocks cty.Value, live []sgRule) sdk.Diagnostics {
	liveByKey := map[string]sgRule{}
	for _, r := range live {
		liveByKey[r.key()] = r
	}
	wanted := map[string]bool{}
	var describe []sgRule
	var diags sdk.Diagnostics
	if !blocks.IsNull() {
		for i, b := range blocks.AsValueSlice() {
			var add []sgRule
			for _, r := range blockRules(b) {
				if wanted[r.key()] {
					continue
				}
				wanted[r.key()] = true
				l, ok := liveByKey[r.key()]
				switch {
				case !ok:
					add = append(add, r)
				case l.description != r.description:
					describe = append(describe, r)
				}
			}
			if len(add) == 0 {
				continue
			}
			if err := c.authorizeRules(ctx, id, dir, ipPermissions(add)); err != nil {
				at := cty.GetAttrPath(dir).IndexInt(i)
				switch {
				case isCode(err, "InvalidGroup.NotFound", "InvalidGroupId.NotFound", "InvalidGroupId.Malformed"):
					at = at.GetAttr("security_groups")
				case isCode(err, "InvalidParameterValue", "InvalidSubnet.Range") && strings.Contains(strings.ToLower(describeError(err)), "cidr"):
					at = at.GetAttr("cidr_blocks")
				}
				diags = append(diags, apiDiag(fmt.Sprintf("adding the rules of %s block %d to security group %s", dir, i, id), err, at))
			}
		}
	}
	if diags.HasErrors() {
		// Revoking while a wanted rule is missing could cut off traffic
		// the old rules still let through.
		return diags
	}
	if len(describe) > 0 {
		var err error
		if dir == "ingress" {
			_, err = c.ec2.UpdateSecurityGroupRuleDescriptionsIngress(ctx, &ec2.UpdateSecurityGroupRuleDescriptionsIngressInput{GroupId: &id, IpPermissions: ipPermissions(describe)})
		} else {
			_, err = c.ec2.UpdateSecurityGroupRuleDescriptionsEgress(ctx, &ec2.UpdateSecurityGroupRuleDescriptionsEgressInput{GroupId: &id, IpPermissions: ipPermissions(describe)})
		}
		if err != nil {
			return sdk.Diagnostics{apiDiag(fmt.Sprintf("changing %s rule descriptions of security group %s", dir, id), err, cty.GetAttrPath(dir))}
		}
	}
	var revoke []sgRule
	for _, r := range live {
		if !wanted[r.key()] {
			revoke = append(revoke, r)
		}
	}
	if len(revoke) > 0 {
		var err error
		if dir == "ingress" {
			_, err = c.ec2.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: &id, IpPermissions: ipPermissions(revoke)})
		} else {
			_, err = c.ec2.RevokeSecurityGroupEgress(ctx, &ec2.RevokeSecurityGroupEgressInput{GroupId: &id, IpPermissions: ipPermissions(revoke)})
		}
		if err != nil && !isCode(err, "InvalidPermission.NotFound") {
			return sdk.Diagnostics{apiDiag(fmt.Sprintf("removing %s rules of security group %s", dir, id), err, cty.GetAttrPath(dir))}
		}
	}
	return nil
}

func (c *client) authorizeRules(ctx context.Context, id, dir string, perms []ec2types.IpPermission) error {
	var err error
	if dir == "ingress" {
		_, err = c.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: &id, IpPermissions: perms})
	} else {
		_, err = c.ec2.AuthorizeSecurityGroupEgress(ctx, &ec2.AuthorizeSecurityGroupEgressInput{GroupId: &id, IpPermissions: perms})
	}
	return err
}

func deleteSecurityGroup(ctx context.Context, meta any, d *sdk.Data) sdk.Diagnostics {
	c, diags := clientOf(meta)
	if diags != nil {
		return diags
	}
	id := d.String("id")
	err := retryWhile(ctx, securityGroupDeleteTimeout, securityGroupDeleteFirstWait, []string{"DependencyViolation"}, func() error {
		_, err := c.ec2.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: &id})
		return err
	})
	switch {
	case err == nil || isCode(err, "InvalidGroup.NotFound", "InvalidGroupId.NotFound"):
		return nil
	case isCode(err, "DependencyViolation"):
		return sdk.Diagnostics{sdk.Errorf("Security group still in use",
			"AWS refused to delete security group %s for %s because something still uses it (%s).%s Remove what uses it, or wait until it is gone, and apply again.",
			id, securityGroupDeleteTimeout, describeError(err), c.securityGroupUsers(ctx, id))}
	}
	return sdk.Diagnostics{apiDiag("deleting security group "+id, err, nil)}
}

// securityGroupUsers says what still refers to a group, as far as AWS
// tells: network interfaces (of instances, load balancers, Lambda
// functions) and other groups' rules. "" when it can find none.
func (c *client) securityGroupUsers(ctx context.Context, id string) string {
	var users []string
	if out, err := c.ec2.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{
		Filters: []ec2types.Filter{{Name: awssdk.String("group-id"), Values: []string{id}}},
	}); err == nil {
		for _, ni := range out.NetworkInterfaces {
			s := awssdk.ToString(ni.NetworkInterfaceId)
			if desc := awssdk.ToString(ni.Description); desc != "" {
				s += " (" + desc + ")"
			}
			users = append(users, "network interface "+s)
		}
	}
	for _, f := range []string{"ip-permission.group-id", "egress.ip-permission.group-id"} {
		out, err := c.ec2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{
			Filters: []ec2types.Filter{{Name: awssdk.String(f), Values: []string{id}}},
		})
		if err != nil {
			continue
		}
		for _, g := range out.SecurityGroups {
			if other := awssdk.ToString(g.GroupId); other != id {
				users = append(users, "a rule of security group "+other)
			}
		}
	}
	if len(users) == 0 {
		return ""
	}
	return " It is used by " + strings.Join(users, ", ") + "."
}

func (c *client) updateEC2Tags(ctx context.Context, id string, d *sdk.Data) sdk.Diagnostics {
	set, remove := tagChanges(d)
	if len(remove) > 0 {
		var tags []ec2types.Tag
		for _, k := range remove {
			tags = append(tags, ec2types.Tag{Key: awssdk.String(k)})
		}
		if _, err := c.ec2.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{id}, Tags: tags}); err != nil {
			return sdk.Diagnostics{apiDiag("removing tags from "+id, err, cty.GetAttrPath("tags"))}
		}
	}
	if len(set) > 0 {
		if _, err := c.ec2.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: ec2Tags(set)}); err != nil {
			return sdk.Diagnostics{apiDiag("tagging "+id, err, cty.GetAttrPath("tags"))}
		}
	}
	return nil
}

func ec2Tags(m map[string]string) []ec2types.Tag {
	var out []ec2types.Tag
	for _, k := range sortedKeys(m) {
		out = append(out, ec2types.Tag{Key: awssdk.String(k), Value: awssdk.String(m[k])})
	}
	return out
}
