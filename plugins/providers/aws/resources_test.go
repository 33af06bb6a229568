package aws

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sort"
	"strings"
	"testing"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/internal/mototest"
	"github.com/tackhq/tack/plugins/sdk"
	"github.com/tackhq/tack/plugins/sdk/sdktest"
)

// The default tags every resource test configures the provider with, so
// that each one shows they are merged in and kept apart from the
// object's own.
var testDefaultTags = map[string]string{"team": "edge", "managed-by": "tack"}

// conformance runs sdktest's suite for one resource type, against a
// provider that has only that type (the other types have suites of their
// own), configured against moto with testDefaultTags.
func conformance(t *testing.T, s *mototest.Server, typeName string, rc sdktest.ResourceCase) {
	t.Helper()
	p := Provider()
	p.Resources = map[string]*sdk.Resource{typeName: p.Resources[typeName]}
	p.DataSources = nil
	var cfg strings.Builder
	cfg.WriteString("endpoints {\n")
	for _, svc := range endpointServices {
		fmt.Fprintf(&cfg, "  %s = %q\n", svc, s.URL)
	}
	cfg.WriteString("}\ndefault_tags = {\n")
	for _, k := range sortedKeys(testDefaultTags) {
		fmt.Fprintf(&cfg, "  %q = %q\n", k, testDefaultTags[k])
	}
	cfg.WriteString("}\n")
	sdktest.Run(t, sdktest.Suite{Provider: p, Config: cfg.String(), Resources: map[string]sdktest.ResourceCase{typeName: rc}})
}

// resourceHarness drives resources through the provider's gRPC server as
// tack's core does: plan, apply, read and import, with HCL written as a
// user writes it.
type resourceHarness struct {
	t *testing.T
	c *sdk.GRPCClient
	s *mototest.Server
}

// newResourceHarness configures the provider against a reset moto with
// testDefaultTags; endpoints overrides services' endpoints (a fault
// proxy's).
func newResourceHarness(t *testing.T, endpoints map[string]string) *resourceHarness {
	t.Helper()
	s := mototest.Shared(t)
	motoEnv(t, s)
	c := sdktest.Serve(t, Provider())
	c.GetSchema(t.Context())
	tags := map[string]cty.Value{}
	for k, v := range testDefaultTags {
		tags[k] = cty.StringVal(v)
	}
	cfg := providerConfig(s.URL, map[string]cty.Value{"default_tags": cty.MapVal(tags), "max_retries": cty.NumberIntVal(1)})
	if len(endpoints) > 0 {
		vals := cfg.AsValueMap()
		eps := vals["endpoints"].AsValueMap()
		for k, v := range endpoints {
			eps[k] = cty.StringVal(v)
		}
		vals["endpoints"] = cty.ObjectVal(eps)
		cfg = cty.ObjectVal(vals)
	}
	if err := c.ConfigureProvider(t.Context(), sdk.ConfigureProviderRequest{Config: cfg}).Diagnostics.Err(); err != nil {
		t.Fatalf("configuring against moto: %v", err)
	}
	return &resourceHarness{t: t, c: c, s: s}
}

func (h *resourceHarness) block(typeName string) *sdk.Block {
	r, ok := Provider().Resources[typeName]
	if !ok {
		h.t.Fatalf("the provider has no resource type %s", typeName)
	}
	return &r.Schema
}

// config decodes a resource block's body and validates it, failing the
// test on any error.
func (h *resourceHarness) config(typeName, body string) cty.Value {
	h.t.Helper()
	cfg, diags := h.validate(typeName, body)
	if diags.HasErrors() {
		h.t.Fatalf("validating %s: %v", typeName, diags.Err())
	}
	return cfg
}

// validate decodes a resource block's body and returns the provider's
// validation diagnostics.
func (h *resourceHarness) validate(typeName, body string) (cty.Value, sdk.Diagnostics) {
	h.t.Helper()
	f, diags := hclsyntax.ParseConfig([]byte(body), typeName+".tack.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		h.t.Fatalf("parsing %s: %s", typeName, diags.Error())
	}
	cfg, diags := hcldec.Decode(f.Body, h.block(typeName).DecoderSpec(), nil)
	if diags.HasErrors() {
		h.t.Fatalf("decoding %s: %s", typeName, diags.Error())
	}
	return cfg, h.c.ValidateResourceConfig(h.t.Context(), sdk.ValidateResourceConfigRequest{TypeName: typeName, Config: cfg}).Diagnostics
}

func (h *resourceHarness) plan(typeName string, prior, cfg cty.Value) sdk.PlanResourceChangeResponse {
	h.t.Helper()
	resp := h.c.PlanResourceChange(h.t.Context(), sdk.PlanResourceChangeRequest{
		TypeName: typeName, PriorState: prior, ProposedNewState: sdk.ProposedNewState(h.block(typeName), prior, cfg), Config: cfg,
	})
	if err := resp.Diagnostics.Err(); err != nil {
		h.t.Fatalf("planning %s: %v", typeName, err)
	}
	return resp
}

// apply plans cfg over prior and applies the plan, returning the new
// state and the apply's diagnostics.
func (h *resourceHarness) apply(typeName string, prior, cfg cty.Value) (cty.Value, sdk.Diagnostics) {
	h.t.Helper()
	planned := h.plan(typeName, prior, cfg)
	resp := h.c.ApplyResourceChange(h.t.Context(), sdk.ApplyResourceChangeRequest{
		TypeName: typeName, PriorState: prior, PlannedState: planned.PlannedState, Config: cfg,
	})
	return resp.NewState, resp.Diagnostics
}

// create applies a new object from body, failing the test on any error.
func (h *resourceHarness) create(typeName, body string) cty.Value {
	h.t.Helper()
	cfg := h.config(typeName, body)
	state, diags := h.apply(typeName, cty.NullVal(cfg.Type()), cfg)
	if err := diags.Err(); err != nil {
		h.t.Fatalf("creating %s: %v", typeName, err)
	}
	return state
}

// read refreshes state, failing the test on any error; null means gone.
func (h *resourceHarness) read(typeName string, state cty.Value) cty.Value {
	h.t.Helper()
	resp := h.c.ReadResource(h.t.Context(), sdk.ReadResourceRequest{TypeName: typeName, CurrentState: state})
	if err := resp.Diagnostics.Err(); err != nil {
		h.t.Fatalf("reading %s: %v", typeName, err)
	}
	return resp.NewState
}

// importID imports an object by id and reads it, as tack import does.
func (h *resourceHarness) importID(typeName, id string) cty.Value {
	h.t.Helper()
	resp := h.c.ImportResourceState(h.t.Context(), sdk.ImportResourceStateRequest{TypeName: typeName, ID: id})
	if err := resp.Diagnostics.Err(); err != nil {
		h.t.Fatalf("importing %s %s: %v", typeName, id, err)
	}
	if len(resp.Imported) != 1 {
		h.t.Fatalf("importing %s %s gave %d objects; want 1", typeName, id, len(resp.Imported))
	}
	state := h.read(typeName, resp.Imported[0].State)
	if state.IsNull() {
		h.t.Fatalf("importing %s %s: the object reads as gone", typeName, id)
	}
	return state
}

// destroy deletes the object, failing the test on any error.
func (h *resourceHarness) destroy(typeName string, state cty.Value) {
	h.t.Helper()
	resp := h.c.ApplyResourceChange(h.t.Context(), sdk.ApplyResourceChangeRequest{
		TypeName: typeName, PriorState: state, PlannedState: cty.NullVal(state.Type()), Config: cty.NullVal(state.Type()),
	})
	if err := resp.Diagnostics.Err(); err != nil {
		h.t.Fatalf("destroying %s: %v", typeName, err)
	}
}

// wantNoChange fails unless planning cfg over state plans nothing.
func (h *resourceHarness) wantNoChange(typeName string, state, cfg cty.Value) {
	h.t.Helper()
	resp := h.plan(typeName, state, cfg)
	if !resp.PlannedState.RawEquals(state) || len(resp.RequiresReplace) > 0 {
		h.t.Errorf("planning %s again plans a change:\n planned: %#v\n state:   %#v", typeName, resp.PlannedState, state)
	}
}

// wantInPlace fails unless planning cfg over state is an update in place.
func (h *resourceHarness) wantInPlace(typeName string, state, cfg cty.Value) {
	h.t.Helper()
	resp := h.plan(typeName, state, cfg)
	if resp.PlannedState.RawEquals(state) {
		h.t.Errorf("planning %s plans no change; want an update in place", typeName)
	}
	if len(resp.RequiresReplace) > 0 {
		h.t.Errorf("planning %s requires replacement (%v); want an update in place", typeName, resp.RequiresReplace)
	}
}

// str is a string attribute of a state, at a path of attribute names.
func str(v cty.Value, names ...string) string {
	for _, n := range names {
		v = v.GetAttr(n)
	}
	if v.IsNull() {
		return ""
	}
	return v.AsString()
}

// tagMap is a map(string) value as a Go map.
func tagMap(v cty.Value) map[string]string {
	out := map[string]string{}
	if v.IsNull() {
		return out
	}
	for k, s := range v.AsValueMap() {
		out[k] = s.AsString()
	}
	return out
}

// withDefaultTags is own merged over testDefaultTags.
func withDefaultTags(own map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range testDefaultTags {
		out[k] = v
	}
	for k, v := range own {
		out[k] = v
	}
	return out
}

// motoELBv2 is an ELBv2 client of the test's own, against moto, to set
// up fixtures and to change objects behind tack's back.
func motoELBv2(s *mototest.Server) *elbv2.Client {
	return elbv2.New(elbv2.Options{
		Region:       "us-east-1",
		BaseEndpoint: &s.URL,
		Credentials:  credentials.NewStaticCredentialsProvider("testing", "testing", ""),
	})
}

// defaultSubnets are the subnets of moto's default VPC, one per
// Availability Zone, in zone order, and the VPC's id.
func defaultSubnets(t *testing.T, s *mototest.Server) (vpc string, subnets []string) {
	t.Helper()
	out, err := motoEC2(s).DescribeSubnets(t.Context(), &ec2.DescribeSubnetsInput{
		Filters: []ec2types.Filter{{Name: awssdk.String("default-for-az"), Values: []string{"true"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(out.Subnets, func(i, j int) bool {
		return awssdk.ToString(out.Subnets[i].AvailabilityZone) < awssdk.ToString(out.Subnets[j].AvailabilityZone)
	})
	for _, sn := range out.Subnets {
		subnets = append(subnets, awssdk.ToString(sn.SubnetId))
		vpc = awssdk.ToString(sn.VpcId)
	}
	if len(subnets) < 3 {
		t.Fatalf("moto's default VPC has %d subnets; the tests need 3", len(subnets))
	}
	return vpc, subnets
}

// makeSecurityGroup creates a security group outside tack.
func makeSecurityGroup(t *testing.T, s *mototest.Server, name, vpc string) string {
	t.Helper()
	out, err := motoEC2(s).CreateSecurityGroup(t.Context(), &ec2.CreateSecurityGroupInput{
		GroupName: awssdk.String(name), Description: awssdk.String("made by the test"), VpcId: awssdk.String(vpc),
	})
	if err != nil {
		t.Fatal(err)
	}
	return awssdk.ToString(out.GroupId)
}

// makeTargetGroup creates a target group outside tack.
func makeTargetGroup(t *testing.T, s *mototest.Server, name, vpc string) string {
	t.Helper()
	out, err := motoELBv2(s).CreateTargetGroup(t.Context(), &elbv2.CreateTargetGroupInput{
		Name: awssdk.String(name), Port: awssdk.Int32(80), Protocol: elbtypes.ProtocolEnumHttp, VpcId: awssdk.String(vpc),
	})
	if err != nil {
		t.Fatal(err)
	}
	return awssdk.ToString(out.TargetGroups[0].TargetGroupArn)
}

// makeLB creates an application load balancer outside tack.
func makeLB(t *testing.T, s *mototest.Server, name string, subnets []string) string {
	t.Helper()
	out, err := motoELBv2(s).CreateLoadBalancer(t.Context(), &elbv2.CreateLoadBalancerInput{
		Name: awssdk.String(name), Subnets: subnets, Type: elbtypes.LoadBalancerTypeEnumApplication,
	})
	if err != nil {
		t.Fatal(err)
	}
	return awssdk.ToString(out.LoadBalancers[0].LoadBalancerArn)
}

// faultProxy is an endpoint in front of moto that answers the calls fail
// picks (by their Action) with the AWS error code it returns, and passes
// every other call on. It is how a test makes AWS refuse what moto
// accepts.
func faultProxy(t *testing.T, s *mototest.Server, fail func(action string) (code string, ok bool)) string {
	t.Helper()
	target, err := url.Parse(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	forward := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		form, _ := url.ParseQuery(string(body))
		code, ok := fail(form.Get("Action"))
		if !ok {
			forward.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(http.StatusBadRequest)
		// EC2's query protocol and ELBv2's wrap errors differently.
		if form.Get("Version") == "2016-11-15" {
			fmt.Fprintf(w, `<Response><Errors><Error><Code>%s</Code><Message>refused by the test</Message></Error></Errors><RequestID>test</RequestID></Response>`, code)
			return
		}
		fmt.Fprintf(w, `<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>refused by the test</Message></Error><RequestId>test</RequestId></ErrorResponse>`, code)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}
