package aws

import (
	"context"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"
)

// bakeImages makes images in moto as a build pipeline would, from a
// running instance, one creation second apart (EC2 records whole
// seconds), oldest first, each tagged with its name as build. It returns
// their ids in the order of names.
func bakeImages(t *testing.T, ec *ec2.Client, names ...string) []string {
	t.Helper()
	ctx := context.Background()
	// One of the images moto ships with, built for x86_64.
	run, err := ec.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: awssdk.String("ami-04681a1dbd79675a5"), MinCount: awssdk.Int32(1), MaxCount: awssdk.Int32(1)})
	if err != nil {
		t.Fatalf("RunInstances: %v", err)
	}
	instance := run.Instances[0].InstanceId
	var ids []string
	var last time.Time
	for _, name := range names {
		// Wait out the second the last image was made in, so that
		// creation dates order the images as they were made.
		time.Sleep(time.Until(last.Add(time.Second)))
		out, err := ec.CreateImage(ctx, &ec2.CreateImageInput{InstanceId: instance, Name: awssdk.String(name),
			TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeImage, Tags: []ec2types.Tag{{Key: awssdk.String("build"), Value: awssdk.String(name)}}}}})
		if err != nil {
			t.Fatalf("CreateImage %s: %v", name, err)
		}
		desc, err := ec.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{*out.ImageId}})
		if err != nil || len(desc.Images) != 1 {
			t.Fatalf("DescribeImages %s: %v", *out.ImageId, err)
		}
		last, err = time.Parse(time.RFC3339, *desc.Images[0].CreationDate)
		if err != nil {
			t.Fatal(err)
		}
		last = last.Truncate(time.Second)
		ids = append(ids, *out.ImageId)
	}
	return ids
}

func TestAMIDataSource(t *testing.T) {
	c, s := newClient(t)
	ids := bakeImages(t, motoEC2(s), "web-041", "web-042", "db-007")
	web41, web42 := ids[0], ids[1]

	found := []struct {
		name, body, want string
	}{
		{"most recent of a family", `
owners      = ["self"]
most_recent = true
filter {
  name   = "name"
  values = ["web-*"]
}`, web42},
		{"name_regex narrows to one", `
owners     = ["self"]
name_regex = "-041$"
filter {
  name   = "name"
  values = ["web-*"]
}`, web41},
		{"tag filter", `
owners = ["self"]
filter {
  name   = "tag:build"
  values = ["web-041"]
}`, web41},
		{"several filters must all match", `
owners      = ["self"]
most_recent = true
filter {
  name   = "name"
  values = ["web-*", "db-*"]
}
filter {
  name   = "architecture"
  values = ["x86_64"]
}`, ids[2]},
	}
	for _, tc := range found {
		t.Run(tc.name, func(t *testing.T) {
			got, diags := readDataHCL(t, c, "aws_ami", tc.body)
			if err := diags.Err(); err != nil {
				t.Fatal(err)
			}
			if id := got.GetAttr("id").AsString(); id != tc.want {
				t.Errorf("id = %s, want %s", id, tc.want)
			}
		})
	}

	// What a server group launches from is all there.
	got, diags := readDataHCL(t, c, "aws_ami", `
owners      = ["self"]
most_recent = true
filter {
  name   = "name"
  values = ["web-*"]
}`)
	if err := diags.Err(); err != nil {
		t.Fatal(err)
	}
	attrs := map[string]cty.Value{}
	for _, name := range []string{"id", "name", "owner_id", "architecture", "state", "tags"} {
		attrs[name] = got.GetAttr(name)
	}
	want := map[string]cty.Value{
		"id": cty.StringVal(web42), "name": cty.StringVal("web-042"), "owner_id": cty.StringVal("123456789012"),
		"architecture": cty.StringVal("x86_64"), "state": cty.StringVal("available"),
		"tags": cty.MapVal(map[string]cty.Value{"build": cty.StringVal("web-042")}),
	}
	if diff := cmp.Diff(want, attrs, cmp.Comparer(cty.Value.RawEquals)); diff != "" {
		t.Errorf("aws_ami attributes (-want +got):\n%s", diff)
	}
	if _, err := time.Parse(time.RFC3339, got.GetAttr("creation_date").AsString()); err != nil {
		t.Errorf("creation_date %#v is not RFC 3339: %v", got.GetAttr("creation_date"), err)
	}
	if !got.IsWhollyKnown() {
		t.Errorf("aws_ami left values unknown: %#v", got)
	}

	t.Run("several without most_recent", func(t *testing.T) {
		_, diags := readDataHCL(t, c, "aws_ami", `
owners = ["self"]
filter {
  name   = "name"
  values = ["web-*"]
}`)
		wantDiag(t, diags, "Several AMIs found", "", "2 images match", web41, web42, "most_recent = true")
	})
	t.Run("none", func(t *testing.T) {
		_, diags := readDataHCL(t, c, "aws_ami", `
owners     = ["self"]
name_regex = "^api-"
filter {
  name   = "name"
  values = ["web-*"]
}`)
		wantDiag(t, diags, "No AMI found", "", `owners ["self"] and name = ["web-*"] and name_regex "^api-" in us-east-1`)
	})
	t.Run("unbounded", func(t *testing.T) {
		_, diags := readDataHCL(t, c, "aws_ami", `most_recent = true`)
		wantDiag(t, diags, "AMI search without owners or filters", "owners", "every public image in us-east-1")
	})
	t.Run("bad regexp", func(t *testing.T) {
		_, diags := readDataHCL(t, c, "aws_ami", `
owners     = ["self"]
name_regex = "web-("`)
		wantDiag(t, diags, "Invalid regular expression", "name_regex")
	})
}

// The newest image is chosen by date alone, whatever order AWS lists
// images in, and a tie within one second always goes the same way.
func TestNewestImage(t *testing.T) {
	image := func(id, date string) ec2types.Image {
		return ec2types.Image{ImageId: awssdk.String(id), CreationDate: awssdk.String(date)}
	}
	tests := []struct {
		name   string
		images []ec2types.Image
		want   string
	}{
		{"by date, not by id", []ec2types.Image{image("ami-b", "2024-05-01T10:00:00.000Z"), image("ami-a", "2024-05-02T09:00:00.000Z")}, "ami-a"},
		{"later listed older", []ec2types.Image{image("ami-a", "2024-05-02T09:00:00.000Z"), image("ami-b", "2024-05-01T10:00:00.000Z")}, "ami-a"},
		{"fractions as times, not strings", []ec2types.Image{image("ami-a", "2024-01-01T00:00:00Z"), image("ami-b", "2024-01-01T00:00:00.500Z")}, "ami-b"},
		{"offsets as times, not strings", []ec2types.Image{image("ami-a", "2024-01-01T01:00:00+02:00"), image("ami-b", "2024-01-01T00:00:00Z")}, "ami-b"},
		{"tie by id", []ec2types.Image{image("ami-b", "2024-05-01T10:00:00.000Z"), image("ami-c", "2024-05-01T10:00:00.000Z"), image("ami-a", "2024-05-01T10:00:00.000Z")}, "ami-c"},
		{"unparsable is oldest", []ec2types.Image{image("ami-z", "yesterday"), image("ami-a", "2020-01-01T00:00:00.000Z")}, "ami-a"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := awssdk.ToString(newestImage(tc.images).ImageId); got != tc.want {
				t.Errorf("newestImage = %s, want %s", got, tc.want)
			}
		})
	}
}
