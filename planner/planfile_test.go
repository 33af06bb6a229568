package planner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/config"
	"github.com/tackhq/tack/config/addrs"
	"github.com/tackhq/tack/planner/delivery"
	"github.com/tackhq/tack/plugins/sdk"
	"github.com/tackhq/tack/plugins/sdk/sdktest"
	"github.com/tackhq/tack/state"
)

// A plan with every kind of value survives saving and reading back.
func TestPlanFileRoundTrip(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.apply(twoFiles, PlanOpts{})
	if err := os.WriteFile(filepath.Join(f.dir, "a.txt"), []byte("drifted"), 0o644); err != nil {
		t.Fatal(err)
	}
	src := strings.Replace(twoFiles, `path    = "b.txt"`, `path    = "b2.txt"`, 1) + `
variable "secret" {
  type      = string
  sensitive = true
  default   = "hunter2"
}
resource "local_file" "stamp" {
  path    = "stamp.txt"
  content = "${uuid()}${var.secret}"
}
`
	plan := f.plan(src, PlanOpts{ConfigHash: "abc"})
	plan.Variables["secret"] = cty.StringVal("hunter2").Mark(config.Sensitive)
	if len(plan.Drift) == 0 || len(plan.Changes) != 3 {
		t.Fatalf("the fixture plan lacks drift or changes: %v %v", plan.Drift, actions(plan))
	}

	var buf bytes.Buffer
	if err := WritePlanFile(&buf, plan, "test"); err != nil {
		t.Fatal(err)
	}
	got, err := ReadPlanFile(&buf)
	if err != nil {
		t.Fatal(err)
	}
	// The state inside records the tack version that wrote it.
	if diff := cmp.Diff(plan, got, CmpOptions, cmpopts.IgnoreFields(state.State{}, "TackVersion")); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

func TestReadPlanFileErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"empty", "", "not a saved plan"},
		{"a state file", `{"format_version": 1, "lineage": "x", "serial": 1}`, "mode"},
		{"newer", `{"format_version": 9, "tack_version": "9.0.0"}`, "newer than this tack reads"},
		{"damaged value", `{"format_version": 1, "mode": "normal", "changes": [{"addr": "local_file.a", "action": "create", "before": {"msgpack": "AA=="}, "after": {"msgpack": "//8="}}]}`, "change of local_file.a"},
		{"cluster action", `{"format_version": 1, "mode": "normal", "clusters": [{"addr": "cluster.api-prod", "action": "explode"}]}`, `change of cluster.api-prod: unknown action "explode"`},
		{"cluster intended action", `{"format_version": 1, "mode": "normal", "clusters": [{"addr": "cluster.api-prod", "action": "blocked", "intended": "explode"}]}`, `unknown intended action "explode"`},
		{"step kind", `{"format_version": 1, "mode": "normal", "clusters": [{"addr": "cluster.api-prod", "action": "deploy", "steps": [{"kind": "teleport"}]}]}`, `unknown step kind "teleport"`},
		{"nested step kind", `{"format_version": 1, "mode": "normal", "clusters": [{"addr": "cluster.api-prod", "action": "deploy", "steps": [{"kind": "analyze", "on_fail": [{"kind": ""}]}]}]}`, `unknown step kind ""`},
		{"cluster address", `{"format_version": 1, "mode": "normal", "clusters": [{"addr": "local_file.a", "action": "deploy"}]}`, "not the address of a cluster"},
		{"cluster spec", `{"format_version": 1, "mode": "normal", "clusters": [{"addr": "cluster.api-prod", "action": "deploy", "spec": {"msgpack": "//8="}}]}`, "change of cluster.api-prod: spec"},
		// An array header claiming two billion elements, in five bytes:
		// go-cty would allocate for all of them before reading one.
		{"huge array", `{"format_version": 2, "mode": "normal", "types": [["list","string"]], "changes": [{"addr": "local_file.a", "action": "create", "before": {"msgpack": "wA==", "type": 0}, "after": {"msgpack": "3X////8=", "type": 0}}]}`, "claims 2147483647 elements"},
		{"huge map in a dynamic value", `{"format_version": 1, "mode": "normal", "changes": [{"addr": "local_file.a", "action": "create", "before": {"msgpack": "wA=="}, "after": {"msgpack": "kqNzdHLff////w=="}}]}`, "claims 4294967294 elements"},
		{"type index", `{"format_version": 2, "mode": "normal", "types": [["list","string"]], "changes": [{"addr": "local_file.a", "action": "create", "before": {"msgpack": "wA==", "type": 1}, "after": {"msgpack": "wA==", "type": 0}}]}`, "names type 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ReadPlanFile(strings.NewReader(tt.in))
			var pe *PlanFileError
			if !errors.As(err, &pe) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ReadPlanFile(%q) = %v, want a *PlanFileError mentioning %q", tt.in, err, tt.want)
			}
		})
	}
}

func FuzzReadPlanFile(f *testing.F) {
	f.Add([]byte(`{"format_version": 1, "mode": "normal", "prior_state": {"format_version": 1, "lineage": "l", "serial": 0}}`))
	f.Add([]byte(`{"format_version": 1, "mode": "destroy", "changes": [{"addr": "local_file.a", "action": "delete", "before": {"msgpack": "wA=="}, "after": {"msgpack": "wA=="}}]}`))
	f.Add([]byte(`{"format_version": 1, "mode": "normal", "schemas": {"tack/local": {"local_file": {"attributes": {"path": {"type": "string"}}}}}}`))
	var seed bytes.Buffer
	if err := WritePlanFile(&seed, clusterPlan(), "seed"); err != nil {
		f.Fatal(err)
	}
	f.Add(seed.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ReadPlanFile(bytes.NewReader(data))
		if err != nil {
			return
		}
		// What reads must write and read back the same.
		var buf bytes.Buffer
		if err := WritePlanFile(&buf, p, "fuzz"); err != nil {
			t.Fatalf("a plan that was read cannot be written: %v", err)
		}
		if _, err := ReadPlanFile(&buf); err != nil {
			t.Fatalf("a plan that was written cannot be read: %v", err)
		}
	})
}

// serverGroupSchema is a server_group block with what a schema can hold:
// a sensitive attribute and a nested block.
var serverGroupSchema = &sdk.Block{
	Attributes: map[string]*sdk.Attribute{
		"artifact": {Type: cty.String, Optional: true},
		"command":  {Type: cty.List(cty.String), Required: true},
		"env":      {Type: cty.Map(cty.String), Optional: true, Sensitive: true},
	},
	BlockTypes: map[string]*sdk.NestedBlock{
		"health_check": {Nesting: sdk.NestingSingle, Block: sdk.Block{Attributes: map[string]*sdk.Attribute{
			"path": {Type: cty.String, Optional: true},
		}}},
	},
}

// clusterPlan is a plan with a cluster change that sets every field
// (TestClusterFixtureIsComplete checks it does) and cluster drift.
func clusterPlan() *Plan {
	spec := func(version string, env cty.Value) cty.Value {
		return serverGroupSchema.Object(map[string]cty.Value{
			"artifact":     cty.StringVal("bin/api@" + version),
			"command":      cty.ListVal([]cty.Value{cty.StringVal("bin/api"), cty.StringVal(version)}),
			"env":          env,
			"health_check": serverGroupSchema.BlockTypes["health_check"].Block.Object(map[string]cty.Value{"path": cty.StringVal("/healthz")}),
		})
	}
	current := spec("1.4.1", cty.MapVal(map[string]cty.Value{"TOKEN": cty.StringVal("old").Mark(config.Sensitive)}))
	next := spec("1.4.2", cty.UnknownVal(cty.Map(cty.String)))
	policy := delivery.Policy{
		Strategy: "canary", DelayBeforeDisable: 5 * time.Second, MaxRemaining: 2, ScaleDown: true, ScaleDownDelay: time.Minute,
		RollingSteps: []int{25, 50, 100}, DelayBetweenSteps: 10 * time.Second, CanaryWeight: 10, CanaryCapacity: 1,
		CanaryDuration: 5 * time.Minute, MinHealthyPercent: 100, HealthyDeadline: 2 * time.Minute,
	}
	live := []delivery.Group{
		{Name: "api-prod-canary-v041", Seq: 41, Capacity: delivery.Capacity{Min: 0, Desired: 0, Max: 6}, Failed: true,
			Created: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)},
		{Name: "api-prod-canary-v042", Seq: 42, Capacity: delivery.Capacity{Min: 2, Desired: 3, Max: 6}, Enabled: true, Weight: 100, Healthy: 3,
			Created: time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)},
	}
	capacity := delivery.Capacity{Min: 2, Desired: 3, Max: 6}
	steps, err := delivery.Deploy(policy, live, "api-prod-canary-v043", capacity)
	if err != nil {
		panic(err)
	}
	// A step of every kind, and every field of a step, somewhere.
	steps = append(steps, delivery.Step{Kind: delivery.StepCreate, Group: "api-prod-canary-v044", Capacity: capacity, Enabled: true})
	return &Plan{
		Lineage: "8d2f0c52-6c1e-4b8e-9f3a-2f6f3c1d9e70", Serial: 3, Variables: map[string]cty.Value{},
		Clusters: []*ClusterChange{{
			Addr:     addrs.Cluster{Name: "api-prod-canary"},
			Ref:      sdk.ClusterRef{Name: "api-prod-canary", Application: "api", Stack: "prod", Detail: "canary"},
			Provider: state.ProviderRef{Source: "tack/local", Alias: "west"},
			Action:   ClusterBlocked, Intended: ClusterDeploy,
			Reason: "server_group changed: artifact, command", Blocked: "outside the delivery window",
			Strategy: "canary", Version: "1.4.2", Group: "api-prod-canary-v043", Capacity: capacity,
			Spec: next, SpecHash: "sha256:0f1e", Current: current,
			LoadBalancers: cty.ListVal([]cty.Value{cty.StringVal("lb-1"), cty.UnknownVal(cty.String)}),
			Live:          live,
			Steps:         steps,
			Policy:        policy,
			Judgement:     judgementWithInterval(),
			Rollback:      delivery.Rollback{OnFailure: true, KeepFailed: true},
			Environment:   "prod",
			Constraints: []Constraint{
				{Kind: ConstraintWindow, Status: ConstraintBlocked, Detail: "outside the delivery window", Hint: "apply again while it is open"},
				{Kind: ConstraintDependsOn, Status: ConstraintWaits, Detail: "api-staging deploys 1.4.2 in this apply", Environment: "staging",
					Upstream: []string{"cluster.api-staging"}, Soak: 10 * time.Minute},
			},
		}},
		ClusterDrift: []*ClusterDrift{{Cluster: "api-prod-canary", Group: "api-prod-canary-v042", Change: "resized outside tack from 3 to 1 instances"}},
		Guardrails: []*GuardrailCheck{
			{Name: "guardrail.capacity-drop", Enforcement: Overridable, Source: GuardrailBuiltin, Checked: 1, Failed: 1},
			{Name: "policy.main", Enforcement: Advisory, Source: GuardrailPolicy, Checked: 1, Unknown: 1},
		},
		Verdicts: []*Verdict{
			{Guardrail: "guardrail.capacity-drop", Enforcement: Overridable, Address: "cluster.api-prod-canary", Result: VerdictFail, Message: "drops",
				Override: &Override{Guardrail: "guardrail.capacity-drop", Reason: "load test", Actor: "ana", Time: time.Date(2025, 3, 4, 5, 6, 8, 0, time.UTC)}},
			{Guardrail: "policy.main", Enforcement: Advisory, Result: VerdictUnknown, Message: "maybe"},
		},
		PriorState: state.New(),
		Schemas:    map[string]map[string]*sdk.Block{"tack/local": {ServerGroupSchemaKey: serverGroupSchema}},
		Created:    time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC),
	}
}

// A cluster change, with its unknown and sensitive values, its nested
// steps and its server_group schema, survives saving and reading back.
func TestPlanFileClusterRoundTrip(t *testing.T) {
	t.Parallel()
	plan := clusterPlan()
	var buf bytes.Buffer
	if err := WritePlanFile(&buf, plan, "test"); err != nil {
		t.Fatal(err)
	}
	got, err := ReadPlanFile(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(plan, got, CmpOptions, cmpopts.IgnoreFields(state.State{}, "TackVersion")); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	// CmpOptions compares schemas by the type they imply; a reader needs
	// more than that: which attribute is sensitive, which is a block.
	sg := got.Schemas["tack/local"][ServerGroupSchemaKey]
	if sg == nil || !sg.Attributes["env"].Sensitive || sg.BlockTypes["health_check"] == nil {
		t.Errorf("server_group schema read back as %+v", sg)
	}
	if lines := delivery.Lines(got.Clusters[0].Steps); !slices.Contains(lines, "    destroy api-prod-canary-v043") {
		t.Errorf("the canary's failure branch is lost:\n%s", strings.Join(lines, "\n"))
	}
}

// TestClusterFixtureIsComplete keeps clusterPlan setting every field of
// a cluster change, so that a field added to ClusterChange (or to a step,
// a policy…) and forgotten by the plan file fails the round trip.
func TestClusterFixtureIsComplete(t *testing.T) {
	t.Parallel()
	for _, path := range unsetFields(reflect.ValueOf(*clusterPlan().Clusters[0]), "ClusterChange") {
		t.Errorf("clusterPlan leaves %s unset", path)
	}
}

// unsetFields lists the fields of a struct that are zero; for a slice of
// structs, the fields that are zero (or empty) in every element.
func unsetFields(v reflect.Value, path string) []string {
	if v.Type() == reflect.TypeFor[cty.Value]() {
		if v.Interface().(cty.Value) == cty.NilVal {
			return []string{path}
		}
		return nil
	}
	switch v.Kind() {
	case reflect.Struct:
		var out []string
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if f.IsExported() {
				out = append(out, unsetFields(v.Field(i), path+"."+f.Name)...)
			}
		}
		return out
	case reflect.Slice:
		if v.Len() == 0 {
			return []string{path}
		}
		if v.Type().Elem().Kind() != reflect.Struct {
			return nil
		}
		// A field counts as set when one element sets it.
		var out []string
		for i := range v.Type().Elem().NumField() {
			f := v.Type().Elem().Field(i)
			if !f.IsExported() {
				continue
			}
			set := false
			for j := range v.Len() {
				if fv := v.Index(j).Field(i); !fv.IsZero() && !(fv.Kind() == reflect.Slice && fv.Len() == 0) {
					set = true
					break
				}
			}
			if !set {
				out = append(out, path+"[]."+f.Name)
			}
		}
		return out
	}
	if v.IsZero() {
		return []string{path}
	}
	return nil
}

// judgementWithInterval is the default judgement, judged every 30s.
func judgementWithInterval() delivery.Judgement {
	j := delivery.DefaultJudgement
	j.Interval = 30 * time.Second
	return j
}

// planCounter is the local provider, counting the PlanResourceChange
// calls it gets for each file path.
type planCounter struct {
	served
	mu    sync.Mutex
	plans map[string]int
}

func (c *planCounter) PlanResourceChange(ctx context.Context, req sdk.PlanResourceChangeRequest) sdk.PlanResourceChangeResponse {
	c.mu.Lock()
	c.plans[req.Config.GetAttr("path").AsString()]++
	c.mu.Unlock()
	return c.served.PlanResourceChange(ctx, req)
}

// Applying a saved plan asks the provider to plan again only the changes
// whose configuration was not wholly known when they were planned; the
// others are applied as the plan file holds them.
func TestApplySavedPlanPlansAgainOnlyTheUnknown(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	src := `
resource "local_file" "a" {
  path    = "a.txt"
  content = uuid()
}
resource "local_file" "b" {
  path    = "b.txt"
  content = "after ${local_file.a.sha256}"
}
resource "local_file" "c" {
  path    = "c.txt"
  content = "c"
}
`
	cfg := f.config(src)
	plan, diags := f.planner(cfg).Plan(t.Context(), PlanOpts{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	var buf bytes.Buffer
	if err := WritePlanFile(&buf, plan, "test"); err != nil {
		t.Fatal(err)
	}
	saved, err := ReadPlanFile(&buf)
	if err != nil {
		t.Fatal(err)
	}

	counter := &planCounter{served: served{sdktest.Serve(t, localProvider())}, plans: map[string]int{}}
	p := New(Opts{Config: cfg, State: f.state, TackVersion: "test", Providers: map[string]ProviderFactory{
		"tack/local": func(context.Context) (Provider, error) { return counter, nil },
	}})
	if _, diags := p.Apply(t.Context(), saved, func(*state.State) error { return nil }); diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	want := map[string]int{"a.txt": 1, "b.txt": 1}
	if diff := cmp.Diff(want, counter.plans); diff != "" {
		t.Errorf("PlanResourceChange calls during apply, by path (-want +got):\n%s", diff)
	}
	if got, want := f.read("b.txt"), "after "+sha256Hex(f.read("a.txt")); got != want {
		t.Errorf("b.txt = %q, want %q", got, want)
	}
}

// A plan saved by a tack before the type table (format version 1, every
// value carrying its own type) still reads, as the same plan.
func TestReadPlanFileVersion1(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	plan := f.plan(twoFiles, PlanOpts{ConfigHash: "abc"})
	var buf bytes.Buffer
	if err := WritePlanFile(&buf, plan, "test"); err != nil {
		t.Fatal(err)
	}
	var pf planFile
	if err := json.Unmarshal(buf.Bytes(), &pf); err != nil {
		t.Fatal(err)
	}
	if len(pf.Types) == 0 {
		t.Fatal("the plan file lists no types; this test needs one that does")
	}
	pf.FormatVersion, pf.Types = 1, nil
	for i, c := range plan.Changes {
		var err error
		if pf.Changes[i].Before, err = encodeValue(c.Before); err != nil {
			t.Fatal(err)
		}
		if pf.Changes[i].After, err = encodeValue(c.After); err != nil {
			t.Fatal(err)
		}
	}
	old, err := json.Marshal(pf)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ReadPlanFile(bytes.NewReader(old))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(plan, got, CmpOptions, cmpopts.IgnoreFields(state.State{}, "TackVersion")); diff != "" {
		t.Errorf("version 1 plan (-want +got):\n%s", diff)
	}
}
