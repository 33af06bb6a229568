package aws

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/internal/mototest"
	"github.com/tackhq/tack/plugins/sdk"
	"github.com/tackhq/tack/plugins/sdk/sdktest"
)

// liveSecurityGroup is what AWS has of a group, described outside the
// provider: its rules as "direction protocol from-to source description"
// lines, sorted, and its tags.
func liveSecurityGroup(t *testing.T, s *mototest.Server, id string) (rules []string, tags map[string]string) {
	t.Helper()
	out, err := motoEC2(s).DescribeSecurityGroups(t.Context(), &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}})
	if err != nil {
		t.Fatalf("describing %s: %v", id, err)
	}
	sg := out.SecurityGroups[0]
	add := func(dir string, perms []ec2types.IpPermission) {
		for _, p := range perms {
			ports := fmt.Sprintf("%d-%d", awssdk.ToInt32(p.FromPort), awssdk.ToInt32(p.ToPort))
			if awssdk.ToString(p.IpProtocol) == "-1" {
				ports = "all"
			}
			line := func(src string, desc *string) {
				rules = append(rules, strings.TrimSpace(fmt.Sprintf("%s %s %s %s %s", dir, awssdk.ToString(p.IpProtocol), ports, src, awssdk.ToString(desc))))
			}
			for _, r := range p.IpRanges {
				line(awssdk.ToString(r.CidrIp), r.Description)
			}
			for _, r := range p.Ipv6Ranges {
				line(awssdk.ToString(r.CidrIpv6), r.Description)
			}
			for _, g := range p.UserIdGroupPairs {
				line(awssdk.ToString(g.GroupId), g.Description)
			}
		}
	}
	add("ingress", sg.IpPermissions)
	add("egress", sg.IpPermissionsEgress)
	sort.Strings(rules)
	return rules, ec2TagMap(sg.Tags)
}

// stateRules is the rules a security group's state says it has, in
// liveSecurityGroup's form.
func stateRules(state cty.Value) []string {
	var rules []string
	for _, dir := range []string{"ingress", "egress"} {
		for _, b := range state.GetAttr(dir).AsValueSlice() {
			proto := b.GetAttr("protocol").AsString()
			from, _ := b.GetAttr("from_port").AsBigFloat().Int64()
			to, _ := b.GetAttr("to_port").AsBigFloat().Int64()
			ports := fmt.Sprintf("%d-%d", from, to)
			if proto == "-1" {
				ports = "all"
			}
			desc := str(b, "description")
			for _, src := range []string{"cidr_blocks", "security_groups"} {
				if l := b.GetAttr(src); !l.IsNull() {
					for _, e := range l.AsValueSlice() {
						rules = append(rules, strings.TrimSpace(fmt.Sprintf("%s %s %s %s %s", dir, proto, ports, e.AsString(), desc)))
					}
				}
			}
		}
	}
	sort.Strings(rules)
	return rules
}

func TestSecurityGroupConformance(t *testing.T) {
	s := mototest.Shared(t)
	motoEnv(t, s)
	vpc, _ := defaultSubnets(t, s)
	peer := makeSecurityGroup(t, s, "peer", vpc)
	var ids []string
	conformance(t, s, "aws_security_group", sdktest.ResourceCase{
		Config: `
			name        = "web"
			description = "web servers"
			ingress {
				protocol    = "tcp"
				from_port   = 80
				to_port     = 80
				cidr_blocks = ["10.0.0.0/16"]
				description = "http"
			}
			egress {
				protocol    = "-1"
				from_port   = 0
				to_port     = 0
				cidr_blocks = ["0.0.0.0/0"]
			}
			tags = { Name = "web" }
		`,
		// New sources, a changed description and a new rule in place; no
		// egress block revokes the allow-all rule; a tag more.
		Update: fmt.Sprintf(`
			name        = "web"
			description = "web servers"
			ingress {
				protocol    = "tcp"
				from_port   = 80
				to_port     = 80
				cidr_blocks = ["10.0.0.0/16", "192.168.0.0/24", "2001:db8::/32"]
				description = "http from the office"
			}
			ingress {
				protocol        = "tcp"
				from_port       = 443
				to_port         = 443
				security_groups = [%q]
			}
			tags = { Name = "web", tier = "front" }
		`, peer),
		Replace: `
			name        = "web-2"
			description = "web servers"
		`,
		ImportID: func(state cty.Value) string { return state.GetAttr("id").AsString() },
		Check: func(t *testing.T, state cty.Value) {
			id := state.GetAttr("id").AsString()
			ids = append(ids, id)
			rules, tags := liveSecurityGroup(t, s, id)
			if diff := cmp.Diff(stateRules(state), rules); diff != "" {
				t.Errorf("AWS's rules of %s differ from the state (-state +aws):\n%s", id, diff)
			}
			if diff := cmp.Diff(withDefaultTags(tagMap(state.GetAttr("tags"))), tags); diff != "" {
				t.Errorf("AWS's tags of %s: (-want +got):\n%s", id, diff)
			}
			if diff := cmp.Diff(tags, tagMap(state.GetAttr("tags_all"))); diff != "" {
				t.Errorf("tags_all is not the tags AWS has (-aws +state):\n%s", diff)
			}
			if got := str(state, "vpc_id"); got != vpc {
				t.Errorf("vpc_id = %q; want the default VPC %s", got, vpc)
			}
		},
		Destroyed: func(t *testing.T, _ cty.Value) {
			for _, id := range ids {
				_, err := motoEC2(s).DescribeSecurityGroups(t.Context(), &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}})
				if !isCode(err, "InvalidGroup.NotFound") {
					t.Errorf("describing %s after destroy: %v; want InvalidGroup.NotFound", id, err)
				}
			}
		},
	})
}

const sgDriftConfig = `
	name = "api"
	ingress {
		protocol    = "tcp"
		from_port   = 22
		to_port     = 22
		cidr_blocks = ["10.0.0.0/8"]
	}
	ingress {
		protocol    = "TCP"
		from_port   = 8000
		to_port     = 8100
		cidr_blocks = ["0.0.0.0/0"]
		description = "api"
	}
	tags = { Name = "api" }
`

func TestSecurityGroupDrift(t *testing.T) {
	h := newResourceHarness(t, nil)
	state := h.create("aws_security_group", sgDriftConfig)
	id := state.GetAttr("id").AsString()
	if got := state.GetAttr("egress").LengthInt(); got != 0 {
		t.Errorf("a group without egress blocks has %d egress blocks; the allow-all rule AWS adds must be revoked", got)
	}

	// Outside tack: the SSH rule goes, another comes, a rule's description
	// and a tag change.
	ec := motoEC2(h.s)
	ctx := t.Context()
	if _, err := ec.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: &id, IpPermissions: []ec2types.IpPermission{{
		IpProtocol: awssdk.String("tcp"), FromPort: awssdk.Int32(22), ToPort: awssdk.Int32(22), IpRanges: []ec2types.IpRange{{CidrIp: awssdk.String("10.0.0.0/8")}},
	}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := ec.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: &id, IpPermissions: []ec2types.IpPermission{{
		IpProtocol: awssdk.String("udp"), FromPort: awssdk.Int32(53), ToPort: awssdk.Int32(53), IpRanges: []ec2types.IpRange{{CidrIp: awssdk.String("1.2.3.4/32"), Description: awssdk.String("dns")}},
	}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := ec.UpdateSecurityGroupRuleDescriptionsIngress(ctx, &ec2.UpdateSecurityGroupRuleDescriptionsIngressInput{GroupId: &id, IpPermissions: []ec2types.IpPermission{{
		IpProtocol: awssdk.String("tcp"), FromPort: awssdk.Int32(8000), ToPort: awssdk.Int32(8100), IpRanges: []ec2types.IpRange{{CidrIp: awssdk.String("0.0.0.0/0"), Description: awssdk.String("changed")}},
	}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := ec.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: []ec2types.Tag{{Key: awssdk.String("Name"), Value: awssdk.String("hand-made")}}}); err != nil {
		t.Fatal(err)
	}

	got := h.read("aws_security_group", state)
	type block struct {
		Protocol, Ports, Sources, Description string
	}
	var blocks []block
	for _, b := range got.GetAttr("ingress").AsValueSlice() {
		from, _ := b.GetAttr("from_port").AsBigFloat().Int64()
		to, _ := b.GetAttr("to_port").AsBigFloat().Int64()
		var srcs []string
		for _, e := range b.GetAttr("cidr_blocks").AsValueSlice() {
			srcs = append(srcs, e.AsString())
		}
		blocks = append(blocks, block{str(b, "protocol"), fmt.Sprintf("%d-%d", from, to), strings.Join(srcs, ","), str(b, "description")})
	}
	// The kept block keeps its spelling ("TCP") and shows the new
	// description; the rule added outside tack comes last.
	want := []block{{"TCP", "8000-8100", "0.0.0.0/0", "changed"}, {"udp", "53-53", "1.2.3.4/32", "dns"}}
	if diff := cmp.Diff(want, blocks); diff != "" {
		t.Errorf("ingress read after changes outside tack (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]string{"Name": "hand-made"}, tagMap(got.GetAttr("tags"))); diff != "" {
		t.Errorf("tags after a change outside tack (-want +got):\n%s", diff)
	}

	// The next apply puts back what the configuration says, in place.
	cfg := h.config("aws_security_group", sgDriftConfig)
	h.wantInPlace("aws_security_group", got, cfg)
	fixed, diags := h.apply("aws_security_group", got, cfg)
	if err := diags.Err(); err != nil {
		t.Fatal(err)
	}
	rules, tags := liveSecurityGroup(t, h.s, id)
	wantRules := []string{"ingress tcp 22-22 10.0.0.0/8", "ingress tcp 8000-8100 0.0.0.0/0 api"}
	if diff := cmp.Diff(wantRules, rules); diff != "" {
		t.Errorf("rules after apply (-want +got):\n%s", diff)
	}
	if tags["Name"] != "api" {
		t.Errorf("tag Name after apply = %q; want api", tags["Name"])
	}
	h.wantNoChange("aws_security_group", fixed, cfg)

	// Deleted outside tack, it reads as gone.
	if _, err := ec.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: &id}); err != nil {
		t.Fatal(err)
	}
	if got := h.read("aws_security_group", fixed); !got.IsNull() {
		t.Errorf("a group deleted outside tack reads as %#v; want gone", got)
	}
}

func TestSecurityGroupImport(t *testing.T) {
	h := newResourceHarness(t, nil)
	vpc, _ := defaultSubnets(t, h.s)
	id := makeSecurityGroup(t, h.s, "legacy", vpc)
	ec := motoEC2(h.s)
	if _, err := ec.AuthorizeSecurityGroupIngress(t.Context(), &ec2.AuthorizeSecurityGroupIngressInput{GroupId: &id, IpPermissions: []ec2types.IpPermission{{
		IpProtocol: awssdk.String("tcp"), FromPort: awssdk.Int32(443), ToPort: awssdk.Int32(443),
		IpRanges: []ec2types.IpRange{{CidrIp: awssdk.String("0.0.0.0/0"), Description: awssdk.String("https")}},
	}}}); err != nil {
		t.Fatal(err)
	}
	// The provider's default tags and the group's own.
	if _, err := ec.CreateTags(t.Context(), &ec2.CreateTagsInput{Resources: []string{id}, Tags: ec2Tags(withDefaultTags(map[string]string{"Name": "legacy"}))}); err != nil {
		t.Fatal(err)
	}

	state := h.importID("aws_security_group", id)
	cfg := h.config("aws_security_group", fmt.Sprintf(`
		name        = "legacy"
		description = "made by the test"
		vpc_id      = %q
		ingress {
			protocol    = "tcp"
			from_port   = 443
			to_port     = 443
			cidr_blocks = ["0.0.0.0/0"]
			description = "https"
		}
		egress {
			protocol    = "-1"
			from_port   = 0
			to_port     = 0
			cidr_blocks = ["0.0.0.0/0"]
		}
		tags = { Name = "legacy" }
	`, vpc))
	// The configuration that describes the group plans nothing: the
	// import recovered all of it, the default tags kept apart.
	h.wantNoChange("aws_security_group", state, cfg)
	if got := str(state, "arn"); !strings.HasSuffix(got, ":security-group/"+id) {
		t.Errorf("arn = %q; want the group's ARN", got)
	}
}

func TestSecurityGroupErrors(t *testing.T) {
	h := newResourceHarness(t, nil)

	// The schema's and the resource's checks, each at its attribute.
	_, diags := h.validate("aws_security_group", `
		name = "web"
		ingress {
			protocol    = "tcp"
			from_port   = 80
			to_port     = 80
			cidr_blocks = ["10.0.0.0/8", "10.0.0.0/33"]
		}
		ingress {
			protocol  = "tcp"
			from_port = 443
			to_port   = 443
		}
		egress {
			protocol    = "tcpp"
			from_port   = 0
			to_port     = 0
			cidr_blocks = ["0.0.0.0/0"]
		}
	`)
	var got []string
	for _, d := range diags {
		got = append(got, d.Summary+" at "+sdk.FormatPath(d.Attribute))
	}
	sort.Strings(got)
	want := []string{"Invalid CIDR block at ingress[0].cidr_blocks[1]", "Invalid protocol at egress[0].protocol", "Rule without a source at ingress[1]"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("validation diagnostics (-want +got):\n%s", diff)
	}

	// A rule naming a group that does not exist: AWS refuses it after the
	// group was made. The error names the call and the code, points at the
	// block's security_groups, and the half-made group is recorded.
	cfg := h.config("aws_security_group", `
		name = "web"
		ingress {
			protocol    = "tcp"
			from_port   = 80
			to_port     = 80
			cidr_blocks = ["10.0.0.0/8"]
		}
		ingress {
			protocol        = "tcp"
			from_port       = 443
			to_port         = 443
			security_groups = ["sg-0123456789abcdef0"]
		}
	`)
	state, diags := h.apply("aws_security_group", cty.NullVal(cfg.Type()), cfg)
	wantDiag(t, diags, "AWS error InvalidGroup.NotFound", "ingress[1].security_groups",
		"EC2 AuthorizeSecurityGroupIngress: InvalidGroup.NotFound", "sg-0123456789abcdef0")
	if state.IsNull() || str(state, "id") == "" {
		t.Fatalf("a create that failed after making the group returned %#v; want the group's id recorded", state)
	}
	rules, _ := liveSecurityGroup(t, h.s, str(state, "id"))
	if diff := cmp.Diff([]string{"ingress tcp 80-80 10.0.0.0/8"}, rules); diff != "" {
		t.Errorf("the half-made group's rules (-want +got):\n%s", diff)
	}
	h.destroy("aws_security_group", state)

	// A name taken in the VPC.
	vpc, _ := defaultSubnets(t, h.s)
	makeSecurityGroup(t, h.s, "taken", vpc)
	cfg = h.config("aws_security_group", `name = "taken"`)
	state, diags = h.apply("aws_security_group", cty.NullVal(cfg.Type()), cfg)
	wantDiag(t, diags, "AWS error InvalidGroup.Duplicate", "name", "EC2 CreateSecurityGroup: InvalidGroup.Duplicate")
	if !state.IsNull() {
		t.Errorf("a create AWS refused returned %#v; want nothing recorded", state)
	}
}

func TestSecurityGroupDeleteWaitsForDependents(t *testing.T) {
	defer func(timeout, first time.Duration) {
		securityGroupDeleteTimeout, securityGroupDeleteFirstWait = timeout, first
	}(securityGroupDeleteTimeout, securityGroupDeleteFirstWait)
	securityGroupDeleteTimeout, securityGroupDeleteFirstWait = 2*time.Second, 10*time.Millisecond

	// moto never answers DependencyViolation (it deletes a group an
	// instance still uses), so a proxy in front of it does, as AWS does
	// while an instance or a load balancer's interfaces hold the group.
	var refusals atomic.Int32
	var refuseAll atomic.Bool
	s := mototest.Shared(t)
	proxy := faultProxy(t, s, func(action string) (string, bool) {
		if action != "DeleteSecurityGroup" {
			return "", false
		}
		if refuseAll.Load() || refusals.Add(1) <= 2 {
			return "DependencyViolation", true
		}
		return "", false
	})
	h := newResourceHarness(t, map[string]string{"ec2": proxy})
	state := h.create("aws_security_group", `name = "held"`)
	h.destroy("aws_security_group", state)
	if n := refusals.Load(); n != 3 {
		t.Errorf("DeleteSecurityGroup was called %d times; want 3 (twice refused, then deleted)", n)
	}
	if got := h.read("aws_security_group", state); !got.IsNull() {
		t.Errorf("the group is still there after destroy")
	}

	// Held for longer than tack waits: one clear error that says so.
	refuseAll.Store(true)
	state = h.create("aws_security_group", `name = "held-for-good"`)
	start := time.Now()
	resp := h.c.ApplyResourceChange(t.Context(), sdk.ApplyResourceChangeRequest{
		TypeName: "aws_security_group", PriorState: state, PlannedState: cty.NullVal(state.Type()), Config: cty.NullVal(state.Type()),
	})
	if waited := time.Since(start); waited < securityGroupDeleteTimeout/2 || waited > securityGroupDeleteTimeout+5*time.Second {
		t.Errorf("destroy gave up after %s; want about %s", waited, securityGroupDeleteTimeout)
	}
	wantDiag(t, resp.Diagnostics, "Security group still in use", "", str(state, "id"), "2s", "EC2 DeleteSecurityGroup: DependencyViolation")
	if resp.NewState.IsNull() {
		t.Errorf("a failed destroy forgot the group")
	}
}

func TestRetryWhileStopsOnOtherErrors(t *testing.T) {
	calls := 0
	boom := errors.New("boom")
	err := retryWhile(t.Context(), time.Minute, time.Millisecond, []string{"DependencyViolation"}, func() error {
		calls++
		return boom
	})
	if !errors.Is(err, boom) || calls != 1 {
		t.Errorf("retryWhile = %v after %d calls; want boom after 1", err, calls)
	}
}
