package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	asgtypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	"github.com/tackhq/tack/internal/mototest"
)

// The AWS provider's whole lifecycle through the tack CLI, as issue 6's
// checks ask: apply a cluster behind a load balancer, listener and target
// group (v000), deliver a new version by red/black (v001), tack rollback,
// destroy. TestAWSLifecycle runs it against moto on every test run;
// TestAWSAcceptance runs the same against a real AWS account when
// TACK_ACC=1 asks for it (docs/providers/aws.md, "Acceptance tests").
//
// What tack says it did is checked against AWS itself, through the SDK:
// which Auto Scaling group runs with its processes suspended, which one
// is attached to the target group and has its instances registered
// there, and that nothing is left after destroy. Every plan a reviewer
// would read is compared with a golden file in testdata/aws-lifecycle.

// awsLifecycleConfig is the configuration, a small examples/aws-red-black
// whose names all derive from %[1]s (an application name: letters and
// digits) and whose health settings and endpoint are variables.
const awsLifecycleConfig = `variable "endpoint" {
  type    = string
  default = null
}
variable "region" { type = string }
variable "image_owner" { type = string }
variable "image_name" { type = string }
variable "version" { type = string }
variable "health_check_type" { type = string }
variable "healthy_deadline" { type = string }

provider "aws" {
  region       = var.region
  default_tags = { managed-by = "tack", test = "%[1]s" }
  endpoints {
    autoscaling = var.endpoint
    cloudwatch  = var.endpoint
    ec2         = var.endpoint
    elbv2       = var.endpoint
    sts         = var.endpoint
  }
}

application "%[1]s" { owner = "edge@example.com" }

data "aws_vpc" "default" { default = true }

data "aws_subnets" "default" {
  filter {
    name   = "vpc-id"
    values = [data.aws_vpc.default.id]
  }
  filter {
    name   = "default-for-az"
    values = ["true"]
  }
}

data "aws_ami" "web" {
  owners      = [var.image_owner]
  most_recent = true
  filter {
    name   = "name"
    values = [var.image_name]
  }
}

resource "aws_security_group" "lb" {
  name   = "%[1]s-lb"
  vpc_id = data.aws_vpc.default.id
  ingress {
    protocol    = "tcp"
    from_port   = 80
    to_port     = 80
    cidr_blocks = ["0.0.0.0/0"]
  }
  egress {
    protocol    = "tcp"
    from_port   = 8080
    to_port     = 8080
    cidr_blocks = [data.aws_vpc.default.cidr_block]
  }
}

resource "aws_security_group" "web" {
  name   = "%[1]s-instances"
  vpc_id = data.aws_vpc.default.id
  ingress {
    protocol        = "tcp"
    from_port       = 8080
    to_port         = 8080
    security_groups = [aws_security_group.lb.id]
  }
  egress {
    protocol    = "-1"
    from_port   = 0
    to_port     = 0
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_lb" "web" {
  name            = "%[1]s"
  subnets         = data.aws_subnets.default.ids
  security_groups = [aws_security_group.lb.id]
}

resource "aws_lb_target_group" "web" {
  name                 = "%[1]s"
  port                 = 8080
  vpc_id               = data.aws_vpc.default.id
  deregistration_delay = 5
  health_check {
    path              = "/healthz"
    interval          = 10
    healthy_threshold = 2
  }
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.web.arn
  port              = 80
  default_action {
    forward {
      target_group { arn = aws_lb_target_group.web.arn }
    }
  }
}

delivery_policy "red_black" {
  strategy = "red_black"
  red_black {
    delay_before_disable        = "1s"
    max_remaining_server_groups = 2
  }
  health {
    min_healthy_percent = 100
    healthy_deadline    = var.healthy_deadline
  }
  rollback { on_failure = true }
}

cluster "%[1]s-prod" {
  application = application.%[1]s
  stack       = "prod"
  provider    = aws
  delivery    = delivery_policy.red_black
  capacity {
    min     = 2
    desired = 2
    max     = 4
  }
  server_group {
    image_id                  = data.aws_ami.web.id
    instance_type             = "t3.micro"
    version                   = var.version
    security_group_ids        = [aws_security_group.web.id]
    subnet_ids                = data.aws_subnets.default.ids
    target_group_arns         = [aws_lb_target_group.web.arn]
    health_check_type         = var.health_check_type
    health_check_grace_period = 120
    user_data                 = <<-SCRIPT
      #!/bin/sh
      mkdir -p /srv/web && cd /srv/web
      echo '${var.version}' > index.html
      echo ok > healthz
      nohup python3 -m http.server 8080 >/var/log/web.log 2>&1 &
    SCRIPT
  }
}
`

// awsTarget is where a lifecycle runs: moto, or an AWS account.
type awsTarget struct {
	name string            // the application; the cluster is NAME-prod, the load balancer and target group NAME
	vars map[string]string // the configuration's variables, as HCL values
	env  []string          // for tack, over the test's environment
	cfg  awssdk.Config     // for the SDK clients that check what tack did
	// endpoint is where the SDK clients send their calls: moto's URL,
	// or "" for AWS.
	endpoint string
	// golden compares each plan with its golden file; on AWS, ids and
	// the newest image differ every run.
	golden bool
	// settle bounds what AWS does after tack's call returns: instances
	// registering with the target group, or deregistering.
	settle time.Duration
}

// TestAWSLifecycle runs the lifecycle against moto, started for it. It
// fails (not skips) where moto is missing, as mototest says.
func TestAWSLifecycle(t *testing.T) {
	t.Parallel()
	start := time.Now()
	s, err := mototest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	// moto draws every id it makes (VPC, subnets, security groups, ARNs)
	// from one random generator, which can be seeded: seeded afresh, and
	// with tack calling AWS one call at a time (-parallelism=1, see
	// runAWSLifecycle), the same run makes the same ids, so the plans are
	// compared whole with their golden files, with nothing scrubbed.
	resp, err := http.Post(s.URL+"/moto-api/seed?a=42", "text/plain", nil)
	if err != nil {
		t.Fatalf("seeding moto: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("seeding moto: %s", resp.Status)
	}
	cfg, err := awsconfig.LoadDefaultConfig(t.Context(), awsconfig.WithRegion("us-east-1"),
		awsconfig.WithCredentialsProvider(awssdk.CredentialsProviderFunc(func(context.Context) (awssdk.Credentials, error) {
			return awssdk.Credentials{AccessKeyID: "testing", SecretAccessKey: "testing"}, nil
		})))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("moto up after %s", time.Since(start).Round(time.Millisecond))
	runAWSLifecycle(t, awsTarget{
		name: "web",
		vars: map[string]string{
			"endpoint": fmt.Sprintf("%q", s.URL),
			"region":   `"us-east-1"`,
			// moto's built-in images have Amazon Linux 2022, not 2023.
			"image_owner": `"137112412989"`,
			"image_name":  `"al2022-ami-*-x86_64"`,
			// The health gate on moto. moto boots nothing: an instance is
			// InService and Healthy the moment its group is made, and no
			// target group runs a health check. A group is created
			// disabled, out of the target group, so its gate reads Auto
			// Scaling alone — what moto can say truly. min_healthy_percent
			// = 100 (the policy's) keeps that gate strict: every instance
			// asked for must be InService and Healthy, so a group that
			// launched fewer, or lost one, fails it; a 30s deadline makes
			// such a failure quick rather than the 10 minutes real boots
			// need. EC2 health checks, because ELB would ask Auto Scaling
			// to replace instances by target group checks moto never runs:
			// the test would claim what it does not exercise.
			"health_check_type": `"EC2"`,
			"healthy_deadline":  `"30s"`,
		},
		env:      s.Env(),
		cfg:      cfg,
		endpoint: s.URL,
		golden:   true,
		settle:   5 * time.Second,
	})
	t.Logf("the lifecycle on moto took %s in all", time.Since(start).Round(time.Millisecond))
}

// TestAWSAcceptance runs the lifecycle against real AWS, in the region
// AWS_REGION names, with the credentials the SDK finds, only when
// TACK_ACC=1 asks for it: it makes a load balancer and four t3.micro
// instances (cents), takes about fifteen minutes, and destroys all it
// made, also when it fails. Its names start with tackacc and a random
// suffix, so that it touches nothing else in the account; the account
// needs a default VPC in the region.
func TestAWSAcceptance(t *testing.T) {
	if os.Getenv("TACK_ACC") != "1" {
		t.Skip("acceptance test against real AWS: set TACK_ACC=1, AWS_REGION and credentials to run it (docs/providers/aws.md)")
	}
	region := os.Getenv("AWS_REGION")
	if region == "" {
		t.Fatal("TACK_ACC=1, but AWS_REGION is not set: it names the region the acceptance test runs in")
	}
	cfg, err := awsconfig.LoadDefaultConfig(t.Context(), awsconfig.WithRegion(region))
	if err != nil {
		t.Fatalf("TACK_ACC=1, but the AWS configuration does not load: %v", err)
	}
	if _, err := cfg.Credentials.Retrieve(t.Context()); err != nil {
		t.Fatalf("TACK_ACC=1, but no AWS credentials were found: %v", err)
	}
	suffix := make([]byte, 3)
	if _, err := rand.Read(suffix); err != nil {
		t.Fatal(err)
	}
	runAWSLifecycle(t, awsTarget{
		name: "tackacc" + hex.EncodeToString(suffix),
		vars: map[string]string{
			"region":      fmt.Sprintf("%q", region),
			"image_owner": `"137112412989"`,
			"image_name":  `"al2023-ami-2023.*-x86_64"`,
			// Real instances boot, start the server from user_data and
			// pass the target group's checks: give them the time, and let
			// Auto Scaling replace those that fail the checks.
			"health_check_type": `"ELB"`,
			"healthy_deadline":  `"10m"`,
		},
		cfg:    cfg,
		settle: 3 * time.Minute,
	})
}

// runAWSLifecycle applies v000, delivers v001 by red/black, rolls back
// and destroys, checking each step on AWS.
func runAWSLifecycle(t *testing.T, target awsTarget) {
	e := &e2e{t: t, tack: buildTack(t), providers: buildAWSProvider(t), dir: t.TempDir(), env: target.env}
	c := newAWSCheck(t, target)
	cluster := target.name + "-prod"
	v000, v001 := cluster+"-v000", cluster+"-v001"
	if err := os.WriteFile(filepath.Join(e.dir, "main.tack.hcl"), []byte(fmt.Sprintf(awsLifecycleConfig, target.name)), 0o644); err != nil {
		t.Fatal(err)
	}
	writeVars := func(version string) {
		t.Helper()
		vars := map[string]string{"version": fmt.Sprintf("%q", version)}
		for k, v := range target.vars {
			vars[k] = v
		}
		var b strings.Builder
		for _, k := range sortedNames(vars) {
			fmt.Fprintf(&b, "%s = %s\n", k, vars[k])
		}
		if err := os.WriteFile(filepath.Join(e.dir, "test.auto.tackvars"), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mustRun := func(args ...string) string {
		t.Helper()
		began := time.Now()
		out, status := e.run(args[0], args[1:]...)
		if status != 0 {
			t.Fatalf("tack %s: status %d\n%s", strings.Join(args, " "), status, out)
		}
		t.Logf("tack %s: %s", strings.Join(args, " "), time.Since(began).Round(time.Millisecond))
		return out
	}
	// planned saves a plan with args, compares what tack show prints of
	// it, the plan as tack plan showed it, with golden, and returns its
	// file. tack calls AWS one call at a time (-parallelism=1), so that
	// moto makes its ids in the same order every run.
	planned := func(golden string, args ...string) string {
		t.Helper()
		file := strings.TrimSuffix(golden, ".golden") + ".plan"
		mustRun(append([]string{"plan", "-parallelism=1", "-out=" + file}, args...)...)
		c.golden(golden, mustRun("show", file))
		return file
	}
	apply := func(plan string) { t.Helper(); mustRun("apply", "-parallelism=1", plan) }

	destroyed := false
	t.Cleanup(func() {
		if !destroyed {
			if out, status := e.run("destroy", "-auto-approve"); status != 0 {
				t.Errorf("cleaning up: tack destroy: status %d\n%s", status, out)
			}
		}
	})

	writeVars("v1")
	mustRun("init")
	apply(planned("plan-v000.golden"))
	c.serving(v000)

	writeVars("v2")
	apply(planned("plan-red-black.golden"))
	c.serving(v001)
	c.disabled(v000)

	// The rollback's plan is what a user reads before answering; here
	// they answer no, and nothing changes. (The last -input wins.)
	cmd := e.command("rollback", "-input=true", "cluster."+cluster)
	cmd.Stdin = strings.NewReader("no\n")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err == nil || !strings.Contains(stderr.String(), "Rollback cancelled") {
		t.Fatalf("tack rollback answered no: %v; want it cancelled\n%s%s", err, stdout.String(), stderr.String())
	}
	c.golden("rollback.golden", stdout.String())
	c.serving(v001)
	out := mustRun("rollback", "-auto-approve", "cluster."+cluster)
	if !strings.Contains(out, "Rollback complete!") {
		t.Errorf("tack rollback -auto-approve says:\n%s", out)
	}
	c.serving(v000)
	c.disabled(v001)

	apply(planned("plan-destroy.golden", "-destroy"))
	destroyed = true
	c.gone(target.name, cluster, []string{v000, v001})
}

func sortedNames(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// awsCheck looks at AWS (or moto) directly, through the SDK.
type awsCheck struct {
	t      *testing.T
	target awsTarget
	asg    *autoscaling.Client
	ec2    *ec2.Client
	elb    *elbv2.Client
}

func newAWSCheck(t *testing.T, target awsTarget) *awsCheck {
	c := &awsCheck{t: t, target: target}
	if ep := target.endpoint; ep != "" {
		c.asg = autoscaling.NewFromConfig(target.cfg, func(o *autoscaling.Options) { o.BaseEndpoint = awssdk.String(ep) })
		c.ec2 = ec2.NewFromConfig(target.cfg, func(o *ec2.Options) { o.BaseEndpoint = awssdk.String(ep) })
		c.elb = elbv2.NewFromConfig(target.cfg, func(o *elbv2.Options) { o.BaseEndpoint = awssdk.String(ep) })
	} else {
		c.asg, c.ec2, c.elb = autoscaling.NewFromConfig(target.cfg), ec2.NewFromConfig(target.cfg), elbv2.NewFromConfig(target.cfg)
	}
	return c
}

// golden compares got with testdata/aws-lifecycle/NAME, or writes it
// there under -update; only where the target's output is stable.
func (c *awsCheck) golden(name, got string) {
	c.t.Helper()
	if !c.target.golden {
		return
	}
	golden(c.t, "aws-lifecycle/"+name, got)
}

// group is the Auto Scaling group name; the test fails if there is none.
func (c *awsCheck) group(name string) asgtypes.AutoScalingGroup {
	c.t.Helper()
	out, err := c.asg.DescribeAutoScalingGroups(c.t.Context(), &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{name}})
	if err != nil {
		c.t.Fatal(err)
	}
	if len(out.AutoScalingGroups) != 1 {
		c.t.Fatalf("no Auto Scaling group %s", name)
	}
	return out.AutoScalingGroups[0]
}

// targetGroup is the ARN of the configuration's target group.
func (c *awsCheck) targetGroup() string {
	c.t.Helper()
	out, err := c.elb.DescribeTargetGroups(c.t.Context(), &elbv2.DescribeTargetGroupsInput{Names: []string{c.target.name}})
	if err != nil || len(out.TargetGroups) != 1 {
		c.t.Fatalf("the target group %s: %v", c.target.name, err)
	}
	return awssdk.ToString(out.TargetGroups[0].TargetGroupArn)
}

// registered are the instances the target group has registered, in any
// state but draining.
func (c *awsCheck) registered(tg string) []string {
	c.t.Helper()
	out, err := c.elb.DescribeTargetHealth(c.t.Context(), &elbv2.DescribeTargetHealthInput{TargetGroupArn: awssdk.String(tg)})
	if err != nil {
		c.t.Fatal(err)
	}
	var ids []string
	for _, d := range out.TargetHealthDescriptions {
		if d.TargetHealth != nil && d.TargetHealth.State == "draining" {
			continue
		}
		ids = append(ids, awssdk.ToString(d.Target.Id))
	}
	return ids
}

func instanceIDs(g asgtypes.AutoScalingGroup) []string {
	var ids []string
	for _, in := range g.Instances {
		ids = append(ids, awssdk.ToString(in.InstanceId))
	}
	return ids
}

func suspendedProcesses(g asgtypes.AutoScalingGroup) []string {
	var out []string
	for _, p := range g.SuspendedProcesses {
		out = append(out, awssdk.ToString(p.ProcessName))
	}
	sort.Strings(out)
	return out
}

// serving checks that name is enabled: no process suspended, attached to
// the target group, its instances registered there.
func (c *awsCheck) serving(name string) {
	c.t.Helper()
	tg := c.targetGroup()
	g := c.group(name)
	if got := suspendedProcesses(g); len(got) > 0 {
		c.t.Errorf("%s serves with %v suspended", name, got)
	}
	if !slices.Equal(g.TargetGroupARNs, []string{tg}) {
		c.t.Errorf("%s serves attached to %v; want the target group %s", name, g.TargetGroupARNs, tg)
	}
	ids := instanceIDs(g)
	if len(ids) != 2 {
		c.t.Errorf("%s has instances %v; want 2", name, ids)
	}
	eventually(c.t, c.target.settle, name+"'s instances registered with the target group", func() bool {
		reg := c.registered(tg)
		for _, id := range ids {
			if !slices.Contains(reg, id) {
				return false
			}
		}
		return true
	})
}

// disabled checks that name is disabled Spinnaker's way: Launch,
// Terminate and AddToLoadBalancer suspended, detached from the target
// group, its instances kept but no longer registered there.
func (c *awsCheck) disabled(name string) {
	c.t.Helper()
	tg := c.targetGroup()
	g := c.group(name)
	if got, want := suspendedProcesses(g), []string{"AddToLoadBalancer", "Launch", "Terminate"}; !slices.Equal(got, want) {
		c.t.Errorf("%s is disabled with %v suspended; want %v", name, got, want)
	}
	if len(g.TargetGroupARNs) > 0 {
		c.t.Errorf("%s is disabled but attached to %v", name, g.TargetGroupARNs)
	}
	ids := instanceIDs(g)
	if len(ids) != 2 {
		c.t.Errorf("%s keeps instances %v; want its 2, ready for a rollback", name, ids)
	}
	eventually(c.t, c.target.settle, name+"'s instances deregistered from the target group", func() bool {
		reg := c.registered(tg)
		for _, id := range ids {
			if slices.Contains(reg, id) {
				return false
			}
		}
		return true
	})
}

// gone checks that destroy left nothing of the configuration: no Auto
// Scaling group, launch template, load balancer, target group or
// security group.
func (c *awsCheck) gone(name, cluster string, groups []string) {
	c.t.Helper()
	ctx := c.t.Context()
	asgs, err := c.asg.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{
		Filters: []asgtypes.Filter{{Name: awssdk.String("tag:tack:cluster"), Values: []string{cluster}}},
	})
	if err != nil {
		c.t.Fatal(err)
	}
	for _, g := range asgs.AutoScalingGroups {
		c.t.Errorf("after destroy the Auto Scaling group %s is left (status %q)", awssdk.ToString(g.AutoScalingGroupName), awssdk.ToString(g.Status))
	}
	lts, err := c.ec2.DescribeLaunchTemplates(ctx, &ec2.DescribeLaunchTemplatesInput{})
	if err != nil {
		c.t.Fatal(err)
	}
	for _, lt := range lts.LaunchTemplates {
		if slices.Contains(groups, awssdk.ToString(lt.LaunchTemplateName)) {
			c.t.Errorf("after destroy the launch template %s is left", awssdk.ToString(lt.LaunchTemplateName))
		}
	}
	lbs, err := c.elb.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{})
	if err != nil {
		c.t.Fatal(err)
	}
	for _, lb := range lbs.LoadBalancers {
		if awssdk.ToString(lb.LoadBalancerName) == name {
			c.t.Errorf("after destroy the load balancer %s is left", name)
		}
	}
	tgs, err := c.elb.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{})
	if err != nil {
		c.t.Fatal(err)
	}
	for _, tg := range tgs.TargetGroups {
		if awssdk.ToString(tg.TargetGroupName) == name {
			c.t.Errorf("after destroy the target group %s is left", name)
		}
	}
	sgs, err := c.ec2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{
		Filters: []ec2types.Filter{{Name: awssdk.String("group-name"), Values: []string{name + "-lb", name + "-instances"}}},
	})
	if err != nil {
		c.t.Fatal(err)
	}
	for _, sg := range sgs.SecurityGroups {
		c.t.Errorf("after destroy the security group %s is left", awssdk.ToString(sg.GroupName))
	}
}
