package sdk_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/plugins/sdk"
	"github.com/tackhq/tack/plugins/sdk/sdktest"
)

// specSchema is a server_group block as a platform provider declares it.
func specSchema() sdk.Block {
	return sdk.Block{
		Attributes: map[string]*sdk.Attribute{
			"artifact": {Type: cty.String, Required: true},
			"command":  {Type: cty.List(cty.String), Optional: true},
			"env":      {Type: cty.Map(cty.String), Optional: true},
		},
		BlockTypes: map[string]*sdk.NestedBlock{
			"health_check": {Nesting: sdk.NestingSingle, Block: sdk.Block{Attributes: map[string]*sdk.Attribute{
				"path": {Type: cty.String, Optional: true},
			}}},
		},
	}
}

// memGroups is an in-memory platform: it records every request it is sent
// and answers from what it holds, so a test can compare both ends of the
// wire.
type memGroups struct {
	mu       sync.Mutex
	groups   map[string]sdk.ServerGroup
	requests []any
	health   []sdk.InstanceHealth
	metrics  []sdk.ServerGroupMetrics
}

var (
	_ sdk.ServerGroups = (*memGroups)(nil)
	_ sdk.Metrics      = (*memGroups)(nil)
)

func (m *memGroups) record(req any) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests = append(m.requests, req)
}

func (m *memGroups) ListServerGroups(_ context.Context, req sdk.ListServerGroupsRequest) sdk.ListServerGroupsResponse {
	m.record(req)
	m.mu.Lock()
	defer m.mu.Unlock()
	var resp sdk.ListServerGroupsResponse
	for _, g := range m.groups {
		if g.Cluster.Name == req.Cluster.Name {
			resp.ServerGroups = append(resp.ServerGroups, g)
		}
	}
	return resp
}

func (m *memGroups) CreateServerGroup(_ context.Context, req sdk.CreateServerGroupRequest) sdk.CreateServerGroupResponse {
	m.record(req)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.groups[req.ServerGroup.Name] = req.ServerGroup
	return sdk.CreateServerGroupResponse{
		ServerGroup: req.ServerGroup,
		Diagnostics: sdk.Diagnostics{{Severity: sdk.Warning, Summary: "Slow start", Detail: "Instances take a minute to boot."}},
	}
}

func (m *memGroups) ResizeServerGroup(_ context.Context, req sdk.ResizeServerGroupRequest) sdk.ResizeServerGroupResponse {
	m.record(req)
	m.mu.Lock()
	defer m.mu.Unlock()
	g := m.groups[req.Name]
	g.Capacity = req.Capacity
	m.groups[req.Name] = g
	return sdk.ResizeServerGroupResponse{}
}

func (m *memGroups) SetTraffic(_ context.Context, req sdk.SetTrafficRequest) sdk.SetTrafficResponse {
	m.record(req)
	m.mu.Lock()
	defer m.mu.Unlock()
	g := m.groups[req.Name]
	g.Traffic = req.Traffic
	m.groups[req.Name] = g
	return sdk.SetTrafficResponse{}
}

func (m *memGroups) GetHealth(_ context.Context, req sdk.GetHealthRequest) sdk.GetHealthResponse {
	m.record(req)
	return sdk.GetHealthResponse{Instances: m.health}
}

func (m *memGroups) DestroyServerGroup(_ context.Context, req sdk.DestroyServerGroupRequest) sdk.DestroyServerGroupResponse {
	m.record(req)
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.groups[req.Name]; !ok {
		return sdk.DestroyServerGroupResponse{Diagnostics: sdk.Diagnostics{sdk.Errorf("No such server group", "There is no server group %q.", req.Name)}}
	}
	delete(m.groups, req.Name)
	return sdk.DestroyServerGroupResponse{}
}

func (m *memGroups) QueryMetrics(_ context.Context, req sdk.QueryMetricsRequest) sdk.QueryMetricsResponse {
	m.record(req)
	return sdk.QueryMetricsResponse{ServerGroups: m.metrics}
}

func (m *memGroups) lastRequest() any {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.requests) == 0 {
		return nil
	}
	return m.requests[len(m.requests)-1]
}

func (m *memGroups) requestCount() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.requests)
}

func serveGroups(t *testing.T) (*sdk.GRPCClient, *memGroups) {
	t.Helper()
	m := &memGroups{groups: map[string]sdk.ServerGroup{}}
	p := &sdk.Provider{
		Name:              "test",
		ServerGroups:      func(any) sdk.ServerGroups { return m },
		ServerGroupSchema: specSchema(),
		Metrics:           func(any) sdk.Metrics { return m },
	}
	return sdktest.Serve(t, p), m
}

var cluster = sdk.ClusterRef{Name: "api-prod-canary", Application: "api", Stack: "prod", Detail: "canary"}

func serverGroup() sdk.ServerGroup {
	return sdk.ServerGroup{
		Name:     "api-prod-canary-v042",
		Cluster:  cluster,
		Sequence: 42,
		Spec: cty.ObjectVal(map[string]cty.Value{
			"artifact":     cty.StringVal("bin/api@1.4.2"),
			"command":      cty.ListVal([]cty.Value{cty.StringVal("bin/api"), cty.StringVal("--port=$PORT")}),
			"env":          cty.MapVal(map[string]cty.Value{"LOG": cty.StringVal("debug")}),
			"health_check": cty.ObjectVal(map[string]cty.Value{"path": cty.StringVal("/healthz")}),
		}),
		SpecHash:      "sha256:9f2c",
		Version:       "1.4.2",
		Capacity:      sdk.Capacity{Min: 2, Desired: 3, Max: 6},
		Traffic:       sdk.Traffic{Enabled: true, Weight: 10},
		LoadBalancers: []string{"lb-1", "lb-2"},
		// Nanoseconds the wire does not carry: it keeps milliseconds.
		CreatedAt: time.Date(2025, 3, 14, 15, 9, 26, 535_897_932, time.UTC),
	}
}

func TestGRPCServerGroupsRoundTrip(t *testing.T) {
	t.Parallel()
	c, m := serveGroups(t)
	ctx := t.Context()
	sent := serverGroup()
	// What crosses the wire: every field, the time to the millisecond.
	onWire := sent
	onWire.CreatedAt = time.Date(2025, 3, 14, 15, 9, 26, 535_000_000, time.UTC)

	created := c.CreateServerGroup(ctx, sdk.CreateServerGroupRequest{ServerGroup: sent})
	wantDiags := sdk.Diagnostics{{Severity: sdk.Warning, Summary: "Slow start", Detail: "Instances take a minute to boot."}}
	if diff := cmp.Diff(wantDiags, created.Diagnostics, sdk.CmpOptions); diff != "" {
		t.Errorf("CreateServerGroup diagnostics (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(sdk.CreateServerGroupRequest{ServerGroup: onWire}, m.lastRequest(), sdk.CmpOptions); diff != "" {
		t.Errorf("CreateServerGroup: the provider received (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(onWire, created.ServerGroup, sdk.CmpOptions); diff != "" {
		t.Errorf("CreateServerGroup: the client received (-want +got):\n%s", diff)
	}

	listed := c.ListServerGroups(ctx, sdk.ListServerGroupsRequest{Cluster: cluster})
	if diff := cmp.Diff(sdk.ListServerGroupsResponse{ServerGroups: []sdk.ServerGroup{onWire}}, listed, sdk.CmpOptions); diff != "" {
		t.Errorf("ListServerGroups (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(sdk.ListServerGroupsRequest{Cluster: cluster}, m.lastRequest(), sdk.CmpOptions); diff != "" {
		t.Errorf("ListServerGroups: the provider received (-want +got):\n%s", diff)
	}

	resize := sdk.ResizeServerGroupRequest{Cluster: cluster, Name: sent.Name, Capacity: sdk.Capacity{Min: 0, Desired: 5, Max: 9}}
	if diags := c.ResizeServerGroup(ctx, resize).Diagnostics; len(diags) > 0 {
		t.Errorf("ResizeServerGroup: %v", diags)
	}
	if diff := cmp.Diff(resize, m.lastRequest(), sdk.CmpOptions); diff != "" {
		t.Errorf("ResizeServerGroup: the provider received (-want +got):\n%s", diff)
	}

	for _, traffic := range []sdk.Traffic{{Enabled: true, Weight: 100}, {Enabled: true, Weight: 0}, {Enabled: false, Weight: 25}} {
		req := sdk.SetTrafficRequest{Cluster: cluster, Name: sent.Name, Traffic: traffic}
		if diags := c.SetTraffic(ctx, req).Diagnostics; len(diags) > 0 {
			t.Errorf("SetTraffic(%+v): %v", traffic, diags)
		}
		if diff := cmp.Diff(req, m.lastRequest(), sdk.CmpOptions); diff != "" {
			t.Errorf("SetTraffic(%+v): the provider received (-want +got):\n%s", traffic, diff)
		}
	}

	listed = c.ListServerGroups(ctx, sdk.ListServerGroupsRequest{Cluster: cluster})
	changed := onWire
	changed.Capacity = resize.Capacity
	changed.Traffic = sdk.Traffic{Enabled: false, Weight: 25}
	if diff := cmp.Diff([]sdk.ServerGroup{changed}, listed.ServerGroups, sdk.CmpOptions); diff != "" {
		t.Errorf("ListServerGroups after resize and traffic (-want +got):\n%s", diff)
	}

	m.health = []sdk.InstanceHealth{
		{ID: "i-1", State: sdk.HealthUp},
		{ID: "i-2", State: sdk.HealthDown, Reason: "HTTP 503"},
		{ID: "i-3", State: sdk.HealthStarting, Reason: "booting"},
		{ID: "i-4", State: sdk.HealthUnknown, Reason: "no report yet"},
	}
	health := c.GetHealth(ctx, sdk.GetHealthRequest{Cluster: cluster, Name: sent.Name})
	if diff := cmp.Diff(sdk.GetHealthResponse{Instances: m.health}, health, sdk.CmpOptions); diff != "" {
		t.Errorf("GetHealth (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(sdk.GetHealthRequest{Cluster: cluster, Name: sent.Name}, m.lastRequest(), sdk.CmpOptions); diff != "" {
		t.Errorf("GetHealth: the provider received (-want +got):\n%s", diff)
	}

	destroy := sdk.DestroyServerGroupRequest{Cluster: cluster, Name: sent.Name}
	if diags := c.DestroyServerGroup(ctx, destroy).Diagnostics; len(diags) > 0 {
		t.Errorf("DestroyServerGroup: %v", diags)
	}
	if diff := cmp.Diff(destroy, m.lastRequest(), sdk.CmpOptions); diff != "" {
		t.Errorf("DestroyServerGroup: the provider received (-want +got):\n%s", diff)
	}
	if got := c.ListServerGroups(ctx, sdk.ListServerGroupsRequest{Cluster: cluster}); len(got.ServerGroups) > 0 || len(got.Diagnostics) > 0 {
		t.Errorf("ListServerGroups after destroy = %+v; want none", got)
	}
	again := c.DestroyServerGroup(ctx, destroy).Diagnostics
	if diff := cmp.Diff(sdk.Diagnostics{sdk.Errorf("No such server group", "There is no server group %q.", sent.Name)}, again, sdk.CmpOptions); diff != "" {
		t.Errorf("DestroyServerGroup of a destroyed group (-want +got):\n%s", diff)
	}
}

// A group created at the zero time, and one with no spec, cross the wire
// as they are.
func TestGRPCServerGroupZeroValues(t *testing.T) {
	t.Parallel()
	c, m := serveGroups(t)
	spec := specSchema()
	g := sdk.ServerGroup{Name: "api-prod-v001", Cluster: sdk.ClusterRef{Name: "api-prod"}, Spec: spec.NullValue()}
	created := c.CreateServerGroup(t.Context(), sdk.CreateServerGroupRequest{ServerGroup: g})
	if created.Diagnostics.HasErrors() {
		t.Fatalf("CreateServerGroup: %v", created.Diagnostics)
	}
	if diff := cmp.Diff(sdk.CreateServerGroupRequest{ServerGroup: g}, m.lastRequest(), sdk.CmpOptions); diff != "" {
		t.Errorf("the provider received (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(g, created.ServerGroup, sdk.CmpOptions); diff != "" {
		t.Errorf("the client received (-want +got):\n%s", diff)
	}
}

func TestGRPCQueryMetricsRoundTrip(t *testing.T) {
	t.Parallel()
	c, m := serveGroups(t)
	m.metrics = []sdk.ServerGroupMetrics{
		{
			Name: "api-prod-v041", Requests: 10_000, Errors: 12,
			LatencySamples: []time.Duration{
				1500 * time.Microsecond, 3*time.Millisecond + 7, 250 * time.Millisecond, 1234567, 2*time.Second + 999_999_999, 0,
				// Durations whose milliseconds are not exact in a float64,
				// so that only rounding, not truncation, brings them back.
				249, 251, 498,
			},
		},
		{
			Name: "api-prod-canary-v042", Requests: 500, Errors: 0,
			LatencyBounds: []time.Duration{10 * time.Millisecond, 100 * time.Millisecond, time.Second},
			LatencyCounts: []int64{400, 90, 9, 1},
		},
	}
	req := sdk.QueryMetricsRequest{
		Cluster:      cluster,
		ServerGroups: []string{"api-prod-v041", "api-prod-canary-v042"},
		Start:        time.Date(2025, 3, 14, 15, 0, 0, 123_456_789, time.UTC),
		End:          time.Date(2025, 3, 14, 15, 10, 0, 0, time.UTC),
	}
	got := c.QueryMetrics(t.Context(), req)
	if diff := cmp.Diff(sdk.QueryMetricsResponse{ServerGroups: m.metrics}, got, sdk.CmpOptions); diff != "" {
		t.Errorf("QueryMetrics (-want +got):\n%s", diff)
	}
	onWire := req
	onWire.Start = time.Date(2025, 3, 14, 15, 0, 0, 123_000_000, time.UTC)
	if diff := cmp.Diff(onWire, m.lastRequest(), sdk.CmpOptions); diff != "" {
		t.Errorf("the provider received (-want +got):\n%s", diff)
	}
}

// A provider that does not host clusters answers every ServerGroups call
// with an error diagnostic, and one without metrics answers QueryMetrics
// the same way; neither is a transport error.
func TestGRPCCapabilityMissing(t *testing.T) {
	t.Parallel()
	c := sdktest.Serve(t, &sdk.Provider{Name: "test", Resources: map[string]*sdk.Resource{"test_thing": thingResource()}})
	ctx := t.Context()
	noGroups := sdk.Diagnostics{{Severity: sdk.Error, Summary: "Provider does not host clusters"}}
	noMetrics := sdk.Diagnostics{{Severity: sdk.Error, Summary: "Provider does not serve metrics"}}
	tests := []struct {
		name string
		call func() sdk.Diagnostics
		want sdk.Diagnostics
	}{
		{"ListServerGroups", func() sdk.Diagnostics {
			return c.ListServerGroups(ctx, sdk.ListServerGroupsRequest{Cluster: cluster}).Diagnostics
		}, noGroups},
		{"CreateServerGroup", func() sdk.Diagnostics {
			return c.CreateServerGroup(ctx, sdk.CreateServerGroupRequest{ServerGroup: sdk.ServerGroup{Name: "x", Spec: cty.EmptyObjectVal}}).Diagnostics
		}, noGroups},
		{"ResizeServerGroup", func() sdk.Diagnostics {
			return c.ResizeServerGroup(ctx, sdk.ResizeServerGroupRequest{Cluster: cluster, Name: "x"}).Diagnostics
		}, noGroups},
		{"SetTraffic", func() sdk.Diagnostics {
			return c.SetTraffic(ctx, sdk.SetTrafficRequest{Cluster: cluster, Name: "x", Traffic: sdk.Traffic{Enabled: true, Weight: 100}}).Diagnostics
		}, noGroups},
		{"GetHealth", func() sdk.Diagnostics {
			return c.GetHealth(ctx, sdk.GetHealthRequest{Cluster: cluster, Name: "x"}).Diagnostics
		}, noGroups},
		{"DestroyServerGroup", func() sdk.Diagnostics {
			return c.DestroyServerGroup(ctx, sdk.DestroyServerGroupRequest{Cluster: cluster, Name: "x"}).Diagnostics
		}, noGroups},
		{"QueryMetrics", func() sdk.Diagnostics {
			return c.QueryMetrics(ctx, sdk.QueryMetricsRequest{Cluster: cluster, ServerGroups: []string{"x"}}).Diagnostics
		}, noMetrics},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, tt.call(), cmpopts.IgnoreFields(sdk.Diagnostic{}, "Detail")); diff != "" {
				t.Errorf("diagnostics (-want +got):\n%s", diff)
			}
		})
	}
}

// The client refuses a weight outside 0..100 before it reaches the
// provider: a platform given 101% would misroute traffic.
func TestGRPCSetTrafficWeightRange(t *testing.T) {
	t.Parallel()
	tests := []struct {
		weight    int32
		wantError bool
	}{
		{weight: -1, wantError: true},
		{weight: 0},
		{weight: 100},
		{weight: 101, wantError: true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint("weight ", tt.weight), func(t *testing.T) {
			t.Parallel()
			c, m := serveGroups(t)
			diags := c.SetTraffic(t.Context(), sdk.SetTrafficRequest{Cluster: cluster, Name: "x", Traffic: sdk.Traffic{Enabled: true, Weight: tt.weight}}).Diagnostics
			if tt.wantError {
				want := sdk.Diagnostics{{Severity: sdk.Error, Summary: "Invalid traffic weight"}}
				if diff := cmp.Diff(want, diags, cmpopts.IgnoreFields(sdk.Diagnostic{}, "Detail")); diff != "" {
					t.Errorf("diagnostics (-want +got):\n%s", diff)
				}
				if n := m.requestCount(); n > 0 {
					t.Errorf("the provider received %d requests; an invalid weight must not reach it", n)
				}
				return
			}
			if len(diags) > 0 || m.requestCount() != 1 {
				t.Errorf("weight %d: diagnostics %v, provider requests %d; want none and 1", tt.weight, diags, m.requestCount())
			}
		})
	}
}
