package aws

import (
	"context"
	"slices"
	"testing"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"
)

func TestSubnetsDataSource(t *testing.T) {
	c, s := newClient(t)
	ec := motoEC2(s)
	ctx := context.Background()
	vpc := makeVPC(t, ec, "10.1.0.0/16", nil)
	var mine []string
	for i, cidr := range []string{"10.1.2.0/24", "10.1.1.0/24", "10.1.3.0/24"} {
		tier := "public"
		if i == 2 {
			tier = "private"
		}
		out, err := ec.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: &vpc, CidrBlock: awssdk.String(cidr),
			TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeSubnet, Tags: []ec2types.Tag{{Key: awssdk.String("tier"), Value: awssdk.String(tier)}}}}})
		if err != nil {
			t.Fatalf("CreateSubnet %s: %v", cidr, err)
		}
		mine = append(mine, *out.Subnet.SubnetId)
	}
	defaults, err := ec.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: awssdk.String("default-for-az"), Values: []string{"true"}}}})
	if err != nil || len(defaults.Subnets) == 0 {
		t.Fatalf("moto's default subnets: %v (%d)", err, len(defaults.Subnets))
	}
	var defaultIDs []string
	for _, sn := range defaults.Subnets {
		defaultIDs = append(defaultIDs, *sn.SubnetId)
	}
	sorted := func(ids ...string) []string { return slices.Sorted(slices.Values(ids)) }

	tests := []struct {
		name, body string
		want       []string
	}{
		{"a VPC's, sorted", `
filter {
  name   = "vpc-id"
  values = ["` + vpc + `"]
}`, sorted(mine...)},
		{"by tags within a VPC", `
tags = { tier = "public" }
filter {
  name   = "vpc-id"
  values = ["` + vpc + `"]
}`, sorted(mine[0], mine[1])},
		{"the default VPC's", `
filter {
  name   = "default-for-az"
  values = ["true"]
}`, sorted(defaultIDs...)},
		{"none is an empty list", `tags = { tier = "nowhere" }`, []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, diags := readDataHCL(t, c, "aws_subnets", tc.body)
			if err := diags.Err(); err != nil {
				t.Fatal(err)
			}
			ids := got.GetAttr("ids")
			if ids.IsNull() || !ids.Type().Equals(cty.List(cty.String)) {
				t.Fatalf("ids = %#v; want a list of strings", ids)
			}
			gotIDs := []string{}
			for _, v := range ids.AsValueSlice() {
				gotIDs = append(gotIDs, v.AsString())
			}
			if diff := cmp.Diff(tc.want, gotIDs); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
		})
	}
}
