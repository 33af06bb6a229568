package aws

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/plugins/sdk"
)

// vpcDataSource is aws_vpc: the one VPC a search finds, most often the
// region's default VPC or one tagged by the team that made it.
func vpcDataSource() *sdk.DataSource {
	return &sdk.DataSource{
		Schema: sdk.Block{
			Description: "Finds exactly one VPC by id, by default = true, or by filters and tags.",
			Attributes: map[string]*sdk.Attribute{
				"id": {Type: cty.String, Optional: true, Computed: true,
					Description: "The VPC's id (vpc-…); set it to look that VPC up."},
				"default": {Type: cty.Bool, Optional: true,
					Description: "true finds the region's default VPC; false leaves it out of the search."},
				"tags": {Type: cty.Map(cty.String), Optional: true, Computed: true,
					Description: "Tags the VPC must have, each with the value given; once read, all of the VPC's tags."},
				"cidr_block":       {Type: cty.String, Computed: true, Description: "The VPC's primary IPv4 range, such as 172.31.0.0/16."},
				"is_default":       {Type: cty.Bool, Computed: true, Description: "Whether the VPC is the region's default VPC."},
				"state":            {Type: cty.String, Computed: true, Description: "pending or available."},
				"owner_id":         {Type: cty.String, Computed: true, Description: "The account that owns the VPC."},
				"instance_tenancy": {Type: cty.String, Computed: true, Description: "default or dedicated."},
			},
			BlockTypes: map[string]*sdk.NestedBlock{"filter": filterBlock("DescribeVpcs", "cidr-block, tag:Name, tag-key, state")},
		},
		Read: readVPC,
	}
}

func readVPC(ctx context.Context, meta any, d *sdk.Data) sdk.Diagnostics {
	c := meta.(*client)
	q := readEC2Query(d, true)
	in := &ec2.DescribeVpcsInput{}
	var search []string
	if d.IsSet("id") {
		in.VpcIds = []string{d.String("id")}
		search = append(search, fmt.Sprintf("id = %q", d.String("id")))
	}
	if d.IsSet("default") {
		def := strconv.FormatBool(d.Bool("default"))
		in.Filters = append(in.Filters, ec2types.Filter{Name: awssdk.String("is-default"), Values: []string{def}})
		search = append(search, "default = "+def)
	}
	in.Filters = append(in.Filters, q.filters...)
	search = append(search, q.terms...)
	what := "any VPC"
	if len(search) > 0 {
		what = strings.Join(search, " and ")
	}
	what += " in " + c.region

	var vpcs []ec2types.Vpc
	for pages := ec2.NewDescribeVpcsPaginator(c.ec2, in); pages.HasMorePages(); {
		page, err := pages.NextPage(ctx)
		if isCode(err, "InvalidVpcID.NotFound") {
			break // the same answer as a search that matched nothing
		}
		if err != nil {
			return sdk.Diagnostics{apiDiag("searching for a VPC", err, nil)}
		}
		vpcs = append(vpcs, page.Vpcs...)
	}
	switch len(vpcs) {
	case 0:
		return sdk.Diagnostics{sdk.Errorf("No VPC found",
			"No VPC matches %s. Check the id, filters and tags; a region whose default VPC was deleted has none to find with default = true.", what)}
	case 1:
	default:
		ids := make([]string, len(vpcs))
		for i, v := range vpcs {
			ids[i] = awssdk.ToString(v.VpcId)
		}
		slices.Sort(ids)
		return sdk.Diagnostics{sdk.Errorf("Several VPCs found",
			"%d VPCs match %s: %s. Narrow the search to one with id, default = true, a filter or tags.", len(vpcs), what, strings.Join(ids, ", "))}
	}
	v := vpcs[0]
	d.Set("id", awssdk.ToString(v.VpcId))
	d.Set("tags", ec2TagsValue(v.Tags))
	d.Set("cidr_block", awssdk.ToString(v.CidrBlock))
	d.Set("is_default", awssdk.ToBool(v.IsDefault))
	d.Set("state", string(v.State))
	d.Set("owner_id", awssdk.ToString(v.OwnerId))
	d.Set("instance_tenancy", string(v.InstanceTenancy))
	return nil
}
