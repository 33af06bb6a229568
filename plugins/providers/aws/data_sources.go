package aws

import (
	"fmt"
	"strings"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/plugins/sdk"
)

// dataSources are the provider's data source types.
func dataSources() map[string]*sdk.DataSource {
	return map[string]*sdk.DataSource{
		"aws_ami":     amiDataSource(),
		"aws_vpc":     vpcDataSource(),
		"aws_subnets": subnetsDataSource(),
	}
}

// filterBlock is the filter block the EC2 data sources share: one of the
// Describe call's filters, passed to AWS as it is written, so that every
// filter the API documents works without tack knowing it.
// examples are a few of the call's filter names, for the description.
func filterBlock(api, examples string) *sdk.NestedBlock {
	return &sdk.NestedBlock{Nesting: sdk.NestingList, Block: sdk.Block{
		Description: fmt.Sprintf("A filter of EC2's %s call; an object matches when it matches every filter block.", api),
		Attributes: map[string]*sdk.Attribute{
			"name": {Type: cty.String, Required: true, Validators: []sdk.Validator{notBlankString},
				Description: fmt.Sprintf("The filter's name, as %s documents it: %s.", api, examples)},
			"values": {Type: cty.List(cty.String), Required: true,
				Description: "The values to match, any one of them; * and ? are wildcards."},
		},
	}}
}

// ec2Query is what an EC2 data source asks for: its filter blocks and tags
// as the API's filters, and a sentence of it for messages.
type ec2Query struct {
	filters []ec2types.Filter
	// terms say the query in the user's words, in the order written:
	// `name = ["web-*"]`, `tag:team = ["edge"]`.
	terms []string
}

// readEC2Query collects the filter blocks, and the tags attribute when the
// schema has one and it is set, of d.
func readEC2Query(d *sdk.Data, withTags bool) ec2Query {
	var q ec2Query
	if fv := d.Get("filter"); !fv.IsNull() && fv.IsKnown() {
		for it := fv.ElementIterator(); it.Next(); {
			_, f := it.Element()
			var values []string
			if vv := f.GetAttr("values"); !vv.IsNull() {
				for vit := vv.ElementIterator(); vit.Next(); {
					_, v := vit.Element()
					if !v.IsNull() {
						values = append(values, v.AsString())
					}
				}
			}
			q.add(f.GetAttr("name").AsString(), values)
		}
	}
	if withTags {
		var tags map[string]string
		_ = d.Decode("tags", &tags)
		for _, k := range sortedKeys(tags) {
			q.add("tag:"+k, []string{tags[k]})
		}
	}
	return q
}

func (q *ec2Query) add(name string, values []string) {
	q.filters = append(q.filters, ec2types.Filter{Name: awssdk.String(name), Values: values})
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = fmt.Sprintf("%q", v)
	}
	q.terms = append(q.terms, fmt.Sprintf("%s = [%s]", name, strings.Join(quoted, ", ")))
}

// String is the query for a message: "name = ["web-*"] and tag:team =
// ["edge"]", or "no filter".
func (q ec2Query) String() string {
	if len(q.terms) == 0 {
		return "no filter"
	}
	return strings.Join(q.terms, " and ")
}

// ec2TagMap turns EC2's tag list into a map.
func ec2TagMap(tags []ec2types.Tag) map[string]string {
	out := make(map[string]string, len(tags))
	for _, t := range tags {
		out[awssdk.ToString(t.Key)] = awssdk.ToString(t.Value)
	}
	return out
}

// ec2TagsValue is tags as a map(string) value; an object without tags has an
// empty map, not null, so that references to tags["x"] fail the same way
// for every object.
func ec2TagsValue(tags []ec2types.Tag) cty.Value {
	m := ec2TagMap(tags)
	if len(m) == 0 {
		return cty.MapValEmpty(cty.String)
	}
	vals := make(map[string]cty.Value, len(m))
	for k, v := range m {
		vals[k] = cty.StringVal(v)
	}
	return cty.MapVal(vals)
}

// notBlankString refuses an empty or all-space string.
func notBlankString(path cty.Path, v cty.Value) sdk.Diagnostics {
	if strings.TrimSpace(v.AsString()) == "" {
		return sdk.Diagnostics{sdk.AttributeErrorf(path, "Empty value", "%s must not be empty.", sdk.FormatPath(path))}
	}
	return nil
}
