package aws

import (
	"context"
	"slices"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/plugins/sdk"
)

// subnetsDataSource is aws_subnets: the ids of every subnet a search
// finds, for a load balancer's or a server group's subnets.
func subnetsDataSource() *sdk.DataSource {
	return &sdk.DataSource{
		Schema: sdk.Block{
			Description: "Lists the ids of the subnets that match filters and tags, such as every subnet of a VPC.",
			Attributes: map[string]*sdk.Attribute{
				"tags": {Type: cty.Map(cty.String), Optional: true,
					Description: "Tags a subnet must have, each with the value given."},
				"ids": {Type: cty.List(cty.String), Computed: true,
					Description: "The ids of the subnets found, sorted, so that the list changes only when the subnets do. Empty when none match."},
			},
			BlockTypes: map[string]*sdk.NestedBlock{"filter": filterBlock("DescribeSubnets", "vpc-id, availability-zone, default-for-az, tag:Name")},
		},
		Read: readSubnets,
	}
}

func readSubnets(ctx context.Context, meta any, d *sdk.Data) sdk.Diagnostics {
	c := meta.(*client)
	q := readEC2Query(d, true)
	ids := []string{}
	for pages := ec2.NewDescribeSubnetsPaginator(c.ec2, &ec2.DescribeSubnetsInput{Filters: q.filters}); pages.HasMorePages(); {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return sdk.Diagnostics{apiDiag("listing subnets matching "+q.String(), err, nil)}
		}
		for _, s := range page.Subnets {
			ids = append(ids, awssdk.ToString(s.SubnetId))
		}
	}
	slices.Sort(ids)
	d.Set("ids", ids)
	return nil
}
