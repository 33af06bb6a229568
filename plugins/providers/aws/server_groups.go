package aws

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	asgtypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/gocty"

	"github.com/tackhq/tack/plugins/sdk"
)

// Server groups on Auto Scaling groups, as Spinnaker runs them on AWS.
//
// A server group api-prod-v042 is an Auto Scaling group of that name,
// launched from a launch template of the same name made for it alone, so
// that destroying the group deletes its template whole. tack keeps no
// record of its own on AWS beyond tags on the group:
//
//   - tack:application, tack:stack, tack:detail and tack:cluster name the
//     cluster; ListServerGroups asks AWS for the groups tagged with the
//     cluster and ignores every other group, whatever its name;
//   - tack:sequence, tack:version and tack:spec-hash are the group's
//     number, artifact version and the core's hash of its server_group;
//   - tack:target-group:N and tack:load-balancer:N are the target groups
//     the group joins when enabled (the block's target_group_arns, then the
//     cluster's load_balancers), which a disabled group is detached from;
//   - tack:canary-target-group:N are the block's canary_target_group_arns,
//     which the group joins instead while it is a canary, and
//     tack:canary-weight the share it was last given as one (canary.go);
//   - tack:spec-null lists the block's attributes that were left out.
//
// The server_group block is rebuilt from what AWS holds — the launch
// template's data, the group's subnets, health check and tags — with the
// attributes tack:spec-null names set back to null, so the spec
// ListServerGroups returns equals the one created, and shows what changed
// if someone edits the group outside tack.
//
// # Traffic
//
// An enabled group has its target groups attached and no scaling process
// suspended. Disabling one is Spinnaker's disable: the Launch, Terminate
// and AddToLoadBalancer processes are suspended, so the group keeps its
// instances as they are (ready to take traffic back at once on a
// rollback), and every target group is detached. A group created
// disabled has no target group attached and only AddToLoadBalancer
// suspended: its instances must launch for the health gate that comes
// before it is enabled. So a group is enabled when AddToLoadBalancer
// runs and its target groups are attached, and also whenever it is still
// attached to any of them, whatever is suspended: a disable cut short
// between its two calls still takes traffic, and must not read as done.
//
// Resizing a disabled group resumes Launch and Terminate, which it
// needs to reach its new size, and leaves them resumed: the group is
// then as a group created disabled, AddToLoadBalancer suspended and
// detached, taking no traffic. Disabled means taking no traffic, not
// frozen.
//
// Disabling detaches, and the target groups drain the group's instances
// for their deregistration delay, answering requests in flight. A
// destroy that follows at once (highlander, red/black's last step) first
// waits, at most that delay, until none of the instances it deletes
// still drains: a forced delete would cut those requests (waitDrained).
//
// A group enabled whole joins its canary target groups (canary_target_group_arns)
// as well as its main ones, so that they are never empty. A weight below
// 100 makes the group a canary: it takes the canary target groups from the
// cluster's other groups and leaves its main ones, and the listener that
// weighs the two decides its share — canary.go says how, in what order,
// and why the provider checks that listener but never changes it.

// serverGroupSchema is a cluster's server_group block on AWS.
func serverGroupSchema() sdk.Block {
	return sdk.Block{
		Description: "One version of a cluster on AWS: an Auto Scaling group, launched from a launch template made for it, that takes traffic through ELBv2 target groups while it is enabled.",
		Attributes: map[string]*sdk.Attribute{
			"image_id": {
				Type: cty.String, Required: true, Validators: []sdk.Validator{nonBlankAttr},
				Description: "The AMI each instance boots, such as data.aws_ami.api.id.",
			},
			"instance_type": {
				Type: cty.String, Required: true, Validators: []sdk.Validator{nonBlankAttr},
				Description: "The EC2 instance type, such as t3.micro.",
			},
			"version": {
				Type: cty.String, Optional: true,
				Description: "The artifact version the image carries, such as 1.4.2: shown in plans and the deployment history, and tagged on the group and its instances as tack:version.",
			},
			"key_name": {
				Type: cty.String, Optional: true,
				Description: "The EC2 key pair to log in to instances with.",
			},
			"security_group_ids": {
				Type: cty.List(cty.String), Optional: true,
				Description: "The security groups of each instance. Without them instances get their VPC's default security group.",
			},
			"subnet_ids": {
				Type: cty.List(cty.String), Required: true, Validators: []sdk.Validator{nonEmptyListAttr},
				Description: "The VPC subnets instances launch in, one or more; the group spreads its instances over their availability zones.",
			},
			"user_data": {
				Type: cty.String, Optional: true,
				Description: "What each instance runs at boot (a script or cloud-init), as plain text; tack base64-encodes it for EC2.",
			},
			"iam_instance_profile": {
				Type: cty.String, Optional: true,
				Description: "The IAM instance profile instances run with, by name or by ARN.",
			},
			"tags": {
				Type: cty.Map(cty.String), Optional: true, Validators: []sdk.Validator{validGroupTags},
				Description: "Tags on the Auto Scaling group and, propagated at launch, on its instances, over the provider's default_tags. Keys starting with tack: or aws: are reserved.",
			},
			"target_group_arns": {
				Type: cty.List(cty.String), Optional: true, Validators: []sdk.Validator{validTargetGroupARNs},
				Description: "ELBv2 target groups the group is attached to while it is enabled, besides the cluster's load_balancers (which on AWS are target group ARNs too). A disabled group is detached from all of them.",
			},
			"canary_target_group_arns": {
				Type: cty.List(cty.String), Optional: true, Validators: []sdk.Validator{validTargetGroupARNs},
				Description: "ELBv2 target groups that take the canary's share of the traffic: a canary is attached to them alone (not to its main target_group_arns and the cluster's load_balancers), while a group enabled whole is attached to them as well as to its main ones, so that they are never empty between canaries. An aws_lb_listener's forward action must weigh them against the main ones as the delivery policy's canary weight says, permanently: the canary strategy needs them, and the provider checks the listener before the canary takes traffic.",
			},
			"health_check_type": {
				Type: cty.String, Optional: true, Validators: []sdk.Validator{validHealthCheckType},
				Description: "How Auto Scaling decides to replace an instance: EC2 (AWS's default) by its EC2 status checks, ELB by its target groups' health checks as well.",
			},
			"health_check_grace_period": {
				Type: cty.Number, Optional: true, Validators: []sdk.Validator{sdk.WholeNumber, nonNegativeAttr},
				Description: "Seconds after an instance starts before Auto Scaling checks its health. AWS's default applies when it is left out.",
			},
		},
	}
}

// groupSpecType is the type of a server_group block's value.
var groupSpecType = func() cty.Type { b := serverGroupSchema(); return b.ImpliedType() }()

// groupSpec is a server_group block, decoded.
type groupSpec struct {
	ImageID                string            `cty:"image_id"`
	InstanceType           string            `cty:"instance_type"`
	Version                *string           `cty:"version"`
	KeyName                *string           `cty:"key_name"`
	SecurityGroupIDs       []string          `cty:"security_group_ids"`
	SubnetIDs              []string          `cty:"subnet_ids"`
	UserData               *string           `cty:"user_data"`
	IAMInstanceProfile     *string           `cty:"iam_instance_profile"`
	Tags                   map[string]string `cty:"tags"`
	TargetGroupARNs        []string          `cty:"target_group_arns"`
	CanaryTargetGroupARNs  []string          `cty:"canary_target_group_arns"`
	HealthCheckType        *string           `cty:"health_check_type"`
	HealthCheckGracePeriod *int64            `cty:"health_check_grace_period"`
}

// Tags tack puts on its Auto Scaling groups and launch templates.
const (
	tagApplication = "tack:application"
	tagStack       = "tack:stack"
	tagDetail      = "tack:detail"
	tagCluster     = "tack:cluster"
	tagSequence    = "tack:sequence"
	tagVersion     = "tack:version"
	tagSpecHash    = "tack:spec-hash"
	tagSpecNull    = "tack:spec-null"
	// tagTargetGroup and tagLoadBalancer are followed by an index from 0,
	// one tag a target group: a tag value holds 256 characters, two ARNs.
	tagTargetGroup       = "tack:target-group:"
	tagLoadBalancer      = "tack:load-balancer:"
	tagCanaryTargetGroup = "tack:canary-target-group:"
	// tagCanaryWeight is the share of traffic a canary was given.
	tagCanaryWeight = "tack:canary-weight"
	// tagServerGroup names, on a launch template, the group it was made
	// for.
	tagServerGroup = "tack:server-group"
)

// The scaling processes a disabled group has suspended.
const (
	processLaunch    = "Launch"
	processTerminate = "Terminate"
	processAddToLB   = "AddToLoadBalancer"
)

var disabledProcesses = []string{processLaunch, processTerminate, processAddToLB}

// serverGroups serves [sdk.ServerGroups] and [sdk.Metrics] on the
// provider's meta, a *client (nil before Configure).
type serverGroups struct {
	meta any
}

var _ sdk.ServerGroups = (*serverGroups)(nil)

func (s *serverGroups) client() (*client, sdk.Diagnostics) {
	c, ok := s.meta.(*client)
	if !ok || c == nil {
		return nil, sdk.Diagnostics{sdk.Errorf("Provider not configured", "The AWS provider was called before its configuration; this is a bug in tack.")}
	}
	return c, nil
}

func (s *serverGroups) ListServerGroups(ctx context.Context, req sdk.ListServerGroupsRequest) sdk.ListServerGroupsResponse {
	c, diags := s.client()
	if diags != nil {
		return sdk.ListServerGroupsResponse{Diagnostics: diags}
	}
	var resp sdk.ListServerGroupsResponse
	pages := autoscaling.NewDescribeAutoScalingGroupsPaginator(c.autoscaling, &autoscaling.DescribeAutoScalingGroupsInput{
		Filters: []asgtypes.Filter{{Name: awssdk.String("tag:" + tagCluster), Values: []string{req.Cluster.Name}}},
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return sdk.ListServerGroupsResponse{Diagnostics: sdk.Diagnostics{apiDiag("listing the Auto Scaling groups of cluster "+req.Cluster.Name, err, nil)}}
		}
		for _, g := range page.AutoScalingGroups {
			if !isClusterGroup(g, req.Cluster.Name) || deleting(g) {
				continue
			}
			sg, d := c.serverGroup(ctx, g)
			resp.Diagnostics = append(resp.Diagnostics, d...)
			if !d.HasErrors() {
				resp.ServerGroups = append(resp.ServerGroups, sg)
			}
		}
	}
	sort.Slice(resp.ServerGroups, func(i, j int) bool { return resp.ServerGroups[i].Sequence < resp.ServerGroups[j].Sequence })
	return resp
}

// isClusterGroup reports whether g is one of tack's groups of cluster:
// tagged with it, and named as its groups are (cluster-vNNN).
func isClusterGroup(g asgtypes.AutoScalingGroup, cluster string) bool {
	tags := groupTagMap(g)
	if tags[tagCluster] != cluster {
		return false
	}
	seq, ok := strings.CutPrefix(awssdk.ToString(g.AutoScalingGroupName), cluster+"-v")
	if !ok {
		return false
	}
	_, err := strconv.Atoi(seq)
	return err == nil
}

// deleting reports whether g is being deleted: AWS lists a group for
// minutes after a forced delete while it terminates the instances.
func deleting(g asgtypes.AutoScalingGroup) bool {
	return strings.HasPrefix(strings.ToLower(awssdk.ToString(g.Status)), "delete")
}

// serverGroup rebuilds a tack group from AWS: its launch template
// version's data, the group itself and its tags.
func (c *client) serverGroup(ctx context.Context, g asgtypes.AutoScalingGroup) (sdk.ServerGroup, sdk.Diagnostics) {
	name := awssdk.ToString(g.AutoScalingGroupName)
	tags := groupTagMap(g)
	seq, _ := strconv.Atoi(tags[tagSequence])
	sg := sdk.ServerGroup{
		Name: name,
		Cluster: sdk.ClusterRef{
			Name: tags[tagCluster], Application: tags[tagApplication], Stack: tags[tagStack], Detail: tags[tagDetail],
		},
		Sequence: int32(seq),
		SpecHash: tags[tagSpecHash],
		Version:  tags[tagVersion],
		Capacity: sdk.Capacity{
			Min: int64(awssdk.ToInt32(g.MinSize)), Desired: int64(awssdk.ToInt32(g.DesiredCapacity)), Max: int64(awssdk.ToInt32(g.MaxSize)),
		},
		LoadBalancers: indexedTags(tags, tagLoadBalancer),
		CreatedAt:     awssdk.ToTime(g.CreatedTime),
		Spec:          cty.NullVal(groupSpecType),
	}
	sg.Traffic = groupTraffic(g)
	var diags sdk.Diagnostics
	data, err := c.launchTemplateData(ctx, g)
	switch {
	case err != nil:
		return sg, sdk.Diagnostics{apiDiag("reading the launch template of "+name, err, nil)}
	case data == nil:
		// The group still runs, and its hash and version still say what
		// it was made from; only the block cannot be shown.
		diags = append(diags, sdk.Diagnostic{Severity: sdk.Warning, Summary: "Launch template missing",
			Detail: fmt.Sprintf("The launch template version %s was made from is gone or was replaced, so its server_group cannot be read back; the group itself is listed.", name)})
	default:
		sg.Spec = groupSpecValue(g, data, c.defaultTags)
	}
	return sg, diags
}

// launchTemplateData is the data of the launch template version g
// launches from, or nil when g has none or it is gone.
func (c *client) launchTemplateData(ctx context.Context, g asgtypes.AutoScalingGroup) (*ec2types.ResponseLaunchTemplateData, error) {
	lt := g.LaunchTemplate
	if lt == nil {
		return nil, nil
	}
	in := &ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: lt.LaunchTemplateId, Versions: []string{awssdk.ToString(lt.Version)}}
	if in.LaunchTemplateId == nil {
		in.LaunchTemplateName = lt.LaunchTemplateName
	}
	if in.Versions[0] == "" {
		in.Versions[0] = "$Default"
	}
	out, err := c.ec2.DescribeLaunchTemplateVersions(ctx, in)
	if isCode(err, "InvalidLaunchTemplateId.NotFound", "InvalidLaunchTemplateName.NotFoundException", "InvalidLaunchTemplateId.VersionNotFound", "InvalidLaunchTemplateId.Malformed") {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if len(out.LaunchTemplateVersions) == 0 || out.LaunchTemplateVersions[0].LaunchTemplateData == nil {
		return nil, nil
	}
	return out.LaunchTemplateVersions[0].LaunchTemplateData, nil
}

// groupSpecValue is the server_group block g and its launch template
// data hold. Tags equal to the provider's default tags are taken to be
// those, not the block's.
func groupSpecValue(g asgtypes.AutoScalingGroup, data *ec2types.ResponseLaunchTemplateData, defaultTags map[string]string) cty.Value {
	tags := groupTagMap(g)
	own := map[string]cty.Value{}
	for k, v := range tags {
		if strings.HasPrefix(k, "tack:") || strings.HasPrefix(k, "aws:") {
			continue
		}
		if d, ok := defaultTags[k]; ok && d == v {
			continue
		}
		own[k] = cty.StringVal(v)
	}
	userData := cty.NullVal(cty.String)
	if data.UserData != nil {
		raw, err := base64.StdEncoding.DecodeString(*data.UserData)
		if err != nil {
			raw = []byte(*data.UserData)
		}
		userData = cty.StringVal(string(raw))
	}
	profile := cty.NullVal(cty.String)
	if p := data.IamInstanceProfile; p != nil {
		if p.Arn != nil {
			profile = cty.StringVal(*p.Arn)
		} else if p.Name != nil {
			profile = cty.StringVal(*p.Name)
		}
	}
	var subnets []string
	for _, s := range strings.Split(awssdk.ToString(g.VPCZoneIdentifier), ",") {
		if s = strings.TrimSpace(s); s != "" {
			subnets = append(subnets, s)
		}
	}
	vals := map[string]cty.Value{
		"image_id":                  optionalString(data.ImageId),
		"instance_type":             cty.StringVal(string(data.InstanceType)),
		"version":                   cty.StringVal(tags[tagVersion]),
		"key_name":                  optionalString(data.KeyName),
		"security_group_ids":        stringList(data.SecurityGroupIds),
		"subnet_ids":                stringList(subnets),
		"user_data":                 userData,
		"iam_instance_profile":      profile,
		"tags":                      cty.MapValEmpty(cty.String),
		"target_group_arns":         stringList(indexedTags(tags, tagTargetGroup)),
		"canary_target_group_arns":  stringList(indexedTags(tags, tagCanaryTargetGroup)),
		"health_check_type":         optionalString(g.HealthCheckType),
		"health_check_grace_period": cty.NullVal(cty.Number),
	}
	if len(own) > 0 {
		vals["tags"] = cty.MapVal(own)
	}
	if p := g.HealthCheckGracePeriod; p != nil {
		vals["health_check_grace_period"] = cty.NumberIntVal(int64(*p))
	}
	for _, name := range strings.Split(tags[tagSpecNull], ",") {
		if v, ok := vals[name]; ok {
			vals[name] = cty.NullVal(v.Type())
		}
	}
	return cty.ObjectVal(vals)
}

func optionalString(s *string) cty.Value {
	if s == nil {
		return cty.NullVal(cty.String)
	}
	return cty.StringVal(*s)
}

func stringList(ss []string) cty.Value {
	if len(ss) == 0 {
		return cty.ListValEmpty(cty.String)
	}
	vals := make([]cty.Value, len(ss))
	for i, s := range ss {
		vals[i] = cty.StringVal(s)
	}
	return cty.ListVal(vals)
}

// nullAttributes are the names of spec's attributes left null, in order.
func nullAttributes(spec cty.Value) []string {
	var out []string
	for name := range spec.Type().AttributeTypes() {
		if spec.GetAttr(name).IsNull() {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

func groupTagMap(g asgtypes.AutoScalingGroup) map[string]string {
	out := make(map[string]string, len(g.Tags))
	for _, t := range g.Tags {
		out[awssdk.ToString(t.Key)] = awssdk.ToString(t.Value)
	}
	return out
}

// indexedTags are the values of tags prefix0, prefix1… in order.
func indexedTags(tags map[string]string, prefix string) []string {
	var out []string
	for i := 0; ; i++ {
		v, ok := tags[prefix+strconv.Itoa(i)]
		if !ok {
			return out
		}
		out = append(out, v)
	}
}

// wantedTargetGroups are the target groups g joins when enabled.
func wantedTargetGroups(g asgtypes.AutoScalingGroup) []string {
	tags := groupTagMap(g)
	return dedupe(append(indexedTags(tags, tagTargetGroup), indexedTags(tags, tagLoadBalancer)...))
}

func dedupe(ss []string) []string {
	var out []string
	for _, s := range ss {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// groupTraffic is the traffic g takes. It is enabled when
// AddToLoadBalancer runs and every target group it joins when enabled is
// attached, whether its canary ones are (they are, outside canaries) or
// not (a baseline while a canary runs); a canary, with its tagged weight,
// when AddToLoadBalancer runs and its canary target groups are attached,
// and none of its main ones. Anything between (a target group attached or
// detached outside tack) reads as disabled, so the next plan enables the
// group again.
//
// A group still attached to any of its main or canary target groups
// takes traffic, whatever its processes: a disable cut short after it
// suspended AddToLoadBalancer and before it detached reads as enabled
// (whole, unless its attachments make it a canary), so the next plan
// disables it again rather than take it as done.
func groupTraffic(g asgtypes.AutoScalingGroup) sdk.Traffic {
	main, canary := wantedTargetGroups(g), canaryTargetGroups(g)
	if suspended(g, processAddToLB) {
		if !attachedAny(g, main) && !attachedAny(g, canary) {
			return sdk.Traffic{}
		}
		if len(canary) > 0 && attachedAll(g, canary) && !attachedAny(g, main) {
			return canaryTraffic(g)
		}
		return sdk.Traffic{Enabled: true, Weight: 100}
	}
	switch {
	case attachedAll(g, main) && (len(main) > 0 || !attachedAny(g, canary)):
		return sdk.Traffic{Enabled: true, Weight: 100}
	case len(canary) > 0 && attachedAll(g, canary) && !attachedAny(g, main):
		return canaryTraffic(g)
	}
	return sdk.Traffic{}
}

// canaryTraffic is a canary's traffic, with its tagged weight.
func canaryTraffic(g asgtypes.AutoScalingGroup) sdk.Traffic {
	w, err := strconv.Atoi(groupTagMap(g)[tagCanaryWeight])
	if err != nil || w < 1 || w > 99 {
		w = 0 // attached outside tack: a share tack did not give
	}
	return sdk.Traffic{Enabled: true, Weight: int32(w)}
}

func attachedAll(g asgtypes.AutoScalingGroup, tgs []string) bool {
	for _, tg := range tgs {
		if !slices.Contains(g.TargetGroupARNs, tg) {
			return false
		}
	}
	return true
}

func attachedAny(g asgtypes.AutoScalingGroup, tgs []string) bool {
	for _, tg := range tgs {
		if slices.Contains(g.TargetGroupARNs, tg) {
			return true
		}
	}
	return false
}

func suspended(g asgtypes.AutoScalingGroup, process string) bool {
	for _, p := range g.SuspendedProcesses {
		if awssdk.ToString(p.ProcessName) == process {
			return true
		}
	}
	return false
}

// group is the Auto Scaling group named name, or nil when there is none;
// it may be being deleted.
func (c *client) group(ctx context.Context, name string) (*asgtypes.AutoScalingGroup, error) {
	out, err := c.autoscaling.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{name}})
	if err != nil {
		return nil, err
	}
	for i := range out.AutoScalingGroups {
		if g := &out.AutoScalingGroups[i]; awssdk.ToString(g.AutoScalingGroupName) == name {
			return g, nil
		}
	}
	return nil, nil
}

// clusterGroup is tack's group name of cluster, or a diagnostic saying
// why there is none: it does not exist, or tack did not make it for this
// cluster and will not touch it.
func (c *client) clusterGroup(ctx context.Context, cluster sdk.ClusterRef, name, doing string) (*asgtypes.AutoScalingGroup, sdk.Diagnostics) {
	g, err := c.group(ctx, name)
	if err != nil {
		return nil, sdk.Diagnostics{apiDiag(doing, err, nil)}
	}
	if g == nil {
		return nil, sdk.Diagnostics{sdk.Errorf("Server group not found", "While %s: there is no Auto Scaling group named %s in %s.", doing, name, c.region)}
	}
	if deleting(*g) {
		return nil, sdk.Diagnostics{sdk.Errorf("Server group being deleted", "While %s: the Auto Scaling group %s is being deleted.", doing, name)}
	}
	if !isClusterGroup(*g, cluster.Name) {
		return nil, sdk.Diagnostics{sdk.Errorf("Not a server group of this cluster", "While %s: the Auto Scaling group %s is not tagged %s = %q, so tack did not make it for cluster %s and leaves it alone.", doing, name, tagCluster, cluster.Name, cluster.Name)}
	}
	return g, nil
}

func (s *serverGroups) CreateServerGroup(ctx context.Context, req sdk.CreateServerGroupRequest) sdk.CreateServerGroupResponse {
	c, diags := s.client()
	if diags != nil {
		return sdk.CreateServerGroupResponse{Diagnostics: diags}
	}
	sg := req.ServerGroup
	sp, diags := decodeGroupSpec(sg)
	targetGroups, tgDiags := joinedTargetGroups(sp, sg.LoadBalancers)
	diags = append(diags, tgDiags...)
	diags = append(diags, checkCanaryTargetGroups(sp, targetGroups)...)
	capacity, cdiags := asgCapacity(sg.Capacity)
	diags = append(diags, cdiags...)
	diags = append(diags, validWeight(sg.Traffic, sg.Name)...)
	if isCanary(sg.Traffic) && len(sp.CanaryTargetGroupARNs) == 0 && !diags.HasErrors() {
		diags = append(diags, noCanaryTargetGroups(sg.Name, sg.Traffic.Weight)...)
	}
	if sg.Cluster.Name == "" || !strings.HasPrefix(sg.Name, sg.Cluster.Name+"-v") {
		diags = append(diags, sdk.Errorf("Invalid server group name", "A server group of cluster %q is named %s-vNNN, not %q; this is a bug in tack.", sg.Cluster.Name, sg.Cluster.Name, sg.Name))
	}
	if diags.HasErrors() {
		return sdk.CreateServerGroupResponse{Diagnostics: diags}
	}
	doing := "creating server group " + sg.Name

	// Before anything is made: a group of that name may exist. AWS (and
	// moto even more: it replaces the group) would not say so clearly.
	existing, err := c.group(ctx, sg.Name)
	if err != nil {
		return sdk.CreateServerGroupResponse{Diagnostics: sdk.Diagnostics{apiDiag(doing, err, nil)}}
	}
	if existing != nil && deleting(*existing) {
		return sdk.CreateServerGroupResponse{Diagnostics: sdk.Diagnostics{sdk.Errorf("Server group being deleted",
			"An Auto Scaling group named %s exists and is being deleted; AWS takes minutes to terminate its instances. Apply again when it is gone.", sg.Name)}}
	}
	if existing != nil {
		return c.adoptGroup(ctx, *existing, sg, capacity)
	}
	if d := c.checkImage(ctx, sp.ImageID); d != nil {
		return sdk.CreateServerGroupResponse{Diagnostics: d}
	}
	if isCanary(sg.Traffic) {
		if d := c.checkCanarySplit(ctx, sg.Name, sp.CanaryTargetGroupARNs, sg.Traffic.Weight); d != nil {
			return sdk.CreateServerGroupResponse{Diagnostics: d}
		}
	}

	ltID, version, diags := c.createLaunchTemplate(ctx, sg, sp)
	if diags.HasErrors() {
		return sdk.CreateServerGroupResponse{Diagnostics: diags}
	}
	in := &autoscaling.CreateAutoScalingGroupInput{
		AutoScalingGroupName: awssdk.String(sg.Name),
		LaunchTemplate:       &asgtypes.LaunchTemplateSpecification{LaunchTemplateId: awssdk.String(ltID), Version: awssdk.String(version)},
		MinSize:              awssdk.Int32(capacity.min),
		DesiredCapacity:      awssdk.Int32(capacity.desired),
		MaxSize:              awssdk.Int32(capacity.max),
		VPCZoneIdentifier:    awssdk.String(strings.Join(sp.SubnetIDs, ",")),
		HealthCheckType:      sp.HealthCheckType,
		Tags:                 c.groupTags(sg, sp),
	}
	if p := sp.HealthCheckGracePeriod; p != nil {
		in.HealthCheckGracePeriod = awssdk.Int32(int32(min(*p, int64(1<<31-1))))
	}
	if sg.Traffic.Enabled && !isCanary(sg.Traffic) {
		// Enabled whole: the canary target groups too, which only a
		// canary takes from the serving group (canary.go).
		in.TargetGroupARNs = dedupe(append(targetGroups, sp.CanaryTargetGroupARNs...))
	}
	err = eventually(ctx, func(err error) bool { return launchTemplateNotYetVisible(err, ltID) }, func() error {
		_, err := c.autoscaling.CreateAutoScalingGroup(ctx, in)
		return err
	})
	if err != nil {
		return c.createFailed(ctx, sg, capacity, ltID, err)
	}
	// Nothing is reported made until AWS lists it.
	waiter := autoscaling.NewGroupExistsWaiter(c.autoscaling, func(o *autoscaling.GroupExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = time.Second, 10*time.Second
	})
	if err := waiter.Wait(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{sg.Name}}, 5*time.Minute); err != nil {
		return sdk.CreateServerGroupResponse{Diagnostics: halfMade(sg.Name, apiDiag("waiting for "+sg.Name+" to exist", err, nil))}
	}
	if !sg.Traffic.Enabled {
		// Created disabled: no target group is attached, and none is
		// taken on; Launch and Terminate run, so that the instances start
		// for the health gate before the group is enabled.
		_, err := c.autoscaling.SuspendProcesses(ctx, &autoscaling.SuspendProcessesInput{AutoScalingGroupName: awssdk.String(sg.Name), ScalingProcesses: []string{processAddToLB}})
		if err != nil {
			return sdk.CreateServerGroupResponse{Diagnostics: halfMade(sg.Name, apiDiag("suspending AddToLoadBalancer of "+sg.Name, err, nil))}
		}
	}
	if isCanary(sg.Traffic) {
		// Created unattached, then made a canary as SetTraffic makes one:
		// it takes the canary target groups once it serves there.
		g, err := c.group(ctx, sg.Name)
		if err != nil || g == nil {
			if err == nil {
				err = fmt.Errorf("the Auto Scaling group %s is not listed", sg.Name)
			}
			return sdk.CreateServerGroupResponse{Diagnostics: halfMade(sg.Name, apiDiag("reading back "+sg.Name, err, nil))}
		}
		if d := c.enableCanary(ctx, *g, sg.Traffic.Weight); d.HasErrors() {
			return sdk.CreateServerGroupResponse{Diagnostics: append(halfMade(sg.Name, d[0]), d[1:]...)}
		}
	}
	return c.readCreated(ctx, sg.Name)
}

// createFailed answers a CreateAutoScalingGroup that failed with err,
// after the launch template ltID was made for it. The call is not
// idempotent: the SDK retries one whose answer was lost (a timeout, a
// 5xx) and the retry is refused AlreadyExists although the first made the
// group, which launches from ltID. So whatever the error, the group is
// looked for first: one that exists is handed to adoptGroup, which
// finishes tack's own and refuses anyone else's, and the template goes
// only when the group surely does not exist (AWS refused it and does not
// list it) or no group launches from it.
func (c *client) createFailed(ctx context.Context, sg sdk.ServerGroup, capacity asgSize, ltID string, err error) sdk.CreateServerGroupResponse {
	diags := sdk.Diagnostics{apiDiag("creating server group "+sg.Name, err, specErrorPath(err))}
	g, lookErr := c.group(ctx, sg.Name)
	switch {
	case lookErr != nil:
		// Unsure whether the group exists: the template stays, and the
		// next create of this name finds either.
		return sdk.CreateServerGroupResponse{Diagnostics: diags}
	case g != nil && !deleting(*g):
		resp := c.adoptGroup(ctx, *g, sg, capacity)
		if resp.Diagnostics.HasErrors() {
			resp.Diagnostics = append(resp.Diagnostics, c.deleteUnusedTemplate(ctx, ltID, sg.Name)...)
		}
		return resp
	case g != nil:
		diags = append(diags, c.deleteUnusedTemplate(ctx, ltID, sg.Name)...)
	case errorCode(err) != "":
		// AWS refused the group and does not list it, so nothing uses
		// the template: it goes too. (Without an answer the group may
		// yet be listed, and the next create of this name finds it.)
		diags = append(diags, c.deleteLaunchTemplate(ctx, ltID, sg.Name)...)
	}
	return sdk.CreateServerGroupResponse{Diagnostics: diags}
}

// deleteUnusedTemplate deletes the launch template id (named name) made
// for a group that was not made, unless some group launches from it.
func (c *client) deleteUnusedTemplate(ctx context.Context, id, name string) sdk.Diagnostics {
	users, err := c.templateUsers(ctx, id, name)
	if err != nil || len(users) > 0 {
		return nil // kept; the next create of this name looks again
	}
	return c.deleteLaunchTemplate(ctx, id, name)
}

// halfMade adds to d that the group exists, so the user knows the next
// plan will find it.
func halfMade(name string, d sdk.Diagnostic) sdk.Diagnostics {
	d.Detail += fmt.Sprintf(" The Auto Scaling group %s was created; the next plan lists it.", name)
	return sdk.Diagnostics{d}
}

// readCreated reads back a group just made or adopted.
func (c *client) readCreated(ctx context.Context, name string) sdk.CreateServerGroupResponse {
	g, err := c.group(ctx, name)
	if err != nil || g == nil {
		if err == nil {
			err = fmt.Errorf("the Auto Scaling group %s is not listed", name)
		}
		return sdk.CreateServerGroupResponse{Diagnostics: halfMade(name, apiDiag("reading back "+name, err, nil))}
	}
	sg, diags := c.serverGroup(ctx, *g)
	return sdk.CreateServerGroupResponse{ServerGroup: sg, Diagnostics: diags}
}

// adoptGroup handles a create whose group exists already. tack's own
// group of this cluster with this spec is a create retried after an
// interruption: it is finished (capacity and traffic as asked) and
// returned. Any other group is refused: tack does not take over what it
// did not make.
func (c *client) adoptGroup(ctx context.Context, g asgtypes.AutoScalingGroup, sg sdk.ServerGroup, capacity asgSize) sdk.CreateServerGroupResponse {
	tags := groupTagMap(g)
	switch {
	case !isClusterGroup(g, sg.Cluster.Name):
		return sdk.CreateServerGroupResponse{Diagnostics: sdk.Diagnostics{sdk.Errorf("Server group already exists",
			"An Auto Scaling group named %s already exists in %s, and tack did not make it for cluster %s (it is not tagged %s = %q). Rename or delete it, or choose another cluster name.",
			sg.Name, c.region, sg.Cluster.Name, tagCluster, sg.Cluster.Name)}}
	case tags[tagSpecHash] != sg.SpecHash:
		return sdk.CreateServerGroupResponse{Diagnostics: sdk.Diagnostics{sdk.Errorf("Server group already exists",
			"The Auto Scaling group %s already exists with another server_group (spec hash %s, not %s). Plan again: the plan lists it and numbers the new group after it.",
			sg.Name, tags[tagSpecHash], sg.SpecHash)}}
	}
	doing := "finishing the creation of " + sg.Name
	_, err := c.autoscaling.UpdateAutoScalingGroup(ctx, &autoscaling.UpdateAutoScalingGroupInput{
		AutoScalingGroupName: awssdk.String(sg.Name),
		MinSize:              awssdk.Int32(capacity.min), DesiredCapacity: awssdk.Int32(capacity.desired), MaxSize: awssdk.Int32(capacity.max),
	})
	if err != nil {
		return sdk.CreateServerGroupResponse{Diagnostics: sdk.Diagnostics{apiDiag(doing, err, nil)}}
	}
	if sg.Traffic.Enabled {
		if d := c.setTraffic(ctx, g, sg.Traffic); d != nil {
			return sdk.CreateServerGroupResponse{Diagnostics: d}
		}
	} else if len(g.TargetGroupARNs) > 0 || !suspended(g, processAddToLB) {
		// As a create leaves a disabled group: detached, taking no
		// target group on, still launching.
		if d := c.detach(ctx, g, []string{processAddToLB}); d != nil {
			return sdk.CreateServerGroupResponse{Diagnostics: d}
		}
	}
	return c.readCreated(ctx, sg.Name)
}

// decodeGroupSpec checks a server_group block and decodes it. No call
// validates the block before it is created, so its validators run here.
func decodeGroupSpec(sg sdk.ServerGroup) (groupSpec, sdk.Diagnostics) {
	var sp groupSpec
	spec := sg.Spec
	if spec.IsNull() || !spec.IsWhollyKnown() || !spec.Type().Equals(groupSpecType) {
		return sp, sdk.Diagnostics{sdk.Errorf("Incomplete server group", "The server_group block of %s is missing, has values not yet known, or does not match the AWS provider's schema; this is a bug in tack.", sg.Name)}
	}
	schema := serverGroupSchema()
	var diags sdk.Diagnostics
	for _, name := range sortedKeys(schema.Attributes) {
		v := spec.GetAttr(name)
		if v.IsNull() {
			continue
		}
		for _, check := range schema.Attributes[name].Validators {
			diags = append(diags, check(cty.GetAttrPath(name), v)...)
		}
	}
	if diags.HasErrors() {
		return sp, diags
	}
	if err := gocty.FromCtyValue(spec, &sp); err != nil {
		return sp, sdk.FromError("Invalid server group", err)
	}
	return sp, diags
}

// joinedTargetGroups are the target groups a group joins when enabled:
// the block's, then the cluster's load balancers, which on AWS are target
// group ARNs too.
func joinedTargetGroups(sp groupSpec, lbs []string) ([]string, sdk.Diagnostics) {
	var diags sdk.Diagnostics
	for _, lb := range lbs {
		if !isTargetGroupARN(lb) {
			diags = append(diags, sdk.Errorf("Invalid load balancer",
				"On AWS a cluster's load_balancers are ELBv2 target group ARNs, such as aws_lb_target_group.api.arn; %q is not one.", lb))
		}
	}
	return dedupe(append(slices.Clone(sp.TargetGroupARNs), lbs...)), diags
}

func isTargetGroupARN(s string) bool {
	return strings.HasPrefix(s, "arn:") && strings.Contains(s, ":targetgroup/")
}

// asgSize is a capacity as the Auto Scaling API takes it.
type asgSize struct{ min, desired, max int32 }

func asgCapacity(c sdk.Capacity) (asgSize, sdk.Diagnostics) {
	const most = 1<<31 - 1
	if c.Min < 0 || c.Desired < 0 || c.Max < 0 || c.Min > most || c.Desired > most || c.Max > most {
		return asgSize{}, sdk.Diagnostics{sdk.Errorf("Invalid capacity", "A capacity of min %d, desired %d, max %d cannot be given to an Auto Scaling group: each must be from 0 to %d.", c.Min, c.Desired, c.Max, most)}
	}
	return asgSize{int32(c.Min), int32(c.Desired), int32(c.Max)}, nil
}

// groupTags are the Auto Scaling group's tags: the provider's default
// tags, the block's, and tack's. Those that say what an instance is
// (application, cluster, version, and the user's) propagate to
// instances.
func (c *client) groupTags(sg sdk.ServerGroup, sp groupSpec) []asgtypes.Tag {
	version := sg.Version
	if version == "" && sp.Version != nil {
		version = *sp.Version
	}
	all := c.tags(sp.Tags)
	propagate := map[string]bool{tagApplication: true, tagCluster: true, tagVersion: true}
	for k := range all {
		propagate[k] = true
	}
	own := map[string]string{
		tagApplication: sg.Cluster.Application,
		tagStack:       sg.Cluster.Stack,
		tagDetail:      sg.Cluster.Detail,
		tagCluster:     sg.Cluster.Name,
		tagSequence:    strconv.Itoa(int(sg.Sequence)),
		tagVersion:     version,
		tagSpecHash:    sg.SpecHash,
		tagSpecNull:    strings.Join(nullAttributes(sg.Spec), ","),
	}
	for i, arn := range sp.TargetGroupARNs {
		own[tagTargetGroup+strconv.Itoa(i)] = arn
	}
	for i, arn := range sp.CanaryTargetGroupARNs {
		own[tagCanaryTargetGroup+strconv.Itoa(i)] = arn
	}
	if isCanary(sg.Traffic) {
		own[tagCanaryWeight] = strconv.Itoa(int(sg.Traffic.Weight))
	}
	for i, arn := range sg.LoadBalancers {
		own[tagLoadBalancer+strconv.Itoa(i)] = arn
	}
	for k, v := range own {
		all[k] = v
	}
	var out []asgtypes.Tag
	for _, k := range sortedKeys(all) {
		out = append(out, asgtypes.Tag{
			Key: awssdk.String(k), Value: awssdk.String(all[k]), PropagateAtLaunch: awssdk.Bool(propagate[k]),
			ResourceId: awssdk.String(sg.Name), ResourceType: awssdk.String("auto-scaling-group"),
		})
	}
	return out
}

// checkImage makes sure the image exists before anything is made for
// it: AWS accepts a launch template naming any image, and only the
// instances' launches would fail, where nobody reads it.
func (c *client) checkImage(ctx context.Context, id string) sdk.Diagnostics {
	path := cty.GetAttrPath("image_id")
	out, err := c.ec2.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{id}})
	if err != nil && !isCode(err, "InvalidAMIID.NotFound", "InvalidAMIID.Unavailable") {
		return sdk.Diagnostics{apiDiag("looking up image "+id, err, path)}
	}
	if err != nil || len(out.Images) == 0 {
		return sdk.Diagnostics{sdk.AttributeErrorf(path, "Image not found",
			"No image %q is visible to this account in %s. Check the id and the region, or look the image up with a data \"aws_ami\" block.", id, c.region)}
	}
	return nil
}

// createLaunchTemplate makes the launch template of a new server group,
// named as the group, and returns its id and version.
func (c *client) createLaunchTemplate(ctx context.Context, sg sdk.ServerGroup, sp groupSpec) (string, string, sdk.Diagnostics) {
	data := &ec2types.RequestLaunchTemplateData{
		ImageId:          awssdk.String(sp.ImageID),
		InstanceType:     ec2types.InstanceType(sp.InstanceType),
		KeyName:          sp.KeyName,
		SecurityGroupIds: sp.SecurityGroupIDs,
	}
	if sp.UserData != nil {
		data.UserData = awssdk.String(base64.StdEncoding.EncodeToString([]byte(*sp.UserData)))
	}
	if p := sp.IAMInstanceProfile; p != nil {
		data.IamInstanceProfile = &ec2types.LaunchTemplateIamInstanceProfileSpecificationRequest{}
		if strings.HasPrefix(*p, "arn:") {
			data.IamInstanceProfile.Arn = p
		} else {
			data.IamInstanceProfile.Name = p
		}
	}
	var tags []ec2types.Tag
	all := c.tags(map[string]string{tagCluster: sg.Cluster.Name, tagServerGroup: sg.Name})
	for _, k := range sortedKeys(all) {
		tags = append(tags, ec2types.Tag{Key: awssdk.String(k), Value: awssdk.String(all[k])})
	}
	in := &ec2.CreateLaunchTemplateInput{
		LaunchTemplateName: awssdk.String(sg.Name),
		VersionDescription: awssdk.String("tack server group " + sg.Name),
		LaunchTemplateData: data,
		TagSpecifications:  []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeLaunchTemplate, Tags: tags}},
	}
	doing := "creating the launch template of " + sg.Name
	out, err := c.ec2.CreateLaunchTemplate(ctx, in)
	if isCode(err, "InvalidLaunchTemplateName.AlreadyExistsException") {
		// No group of this name exists, so a template of this name made
		// by tack is what a create interrupted halfway left: it goes.
		// Anyone else's stays.
		if d := c.removeLeftoverTemplate(ctx, sg); d != nil {
			return "", "", d
		}
		out, err = c.ec2.CreateLaunchTemplate(ctx, in)
	}
	if err != nil {
		return "", "", sdk.Diagnostics{apiDiag(doing, err, specErrorPath(err))}
	}
	lt := out.LaunchTemplate
	if lt == nil || lt.LaunchTemplateId == nil {
		return "", "", sdk.Diagnostics{sdk.Errorf("AWS error", "While %s: EC2 answered without the template's id.", doing)}
	}
	return *lt.LaunchTemplateId, strconv.FormatInt(awssdk.ToInt64(lt.LatestVersionNumber), 10), nil
}

// removeLeftoverTemplate deletes the launch template named as sg when
// tack made it for sg's cluster and no group uses it.
func (c *client) removeLeftoverTemplate(ctx context.Context, sg sdk.ServerGroup) sdk.Diagnostics {
	doing := "reading the existing launch template " + sg.Name
	out, err := c.ec2.DescribeLaunchTemplates(ctx, &ec2.DescribeLaunchTemplatesInput{LaunchTemplateNames: []string{sg.Name}})
	if err != nil {
		return sdk.Diagnostics{apiDiag(doing, err, nil)}
	}
	for _, lt := range out.LaunchTemplates {
		if ec2Tag(lt.Tags, tagCluster) != sg.Cluster.Name {
			return sdk.Diagnostics{sdk.Errorf("Launch template already exists",
				"A launch template named %s exists in %s, and tack did not make it for cluster %s; tack names each server group's template after the group. Rename or delete it.", sg.Name, c.region, sg.Cluster.Name)}
		}
		users, err := c.templateUsers(ctx, awssdk.ToString(lt.LaunchTemplateId), sg.Name)
		if err != nil {
			return sdk.Diagnostics{apiDiag(doing, err, nil)}
		}
		if len(users) > 0 {
			return sdk.Diagnostics{sdk.Errorf("Launch template in use",
				"The launch template %s, which tack made for server group %s, is used by the Auto Scaling group %s; tack will not replace it.", sg.Name, sg.Name, strings.Join(users, ", "))}
		}
		if _, err := c.ec2.DeleteLaunchTemplate(ctx, &ec2.DeleteLaunchTemplateInput{LaunchTemplateId: lt.LaunchTemplateId}); err != nil {
			return sdk.Diagnostics{apiDiag("deleting the leftover launch template "+sg.Name, err, nil)}
		}
	}
	return nil
}

func ec2Tag(tags []ec2types.Tag, key string) string {
	for _, t := range tags {
		if awssdk.ToString(t.Key) == key {
			return awssdk.ToString(t.Value)
		}
	}
	return ""
}

// templateUsers are the Auto Scaling groups that launch from the launch
// template id (named name), of any version.
func (c *client) templateUsers(ctx context.Context, id, name string) ([]string, error) {
	var users []string
	uses := func(s *asgtypes.LaunchTemplateSpecification) bool {
		return s != nil && (awssdk.ToString(s.LaunchTemplateId) == id || awssdk.ToString(s.LaunchTemplateName) == name)
	}
	pages := autoscaling.NewDescribeAutoScalingGroupsPaginator(c.autoscaling, &autoscaling.DescribeAutoScalingGroupsInput{})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, g := range page.AutoScalingGroups {
			use := uses(g.LaunchTemplate)
			if mp := g.MixedInstancesPolicy; mp != nil && mp.LaunchTemplate != nil {
				use = use || uses(mp.LaunchTemplate.LaunchTemplateSpecification)
			}
			if use {
				users = append(users, awssdk.ToString(g.AutoScalingGroupName))
			}
		}
	}
	return users, nil
}

// deleteLaunchTemplate removes the template made for a group that was
// not made. Failing to is a warning: the template costs nothing, and the
// next create of that name removes it.
func (c *client) deleteLaunchTemplate(ctx context.Context, id, name string) sdk.Diagnostics {
	_, err := c.ec2.DeleteLaunchTemplate(ctx, &ec2.DeleteLaunchTemplateInput{LaunchTemplateId: awssdk.String(id)})
	if err == nil || isCode(err, "InvalidLaunchTemplateId.NotFound") {
		return nil
	}
	d := apiDiag("deleting the launch template "+name, err, nil)
	d.Severity = sdk.Warning
	return sdk.Diagnostics{d}
}

// eventually calls call until it succeeds, fails for another reason
// than retry accepts, ctx ends or a minute passes. The SDK's retryer
// retries throttling and AWS's own failures; this covers the errors of
// eventual consistency, where one service has not yet seen what another
// just made.
func eventually(ctx context.Context, retry func(error) bool, call func() error) error {
	delay := 250 * time.Millisecond
	deadline := time.Now().Add(time.Minute)
	for {
		err := call()
		if err == nil || !retry(err) || time.Now().After(deadline) {
			return err
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		delay = min(2*delay, 5*time.Second)
	}
}

// launchTemplateNotYetVisible reports whether err is Auto Scaling not
// yet seeing the launch template id that EC2 just made.
func launchTemplateNotYetVisible(err error, id string) bool {
	if !isCode(err, "ValidationError") {
		return false
	}
	msg := strings.ToLower(describeError(err))
	return strings.Contains(msg, strings.ToLower(id)) && (strings.Contains(msg, "not found") || strings.Contains(msg, "does not exist"))
}

// specErrorPath is the server_group attribute an AWS error concerns, or
// nil: by its code, or, as Auto Scaling answers ValidationError for
// every bad input, by the words of its message.
func specErrorPath(err error) cty.Path {
	code := errorCode(err)
	for _, m := range []struct{ prefix, attr string }{
		{"InvalidAMIID", "image_id"},
		{"InvalidKeyPair", "key_name"},
		{"InvalidGroup", "security_group_ids"},
		{"InvalidSecurityGroup", "security_group_ids"},
		{"InvalidSubnet", "subnet_ids"},
		{"InvalidInstanceType", "instance_type"},
		{"InvalidUserData", "user_data"},
		{"InvalidIamInstanceProfile", "iam_instance_profile"},
		{"TargetGroupNotFound", "target_group_arns"},
	} {
		if strings.HasPrefix(code, m.prefix) {
			return cty.GetAttrPath(m.attr)
		}
	}
	if !isCode(err, "ValidationError", "InvalidParameterValue", "InvalidParameterCombination") {
		return nil
	}
	msg := strings.ToLower(describeError(err))
	for _, m := range []struct{ word, attr string }{
		{"subnet", "subnet_ids"},
		{"target group", "target_group_arns"},
		{"targetgroup", "target_group_arns"},
		{"security group", "security_group_ids"},
		{"key pair", "key_name"},
		{"instance profile", "iam_instance_profile"},
		{"instance type", "instance_type"},
		{"image", "image_id"},
		{"health check type", "health_check_type"},
		{"healthchecktype", "health_check_type"},
		{"grace period", "health_check_grace_period"},
		{"tag", "tags"},
	} {
		if strings.Contains(msg, m.word) {
			return cty.GetAttrPath(m.attr)
		}
	}
	return nil
}

func (s *serverGroups) ResizeServerGroup(ctx context.Context, req sdk.ResizeServerGroupRequest) sdk.ResizeServerGroupResponse {
	c, diags := s.client()
	if diags != nil {
		return sdk.ResizeServerGroupResponse{Diagnostics: diags}
	}
	capacity, diags := asgCapacity(req.Capacity)
	if diags != nil {
		return sdk.ResizeServerGroupResponse{Diagnostics: diags}
	}
	doing := "resizing " + req.Name
	g, diags := c.clusterGroup(ctx, req.Cluster, req.Name, doing)
	if diags != nil {
		return sdk.ResizeServerGroupResponse{Diagnostics: diags}
	}
	// A group disabled by SetTraffic has Launch and Terminate suspended,
	// and AWS would take the new capacity without launching or
	// terminating anything. They are resumed first and stay resumed:
	// the group is left as a create leaves a disabled group, with
	// AddToLoadBalancer still suspended and no target group attached, so
	// it still takes no traffic and reads as disabled; enable and
	// disable work on it as on any group.
	if resume := resizeBlockers(*g); len(resume) > 0 {
		if _, err := c.autoscaling.ResumeProcesses(ctx, &autoscaling.ResumeProcessesInput{AutoScalingGroupName: awssdk.String(req.Name), ScalingProcesses: resume}); err != nil {
			return sdk.ResizeServerGroupResponse{Diagnostics: sdk.Diagnostics{apiDiag("resuming Launch and Terminate of "+req.Name+" to resize it", err, nil)}}
		}
	}
	_, err := c.autoscaling.UpdateAutoScalingGroup(ctx, &autoscaling.UpdateAutoScalingGroupInput{
		AutoScalingGroupName: awssdk.String(req.Name),
		MinSize:              awssdk.Int32(capacity.min), DesiredCapacity: awssdk.Int32(capacity.desired), MaxSize: awssdk.Int32(capacity.max),
	})
	if err != nil {
		return sdk.ResizeServerGroupResponse{Diagnostics: sdk.Diagnostics{apiDiag(doing, err, nil)}}
	}
	return sdk.ResizeServerGroupResponse{}
}

// resizeBlockers are the processes suspended on g without which a new
// capacity is never reached: Launch and Terminate.
func resizeBlockers(g asgtypes.AutoScalingGroup) []string {
	var out []string
	for _, p := range []string{processLaunch, processTerminate} {
		if suspended(g, p) {
			out = append(out, p)
		}
	}
	return out
}

func (s *serverGroups) SetTraffic(ctx context.Context, req sdk.SetTrafficRequest) sdk.SetTrafficResponse {
	c, diags := s.client()
	if diags != nil {
		return sdk.SetTrafficResponse{Diagnostics: diags}
	}
	if d := validWeight(req.Traffic, req.Name); d != nil {
		return sdk.SetTrafficResponse{Diagnostics: d}
	}
	doing := "disabling " + req.Name
	switch {
	case isCanary(req.Traffic):
		doing = fmt.Sprintf("giving %s %d%% of its cluster's traffic", req.Name, req.Traffic.Weight)
	case req.Traffic.Enabled:
		doing = "enabling " + req.Name
	}
	g, diags := c.clusterGroup(ctx, req.Cluster, req.Name, doing)
	if diags != nil {
		return sdk.SetTrafficResponse{Diagnostics: diags}
	}
	if req.Traffic.Enabled {
		return sdk.SetTrafficResponse{Diagnostics: c.setTraffic(ctx, *g, req.Traffic)}
	}
	diags = c.handBack(ctx, *g)
	if diags.HasErrors() {
		return sdk.SetTrafficResponse{Diagnostics: diags}
	}
	return sdk.SetTrafficResponse{Diagnostics: append(diags, c.detach(ctx, *g, disabledProcesses)...)}
}

// setTraffic enables g: whole, or as a canary (canary.go).
func (c *client) setTraffic(ctx context.Context, g asgtypes.AutoScalingGroup, t sdk.Traffic) sdk.Diagnostics {
	if isCanary(t) {
		return c.enableCanary(ctx, g, t.Weight)
	}
	return c.enable(ctx, g)
}

// enable resumes g's scaling processes, then attaches its main and
// canary target groups: outside canaries the serving group takes the
// whole listener, and a promoted canary keeps taking requests throughout.
func (c *client) enable(ctx context.Context, g asgtypes.AutoScalingGroup) sdk.Diagnostics {
	name := awssdk.ToString(g.AutoScalingGroupName)
	if _, err := c.autoscaling.ResumeProcesses(ctx, &autoscaling.ResumeProcessesInput{AutoScalingGroupName: awssdk.String(name), ScalingProcesses: disabledProcesses}); err != nil {
		return sdk.Diagnostics{apiDiag("resuming the scaling processes of "+name, err, nil)}
	}
	return c.attach(ctx, g, dedupe(append(wantedTargetGroups(g), canaryTargetGroups(g)...)), "its target groups")
}

// detach suspends processes of g, then detaches it from every target
// group, so no instance launched meanwhile registers with one.
func (c *client) detach(ctx context.Context, g asgtypes.AutoScalingGroup, processes []string) sdk.Diagnostics {
	name := awssdk.ToString(g.AutoScalingGroupName)
	if _, err := c.autoscaling.SuspendProcesses(ctx, &autoscaling.SuspendProcessesInput{AutoScalingGroupName: awssdk.String(name), ScalingProcesses: processes}); err != nil {
		return sdk.Diagnostics{apiDiag("suspending the scaling processes of "+name, err, nil)}
	}
	if len(g.TargetGroupARNs) == 0 {
		return nil
	}
	_, err := c.autoscaling.DetachLoadBalancerTargetGroups(ctx, &autoscaling.DetachLoadBalancerTargetGroupsInput{AutoScalingGroupName: awssdk.String(name), TargetGroupARNs: g.TargetGroupARNs})
	if err != nil {
		return sdk.Diagnostics{apiDiag("detaching "+name+" from its target groups", err, nil)}
	}
	return nil
}

func (s *serverGroups) GetHealth(ctx context.Context, req sdk.GetHealthRequest) sdk.GetHealthResponse {
	c, diags := s.client()
	if diags != nil {
		return sdk.GetHealthResponse{Diagnostics: diags}
	}
	doing := "reading the health of " + req.Name
	g, diags := c.clusterGroup(ctx, req.Cluster, req.Name, doing)
	if diags != nil {
		return sdk.GetHealthResponse{Diagnostics: diags}
	}
	targets := map[string][]targetState{}
	for _, arn := range g.TargetGroupARNs {
		out, err := c.elbv2.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: awssdk.String(arn)})
		if err != nil {
			return sdk.GetHealthResponse{Diagnostics: sdk.Diagnostics{apiDiag(doing, err, nil)}}
		}
		seen := map[string]bool{}
		for _, d := range out.TargetHealthDescriptions {
			if d.Target == nil || d.TargetHealth == nil {
				continue
			}
			id := awssdk.ToString(d.Target.Id)
			seen[id] = true
			targets[id] = append(targets[id], targetState{
				group: targetGroupName(arn), state: string(d.TargetHealth.State),
				reason: string(d.TargetHealth.Reason), description: awssdk.ToString(d.TargetHealth.Description),
			})
		}
		for _, in := range g.Instances {
			if id := awssdk.ToString(in.InstanceId); !seen[id] {
				targets[id] = append(targets[id], targetState{group: targetGroupName(arn), state: "unregistered"})
			}
		}
	}
	return sdk.GetHealthResponse{Instances: instanceHealth(g.Instances, targets)}
}

// targetState is an instance's health in one target group.
type targetState struct {
	group                      string // the target group's name
	state, reason, description string
}

// instanceHealth combines each instance's state in its Auto Scaling
// group with its health in each target group the group is attached to;
// the worst wins, and every reason it is not up is given.
//
// In a target group, healthy is up; initial, and not yet registered, are
// starting; unhealthy and draining are down. unused and unavailable mean
// no load balancer checks the target (its target group is on no
// listener, or health checks are off), which leaves the Auto Scaling
// group's word — except for a target unused because it is stopped.
func instanceHealth(instances []asgtypes.Instance, targets map[string][]targetState) []sdk.InstanceHealth {
	var out []sdk.InstanceHealth
	for _, in := range instances {
		id := awssdk.ToString(in.InstanceId)
		state := sdk.HealthUp
		var reasons []string
		worse := func(s sdk.HealthState, reason string) {
			if rank(s) > rank(state) {
				state = s
			}
			reasons = append(reasons, reason)
		}
		switch lc := string(in.LifecycleState); {
		case lc == string(asgtypes.LifecycleStateInService):
		case strings.HasPrefix(lc, "Pending"), strings.HasPrefix(lc, "Warmed"):
			worse(sdk.HealthStarting, "launching ("+lc+")")
		default:
			worse(sdk.HealthDown, "not in service ("+lc+")")
		}
		if strings.EqualFold(awssdk.ToString(in.HealthStatus), "Unhealthy") {
			worse(sdk.HealthDown, "Auto Scaling found it unhealthy")
		}
		for _, t := range targets[id] {
			switch t.state {
			case "healthy":
			case "unregistered":
				worse(sdk.HealthStarting, "not yet registered with target group "+t.group)
			case "initial":
				worse(sdk.HealthStarting, t.describe())
			case "unused":
				if t.reason == "Target.NotRegistered" {
					worse(sdk.HealthStarting, "not yet registered with target group "+t.group)
				} else if t.reason == "Target.InvalidState" {
					worse(sdk.HealthDown, t.describe())
				}
			case "unavailable":
			default: // unhealthy, draining, and states to come
				worse(sdk.HealthDown, t.describe())
			}
		}
		h := sdk.InstanceHealth{ID: id, State: state}
		if state != sdk.HealthUp {
			h.Reason = strings.Join(reasons, "; ")
		}
		out = append(out, h)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (t targetState) describe() string {
	s := "target group " + t.group + ": " + t.state
	switch {
	case t.description != "":
		s += " (" + strings.TrimSuffix(t.description, ".") + ")"
	case t.reason != "":
		s += " (" + t.reason + ")"
	}
	return s
}

// rank orders health states from best to worst.
func rank(s sdk.HealthState) int {
	switch s {
	case sdk.HealthUp:
		return 0
	case sdk.HealthStarting:
		return 1
	case sdk.HealthUnknown:
		return 2
	}
	return 3
}

// targetGroupName is the name in a target group's ARN
// (…:targetgroup/NAME/ID), or the ARN.
func targetGroupName(arn string) string {
	_, rest, ok := strings.Cut(arn, ":targetgroup/")
	if !ok {
		return arn
	}
	name, _, _ := strings.Cut(rest, "/")
	return name
}

func (s *serverGroups) DestroyServerGroup(ctx context.Context, req sdk.DestroyServerGroupRequest) sdk.DestroyServerGroupResponse {
	c, diags := s.client()
	if diags != nil {
		return sdk.DestroyServerGroupResponse{Diagnostics: diags}
	}
	doing := "destroying " + req.Name
	g, err := c.group(ctx, req.Name)
	if err != nil {
		return sdk.DestroyServerGroupResponse{Diagnostics: sdk.Diagnostics{apiDiag(doing, err, nil)}}
	}
	if g == nil {
		// Gone already: a destroy retried after its delete went through
		// but before the template was released. The template is the
		// group's name (createLaunchTemplate), and is deleted if tack made
		// it for this cluster and no group launches from it.
		ref := &asgtypes.LaunchTemplateSpecification{LaunchTemplateName: awssdk.String(req.Name)}
		return sdk.DestroyServerGroupResponse{Diagnostics: c.releaseLaunchTemplate(ctx, req.Name, ref, req.Cluster.Name)}
	}
	if !isClusterGroup(*g, req.Cluster.Name) {
		_, diags := c.clusterGroup(ctx, req.Cluster, req.Name, doing)
		return sdk.DestroyServerGroupResponse{Diagnostics: diags}
	}
	if !deleting(*g) { // else a destroy retried: wait for the delete under way
		diags = c.handBack(ctx, *g)
		if diags.HasErrors() {
			return sdk.DestroyServerGroupResponse{Diagnostics: diags}
		}
		diags = append(diags, c.waitDrained(ctx, *g)...)
		if diags.HasErrors() {
			return sdk.DestroyServerGroupResponse{Diagnostics: diags}
		}
		_, err = c.autoscaling.DeleteAutoScalingGroup(ctx, &autoscaling.DeleteAutoScalingGroupInput{AutoScalingGroupName: awssdk.String(req.Name), ForceDelete: awssdk.Bool(true)})
		if err != nil && !isCode(err, "ScalingActivityInProgress") {
			return sdk.DestroyServerGroupResponse{Diagnostics: sdk.Diagnostics{apiDiag(doing, err, nil)}}
		}
	}
	// A forced delete terminates the instances first, for minutes; the
	// group is destroyed when AWS no longer lists it.
	waiter := autoscaling.NewGroupNotExistsWaiter(c.autoscaling, func(o *autoscaling.GroupNotExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 2*time.Second, 15*time.Second
	})
	if err := waiter.Wait(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{req.Name}}, 20*time.Minute); err != nil {
		return sdk.DestroyServerGroupResponse{Diagnostics: sdk.Diagnostics{apiDiag("waiting for "+req.Name+" to be deleted", err, nil)}}
	}
	return sdk.DestroyServerGroupResponse{Diagnostics: append(diags, c.releaseLaunchTemplate(ctx, req.Name, g.LaunchTemplate, req.Cluster.Name)...)}
}

// drainPoll is how often a destroy looks whether a group's instances
// still drain.
const drainPoll = 2 * time.Second

// defaultDeregistrationDelay is ELBv2's deregistration delay, for a
// target group whose own cannot be read.
const defaultDeregistrationDelay = 300 * time.Second

// waitDrained waits, before g is deleted, until none of its instances is
// draining in the target groups it left. A disable (red/black's,
// highlander's) detaches the group, and its target groups drain its
// instances for their deregistration delay, up to an hour, answering the
// requests in flight; a forced delete terminates the instances at once,
// cutting those requests, since Auto Scaling waits for draining only
// while a group is attached. A group that left long ago has nothing
// draining and costs one DescribeTargetHealth a target group. The wait
// is bounded by the longest deregistration delay of those target groups,
// after which ELBv2 has stopped draining itself; still draining then is
// a warning, and the delete goes on. Interrupted, the group is kept and
// the next destroy waits again.
func (c *client) waitDrained(ctx context.Context, g asgtypes.AutoScalingGroup) sdk.Diagnostics {
	name := awssdk.ToString(g.AutoScalingGroupName)
	var left []string
	for _, tg := range dedupe(append(wantedTargetGroups(g), canaryTargetGroups(g)...)) {
		if !slices.Contains(g.TargetGroupARNs, tg) {
			left = append(left, tg)
		}
	}
	ids := map[string]bool{}
	for _, in := range g.Instances {
		ids[awssdk.ToString(in.InstanceId)] = true
	}
	if len(left) == 0 || len(ids) == 0 {
		return nil
	}
	var deadline time.Time
	for {
		why, err := c.draining(ctx, left, ids)
		if err != nil {
			return sdk.Diagnostics{apiDiag("waiting for the instances of "+name+" to drain before deleting it", err, nil)}
		}
		if why == "" {
			return nil
		}
		if deadline.IsZero() {
			deadline = time.Now().Add(c.deregistrationDelay(ctx, left) + drainPoll)
		}
		if time.Now().After(deadline) {
			return sdk.Diagnostics{{Severity: sdk.Warning, Summary: "Deleted while draining",
				Detail: fmt.Sprintf("%s was deleted although %s after its target groups' deregistration delay; requests still in flight there were cut.", name, why)}}
		}
		select {
		case <-ctx.Done():
			return sdk.Diagnostics{sdk.Errorf("Interrupted while draining",
				"%s was not deleted: %s, and the wait for its requests in flight was interrupted. Destroy it again to finish.", name, why)}
		case <-time.After(drainPoll):
		}
	}
}

// draining says which of the instances ids drains in one of tgs, or ""
// when none does. A target group gone drains nothing.
func (c *client) draining(ctx context.Context, tgs []string, ids map[string]bool) (string, error) {
	for _, tg := range tgs {
		out, err := c.elbv2.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: awssdk.String(tg)})
		if isCode(err, "TargetGroupNotFound") {
			continue
		}
		if err != nil {
			return "", err
		}
		for _, d := range out.TargetHealthDescriptions {
			if d.Target == nil || d.TargetHealth == nil {
				continue
			}
			if id := awssdk.ToString(d.Target.Id); ids[id] && d.TargetHealth.State == elbtypes.TargetHealthStateEnumDraining {
				return fmt.Sprintf("instance %s is draining in target group %s", id, targetGroupName(tg)), nil
			}
		}
	}
	return "", nil
}

// deregistrationDelay is the longest deregistration delay of tgs, ELBv2's
// default for those it cannot read.
func (c *client) deregistrationDelay(ctx context.Context, tgs []string) time.Duration {
	var longest time.Duration
	for _, tg := range tgs {
		d := defaultDeregistrationDelay
		out, err := c.elbv2.DescribeTargetGroupAttributes(ctx, &elbv2.DescribeTargetGroupAttributesInput{TargetGroupArn: awssdk.String(tg)})
		if err == nil {
			for _, a := range out.Attributes {
				if awssdk.ToString(a.Key) != "deregistration_delay.timeout_seconds" {
					continue
				}
				if n, err := strconv.Atoi(awssdk.ToString(a.Value)); err == nil && n >= 0 {
					d = time.Duration(n) * time.Second
				}
			}
		}
		longest = max(longest, d)
	}
	return longest
}

// releaseLaunchTemplate deletes the launch template ref that the
// destroyed group named group was launched from, when tack made it for
// the group's cluster and no other group launches from it. What cannot be
// deleted is a warning: the group is gone, and a template costs nothing.
func (c *client) releaseLaunchTemplate(ctx context.Context, group string, ref *asgtypes.LaunchTemplateSpecification, cluster string) sdk.Diagnostics {
	if ref == nil {
		return nil
	}
	warn := func(err error) sdk.Diagnostics {
		d := apiDiag("deleting the launch template of "+group, err, nil)
		d.Severity = sdk.Warning
		return sdk.Diagnostics{d}
	}
	in := &ec2.DescribeLaunchTemplatesInput{}
	if ref.LaunchTemplateId != nil {
		in.LaunchTemplateIds = []string{*ref.LaunchTemplateId}
	} else {
		in.LaunchTemplateNames = []string{awssdk.ToString(ref.LaunchTemplateName)}
	}
	out, err := c.ec2.DescribeLaunchTemplates(ctx, in)
	// AWS answers NotFound for a template that is gone; moto answers an
	// empty list. Either way there is nothing to delete.
	if isCode(err, "InvalidLaunchTemplateId.NotFound", "InvalidLaunchTemplateName.NotFoundException", "InvalidLaunchTemplateId.Malformed") {
		return nil
	}
	if err != nil {
		return warn(err)
	}
	for _, lt := range out.LaunchTemplates {
		if ec2Tag(lt.Tags, tagCluster) != cluster {
			continue // not tack's to delete
		}
		users, err := c.templateUsers(ctx, awssdk.ToString(lt.LaunchTemplateId), awssdk.ToString(lt.LaunchTemplateName))
		if err != nil {
			return warn(err)
		}
		if len(users) > 0 {
			return sdk.Diagnostics{{Severity: sdk.Warning, Summary: "Launch template kept",
				Detail: fmt.Sprintf("The launch template %s was kept: the Auto Scaling group %s launches from it too.", awssdk.ToString(lt.LaunchTemplateName), strings.Join(users, ", "))}}
		}
		if d := c.deleteLaunchTemplate(ctx, awssdk.ToString(lt.LaunchTemplateId), awssdk.ToString(lt.LaunchTemplateName)); d != nil {
			return d
		}
	}
	return nil
}

// Validators of the server_group block.

func nonBlankAttr(path cty.Path, v cty.Value) sdk.Diagnostics {
	if strings.TrimSpace(v.AsString()) == "" {
		return sdk.Diagnostics{sdk.AttributeErrorf(path, "Empty value", "%s must not be empty.", sdk.FormatPath(path))}
	}
	return nil
}

func nonEmptyListAttr(path cty.Path, v cty.Value) sdk.Diagnostics {
	if v.LengthInt() == 0 {
		return sdk.Diagnostics{sdk.AttributeErrorf(path, "Empty list", "%s needs at least one element.", sdk.FormatPath(path))}
	}
	return nil
}

func nonNegativeAttr(path cty.Path, v cty.Value) sdk.Diagnostics {
	if v.LessThan(cty.Zero).True() {
		return sdk.Diagnostics{sdk.AttributeErrorf(path, "Negative value", "%s must be 0 or more.", sdk.FormatPath(path))}
	}
	return nil
}

func validHealthCheckType(path cty.Path, v cty.Value) sdk.Diagnostics {
	if s := v.AsString(); s != "EC2" && s != "ELB" {
		return sdk.Diagnostics{sdk.AttributeErrorf(path, "Invalid health check type", "%s is EC2 or ELB, not %q.", sdk.FormatPath(path), s)}
	}
	return nil
}

func validTargetGroupARNs(path cty.Path, v cty.Value) sdk.Diagnostics {
	var diags sdk.Diagnostics
	for it := v.ElementIterator(); it.Next(); {
		k, e := it.Element()
		if e.IsKnown() && !e.IsNull() && !isTargetGroupARN(e.AsString()) {
			diags = append(diags, sdk.AttributeErrorf(path.Copy().Index(k), "Invalid target group ARN",
				"%s holds ELBv2 target group ARNs, such as aws_lb_target_group.api.arn; %q is not one.", sdk.FormatPath(path), e.AsString()))
		}
	}
	return diags
}

func validGroupTags(path cty.Path, v cty.Value) sdk.Diagnostics {
	var diags sdk.Diagnostics
	for it := v.ElementIterator(); it.Next(); {
		k, _ := it.Element()
		key := k.AsString()
		if strings.HasPrefix(key, "tack:") || strings.HasPrefix(strings.ToLower(key), "aws:") {
			diags = append(diags, sdk.AttributeErrorf(path.Copy().Index(k), "Reserved tag",
				"The tag %q is reserved: keys starting with tack: are tack's own, and those starting with aws: AWS's.", key))
		}
	}
	return diags
}
