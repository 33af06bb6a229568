package local

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/gocty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/tackhq/tack/plugins/providers/local/internal/platform"
	"github.com/tackhq/tack/plugins/sdk"
)

// serverGroupSchema is a cluster's server_group block on the local
// platform: what each instance runs.
func serverGroupSchema() sdk.Block {
	return sdk.Block{
		Description: "One version of a cluster on the local platform: each instance is a process of command, given a free port in PORT.",
		Attributes: map[string]*sdk.Attribute{
			"command": {
				Type:        cty.List(cty.String),
				Required:    true,
				Description: "The program and its arguments. A program path with a slash resolves against working_directory; a bare name is looked up in PATH.",
			},
			"artifact": {
				Type:        cty.String,
				Optional:    true,
				Description: "What is deployed, such as \"bin/api@1.4.2\"; shown in plans. Its part after the last @ is the version when version is not set.",
			},
			"version": {
				Type:        cty.String,
				Optional:    true,
				Description: "The artifact's version, given to instances as TACK_VERSION.",
			},
			"env": {
				Type:        cty.Map(cty.String),
				Optional:    true,
				Description: "Environment variables for each instance, on top of the provider's environment. PORT, TACK_SERVER_GROUP, TACK_CLUSTER, TACK_VERSION and TACK_INSTANCE_ID are set by the platform and override these.",
			},
			"working_directory": {
				Type:        cty.String,
				Optional:    true,
				Description: "Where instances run; a relative path resolves against the provider's directory, which is the default.",
			},
			"stop_timeout": {
				Type:        cty.String,
				Optional:    true,
				Description: "How long an instance has to exit after SIGTERM before it is killed, such as \"10s\" (the default).",
				Validators:  []sdk.Validator{validDuration},
			},
		},
		BlockTypes: map[string]*sdk.NestedBlock{
			"health_check": {
				Nesting: sdk.NestingSingle,
				Block:   healthCheckBlock("The group's own HTTP health check of each instance, which GetHealth reports with those of its load balancers. Without it, and without a load balancer, an instance is healthy when its port accepts connections."),
			},
		},
	}
}

// healthCheckBlock is the health_check block of server groups and load
// balancers.
func healthCheckBlock(description string) sdk.Block {
	return sdk.Block{
		Description: description,
		Attributes: map[string]*sdk.Attribute{
			"path": {
				Type: cty.String, Optional: true, Validators: []sdk.Validator{validHealthPath},
				Description: fmt.Sprintf("The path to GET on each instance; it passes on a 2xx or 3xx answer. Default %q.", platform.DefaultHealthPath),
			},
			"interval": {
				Type: cty.String, Optional: true, Validators: []sdk.Validator{validPositiveDuration},
				Description: fmt.Sprintf("How often each instance is checked. Default %q.", platform.DefaultHealthInterval),
			},
			"timeout": {
				Type: cty.String, Optional: true, Validators: []sdk.Validator{validPositiveDuration},
				Description: fmt.Sprintf("How long a check waits for an answer, at most the interval. Default %q.", platform.DefaultHealthTimeout),
			},
			"healthy_threshold": {
				Type: cty.Number, Optional: true, Validators: []sdk.Validator{sdk.WholeNumber, atLeastOne},
				Description: fmt.Sprintf("Passing checks in a row that make an instance healthy. Default %d.", platform.DefaultHealthyThreshold),
			},
			"unhealthy_threshold": {
				Type: cty.Number, Optional: true, Validators: []sdk.Validator{sdk.WholeNumber, atLeastOne},
				Description: fmt.Sprintf("Failing checks in a row that make an instance unhealthy. Default %d.", platform.DefaultUnhealthyThreshold),
			},
		},
	}
}

// healthCheckConfig is a health_check block as decoded.
type healthCheckConfig struct {
	Path               *string `cty:"path"`
	Interval           *string `cty:"interval"`
	Timeout            *string `cty:"timeout"`
	HealthyThreshold   *int    `cty:"healthy_threshold"`
	UnhealthyThreshold *int    `cty:"unhealthy_threshold"`
}

// platformHealthCheck converts a health_check block (null: nil) for the
// platform, which fills in the defaults. Durations were validated.
func platformHealthCheck(v cty.Value) (*platform.HealthCheck, error) {
	if v.IsNull() {
		return nil, nil
	}
	var c healthCheckConfig
	if err := gocty.FromCtyValue(v, &c); err != nil {
		return nil, err
	}
	hc := &platform.HealthCheck{}
	if c.Path != nil {
		hc.Path = *c.Path
	}
	var err error
	if c.Interval != nil {
		if hc.Interval, err = time.ParseDuration(*c.Interval); err != nil {
			return nil, err
		}
	}
	if c.Timeout != nil {
		if hc.Timeout, err = time.ParseDuration(*c.Timeout); err != nil {
			return nil, err
		}
	}
	if c.HealthyThreshold != nil {
		hc.HealthyThreshold = *c.HealthyThreshold
	}
	if c.UnhealthyThreshold != nil {
		hc.UnhealthyThreshold = *c.UnhealthyThreshold
	}
	return hc, nil
}

// serverGroups serves [sdk.ServerGroups] and [sdk.Metrics] from the
// platform. meta is the provider's *config, nil before Configure.
type serverGroups struct {
	meta any
}

var (
	_ sdk.ServerGroups = (*serverGroups)(nil)
	_ sdk.Metrics      = (*serverGroups)(nil)
)

func (s *serverGroups) client() (*platform.Client, *config, sdk.Diagnostics) {
	return platformOf(s.meta)
}

// platformOf is the platform client of a configured provider.
func platformOf(meta any) (*platform.Client, *config, sdk.Diagnostics) {
	c, ok := meta.(*config)
	if !ok || c == nil {
		return nil, nil, sdk.Diagnostics{sdk.Errorf("Provider not configured", "The local provider was called before its configuration; this is a bug in tack.")}
	}
	if c.platformErr != nil {
		return nil, nil, sdk.Diagnostics{sdk.Errorf("Local platform unavailable", "%s.", capitalize(c.platformErr.Error()))}
	}
	return c.platform, c, nil
}

// platformDiags turns a platform error into what the user reads.
func platformDiags(what string, err error) sdk.Diagnostics {
	var perr *platform.Error
	if errors.As(err, &perr) {
		summary := map[string]string{
			platform.CodeNotFound: "Not found on the local platform",
			platform.CodeInvalid:  "Invalid request to the local platform",
			platform.CodeConflict: "Conflict on the local platform",
		}[perr.Code]
		if summary == "" {
			summary = "Local platform error"
		}
		return sdk.Diagnostics{sdk.Errorf(summary, "%s: %s.", capitalize(what), strings.TrimSuffix(perr.Message, "."))}
	}
	return sdk.Diagnostics{sdk.Errorf("Local platform error", "%s: %s. The supervisor's log, supervisor.log in the platform directory, may say more.", capitalize(what), err)}
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func (s *serverGroups) ListServerGroups(ctx context.Context, req sdk.ListServerGroupsRequest) sdk.ListServerGroupsResponse {
	cl, _, diags := s.client()
	if diags != nil {
		return sdk.ListServerGroupsResponse{Diagnostics: diags}
	}
	groups, err := cl.ListGroups(ctx, req.Cluster.Name)
	if err != nil {
		return sdk.ListServerGroupsResponse{Diagnostics: platformDiags("listing the server groups of "+req.Cluster.Name, err)}
	}
	var resp sdk.ListServerGroupsResponse
	for _, g := range groups {
		sg, err := toSDK(g)
		if err != nil {
			resp.Diagnostics = append(resp.Diagnostics, sdk.Errorf("Unreadable server group", "The platform's record of %s cannot be read: %s.", g.Name, err))
			continue
		}
		resp.ServerGroups = append(resp.ServerGroups, sg)
	}
	return resp
}

// specType is the type of a server_group block's value.
var specType = func() cty.Type { b := serverGroupSchema(); return b.ImpliedType() }()

func toSDK(g platform.Group) (sdk.ServerGroup, error) {
	spec := cty.NullVal(specType)
	if len(g.Spec) > 0 {
		var err error
		if spec, err = ctyjson.Unmarshal(g.Spec, specType); err != nil {
			return sdk.ServerGroup{}, err
		}
	}
	return sdk.ServerGroup{
		Name: g.Name,
		Cluster: sdk.ClusterRef{
			Name: g.Cluster.Name, Application: g.Cluster.Application, Stack: g.Cluster.Stack, Detail: g.Cluster.Detail,
		},
		Sequence: g.Sequence, Spec: spec, SpecHash: g.SpecHash, Version: g.Version,
		Capacity:      sdk.Capacity{Min: g.Capacity.Min, Desired: g.Capacity.Desired, Max: g.Capacity.Max},
		Traffic:       sdk.Traffic{Enabled: g.Traffic.Enabled, Weight: g.Traffic.Weight},
		LoadBalancers: g.LoadBalancers,
		CreatedAt:     g.CreatedAt,
	}, nil
}

func (s *serverGroups) CreateServerGroup(ctx context.Context, req sdk.CreateServerGroupRequest) sdk.CreateServerGroupResponse {
	cl, c, diags := s.client()
	if diags != nil {
		return sdk.CreateServerGroupResponse{Diagnostics: diags}
	}
	sg := req.ServerGroup
	g, diags := platformGroup(c, sg)
	if diags.HasErrors() {
		return sdk.CreateServerGroupResponse{Diagnostics: diags}
	}
	created, err := cl.CreateGroup(ctx, g)
	if err != nil {
		return sdk.CreateServerGroupResponse{Diagnostics: platformDiags("creating "+sg.Name, err)}
	}
	out, err := toSDK(created)
	if err != nil {
		return sdk.CreateServerGroupResponse{Diagnostics: sdk.FromError("Unreadable server group", err)}
	}
	return sdk.CreateServerGroupResponse{ServerGroup: out}
}

// platformGroup is the platform's form of a server group to create, with
// the server_group block checked.
func platformGroup(c *config, sg sdk.ServerGroup) (platform.Group, sdk.Diagnostics) {
	var diags sdk.Diagnostics
	spec := sg.Spec
	if spec.IsNull() || !spec.IsWhollyKnown() {
		return platform.Group{}, sdk.Diagnostics{sdk.Errorf("Incomplete server group", "The server_group block of %s is missing or has values not yet known; this is a bug in tack.", sg.Name)}
	}
	g := platform.Group{
		Name: sg.Name,
		Cluster: platform.ClusterRef{
			Name: sg.Cluster.Name, Application: sg.Cluster.Application, Stack: sg.Cluster.Stack, Detail: sg.Cluster.Detail,
		},
		Sequence: sg.Sequence, SpecHash: sg.SpecHash,
		Capacity:      platform.Capacity{Min: sg.Capacity.Min, Desired: sg.Capacity.Desired, Max: sg.Capacity.Max},
		Traffic:       platform.Traffic{Enabled: sg.Traffic.Enabled, Weight: sg.Traffic.Weight},
		LoadBalancers: sg.LoadBalancers,
		CreatedAt:     sg.CreatedAt,
		Dir:           c.directory,
	}
	raw, err := ctyjson.Marshal(spec, specType)
	if err != nil {
		return g, sdk.FromError("Invalid server group", err)
	}
	g.Spec = raw
	// No call validates a server_group block before it is created, so
	// the schema's validators run here.
	schema := serverGroupSchema()
	if diags = runValidators(&schema, cty.Path{}, spec); diags.HasErrors() {
		return g, diags
	}
	if err := gocty.FromCtyValue(spec.GetAttr("command"), &g.Command); err != nil || len(g.Command) == 0 || g.Command[0] == "" {
		diags = append(diags, sdk.AttributeErrorf(cty.GetAttrPath("command"), "Empty command",
			"The server_group's command needs at least the program to run, such as [\"bin/api\", \"--port-from-env\"]."))
	}
	if env := spec.GetAttr("env"); !env.IsNull() {
		if err := gocty.FromCtyValue(env, &g.Env); err != nil {
			diags = append(diags, sdk.AttributeErrorf(cty.GetAttrPath("env"), "Invalid env", "%s.", err))
		}
	}
	if wd := spec.GetAttr("working_directory"); !wd.IsNull() {
		g.Dir = resolve(c, wd.AsString())
	}
	if st := spec.GetAttr("stop_timeout"); !st.IsNull() {
		d, err := time.ParseDuration(st.AsString())
		if err != nil || d < 0 {
			diags = append(diags, validDuration(cty.GetAttrPath("stop_timeout"), st)...)
		}
		g.StopTimeout = d
	}
	if g.HealthCheck, err = platformHealthCheck(spec.GetAttr("health_check")); err != nil {
		diags = append(diags, sdk.AttributeErrorf(cty.GetAttrPath("health_check"), "Invalid health check", "%s.", err))
	}
	g.Version = versionOf(sg, spec)
	g.Dir = filepath.Clean(g.Dir)
	return g, diags
}

// versionOf is what instances get as TACK_VERSION: the core's version,
// else the block's version, else what follows the artifact's last @.
func versionOf(sg sdk.ServerGroup, spec cty.Value) string {
	if sg.Version != "" {
		return sg.Version
	}
	if v := spec.GetAttr("version"); !v.IsNull() {
		return v.AsString()
	}
	if a := spec.GetAttr("artifact"); !a.IsNull() {
		if i := strings.LastIndexByte(a.AsString(), '@'); i >= 0 {
			return a.AsString()[i+1:]
		}
	}
	return ""
}

func (s *serverGroups) ResizeServerGroup(ctx context.Context, req sdk.ResizeServerGroupRequest) sdk.ResizeServerGroupResponse {
	cl, _, diags := s.client()
	if diags != nil {
		return sdk.ResizeServerGroupResponse{Diagnostics: diags}
	}
	capacity := platform.Capacity{Min: req.Capacity.Min, Desired: req.Capacity.Desired, Max: req.Capacity.Max}
	if err := cl.ResizeGroup(ctx, req.Cluster.Name, req.Name, capacity); err != nil {
		return sdk.ResizeServerGroupResponse{Diagnostics: platformDiags("resizing "+req.Name, err)}
	}
	return sdk.ResizeServerGroupResponse{}
}

func (s *serverGroups) SetTraffic(ctx context.Context, req sdk.SetTrafficRequest) sdk.SetTrafficResponse {
	cl, _, diags := s.client()
	if diags != nil {
		return sdk.SetTrafficResponse{Diagnostics: diags}
	}
	t := platform.Traffic{Enabled: req.Traffic.Enabled, Weight: req.Traffic.Weight}
	if err := cl.SetTraffic(ctx, req.Cluster.Name, req.Name, t); err != nil {
		return sdk.SetTrafficResponse{Diagnostics: platformDiags("setting the traffic of "+req.Name, err)}
	}
	return sdk.SetTrafficResponse{}
}

func (s *serverGroups) GetHealth(ctx context.Context, req sdk.GetHealthRequest) sdk.GetHealthResponse {
	cl, _, diags := s.client()
	if diags != nil {
		return sdk.GetHealthResponse{Diagnostics: diags}
	}
	ins, err := cl.Health(ctx, req.Cluster.Name, req.Name)
	if err != nil {
		return sdk.GetHealthResponse{Diagnostics: platformDiags("reading the health of "+req.Name, err)}
	}
	var resp sdk.GetHealthResponse
	for _, in := range ins {
		state := sdk.HealthUnknown
		switch in.State {
		case platform.StateUp:
			state = sdk.HealthUp
		case platform.StateDown:
			state = sdk.HealthDown
		case platform.StateStarting:
			state = sdk.HealthStarting
		}
		resp.Instances = append(resp.Instances, sdk.InstanceHealth{ID: in.ID, State: state, Reason: in.Reason})
	}
	return resp
}

func (s *serverGroups) DestroyServerGroup(ctx context.Context, req sdk.DestroyServerGroupRequest) sdk.DestroyServerGroupResponse {
	cl, _, diags := s.client()
	if diags != nil {
		return sdk.DestroyServerGroupResponse{Diagnostics: diags}
	}
	if err := cl.DestroyGroup(ctx, req.Cluster.Name, req.Name); err != nil {
		return sdk.DestroyServerGroupResponse{Diagnostics: platformDiags("destroying "+req.Name, err)}
	}
	return sdk.DestroyServerGroupResponse{}
}

func (s *serverGroups) QueryMetrics(ctx context.Context, req sdk.QueryMetricsRequest) sdk.QueryMetricsResponse {
	cl, _, diags := s.client()
	if diags != nil {
		return sdk.QueryMetricsResponse{Diagnostics: diags}
	}
	ms, err := cl.Metrics(ctx, req.ServerGroups, req.Start, req.End)
	if err != nil {
		return sdk.QueryMetricsResponse{Diagnostics: platformDiags("reading metrics", err)}
	}
	var resp sdk.QueryMetricsResponse
	for _, m := range ms {
		resp.ServerGroups = append(resp.ServerGroups, sdk.ServerGroupMetrics{
			Name: m.Name, Requests: m.Requests, Errors: m.Errors, LatencyBounds: m.Bounds, LatencyCounts: m.Counts,
		})
	}
	return resp
}

// runValidators runs the validators of b's attributes, and of its single
// nested blocks', on the known, non-null values of v.
func runValidators(b *sdk.Block, at cty.Path, v cty.Value) sdk.Diagnostics {
	var diags sdk.Diagnostics
	if v.IsNull() || !v.IsKnown() {
		return nil
	}
	for _, name := range slices.Sorted(maps.Keys(b.Attributes)) {
		a := b.Attributes[name]
		av := v.GetAttr(name)
		if av.IsNull() || !av.IsWhollyKnown() {
			continue
		}
		for _, check := range a.Validators {
			diags = append(diags, check(at.Copy().GetAttr(name), av)...)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(b.BlockTypes)) {
		if nb := b.BlockTypes[name]; nb.Nesting == sdk.NestingSingle {
			diags = append(diags, runValidators(&nb.Block, at.Copy().GetAttr(name), v.GetAttr(name))...)
		}
	}
	return diags
}

// Validators shared by the server_group block and local_load_balancer.

func validDuration(path cty.Path, v cty.Value) sdk.Diagnostics {
	if d, err := time.ParseDuration(v.AsString()); err != nil || d < 0 {
		return sdk.Diagnostics{sdk.AttributeErrorf(path, "Invalid duration",
			"%s must be a duration such as \"500ms\", \"10s\" or \"1m30s\"; got %q.", sdk.FormatPath(path), v.AsString())}
	}
	return nil
}

func validPositiveDuration(path cty.Path, v cty.Value) sdk.Diagnostics {
	if d, err := time.ParseDuration(v.AsString()); err != nil || d <= 0 {
		return sdk.Diagnostics{sdk.AttributeErrorf(path, "Invalid duration",
			"%s must be a positive duration such as \"500ms\" or \"2s\"; got %q.", sdk.FormatPath(path), v.AsString())}
	}
	return nil
}

func validHealthPath(path cty.Path, v cty.Value) sdk.Diagnostics {
	if !strings.HasPrefix(v.AsString(), "/") {
		return sdk.Diagnostics{sdk.AttributeErrorf(path, "Invalid health check path",
			"%s must start with a slash, such as \"/healthz\"; got %q.", sdk.FormatPath(path), v.AsString())}
	}
	return nil
}

func atLeastOne(path cty.Path, v cty.Value) sdk.Diagnostics {
	if v.Type() == cty.Number && v.LessThan(cty.NumberIntVal(1)).True() {
		return sdk.Diagnostics{sdk.AttributeErrorf(path, "Invalid threshold", "%s must be at least 1.", sdk.FormatPath(path))}
	}
	return nil
}
