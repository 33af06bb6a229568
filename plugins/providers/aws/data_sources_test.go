package aws

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/internal/mototest"
	"github.com/tackhq/tack/plugins/sdk"
	"github.com/tackhq/tack/plugins/sdk/sdktest"
)

// readDataHCL reads data source typeName through the provider's gRPC
// server, from a data block's body written in HCL as a user would.
func readDataHCL(t *testing.T, c *sdk.GRPCClient, typeName, body string) (cty.Value, sdk.Diagnostics) {
	t.Helper()
	ds, ok := Provider().DataSources[typeName]
	if !ok {
		t.Fatalf("the provider has no data source %s", typeName)
	}
	f, diags := hclsyntax.ParseConfig([]byte(body), typeName+".tack.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("parsing %s: %s", typeName, diags.Error())
	}
	cfg, diags := hcldec.Decode(f.Body, ds.Schema.DecoderSpec(), nil)
	if diags.HasErrors() {
		t.Fatalf("decoding %s: %s", typeName, diags.Error())
	}
	resp := c.ReadDataSource(context.Background(), sdk.ReadDataSourceRequest{TypeName: typeName, Config: cfg})
	return resp.State, resp.Diagnostics
}

// motoEC2 is an EC2 client of the test's own, against moto, to set up
// what the data sources are to find.
func motoEC2(s *mototest.Server) *ec2.Client {
	return ec2.New(ec2.Options{
		Region:       "us-east-1",
		BaseEndpoint: &s.URL,
		Credentials:  credentials.NewStaticCredentialsProvider("testing", "testing", ""),
	})
}

// wantDiag fails unless diags hold exactly one error with the summary,
// whose detail holds every one of details and whose attribute path is
// at ("" for none).
func wantDiag(t *testing.T, diags sdk.Diagnostics, summary, at string, details ...string) {
	t.Helper()
	if len(diags) != 1 || diags[0].Severity != sdk.Error {
		t.Fatalf("diagnostics = %v; want one error %q", diags, summary)
	}
	d := diags[0]
	if d.Summary != summary || sdk.FormatPath(d.Attribute) != at {
		t.Errorf("diagnostic = %s; want %q at %q", d, summary, at)
	}
	for _, s := range details {
		if !strings.Contains(d.Detail, s) {
			t.Errorf("detail %q does not say %q", d.Detail, s)
		}
	}
}

// TestDataSourcesConformance runs sdktest's checks of every data source
// (each read leaves no value unknown, and keeps what the configuration
// set) against what a new moto account holds: its default VPC and
// subnets, and the images it ships with.
func TestDataSourcesConformance(t *testing.T) {
	s := mototest.Shared(t)
	motoEnv(t, s)
	p := Provider()
	p.Resources = nil // each resource type has a suite of its own
	var cfg strings.Builder
	cfg.WriteString("endpoints {\n")
	for _, svc := range endpointServices {
		fmt.Fprintf(&cfg, "  %s = %q\n", svc, s.URL)
	}
	cfg.WriteString("}\n")
	sdktest.Run(t, sdktest.Suite{Provider: p, Config: cfg.String(), DataSources: map[string]sdktest.DataSourceCase{
		"aws_ami": {Config: `
owners = ["137112412989"]
filter {
  name   = "name"
  values = ["amzn2-ami-hvm-2.0.20180810-x86_64-gp2"]
}`, Check: func(t *testing.T, v cty.Value) {
			if got := v.GetAttr("id").AsString(); got != "ami-04681a1dbd79675a5" {
				t.Errorf("id = %s, want moto's Amazon Linux 2 image ami-04681a1dbd79675a5", got)
			}
		}},
		"aws_vpc": {Config: `default = true`, Check: func(t *testing.T, v cty.Value) {
			if v.GetAttr("cidr_block").AsString() != "172.31.0.0/16" {
				t.Errorf("cidr_block = %#v, want the default VPC's 172.31.0.0/16", v.GetAttr("cidr_block"))
			}
		}},
		"aws_subnets": {Config: `
filter {
  name   = "default-for-az"
  values = ["true"]
}`, Check: func(t *testing.T, v cty.Value) {
			if n := v.GetAttr("ids").LengthInt(); n < 2 {
				t.Errorf("%d default subnets; moto has one per Availability Zone", n)
			}
		}},
	}})
}

func TestFilterBlockValidation(t *testing.T) {
	c, _ := newClient(t)
	_, diags := readDataHCL(t, c, "aws_subnets", `filter {
  name   = " "
  values = ["x"]
}`)
	wantDiag(t, diags, "Empty value", "filter[0].name")
}
