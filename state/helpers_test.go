package state_test

import (
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/config/addrs"
	"github.com/tackhq/tack/state"
)

var (
	localProvider = state.ProviderRef{Source: "tack/local"}
	awsWest       = state.ProviderRef{Source: "tack/aws", Alias: "west"}
)

// mustInstance parses a resource instance address or fails the test.
func mustInstance(t testing.TB, s string) addrs.AbsResourceInstance {
	t.Helper()
	addr, diags := addrs.ParseAbsResourceInstanceStr(s)
	if diags.HasErrors() {
		t.Fatalf("parsing %s: %s", s, diags.Error())
	}
	return addr
}

func mustResource(t testing.TB, s string) addrs.AbsResource {
	t.Helper()
	addr, diags := addrs.ParseAbsResourceStr(s)
	if diags.HasErrors() {
		t.Fatalf("parsing %s: %s", s, diags.Error())
	}
	return addr
}

func mustConfigResource(t testing.TB, s string) addrs.ConfigResource {
	t.Helper()
	return mustInstance(t, s).ConfigResource()
}

func object(attrs string) *state.ObjectSrc {
	return &state.ObjectSrc{AttrsJSON: []byte(attrs), Status: state.ObjectReady}
}

// fullState records one of everything the format has: every kind of
// instance key, modules with keys, data resources, deposed and tainted
// objects, sensitive paths, dependencies, an aliased provider, outputs of
// several types, and a cluster with server groups and a history whose
// deployments and steps between them set every field.
func fullState(t testing.TB) *state.State {
	t.Helper()
	s := state.New()
	s.Lineage = "4c1e2a9e-5b0f-4f7e-9d7a-0d3c2b1a0f99"
	s.Serial = 7

	a := object(`{"id":"a","filename":"a.txt","content":"secret <&>","file_permission":"0644"}`)
	a.SensitivePaths = []cty.Path{cty.GetAttrPath("content")}
	s.SetResourceInstanceCurrent(mustInstance(t, "local_file.a"), a, localProvider)

	for i := range 2 {
		b := object(`{"id":"b","filename":"b.txt","content":"b","file_permission":"0644"}`)
		b.Dependencies = []addrs.ConfigResource{mustConfigResource(t, "local_file.a")}
		s.SetResourceInstanceCurrent(mustResource(t, "local_file.b").Instance(addrs.IntKey(i)), b, localProvider)
	}

	c := object(`{"id":"c","tags":{"env":"prod"},"rules":[{"port":80},{"port":443}]}`)
	c.SchemaVersion = 2
	c.CreateBeforeDestroy = true
	c.SensitivePaths = []cty.Path{
		cty.GetAttrPath("tags").IndexString("env"),
		cty.GetAttrPath("rules").IndexInt(1).GetAttr("port"),
	}
	c.Dependencies = []addrs.ConfigResource{
		mustConfigResource(t, "local_file.a"),
		mustConfigResource(t, "local_file.b"),
		mustConfigResource(t, "module.net.local_file.z"),
	}
	addrC := mustInstance(t, `module.net["a"].local_file.c["x y"]`)
	s.SetResourceInstanceCurrent(addrC, c, localProvider)
	old := object(`{"id":"c-old","tags":{},"rules":[]}`)
	old.Status = state.ObjectTainted
	s.SetResourceInstanceDeposed(addrC, "0a1b2c3d", old, localProvider)
	s.SetResourceInstanceDeposed(addrC, "00ff00ff", object(`{"id":"c-older","tags":{},"rules":[]}`), localProvider)

	s.SetResourceInstanceCurrent(mustInstance(t, "data.local_file.d"), object(`{"filename":"d.txt","content":"d"}`), localProvider)
	s.SetResourceInstanceCurrent(mustInstance(t, "module.net[0].module.db.aws_instance.web"), object(`{"id":"i-123"}`), awsWest)

	s.Outputs["endpoint"] = &state.Output{Value: cty.StringVal("127.0.0.1:8080")}
	s.Outputs["password"] = &state.Output{Value: cty.StringVal("hunter2"), Sensitive: true}
	s.Outputs["ports"] = &state.Output{Value: cty.ListVal([]cty.Value{cty.NumberIntVal(80), cty.NumberIntVal(443)})}
	s.Outputs["nothing"] = &state.Output{Value: cty.NullVal(cty.Map(cty.Bool))}

	created := time.Date(2025, 3, 1, 14, 5, 0, 0, time.UTC)
	at := func(minutes int) time.Time { return created.Add(time.Duration(minutes) * time.Minute) }
	s.Clusters["api-prod"] = &state.Cluster{
		Name:     "api-prod",
		Provider: localProvider,
		Config:   "cluster.api-prod",
		// Environment came with format version 2.
		Environment: "prod",
		Protected:   true,
		ServerGroups: []*state.ServerGroup{
			{Name: "api-prod-v041", Sequence: 41, Version: "1.4.0", SpecHash: "sha256:aa", Capacity: state.Capacity{Min: 2, Desired: 3, Max: 6}, CreatedAt: created},
			{Name: "api-prod-v042", Sequence: 42, Version: "1.5.0", SpecHash: "sha256:bb", Capacity: state.Capacity{Min: 2, Desired: 3, Max: 6}, Enabled: true, Weight: 100, CreatedAt: created.Add(time.Hour)},
		},
		History: []*state.Deployment{
			{
				ID: "d-0", ServerGroup: "api-prod-v040", From: []string{"api-prod-v039"}, Version: "1.4.0-rc.1", Strategy: "canary", Kind: state.DeploymentDeploy,
				Outcome: state.DeploymentCanaryFailed, Reason: "canary error ratio 0.12 is above 0.05", Started: at(-60), Finished: at(-44),
				Steps: []state.DeploymentStep{
					{Description: "create api-prod-v040 with 1 instance", Started: at(-60), Ended: at(-59)},
					{Description: "send 10% of traffic to api-prod-v040", Started: at(-59), Ended: at(-59)},
					{Description: "judge canary api-prod-v040", Started: at(-59), Ended: at(-45), Error: "error ratio 0.12 is above 0.05"},
					{Description: "disable api-prod-v040", Started: at(-45), Ended: at(-45), Rollback: true},
					{Description: "destroy api-prod-v040", Started: at(-45), Ended: at(-44), Rollback: true},
				},
			},
			{
				ID: "d-1", ServerGroup: "api-prod-v041", From: []string{"api-prod-v039"}, Version: "1.4.0", Strategy: "red_black", Kind: state.DeploymentDeploy,
				Outcome: state.DeploymentSucceeded, Started: created, Finished: created.Add(2 * time.Minute),
				Steps: []state.DeploymentStep{
					{Description: "create api-prod-v041, disabled", Started: at(0), Ended: at(1)},
					{Description: "enable api-prod-v041", Started: at(1), Ended: at(1)},
					{Description: "disable api-prod-v039", Started: at(1), Ended: at(2)},
				},
			},
			{
				ID: "d-2", ServerGroup: "api-prod-v042", From: []string{"api-prod-v041"}, Version: "1.5.0", Strategy: "canary", Kind: state.DeploymentDeploy,
				Outcome: state.DeploymentInProgress, Started: created.Add(time.Hour),
				Steps: []state.DeploymentStep{
					// A fraction of a second, written with as many digits as it needs.
					{Description: "create api-prod-v042 with 1 instance", Started: at(60), Ended: at(61).Add(250 * time.Millisecond)},
				},
			},
		},
	}
	s.Environments["prod"] = &state.Environment{
		Name:      "prod",
		Approvals: []*state.Decision{{Cluster: "api-prod", Version: "1.5.0", Actor: "ana", Time: at(50)}},
		Vetoes:    []*state.Decision{{Version: "1.4.0-rc.1", Actor: "bo", Reason: "leaks memory", Time: at(-40)}},
		Pin:       &state.Decision{Version: "1.4.0", Actor: "ana", Reason: "holiday freeze", Time: at(3)},
	}
	s.Overrides = []*state.Override{{
		Guardrail: "guardrail.prod-keeps-two", Changes: []string{"cluster.api-prod"}, Message: "production clusters keep at least two instances",
		Actor: "bo", Reason: "load test at night", Time: at(55),
	}}
	return s
}
