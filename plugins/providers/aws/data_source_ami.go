package aws

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/plugins/sdk"
)

// amiDataSource is aws_ami: the one machine image a search finds, most
// often the newest build of a family ("the latest web-* image we
// baked"), whose id a cluster's server_group launches.
func amiDataSource() *sdk.DataSource {
	computed := func(ty cty.Type, desc string) *sdk.Attribute {
		return &sdk.Attribute{Type: ty, Computed: true, Description: desc}
	}
	return &sdk.DataSource{
		Schema: sdk.Block{
			Description: "Finds one machine image (AMI) by owner, filters and name pattern; with most_recent, the newest of those that match.",
			Attributes: map[string]*sdk.Attribute{
				"owners": {Type: cty.List(cty.String), Optional: true,
					Description: "Whose images to search: account ids, self, or an alias (amazon, aws-marketplace). Set it: a filter alone also matches images anyone has made public."},
				"most_recent": {Type: cty.Bool, Optional: true,
					Description: "Use the newest image, by creation date, when several match. Without it, more than one match is an error."},
				"name_regex": {Type: cty.String, Optional: true, Validators: []sdk.Validator{validRegexp},
					Description: "A regular expression (Go's RE2 syntax) that the image's name must match, applied after owners and filters."},
				"include_deprecated": {Type: cty.Bool, Optional: true,
					Description: "Also find images past their deprecation time, which AWS leaves out by default."},

				"id":                  computed(cty.String, "The image's id (ami-…)."),
				"name":                computed(cty.String, "The image's name."),
				"description":         computed(cty.String, "The image's description, or null."),
				"owner_id":            computed(cty.String, "The account that owns the image."),
				"creation_date":       computed(cty.String, "When the image was created, in RFC 3339 (2024-05-01T12:00:00.000Z)."),
				"architecture":        computed(cty.String, "The image's architecture: x86_64, arm64, i386…"),
				"virtualization_type": computed(cty.String, "hvm or paravirtual."),
				"root_device_type":    computed(cty.String, "ebs or instance-store."),
				"root_device_name":    computed(cty.String, "The root device's name, such as /dev/xvda."),
				"state":               computed(cty.String, "The image's state; available for one that can be launched."),
				"public":              computed(cty.Bool, "Whether anyone may launch the image."),
				"deprecation_time":    computed(cty.String, "When the image is or was deprecated, or null."),
				"tags":                computed(cty.Map(cty.String), "The image's tags."),
			},
			BlockTypes: map[string]*sdk.NestedBlock{"filter": filterBlock("DescribeImages", "name, architecture, tag:Name, tag-key, image-type")},
		},
		Read: readAMI,
	}
}

func readAMI(ctx context.Context, meta any, d *sdk.Data) sdk.Diagnostics {
	c := meta.(*client)
	var owners []string
	_ = d.Decode("owners", &owners)
	q := readEC2Query(d, false)
	if len(owners) == 0 && len(q.filters) == 0 {
		return sdk.Diagnostics{sdk.AttributeErrorf(cty.GetAttrPath("owners"), "AMI search without owners or filters",
			"Set owners (self, amazon, an account id) or a filter block: without either, the search would read every public image in %s.", c.region)}
	}
	in := &ec2.DescribeImagesInput{Owners: owners, Filters: q.filters}
	if d.Bool("include_deprecated") {
		in.IncludeDeprecated = awssdk.Bool(true)
	}
	var images []ec2types.Image
	for pages := ec2.NewDescribeImagesPaginator(c.ec2, in); pages.HasMorePages(); {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return sdk.Diagnostics{apiDiag("searching for an AMI", err, nil)}
		}
		images = append(images, page.Images...)
	}
	search := describeAMISearch(owners, q, d.String("name_regex"), c.region)
	if d.IsSet("name_regex") {
		// validRegexp has already checked it compiles.
		re := regexp.MustCompile(d.String("name_regex"))
		kept := images[:0]
		for _, im := range images {
			if re.MatchString(awssdk.ToString(im.Name)) {
				kept = append(kept, im)
			}
		}
		images = kept
	}
	switch {
	case len(images) == 0:
		return sdk.Diagnostics{sdk.Errorf("No AMI found",
			"No image matches %s. Check the owners and filters (image names are matched exactly unless they use * or ?); images past their deprecation time are found only with include_deprecated = true.", search)}
	case len(images) > 1 && !d.Bool("most_recent"):
		return sdk.Diagnostics{sdk.Errorf("Several AMIs found",
			"%d images match %s: %s. Set most_recent = true to use the newest, or narrow the search to one.", len(images), search, listImages(images, 5))}
	}
	im := newestImage(images)
	d.Set("id", awssdk.ToString(im.ImageId))
	d.Set("name", awssdk.ToString(im.Name))
	d.Set("description", nullableString(im.Description))
	d.Set("owner_id", awssdk.ToString(im.OwnerId))
	d.Set("creation_date", awssdk.ToString(im.CreationDate))
	d.Set("architecture", string(im.Architecture))
	d.Set("virtualization_type", string(im.VirtualizationType))
	d.Set("root_device_type", string(im.RootDeviceType))
	d.Set("root_device_name", awssdk.ToString(im.RootDeviceName))
	d.Set("state", string(im.State))
	d.Set("public", awssdk.ToBool(im.Public))
	d.Set("deprecation_time", nullableString(im.DeprecationTime))
	d.Set("tags", ec2TagsValue(im.Tags))
	return nil
}

// newestImage is the image created last. Images created in the same
// second (EC2 records whole seconds) are told apart by id, so that the
// same search finds the same image every time; an unparsable date counts
// as older than any other.
func newestImage(images []ec2types.Image) ec2types.Image {
	best := images[0]
	for _, im := range images[1:] {
		a, b := creationTime(im), creationTime(best)
		if a.After(b) || a.Equal(b) && awssdk.ToString(im.ImageId) > awssdk.ToString(best.ImageId) {
			best = im
		}
	}
	return best
}

func creationTime(im ec2types.Image) time.Time {
	t, err := time.Parse(time.RFC3339, awssdk.ToString(im.CreationDate))
	if err != nil {
		return time.Time{}
	}
	return t
}

// describeAMISearch says what an aws_ami searched for, in its user's
// words: `owners ["self"] and name = ["web-*"] and name_regex "^web-" in
// us-east-1`.
func describeAMISearch(owners []string, q ec2Query, nameRegex, region string) string {
	var parts []string
	if len(owners) > 0 {
		quoted := make([]string, len(owners))
		for i, o := range owners {
			quoted[i] = fmt.Sprintf("%q", o)
		}
		parts = append(parts, "owners ["+strings.Join(quoted, ", ")+"]")
	}
	parts = append(parts, q.terms...)
	if nameRegex != "" {
		parts = append(parts, fmt.Sprintf("name_regex %q", nameRegex))
	}
	return strings.Join(parts, " and ") + " in " + region
}

// listImages names up to max images, newest first, as "ami-1 (web-2),
// ami-2 (web-1) and 3 more".
func listImages(images []ec2types.Image, max int) string {
	sorted := append([]ec2types.Image(nil), images...)
	sort.SliceStable(sorted, func(i, j int) bool { return creationTime(sorted[i]).After(creationTime(sorted[j])) })
	var names []string
	for i, im := range sorted {
		if i == max {
			names = append(names, fmt.Sprintf("and %d more", len(sorted)-max))
			break
		}
		names = append(names, fmt.Sprintf("%s (%s)", awssdk.ToString(im.ImageId), awssdk.ToString(im.Name)))
	}
	return strings.Join(names, ", ")
}

// nullableString is s for Data.Set: null when AWS left it out.
func nullableString(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

// validRegexp refuses a pattern that does not compile.
func validRegexp(path cty.Path, v cty.Value) sdk.Diagnostics {
	if _, err := regexp.Compile(v.AsString()); err != nil {
		return sdk.Diagnostics{sdk.AttributeErrorf(path, "Invalid regular expression", "%s is not a valid regular expression: %s.", sdk.FormatPath(path), err)}
	}
	return nil
}
