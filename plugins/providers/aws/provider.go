// Package aws is tack's AWS provider (source tack/aws, binary
// tack-provider-aws): clusters on Auto Scaling groups launched from launch
// templates behind ELBv2 target groups, the resources around them, and
// canary metrics from CloudWatch, through aws-sdk-go-v2.
package aws

import (
	"context"
	"fmt"
	"sort"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/plugins/sdk"
)

// Version is the provider's release.
const Version = "0.1.0"

// Provider is the AWS provider.
func Provider() *sdk.Provider {
	return &sdk.Provider{
		Name:        "aws",
		Version:     Version,
		Schema:      providerSchema(),
		Configure:   configure,
		Resources:   resources(),
		DataSources: dataSources(),

		ServerGroups:      func(meta any) sdk.ServerGroups { return &serverGroups{meta: meta} },
		ServerGroupSchema: serverGroupSchema(),
		Metrics:           func(meta any) sdk.Metrics { return &serverGroups{meta: meta} },
	}
}

// endpointServices are the services whose endpoint a provider block may
// point elsewhere (LocalStack, moto, a VPC endpoint).
var endpointServices = []string{"autoscaling", "cloudwatch", "ec2", "elbv2", "sts"}

func providerSchema() sdk.Block {
	endpoints := map[string]*sdk.Attribute{}
	for _, s := range endpointServices {
		endpoints[s] = &sdk.Attribute{Type: cty.String, Optional: true, Description: fmt.Sprintf("The URL to send %s requests to, instead of AWS's regional endpoint.", s)}
	}
	return sdk.Block{
		Description: "The AWS provider runs clusters on Auto Scaling groups behind ELBv2 load balancers. Credentials resolve the AWS SDK's standard way: environment, shared files, SSO, the instance's role.",
		Attributes: map[string]*sdk.Attribute{
			"region":                   {Type: cty.String, Optional: true, Description: "The region, such as us-east-1. Defaults to the SDK's (AWS_REGION, the profile's region)."},
			"profile":                  {Type: cty.String, Optional: true, Description: "The shared configuration profile to use."},
			"shared_config_files":      {Type: cty.List(cty.String), Optional: true, Description: "Shared configuration files to read instead of ~/.aws/config."},
			"shared_credentials_files": {Type: cty.List(cty.String), Optional: true, Description: "Shared credentials files to read instead of ~/.aws/credentials."},
			"default_tags":             {Type: cty.Map(cty.String), Optional: true, Description: "Tags put on every object the provider creates, under the object's own tags."},
			"max_retries":              {Type: cty.Number, Optional: true, Validators: []sdk.Validator{sdk.WholeNumber}, Description: "How many times a throttled or failed request is retried. Default 8."},
		},
		BlockTypes: map[string]*sdk.NestedBlock{
			"assume_role": {Nesting: sdk.NestingSingle, Block: sdk.Block{
				Description: "A role to assume with the resolved credentials.",
				Attributes: map[string]*sdk.Attribute{
					"role_arn":     {Type: cty.String, Required: true, Description: "The role's ARN."},
					"session_name": {Type: cty.String, Optional: true, Description: "The session's name. Default tack."},
					"external_id":  {Type: cty.String, Optional: true, Description: "The external id the role's trust policy asks for."},
				},
			}},
			"endpoints": {Nesting: sdk.NestingSingle, Block: sdk.Block{
				Description: "Endpoints to use instead of AWS's, per service.",
				Attributes:  endpoints,
			}},
		},
	}
}

// DefaultMaxRetries is how many times a request is retried when the
// provider block says nothing.
const DefaultMaxRetries = 8

// client is the provider's meta: a client per service, configured once.
// It is never modified afterwards, so concurrent calls share it.
type client struct {
	region      string
	account     string
	ec2         *ec2.Client
	autoscaling *autoscaling.Client
	elbv2       *elbv2.Client
	cloudwatch  *cloudwatch.Client
	// defaultTags are put on every object created, under its own tags.
	defaultTags map[string]string
}

func configure(ctx context.Context, d *sdk.Data) (any, sdk.Diagnostics) {
	var opts []func(*awsconfig.LoadOptions) error
	if d.IsSet("region") {
		opts = append(opts, awsconfig.WithRegion(d.String("region")))
	}
	if d.IsSet("profile") {
		opts = append(opts, awsconfig.WithSharedConfigProfile(d.String("profile")))
	}
	var files []string
	if err := d.Decode("shared_config_files", &files); err == nil && len(files) > 0 {
		opts = append(opts, awsconfig.WithSharedConfigFiles(files))
	}
	files = nil
	if err := d.Decode("shared_credentials_files", &files); err == nil && len(files) > 0 {
		opts = append(opts, awsconfig.WithSharedCredentialsFiles(files))
	}
	retries := DefaultMaxRetries
	if d.IsSet("max_retries") {
		retries = int(d.Int("max_retries"))
	}
	opts = append(opts, awsconfig.WithRetryer(func() awssdk.Retryer {
		// The standard retryer retries throttling and transient errors
		// with jittered exponential backoff; its attempts include the
		// first. Its default retry budget (a token bucket shared by every
		// call) runs dry after a burst of throttling, and then no call is
		// retried at all — while a deployment polls health for minutes.
		// Every call gets its retries instead, as in Terraform's provider.
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = retries + 1
			o.RateLimiter = ratelimit.None
		})
	}))
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, sdk.Diagnostics{sdk.Errorf("Invalid AWS configuration", "Loading the AWS configuration failed: %s.", err)}
	}
	if cfg.Region == "" {
		return nil, sdk.Diagnostics{sdk.AttributeErrorf(cty.GetAttrPath("region"), "No AWS region", "No region is set: set region in the provider block, AWS_REGION in the environment, or a region in the profile.")}
	}
	endpoints := map[string]string{}
	if ep := d.Get("endpoints"); !ep.IsNull() && ep.IsKnown() {
		for _, s := range endpointServices {
			if v := ep.GetAttr(s); !v.IsNull() && v.IsKnown() {
				endpoints[s] = v.AsString()
			}
		}
	}
	stsClient := sts.NewFromConfig(cfg, func(o *sts.Options) { setEndpoint(&o.BaseEndpoint, endpoints["sts"]) })
	if ar := d.Get("assume_role"); !ar.IsNull() && ar.IsKnown() {
		role := ar.GetAttr("role_arn").AsString()
		cfg.Credentials = awssdk.NewCredentialsCache(stscreds.NewAssumeRoleProvider(stsClient, role, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = "tack"
			if v := ar.GetAttr("session_name"); !v.IsNull() {
				o.RoleSessionName = v.AsString()
			}
			if v := ar.GetAttr("external_id"); !v.IsNull() {
				o.ExternalID = awssdk.String(v.AsString())
			}
		}))
		stsClient = sts.NewFromConfig(cfg, func(o *sts.Options) { setEndpoint(&o.BaseEndpoint, endpoints["sts"]) })
	}
	// One call proves the credentials before any plan work: a missing or
	// expired key is one clear message, not one per resource.
	who, err := stsClient.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return nil, sdk.Diagnostics{sdk.Errorf("Invalid AWS credentials", "The AWS credentials could not be used: %s. Set them the AWS SDK's way (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, SSO, or an instance role), or choose a profile in the provider block.", describeError(err))}
	}
	c := &client{
		region:      cfg.Region,
		account:     awssdk.ToString(who.Account),
		ec2:         ec2.NewFromConfig(cfg, func(o *ec2.Options) { setEndpoint(&o.BaseEndpoint, endpoints["ec2"]) }),
		autoscaling: autoscaling.NewFromConfig(cfg, func(o *autoscaling.Options) { setEndpoint(&o.BaseEndpoint, endpoints["autoscaling"]) }),
		elbv2:       elbv2.NewFromConfig(cfg, func(o *elbv2.Options) { setEndpoint(&o.BaseEndpoint, endpoints["elbv2"]) }),
		cloudwatch:  cloudwatch.NewFromConfig(cfg, func(o *cloudwatch.Options) { setEndpoint(&o.BaseEndpoint, endpoints["cloudwatch"]) }),
		defaultTags: map[string]string{},
	}
	if err := d.Decode("default_tags", &c.defaultTags); err != nil || c.defaultTags == nil {
		c.defaultTags = map[string]string{}
	}
	return c, nil
}

func setEndpoint(dst **string, url string) {
	if url != "" {
		*dst = awssdk.String(url)
	}
}

// tags merges the provider's default tags with an object's own, which
// win, in key order.
func (c *client) tags(own map[string]string) map[string]string {
	out := make(map[string]string, len(c.defaultTags)+len(own))
	for k, v := range c.defaultTags {
		out[k] = v
	}
	for k, v := range own {
		out[k] = v
	}
	return out
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
