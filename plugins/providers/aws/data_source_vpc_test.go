package aws

import (
	"context"
	"testing"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"
)

// makeVPC makes a VPC in moto with the tags given, and returns its id.
func makeVPC(t *testing.T, ec *ec2.Client, cidr string, tags map[string]string) string {
	t.Helper()
	var ts []ec2types.Tag
	for _, k := range sortedKeys(tags) {
		ts = append(ts, ec2types.Tag{Key: awssdk.String(k), Value: awssdk.String(tags[k])})
	}
	out, err := ec.CreateVpc(context.Background(), &ec2.CreateVpcInput{CidrBlock: awssdk.String(cidr),
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeVpc, Tags: ts}}})
	if err != nil {
		t.Fatalf("CreateVpc %s: %v", cidr, err)
	}
	return *out.Vpc.VpcId
}

func TestVPCDataSource(t *testing.T) {
	c, s := newClient(t)
	ec := motoEC2(s)
	prod := makeVPC(t, ec, "10.1.0.0/16", map[string]string{"team": "edge", "env": "prod"})
	staging := makeVPC(t, ec, "10.2.0.0/16", map[string]string{"team": "edge", "env": "staging"})
	defaults, err := ec.DescribeVpcs(context.Background(), &ec2.DescribeVpcsInput{})
	if err != nil {
		t.Fatal(err)
	}
	var defaultID string
	for _, v := range defaults.Vpcs {
		if awssdk.ToBool(v.IsDefault) {
			defaultID = *v.VpcId
		}
	}
	if defaultID == "" {
		t.Fatal("moto has no default VPC in us-east-1")
	}

	found := []struct {
		name, body string
		want       map[string]cty.Value
	}{
		{"default", `default = true`, map[string]cty.Value{
			"id": cty.StringVal(defaultID), "cidr_block": cty.StringVal("172.31.0.0/16"),
			"is_default": cty.True, "tags": cty.MapValEmpty(cty.String), "default": cty.True,
		}},
		{"by id", `id = "` + prod + `"`, map[string]cty.Value{
			"id": cty.StringVal(prod), "cidr_block": cty.StringVal("10.1.0.0/16"), "is_default": cty.False,
			"tags":    cty.MapVal(map[string]cty.Value{"team": cty.StringVal("edge"), "env": cty.StringVal("prod")}),
			"default": cty.NullVal(cty.Bool),
		}},
		{"by tags, read back whole", `tags = { env = "staging" }`, map[string]cty.Value{
			"id": cty.StringVal(staging), "cidr_block": cty.StringVal("10.2.0.0/16"), "is_default": cty.False,
			"tags":    cty.MapVal(map[string]cty.Value{"team": cty.StringVal("edge"), "env": cty.StringVal("staging")}),
			"default": cty.NullVal(cty.Bool),
		}},
		{"by filter and default = false", `
default = false
filter {
  name   = "cidr-block"
  values = ["10.1.0.0/16", "172.31.0.0/16"]
}`, map[string]cty.Value{
			"id": cty.StringVal(prod), "cidr_block": cty.StringVal("10.1.0.0/16"), "is_default": cty.False,
			"tags":    cty.MapVal(map[string]cty.Value{"team": cty.StringVal("edge"), "env": cty.StringVal("prod")}),
			"default": cty.False,
		}},
	}
	for _, tc := range found {
		t.Run(tc.name, func(t *testing.T) {
			got, diags := readDataHCL(t, c, "aws_vpc", tc.body)
			if err := diags.Err(); err != nil {
				t.Fatal(err)
			}
			attrs := map[string]cty.Value{}
			for name := range tc.want {
				attrs[name] = got.GetAttr(name)
			}
			if diff := cmp.Diff(tc.want, attrs, cmp.Comparer(cty.Value.RawEquals)); diff != "" {
				t.Errorf("aws_vpc (-want +got):\n%s", diff)
			}
			if got.GetAttr("state").AsString() != "available" || got.GetAttr("owner_id").AsString() != "123456789012" {
				t.Errorf("state %#v, owner_id %#v; want available and moto's account", got.GetAttr("state"), got.GetAttr("owner_id"))
			}
		})
	}

	t.Run("several", func(t *testing.T) {
		_, diags := readDataHCL(t, c, "aws_vpc", `tags = { team = "edge" }`)
		wantDiag(t, diags, "Several VPCs found", "", `2 VPCs match tag:team = ["edge"] in us-east-1`, prod, staging)
	})
	t.Run("none", func(t *testing.T) {
		_, diags := readDataHCL(t, c, "aws_vpc", `
default = true
tags    = { team = "edge" }`)
		wantDiag(t, diags, "No VPC found", "", `No VPC matches default = true and tag:team = ["edge"] in us-east-1`)
	})
	t.Run("unknown id", func(t *testing.T) {
		_, diags := readDataHCL(t, c, "aws_vpc", `id = "vpc-0000000000000000f"`)
		wantDiag(t, diags, "No VPC found", "", `id = "vpc-0000000000000000f" in us-east-1`)
	})
}
