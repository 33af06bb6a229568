package aws

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	asgtypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/internal/mototest"
	"github.com/tackhq/tack/plugins/sdk"
	"github.com/tackhq/tack/plugins/sdk/sdktest"
)

// sgCmp compares server groups: cty values by their content.
var sgCmp = cmp.Options{
	cmp.Comparer(func(a, b cty.Value) bool { return a.RawEquals(b) }),
	cmpopts.EquateEmpty(),
}

var apiProd = sdk.ClusterRef{Name: "api-prod", Application: "api", Stack: "prod"}

// sgWorld is what the server group tests work in: the provider served
// against a fresh moto, AWS clients to look at what it did, and what a
// group needs — subnets, an image, two target groups.
type sgWorld struct {
	p       *sdk.GRPCClient
	s       *mototest.Server
	asg     *autoscaling.Client
	ec2     *ec2.Client
	elb     *elbv2.Client
	cw      *cloudwatch.Client
	vpc     string
	subnets []string
	image   string
	tgs     []string
}

func newSGWorld(t *testing.T) *sgWorld {
	t.Helper()
	p, s := newClient(t)
	ctx := t.Context()
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion("us-east-1"))
	if err != nil {
		t.Fatal(err)
	}
	w := &sgWorld{
		p:   p,
		s:   s,
		asg: autoscaling.NewFromConfig(cfg, func(o *autoscaling.Options) { o.BaseEndpoint = awssdk.String(s.URL) }),
		ec2: ec2.NewFromConfig(cfg, func(o *ec2.Options) { o.BaseEndpoint = awssdk.String(s.URL) }),
		elb: elbv2.NewFromConfig(cfg, func(o *elbv2.Options) { o.BaseEndpoint = awssdk.String(s.URL) }),
		cw:  cloudwatch.NewFromConfig(cfg, func(o *cloudwatch.Options) { o.BaseEndpoint = awssdk.String(s.URL) }),
	}
	subnets, err := w.ec2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: awssdk.String("default-for-az"), Values: []string{"true"}}}})
	if err != nil || len(subnets.Subnets) < 2 {
		t.Fatalf("moto's default subnets: %v (%d)", err, len(subnets.Subnets))
	}
	sort.Slice(subnets.Subnets, func(i, j int) bool {
		return awssdk.ToString(subnets.Subnets[i].AvailabilityZone) < awssdk.ToString(subnets.Subnets[j].AvailabilityZone)
	})
	for _, sn := range subnets.Subnets[:2] {
		w.subnets = append(w.subnets, awssdk.ToString(sn.SubnetId))
	}
	w.vpc = awssdk.ToString(subnets.Subnets[0].VpcId)
	images, err := w.ec2.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"amazon"}})
	if err != nil || len(images.Images) == 0 {
		t.Fatalf("moto's images: %v", err)
	}
	w.image = awssdk.ToString(images.Images[0].ImageId)
	for _, name := range []string{"api-main", "api-extra"} {
		out, err := w.elb.CreateTargetGroup(ctx, &elbv2.CreateTargetGroupInput{
			Name: awssdk.String(name), Protocol: elbtypes.ProtocolEnumHttp, Port: awssdk.Int32(80), VpcId: awssdk.String(w.vpc),
		})
		if err != nil {
			t.Fatal(err)
		}
		w.tgs = append(w.tgs, awssdk.ToString(out.TargetGroups[0].TargetGroupArn))
	}
	return w
}

// withEndpoints is another provider configured against the world's moto,
// without resetting it, with endpoints overriding services' (a fault
// proxy's).
func (w *sgWorld) withEndpoints(t *testing.T, endpoints map[string]string) *sdk.GRPCClient {
	t.Helper()
	c := sdktest.Serve(t, Provider())
	c.GetSchema(t.Context())
	cfg := providerConfig(w.s.URL, map[string]cty.Value{"max_retries": cty.NumberIntVal(1)})
	vals := cfg.AsValueMap()
	eps := vals["endpoints"].AsValueMap()
	for k, v := range endpoints {
		eps[k] = cty.StringVal(v)
	}
	vals["endpoints"] = cty.ObjectVal(eps)
	if err := c.ConfigureProvider(t.Context(), sdk.ConfigureProviderRequest{Config: cty.ObjectVal(vals)}).Diagnostics.Err(); err != nil {
		t.Fatalf("configuring against moto: %v", err)
	}
	return c
}

// spec is a server_group block: the image and subnets, then vals; the
// rest null.
func (w *sgWorld) spec(vals map[string]cty.Value) cty.Value {
	all := map[string]cty.Value{
		"image_id":      cty.StringVal(w.image),
		"instance_type": cty.StringVal("t3.micro"),
		"subnet_ids":    cty.ListVal([]cty.Value{cty.StringVal(w.subnets[0]), cty.StringVal(w.subnets[1])}),
	}
	for k, v := range vals {
		all[k] = v
	}
	b := serverGroupSchema()
	return b.Object(all)
}

// group is server group seq of cluster api-prod, to create.
func (w *sgWorld) group(seq int32, spec cty.Value, enabled bool) sdk.ServerGroup {
	return sdk.ServerGroup{
		Name: fmt.Sprintf("api-prod-v%03d", seq), Cluster: apiProd, Sequence: seq,
		Spec: spec, SpecHash: fmt.Sprintf("hash-%d", seq), Version: sgSpecVersion(spec),
		Capacity:      sdk.Capacity{Min: 1, Desired: 2, Max: 3},
		Traffic:       sdk.Traffic{Enabled: enabled, Weight: 100},
		LoadBalancers: []string{w.tgs[0]},
	}
}

func sgSpecVersion(spec cty.Value) string {
	if v := spec.GetAttr("version"); !v.IsNull() {
		return v.AsString()
	}
	return ""
}

func (w *sgWorld) create(t *testing.T, sg sdk.ServerGroup) sdk.ServerGroup {
	t.Helper()
	resp := w.p.CreateServerGroup(t.Context(), sdk.CreateServerGroupRequest{ServerGroup: sg})
	if err := resp.Diagnostics.Err(); err != nil {
		t.Fatalf("creating %s: %v", sg.Name, err)
	}
	return resp.ServerGroup
}

func (w *sgWorld) list(t *testing.T, cluster sdk.ClusterRef) []sdk.ServerGroup {
	t.Helper()
	resp := w.p.ListServerGroups(t.Context(), sdk.ListServerGroupsRequest{Cluster: cluster})
	if err := resp.Diagnostics.Err(); err != nil {
		t.Fatalf("listing %s: %v", cluster.Name, err)
	}
	return resp.ServerGroups
}

// asgOf is the Auto Scaling group as AWS has it, or nil.
func (w *sgWorld) asgOf(t *testing.T, name string) *asgtypes.AutoScalingGroup {
	t.Helper()
	out, err := w.asg.DescribeAutoScalingGroups(t.Context(), &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{name}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.AutoScalingGroups) == 0 {
		return nil
	}
	return &out.AutoScalingGroups[0]
}

// templates are the names of the launch templates in moto.
func (w *sgWorld) templates(t *testing.T) []string {
	t.Helper()
	out, err := w.ec2.DescribeLaunchTemplates(t.Context(), &ec2.DescribeLaunchTemplatesInput{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, lt := range out.LaunchTemplates {
		names = append(names, awssdk.ToString(lt.LaunchTemplateName))
	}
	sort.Strings(names)
	return names
}

func suspendedOf(g *asgtypes.AutoScalingGroup) []string {
	var out []string
	for _, p := range g.SuspendedProcesses {
		out = append(out, awssdk.ToString(p.ProcessName))
	}
	sort.Strings(out)
	return out
}

func sortedCopy(ss []string) []string {
	out := slices.Clone(ss)
	sort.Strings(out)
	return out
}

func (w *sgWorld) health(t *testing.T, name string) []sdk.InstanceHealth {
	t.Helper()
	resp := w.p.GetHealth(t.Context(), sdk.GetHealthRequest{Cluster: apiProd, Name: name})
	if err := resp.Diagnostics.Err(); err != nil {
		t.Fatalf("health of %s: %v", name, err)
	}
	return resp.Instances
}

func states(hs []sdk.InstanceHealth) []string {
	var out []string
	for _, h := range hs {
		out = append(out, h.State.String())
	}
	return out
}

// A server group's life: created disabled, listed as created (and
// nothing else listed), enabled, refused a weight without canary target
// groups, disabled, resized, destroyed with its launch template.
func TestServerGroupLifecycle(t *testing.T) {
	w := newSGWorld(t)
	ctx := t.Context()

	// Groups ListServerGroups must ignore: one tack did not make, though
	// named as a group of the cluster, and another cluster's.
	lt, err := w.ec2.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{
		LaunchTemplateName: awssdk.String("hand-made"),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: awssdk.String(w.image), InstanceType: ec2types.InstanceTypeT3Micro},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.asg.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{
		AutoScalingGroupName: awssdk.String("api-prod-v900"),
		LaunchTemplate:       &asgtypes.LaunchTemplateSpecification{LaunchTemplateId: lt.LaunchTemplate.LaunchTemplateId},
		MinSize:              awssdk.Int32(0), MaxSize: awssdk.Int32(1), VPCZoneIdentifier: awssdk.String(w.subnets[0]),
	})
	if err != nil {
		t.Fatal(err)
	}
	staging := w.group(1, w.spec(nil), false)
	staging.Name, staging.Cluster = "api-staging-v001", sdk.ClusterRef{Name: "api-staging", Application: "api", Stack: "staging"}
	w.create(t, staging)

	spec := w.spec(map[string]cty.Value{
		"version":                   cty.StringVal("1.4.2"),
		"user_data":                 cty.StringVal("#!/bin/sh\nexec /srv/api --port 8080\n"),
		"security_group_ids":        cty.ListValEmpty(cty.String),
		"tags":                      cty.MapVal(map[string]cty.Value{"team": cty.StringVal("edge")}),
		"target_group_arns":         cty.ListVal([]cty.Value{cty.StringVal(w.tgs[1])}),
		"health_check_type":         cty.StringVal("ELB"),
		"iam_instance_profile":      cty.StringVal("api-role"),
		"health_check_grace_period": cty.NumberIntVal(120),
	})
	want := w.group(1, spec, false)
	want.Traffic = sdk.Traffic{}
	created := w.create(t, w.group(1, spec, false))
	if created.CreatedAt.IsZero() {
		t.Errorf("created group has no creation time")
	}
	if diff := cmp.Diff(want, created, sgCmp, cmpopts.IgnoreFields(sdk.ServerGroup{}, "CreatedAt")); diff != "" {
		t.Errorf("created group (-want +got):\n%s", diff)
	}

	// On AWS: the group launches, from a template of its own with the
	// user data base64-encoded, and takes no traffic.
	g := w.asgOf(t, "api-prod-v001")
	if g == nil {
		t.Fatal("no Auto Scaling group api-prod-v001")
	}
	if got := suspendedOf(g); !slices.Equal(got, []string{"AddToLoadBalancer"}) {
		t.Errorf("a group created disabled has %v suspended; want only AddToLoadBalancer, so that it launches for its health gate", got)
	}
	if len(g.TargetGroupARNs) > 0 {
		t.Errorf("a group created disabled is attached to %v", g.TargetGroupARNs)
	}
	if got := awssdk.ToString(g.LaunchTemplate.LaunchTemplateName); got != "api-prod-v001" {
		t.Errorf("launch template %q; want api-prod-v001", got)
	}
	versions, err := w.ec2.DescribeLaunchTemplateVersions(ctx, &ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateName: awssdk.String("api-prod-v001"), Versions: []string{"$Latest"}})
	if err != nil {
		t.Fatal(err)
	}
	data := versions.LaunchTemplateVersions[0].LaunchTemplateData
	if got, want := awssdk.ToString(data.UserData), base64.StdEncoding.EncodeToString([]byte("#!/bin/sh\nexec /srv/api --port 8080\n")); got != want {
		t.Errorf("launch template user data %q; want %q", got, want)
	}
	tags := groupTagMap(*g)
	for k, v := range map[string]string{"tack:cluster": "api-prod", "tack:application": "api", "tack:stack": "prod", "tack:sequence": "1", "tack:version": "1.4.2", "tack:spec-hash": "hash-1", "team": "edge"} {
		if tags[k] != v {
			t.Errorf("tag %s = %q; want %q", k, tags[k], v)
		}
	}

	// Listed as created; the hand-made group and api-staging's are not.
	listed := w.list(t, apiProd)
	if diff := cmp.Diff([]sdk.ServerGroup{created}, listed, sgCmp); diff != "" {
		t.Errorf("listed groups (-want +got):\n%s", diff)
	}
	if got := w.list(t, staging.Cluster); len(got) != 1 || got[0].Name != "api-staging-v001" {
		t.Errorf("api-staging lists %v", got)
	}

	if got := states(w.health(t, "api-prod-v001")); !slices.Equal(got, []string{"up", "up"}) {
		t.Errorf("health of a launched group: %v; want 2 up", got)
	}

	// Enabled: every process runs, attached to the block's target group
	// and the cluster's load balancer.
	traffic := func(tr sdk.Traffic) sdk.Diagnostics {
		return w.p.SetTraffic(ctx, sdk.SetTrafficRequest{Cluster: apiProd, Name: "api-prod-v001", Traffic: tr}).Diagnostics
	}
	if err := traffic(sdk.Traffic{Enabled: true, Weight: 100}).Err(); err != nil {
		t.Fatalf("enabling: %v", err)
	}
	g = w.asgOf(t, "api-prod-v001")
	if got := suspendedOf(g); len(got) > 0 {
		t.Errorf("an enabled group has %v suspended", got)
	}
	if got, want := sortedCopy(g.TargetGroupARNs), sortedCopy(w.tgs); !slices.Equal(got, want) {
		t.Errorf("an enabled group is attached to %v; want %v", got, want)
	}
	if got := w.list(t, apiProd)[0].Traffic; got != (sdk.Traffic{Enabled: true, Weight: 100}) {
		t.Errorf("an enabled group lists with traffic %+v", got)
	}
	hs := w.health(t, "api-prod-v001")
	if got := states(hs); !slices.Equal(got, []string{"up", "up"}) {
		t.Errorf("health with healthy targets: %v; want 2 up", got)
	}
	// A stopped instance is up for Auto Scaling in moto but not for its
	// target groups: the worst wins, saying why.
	if _, err := w.ec2.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{hs[0].ID}}); err != nil {
		t.Fatal(err)
	}
	hs = w.health(t, "api-prod-v001")
	if hs[0].State != sdk.HealthDown || !strings.Contains(hs[0].Reason, "target group api-main") || !strings.Contains(hs[0].Reason, "stopped") {
		t.Errorf("health of a stopped instance: %+v; want down, naming the target group and why", hs[0])
	}

	// A weight without canary target groups is refused, saying what to
	// add; the group stays as it was.
	diags := traffic(sdk.Traffic{Enabled: true, Weight: 10})
	if !diags.HasErrors() || diags[0].Summary != "Canary needs canary_target_group_arns" || !strings.Contains(diags[0].Detail, "aws_lb_listener") {
		t.Errorf("a weight of 10: %v", diags)
	}
	if got := w.list(t, apiProd)[0].Traffic; got != (sdk.Traffic{Enabled: true, Weight: 100}) {
		t.Errorf("after a weight refused, the group lists with traffic %+v", got)
	}

	// Disabled, Spinnaker's way.
	if err := traffic(sdk.Traffic{}).Err(); err != nil {
		t.Fatalf("disabling: %v", err)
	}
	g = w.asgOf(t, "api-prod-v001")
	if got := suspendedOf(g); !slices.Equal(got, []string{"AddToLoadBalancer", "Launch", "Terminate"}) {
		t.Errorf("a disabled group has %v suspended; want AddToLoadBalancer, Launch, Terminate", got)
	}
	if len(g.TargetGroupARNs) > 0 {
		t.Errorf("a disabled group is attached to %v", g.TargetGroupARNs)
	}
	if got := w.list(t, apiProd)[0].Traffic; got.Enabled {
		t.Errorf("a disabled group lists with traffic %+v", got)
	}

	resize := w.p.ResizeServerGroup(ctx, sdk.ResizeServerGroupRequest{Cluster: apiProd, Name: "api-prod-v001", Capacity: sdk.Capacity{Min: 0, Desired: 1, Max: 4}})
	if err := resize.Diagnostics.Err(); err != nil {
		t.Fatalf("resizing: %v", err)
	}
	if got := w.list(t, apiProd)[0].Capacity; got != (sdk.Capacity{Min: 0, Desired: 1, Max: 4}) {
		t.Errorf("capacity after resize: %+v", got)
	}

	// Destroyed with its template; what tack did not make stays.
	destroy := func() sdk.Diagnostics {
		return w.p.DestroyServerGroup(ctx, sdk.DestroyServerGroupRequest{Cluster: apiProd, Name: "api-prod-v001"}).Diagnostics
	}
	if diags := destroy(); len(diags) > 0 {
		t.Fatalf("destroying: %v", diags)
	}
	if w.asgOf(t, "api-prod-v001") != nil {
		t.Errorf("api-prod-v001 is still there")
	}
	if got := w.templates(t); !slices.Equal(got, []string{"api-staging-v001", "hand-made"}) {
		t.Errorf("launch templates left: %v; want api-staging-v001's and the hand-made one", got)
	}
	if got := w.list(t, apiProd); len(got) != 0 {
		t.Errorf("api-prod lists %v after its destroy", got)
	}
	if diags := destroy(); len(diags) > 0 {
		t.Errorf("destroying a group already gone: %v", diags)
	}
}

// Calls about a group tack did not make for the cluster are refused.
func TestServerGroupOfAnotherCluster(t *testing.T) {
	w := newSGWorld(t)
	ctx := t.Context()
	sg := w.group(1, w.spec(nil), true)
	w.create(t, sg)
	other := sdk.ClusterRef{Name: "api", Application: "api"}
	for what, diags := range map[string]sdk.Diagnostics{
		"resize":  w.p.ResizeServerGroup(ctx, sdk.ResizeServerGroupRequest{Cluster: other, Name: sg.Name, Capacity: sdk.Capacity{}}).Diagnostics,
		"traffic": w.p.SetTraffic(ctx, sdk.SetTrafficRequest{Cluster: other, Name: sg.Name}).Diagnostics,
		"health":  w.p.GetHealth(ctx, sdk.GetHealthRequest{Cluster: other, Name: sg.Name}).Diagnostics,
		"destroy": w.p.DestroyServerGroup(ctx, sdk.DestroyServerGroupRequest{Cluster: other, Name: sg.Name}).Diagnostics,
	} {
		if !diags.HasErrors() || diags[0].Summary != "Not a server group of this cluster" {
			t.Errorf("%s of api-prod-v001 as cluster api's: %v", what, diags)
		}
	}
	if g := w.asgOf(t, sg.Name); g == nil || awssdk.ToInt32(g.DesiredCapacity) != 2 || len(g.SuspendedProcesses) > 0 {
		t.Errorf("api-prod-v001 was changed: %+v", g)
	}
	diags := w.p.GetHealth(ctx, sdk.GetHealthRequest{Cluster: apiProd, Name: "api-prod-v404"}).Diagnostics
	if !diags.HasErrors() || diags[0].Summary != "Server group not found" {
		t.Errorf("health of a group that does not exist: %v", diags)
	}
}

// moto lets CreateAutoScalingGroup replace a group of the same name, and
// AWS would answer AlreadyExists for a create retried after it
// succeeded: the provider looks first. A create retried is finished;
// anything else of that name is refused.
func TestCreateServerGroupExisting(t *testing.T) {
	w := newSGWorld(t)
	ctx := t.Context()
	sg := w.group(1, w.spec(nil), false)
	first := w.create(t, sg)

	sg.Capacity = sdk.Capacity{Min: 2, Desired: 3, Max: 3}
	again := w.create(t, sg)
	if again.Capacity != sg.Capacity || again.Traffic.Enabled || !again.CreatedAt.Equal(first.CreatedAt) {
		t.Errorf("a create retried: %+v; want the same group, resized as asked, still disabled", again)
	}
	if got := w.templates(t); !slices.Equal(got, []string{"api-prod-v001"}) {
		t.Errorf("launch templates after a retried create: %v", got)
	}

	other := sg
	other.SpecHash = "hash-other"
	diags := w.p.CreateServerGroup(ctx, sdk.CreateServerGroupRequest{ServerGroup: other}).Diagnostics
	if !diags.HasErrors() || diags[0].Summary != "Server group already exists" || !strings.Contains(diags[0].Detail, "another server_group") {
		t.Errorf("creating api-prod-v001 again with another spec: %v", diags)
	}

	// A group of the name that tack did not make.
	_, err := w.asg.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{
		AutoScalingGroupName: awssdk.String("api-prod-v002"),
		LaunchTemplate:       &asgtypes.LaunchTemplateSpecification{LaunchTemplateName: awssdk.String("api-prod-v001")},
		MinSize:              awssdk.Int32(0), MaxSize: awssdk.Int32(1), VPCZoneIdentifier: awssdk.String(w.subnets[0]),
	})
	if err != nil {
		t.Fatal(err)
	}
	diags = w.p.CreateServerGroup(ctx, sdk.CreateServerGroupRequest{ServerGroup: w.group(2, w.spec(nil), false)}).Diagnostics
	if !diags.HasErrors() || diags[0].Summary != "Server group already exists" || !strings.Contains(diags[0].Detail, "tack did not make it") {
		t.Errorf("creating over a group tack did not make: %v", diags)
	}
	if g := w.asgOf(t, "api-prod-v002"); groupTagMap(*g)[tagCluster] != "" {
		t.Errorf("the hand-made api-prod-v002 was changed: %v", g.Tags)
	}

	// The hand-made group launches from api-prod-v001's template: its
	// destroy keeps the template, saying why.
	diags = w.p.DestroyServerGroup(ctx, sdk.DestroyServerGroupRequest{Cluster: apiProd, Name: "api-prod-v001"}).Diagnostics
	if diags.HasErrors() || len(diags) != 1 || diags[0].Summary != "Launch template kept" {
		t.Errorf("destroying a group whose template another group uses: %v; want one warning", diags)
	}
	if got := w.templates(t); !slices.Equal(got, []string{"api-prod-v001"}) {
		t.Errorf("launch templates: %v; want api-prod-v001's kept", got)
	}
}

// A create interrupted after its launch template was made leaves the
// template behind; the next create of that name replaces it. A template
// of that name tack did not make is left alone.
func TestCreateServerGroupLeftoverTemplate(t *testing.T) {
	w := newSGWorld(t)
	ctx := t.Context()
	for name, cluster := range map[string]string{"api-prod-v001": "api-prod", "api-prod-v002": ""} {
		in := &ec2.CreateLaunchTemplateInput{
			LaunchTemplateName: awssdk.String(name),
			LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: awssdk.String("ami-old"), InstanceType: ec2types.InstanceTypeT3Micro},
		}
		if cluster != "" {
			in.TagSpecifications = []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeLaunchTemplate, Tags: []ec2types.Tag{{Key: awssdk.String(tagCluster), Value: awssdk.String(cluster)}}}}
		}
		if _, err := w.ec2.CreateLaunchTemplate(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	created := w.create(t, w.group(1, w.spec(nil), false))
	if got := created.Spec.GetAttr("image_id"); !got.RawEquals(cty.StringVal(w.image)) {
		t.Errorf("the group launches %#v, not the leftover template's image", got)
	}
	diags := w.p.CreateServerGroup(ctx, sdk.CreateServerGroupRequest{ServerGroup: w.group(2, w.spec(nil), false)}).Diagnostics
	if !diags.HasErrors() || diags[0].Summary != "Launch template already exists" {
		t.Errorf("creating over a launch template tack did not make: %v", diags)
	}
	if w.asgOf(t, "api-prod-v002") != nil {
		t.Errorf("api-prod-v002 was created")
	}
}

// Mistakes in the block are diagnostics at the attribute, and nothing is
// made.
func TestCreateServerGroupInvalid(t *testing.T) {
	w := newSGWorld(t)
	tests := []struct {
		name    string
		vals    map[string]cty.Value
		enabled bool
		weight  int32
		summary string
		path    cty.Path
	}{
		{
			name: "unknown image", vals: map[string]cty.Value{"image_id": cty.StringVal("ami-00000000000000000")},
			summary: "Image not found", path: cty.GetAttrPath("image_id"),
		},
		{
			name: "health check type", vals: map[string]cty.Value{"health_check_type": cty.StringVal("HTTP")},
			summary: "Invalid health check type", path: cty.GetAttrPath("health_check_type"),
		},
		{
			name: "reserved tag", vals: map[string]cty.Value{"tags": cty.MapVal(map[string]cty.Value{"tack:cluster": cty.StringVal("x")})},
			summary: "Reserved tag", path: cty.GetAttrPath("tags").Index(cty.StringVal("tack:cluster")),
		},
		{
			name: "target group", vals: map[string]cty.Value{"target_group_arns": cty.ListVal([]cty.Value{cty.StringVal("api-main")})},
			summary: "Invalid target group ARN", path: cty.GetAttrPath("target_group_arns").IndexInt(0),
		},
		{
			name: "no subnets", vals: map[string]cty.Value{"subnet_ids": cty.ListValEmpty(cty.String)},
			summary: "Empty list", path: cty.GetAttrPath("subnet_ids"),
		},
		{
			name: "negative grace period", vals: map[string]cty.Value{"health_check_grace_period": cty.NumberIntVal(-1)},
			summary: "Negative value", path: cty.GetAttrPath("health_check_grace_period"),
		},
		{
			name: "unknown subnet", vals: map[string]cty.Value{"subnet_ids": cty.ListVal([]cty.Value{cty.StringVal("subnet-00000000")})},
			summary: "AWS error", path: cty.GetAttrPath("subnet_ids"),
		},
		{
			name: "created with a weight", enabled: true, weight: 10,
			summary: "Canary needs canary_target_group_arns",
		},
		{
			name: "canary target group a main one", vals: map[string]cty.Value{"canary_target_group_arns": cty.ListVal([]cty.Value{cty.StringVal(w.tgs[1]), cty.StringVal(w.tgs[0])})},
			summary: "Canary target group is a main one", path: cty.GetAttrPath("canary_target_group_arns").IndexInt(1),
		},
		{
			name: "created as a canary no listener weighs", vals: map[string]cty.Value{"canary_target_group_arns": cty.ListVal([]cty.Value{cty.StringVal(w.tgs[1])})},
			enabled: true, weight: 10,
			summary: "No listener forwards to the canary target group",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sg := w.group(1, w.spec(tt.vals), tt.enabled)
			if tt.weight != 0 {
				sg.Traffic.Weight = tt.weight
			}
			diags := w.p.CreateServerGroup(t.Context(), sdk.CreateServerGroupRequest{ServerGroup: sg}).Diagnostics
			if !diags.HasErrors() {
				t.Fatalf("no error")
			}
			if !strings.HasPrefix(diags[0].Summary, tt.summary) || !diags[0].Attribute.Equals(tt.path) {
				t.Errorf("got %v at %s; want %q at %s", diags, sdk.FormatPath(diags[0].Attribute), tt.summary, sdk.FormatPath(tt.path))
			}
			if w.asgOf(t, sg.Name) != nil {
				t.Errorf("%s was created", sg.Name)
			}
			if got := w.templates(t); len(got) > 0 {
				t.Errorf("launch templates %v were left", got)
			}
		})
	}
}

// moto answers DescribeLaunchTemplates of an unknown id with an empty
// list, not NotFound: a group whose template was deleted outside tack
// still lists (without its block) and destroys.
func TestServerGroupTemplateGone(t *testing.T) {
	w := newSGWorld(t)
	ctx := t.Context()
	created := w.create(t, w.group(1, w.spec(nil), true))
	if _, err := w.ec2.DeleteLaunchTemplate(ctx, &ec2.DeleteLaunchTemplateInput{LaunchTemplateName: awssdk.String("api-prod-v001")}); err != nil {
		t.Fatal(err)
	}
	resp := w.p.ListServerGroups(ctx, sdk.ListServerGroupsRequest{Cluster: apiProd})
	if resp.Diagnostics.HasErrors() || len(resp.Diagnostics) != 1 || resp.Diagnostics[0].Summary != "Launch template missing" {
		t.Errorf("listing a group whose template is gone: %v; want one warning", resp.Diagnostics)
	}
	want := created
	want.Spec = cty.NullVal(groupSpecType)
	if diff := cmp.Diff([]sdk.ServerGroup{want}, resp.ServerGroups, sgCmp); diff != "" {
		t.Errorf("listed (-want +got):\n%s", diff)
	}
	if diags := w.p.DestroyServerGroup(ctx, sdk.DestroyServerGroupRequest{Cluster: apiProd, Name: "api-prod-v001"}).Diagnostics; len(diags) > 0 {
		t.Errorf("destroying a group whose template is gone: %v", diags)
	}
	if w.asgOf(t, "api-prod-v001") != nil {
		t.Errorf("api-prod-v001 is still there")
	}
}

// Null and empty survive the round trip through AWS, so that a listed
// block equals the one created whatever was left out.
func TestServerGroupSpecRoundTrip(t *testing.T) {
	w := newSGWorld(t)
	for i, vals := range []map[string]cty.Value{
		nil,
		{
			"key_name":             cty.StringVal("ops"),
			"security_group_ids":   cty.ListValEmpty(cty.String),
			"tags":                 cty.MapValEmpty(cty.String),
			"target_group_arns":    cty.ListValEmpty(cty.String),
			"iam_instance_profile": cty.StringVal("arn:aws:iam::123456789012:instance-profile/api"),
			"user_data":            cty.StringVal(""),
			"version":              cty.StringVal(""),
		},
		{
			"canary_target_group_arns": cty.ListValEmpty(cty.String),
		},
		{
			"target_group_arns":        cty.ListVal([]cty.Value{cty.StringVal(w.tgs[0])}),
			"canary_target_group_arns": cty.ListVal([]cty.Value{cty.StringVal(w.tgs[1])}),
		},
	} {
		sg := w.group(int32(i+1), w.spec(vals), false)
		sg.LoadBalancers = nil
		created := w.create(t, sg)
		if !created.Spec.RawEquals(sg.Spec) {
			t.Errorf("group %d: created spec\n%#v\nwant\n%#v", i+1, created.Spec, sg.Spec)
		}
	}
}

func TestInstanceHealth(t *testing.T) {
	in := func(id string, lc asgtypes.LifecycleState, health string) asgtypes.Instance {
		return asgtypes.Instance{InstanceId: awssdk.String(id), LifecycleState: lc, HealthStatus: awssdk.String(health)}
	}
	tests := []struct {
		name      string
		instances []asgtypes.Instance
		targets   map[string][]targetState
		want      []sdk.InstanceHealth
	}{
		{
			name:      "in service without target groups",
			instances: []asgtypes.Instance{in("i-2", asgtypes.LifecycleStateInService, "Healthy"), in("i-1", asgtypes.LifecycleStateInService, "Healthy")},
			want:      []sdk.InstanceHealth{{ID: "i-1", State: sdk.HealthUp}, {ID: "i-2", State: sdk.HealthUp}},
		},
		{
			name:      "launching",
			instances: []asgtypes.Instance{in("i-1", asgtypes.LifecycleStatePending, "Healthy")},
			want:      []sdk.InstanceHealth{{ID: "i-1", State: sdk.HealthStarting, Reason: "launching (Pending)"}},
		},
		{
			name:      "terminating and unhealthy",
			instances: []asgtypes.Instance{in("i-1", asgtypes.LifecycleStateTerminating, "Unhealthy")},
			want:      []sdk.InstanceHealth{{ID: "i-1", State: sdk.HealthDown, Reason: "not in service (Terminating); Auto Scaling found it unhealthy"}},
		},
		{
			name:      "registering",
			instances: []asgtypes.Instance{in("i-1", asgtypes.LifecycleStateInService, "Healthy")},
			targets:   map[string][]targetState{"i-1": {{group: "web", state: "initial", reason: "Elb.RegistrationInProgress"}, {group: "api", state: "unregistered"}}},
			want:      []sdk.InstanceHealth{{ID: "i-1", State: sdk.HealthStarting, Reason: "target group web: initial (Elb.RegistrationInProgress); not yet registered with target group api"}},
		},
		{
			name:      "failing its health check in one target group",
			instances: []asgtypes.Instance{in("i-1", asgtypes.LifecycleStateInService, "Healthy")},
			targets: map[string][]targetState{"i-1": {
				{group: "web", state: "healthy"},
				{group: "api", state: "unhealthy", reason: "Target.ResponseCodeMismatch", description: "Health checks failed with these codes: [503]"},
			}},
			want: []sdk.InstanceHealth{{ID: "i-1", State: sdk.HealthDown, Reason: "target group api: unhealthy (Health checks failed with these codes: [503])"}},
		},
		{
			name:      "target group on no listener",
			instances: []asgtypes.Instance{in("i-1", asgtypes.LifecycleStateInService, "Healthy")},
			targets:   map[string][]targetState{"i-1": {{group: "web", state: "unused", reason: "Target.NotInUse"}, {group: "api", state: "unavailable"}}},
			want:      []sdk.InstanceHealth{{ID: "i-1", State: sdk.HealthUp}},
		},
		{
			name:      "draining while launching",
			instances: []asgtypes.Instance{in("i-1", asgtypes.LifecycleStatePending, "Healthy")},
			targets:   map[string][]targetState{"i-1": {{group: "web", state: "draining", reason: "Target.DeregistrationInProgress"}}},
			want:      []sdk.InstanceHealth{{ID: "i-1", State: sdk.HealthDown, Reason: "launching (Pending); target group web: draining (Target.DeregistrationInProgress)"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, instanceHealth(tt.instances, tt.targets)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestEventually(t *testing.T) {
	transient, final := errors.New("not yet"), errors.New("broken")
	calls := 0
	err := eventually(t.Context(), func(err error) bool { return err == transient }, func() error {
		calls++
		if calls < 3 {
			return transient
		}
		return nil
	})
	if err != nil || calls != 3 {
		t.Errorf("eventually: %v after %d calls; want success at the third", err, calls)
	}
	calls = 0
	err = eventually(t.Context(), func(err error) bool { return err == transient }, func() error { calls++; return final })
	if err != final || calls != 1 {
		t.Errorf("eventually with a lasting error: %v after %d calls; want it at once", err, calls)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	start := time.Now()
	err = eventually(ctx, func(error) bool { return true }, func() error { return transient })
	if err != transient || time.Since(start) > time.Second {
		t.Errorf("eventually with its context cancelled: %v after %s", err, time.Since(start))
	}
}

// Auto Scaling answers ValidationError for any bad input; the message
// says which attribute.
func TestSpecErrorPath(t *testing.T) {
	tests := []struct {
		code, message string
		want          cty.Path
	}{
		{"ValidationError", "The subnet ID 'subnet-1' does not exist", cty.GetAttrPath("subnet_ids")},
		{"ValidationError", "Provided Target Groups may not be valid. Please ensure they exist and try again.", cty.GetAttrPath("target_group_arns")},
		{"ValidationError", "You must use a valid fully-formed launch template. The image id '[ami-1]' does not exist", cty.GetAttrPath("image_id")},
		{"InvalidKeyPair.NotFound", "The key pair 'ops' does not exist", cty.GetAttrPath("key_name")},
		{"InvalidGroup.NotFound", "The security group 'sg-1' does not exist", cty.GetAttrPath("security_group_ids")},
		{"ValidationError", "Max bound, 1, must be greater than or equal to min bound, 2", nil},
		{"Throttling", "Rate exceeded", nil},
	}
	for _, tt := range tests {
		err := &smithy.GenericAPIError{Code: tt.code, Message: tt.message}
		if got := specErrorPath(err); !got.Equals(tt.want) {
			t.Errorf("%s: %s: path %s; want %s", tt.code, tt.message, sdk.FormatPath(got), sdk.FormatPath(tt.want))
		}
	}
}

// A disabled group has Launch and Terminate suspended, and AWS would take
// a new capacity without launching or terminating anything (tack
// rollback and scale_down resize disabled groups). A resize resumes them
// and leaves the group disabled as a create does: AddToLoadBalancer
// suspended, detached, listed disabled; enable and disable still work.
// moto launches and terminates whatever is suspended, so what it can show
// is the processes and attachments, not the instances AWS would keep.
func TestResizeDisabledServerGroup(t *testing.T) {
	w := newSGWorld(t)
	ctx := t.Context()
	sg := w.group(1, w.spec(nil), true)
	w.create(t, sg)
	traffic := func(tr sdk.Traffic) {
		t.Helper()
		if err := w.p.SetTraffic(ctx, sdk.SetTrafficRequest{Cluster: apiProd, Name: sg.Name, Traffic: tr}).Diagnostics.Err(); err != nil {
			t.Fatalf("setting traffic %+v: %v", tr, err)
		}
	}
	traffic(sdk.Traffic{})

	resize := w.p.ResizeServerGroup(ctx, sdk.ResizeServerGroupRequest{Cluster: apiProd, Name: sg.Name, Capacity: sdk.Capacity{Min: 0, Desired: 3, Max: 4}})
	if err := resize.Diagnostics.Err(); err != nil {
		t.Fatalf("resizing: %v", err)
	}
	g := w.asgOf(t, sg.Name)
	if got := suspendedOf(g); !slices.Equal(got, []string{"AddToLoadBalancer"}) {
		t.Errorf("a disabled group resized has %v suspended; want only AddToLoadBalancer, so that it launches and terminates to its size and takes no traffic", got)
	}
	if len(g.TargetGroupARNs) > 0 {
		t.Errorf("a disabled group resized is attached to %v", g.TargetGroupARNs)
	}
	listed := w.list(t, apiProd)[0]
	if listed.Traffic.Enabled || listed.Capacity != (sdk.Capacity{Min: 0, Desired: 3, Max: 4}) {
		t.Errorf("a disabled group resized lists with traffic %+v, capacity %+v; want disabled, 0/3/4", listed.Traffic, listed.Capacity)
	}

	traffic(sdk.Traffic{Enabled: true, Weight: 100})
	if g := w.asgOf(t, sg.Name); len(suspendedOf(g)) > 0 || len(g.TargetGroupARNs) == 0 {
		t.Errorf("enabled after a resize: suspended %v, attached to %v", suspendedOf(g), g.TargetGroupARNs)
	}
	traffic(sdk.Traffic{})
	if g := w.asgOf(t, sg.Name); !slices.Equal(suspendedOf(g), []string{"AddToLoadBalancer", "Launch", "Terminate"}) || len(g.TargetGroupARNs) > 0 {
		t.Errorf("disabled again: suspended %v, attached to %v", suspendedOf(g), g.TargetGroupARNs)
	}
}

// A disable suspends AddToLoadBalancer, then detaches. Cut short between
// the two (here the detach refused), the group still takes traffic: it
// lists as enabled, so the next plan disables it again, and that disable
// finishes the job.
func TestServerGroupDisableCutShort(t *testing.T) {
	w := newSGWorld(t)
	ctx := t.Context()
	sg := w.group(1, w.spec(nil), true)
	w.create(t, sg)
	proxy := faultProxy(t, w.s, func(action string) (string, bool) {
		return "ValidationError", action == "DetachLoadBalancerTargetGroups"
	})
	refused := w.withEndpoints(t, map[string]string{"autoscaling": proxy})
	if diags := refused.SetTraffic(ctx, sdk.SetTrafficRequest{Cluster: apiProd, Name: sg.Name}).Diagnostics; !diags.HasErrors() {
		t.Fatalf("a disable whose detach is refused: %v; want an error", diags)
	}
	g := w.asgOf(t, sg.Name)
	if !slices.Contains(suspendedOf(g), "AddToLoadBalancer") || len(g.TargetGroupARNs) == 0 {
		t.Fatalf("not the half-finished disable this test is about: suspended %v, attached to %v", suspendedOf(g), g.TargetGroupARNs)
	}
	if got := w.list(t, apiProd)[0].Traffic; got != (sdk.Traffic{Enabled: true, Weight: 100}) {
		t.Errorf("a group still attached lists with traffic %+v; want enabled, so that the next plan disables it", got)
	}

	if err := w.p.SetTraffic(ctx, sdk.SetTrafficRequest{Cluster: apiProd, Name: sg.Name}).Diagnostics.Err(); err != nil {
		t.Fatalf("disabling again: %v", err)
	}
	if g := w.asgOf(t, sg.Name); len(g.TargetGroupARNs) > 0 {
		t.Errorf("disabled again, still attached to %v", g.TargetGroupARNs)
	}
	if got := w.list(t, apiProd)[0].Traffic; got.Enabled {
		t.Errorf("disabled again, lists with traffic %+v", got)
	}
}

// A destroy interrupted after AWS deleted the group, before it released
// the launch template, is retried: the group is gone, and the template,
// found by the group's name, goes then. A template of that name tack did
// not make for the cluster stays.
func TestDestroyServerGroupRetriedReleasesTemplate(t *testing.T) {
	w := newSGWorld(t)
	ctx := t.Context()
	w.create(t, w.group(1, w.spec(nil), false))
	// The first destroy's delete went through.
	if _, err := w.asg.DeleteAutoScalingGroup(ctx, &autoscaling.DeleteAutoScalingGroupInput{AutoScalingGroupName: awssdk.String("api-prod-v001"), ForceDelete: awssdk.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	// A template named as a group of api-prod, made for another cluster.
	_, err := w.ec2.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{
		LaunchTemplateName: awssdk.String("api-prod-v002"),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: awssdk.String(w.image), InstanceType: ec2types.InstanceTypeT3Micro},
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeLaunchTemplate,
			Tags: []ec2types.Tag{{Key: awssdk.String(tagCluster), Value: awssdk.String("api-staging")}}}},
	})
	if err != nil {
		t.Fatal(err)
	}

	for _, name := range []string{"api-prod-v001", "api-prod-v002"} {
		if diags := w.p.DestroyServerGroup(ctx, sdk.DestroyServerGroupRequest{Cluster: apiProd, Name: name}).Diagnostics; len(diags) > 0 {
			t.Errorf("destroying %s again: %v", name, diags)
		}
	}
	if got := w.templates(t); !slices.Equal(got, []string{"api-prod-v002"}) {
		t.Errorf("launch templates after destroys retried: %v; want only api-prod-v002's, which is not api-prod's", got)
	}
}

// lostAnswerProxy is an endpoint in front of moto that passes every call
// on, and answers the one named action, once moto has done it, with the
// AWS error code instead of moto's answer: a call made whose answer was
// lost, then retried and refused.
func lostAnswerProxy(t *testing.T, s *mototest.Server, action, code string) string {
	t.Helper()
	target, err := url.Parse(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	forward := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		form, _ := url.ParseQuery(string(body))
		if form.Get("Action") != action {
			forward.ServeHTTP(w, r)
			return
		}
		forward.ServeHTTP(httptest.NewRecorder(), r)
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>refused by the test</Message></Error><RequestId>test</RequestId></ErrorResponse>`, code)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// CreateAutoScalingGroup is not idempotent: a create whose answer was
// lost and that the SDK retried is refused AlreadyExists, although the
// group exists and launches from the template just made. The create
// finishes that group, as a create retried by tack would, and the
// template stays. (moto answers a duplicate create with success, so the
// proxy makes the group and then answers as AWS would.)
func TestCreateServerGroupAlreadyExistsOnRetry(t *testing.T) {
	w := newSGWorld(t)
	ctx := t.Context()
	proxy := lostAnswerProxy(t, w.s, "CreateAutoScalingGroup", "AlreadyExists")
	p := w.withEndpoints(t, map[string]string{"autoscaling": proxy})
	sg := w.group(1, w.spec(nil), false)
	resp := p.CreateServerGroup(ctx, sdk.CreateServerGroupRequest{ServerGroup: sg})
	if err := resp.Diagnostics.Err(); err != nil {
		t.Fatalf("a create refused AlreadyExists after it made the group: %v", err)
	}
	if resp.ServerGroup.Name != sg.Name || resp.ServerGroup.Traffic.Enabled || resp.ServerGroup.Capacity != sg.Capacity {
		t.Errorf("created %+v; want %s, disabled, capacity %+v", resp.ServerGroup, sg.Name, sg.Capacity)
	}
	if got := w.templates(t); !slices.Equal(got, []string{"api-prod-v001"}) {
		t.Errorf("launch templates: %v; want api-prod-v001's, which the group launches from", got)
	}
	g := w.asgOf(t, sg.Name)
	if got := suspendedOf(g); !slices.Equal(got, []string{"AddToLoadBalancer"}) || len(g.TargetGroupARNs) > 0 {
		t.Errorf("the group is not as a create leaves a disabled one: suspended %v, attached to %v", got, g.TargetGroupARNs)
	}
	if listed := w.list(t, apiProd); len(listed) != 1 || listed[0].Spec.IsNull() {
		t.Errorf("listed %+v; want api-prod-v001 with its server_group read back from its template", listed)
	}
}

// drainingProxy is an endpoint in front of moto that answers
// DescribeTargetHealth with every instance in ids draining while
// drain() says so, passes every other call on, and records the actions
// it sees in order. moto deregisters a target at once and never shows it
// draining, as ELBv2 does for its deregistration delay.
func drainingProxy(t *testing.T, s *mototest.Server, ids []string, drain func() bool) (string, func() []string) {
	t.Helper()
	target, err := url.Parse(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	forward := httputil.NewSingleHostReverseProxy(target)
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		form, _ := url.ParseQuery(string(body))
		action := form.Get("Action")
		mu.Lock()
		seen = append(seen, action)
		mu.Unlock()
		if action != "DescribeTargetHealth" || !drain() {
			forward.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprint(w, `<DescribeTargetHealthResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"><DescribeTargetHealthResult><TargetHealthDescriptions>`)
		for _, id := range ids {
			fmt.Fprintf(w, `<member><Target><Id>%s</Id><Port>80</Port></Target><TargetHealth><State>draining</State><Reason>Target.DeregistrationInProgress</Reason></TargetHealth></member>`, id)
		}
		fmt.Fprint(w, `</TargetHealthDescriptions></DescribeTargetHealthResult><ResponseMetadata><RequestId>test</RequestId></ResponseMetadata></DescribeTargetHealthResponse>`)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(seen)
	}
}

// Highlander and red/black destroy a group right after disabling it,
// while its target groups drain its instances: the destroy waits until
// they no longer drain before it deletes the group, so requests in
// flight finish; and waits no longer than the target groups'
// deregistration delay.
func TestDestroyServerGroupWaitsForDraining(t *testing.T) {
	for _, tt := range []struct {
		name        string
		delay       string // the target groups' deregistration delay
		drainCalls  int32  // DescribeTargetHealth answers that say draining; -1 every one
		wantWarning string
	}{
		{name: "drained", delay: "300", drainCalls: 2},
		{name: "delay passed", delay: "0", drainCalls: -1, wantWarning: "Deleted while draining"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := newSGWorld(t)
			ctx := t.Context()
			for _, tg := range w.tgs {
				_, err := w.elb.ModifyTargetGroupAttributes(ctx, &elbv2.ModifyTargetGroupAttributesInput{TargetGroupArn: awssdk.String(tg),
					Attributes: []elbtypes.TargetGroupAttribute{{Key: awssdk.String("deregistration_delay.timeout_seconds"), Value: awssdk.String(tt.delay)}}})
				if err != nil {
					t.Fatal(err)
				}
			}
			sg := w.group(1, w.spec(nil), true)
			w.create(t, sg)
			if err := w.p.SetTraffic(ctx, sdk.SetTrafficRequest{Cluster: apiProd, Name: sg.Name}).Diagnostics.Err(); err != nil {
				t.Fatalf("disabling: %v", err)
			}
			var ids []string
			for _, in := range w.asgOf(t, sg.Name).Instances {
				ids = append(ids, awssdk.ToString(in.InstanceId))
			}
			var answered atomic.Int32
			proxy, seen := drainingProxy(t, w.s, ids, func() bool {
				return tt.drainCalls < 0 || answered.Add(1) <= tt.drainCalls
			})
			p := w.withEndpoints(t, map[string]string{"autoscaling": proxy, "elbv2": proxy})

			diags := p.DestroyServerGroup(ctx, sdk.DestroyServerGroupRequest{Cluster: apiProd, Name: sg.Name}).Diagnostics
			if diags.HasErrors() {
				t.Fatalf("destroying: %v", diags)
			}
			var summaries []string
			for _, d := range diags {
				summaries = append(summaries, d.Summary)
			}
			if want := slices.DeleteFunc([]string{tt.wantWarning}, func(s string) bool { return s == "" }); !slices.Equal(summaries, want) {
				t.Errorf("diagnostics %v; want %v", diags, want)
			}
			actions := seen()
			del := slices.Index(actions, "DeleteAutoScalingGroup")
			if del < 0 {
				t.Fatalf("the group was not deleted: %v", actions)
			}
			polls := 0
			for _, a := range actions[:del] {
				if a == "DescribeTargetHealth" {
					polls++
				}
			}
			if tt.drainCalls > 0 && polls != int(tt.drainCalls)+1 {
				t.Errorf("DeleteAutoScalingGroup after %d looks at the target groups' health; want %d: deleted while draining, or looked too often", polls, tt.drainCalls+1)
			}
			if w.asgOf(t, sg.Name) != nil {
				t.Errorf("%s is still there", sg.Name)
			}
		})
	}
}
