package state_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/tackhq/tack/config/addrs"
	"github.com/tackhq/tack/state"
)

func TestNew(t *testing.T) {
	t.Parallel()
	a, b := state.New(), state.New()
	if _, err := uuid.Parse(a.Lineage); err != nil {
		t.Errorf("lineage %q is not a UUID: %v", a.Lineage, err)
	}
	if id, _ := uuid.Parse(a.Lineage); id.Version() != 4 {
		t.Errorf("lineage %q is UUID version %d, want 4", a.Lineage, id.Version())
	}
	if a.Lineage == b.Lineage {
		t.Errorf("two new states share lineage %s", a.Lineage)
	}
	if a.Serial != 0 || !a.Empty() {
		t.Errorf("new state: serial %d, empty %v; want 0 and empty", a.Serial, a.Empty())
	}
}

func TestEmpty(t *testing.T) {
	t.Parallel()
	s := state.New()
	s.SetResourceInstanceCurrent(mustInstance(t, "local_file.a"), object(`{}`), localProvider)
	if s.Empty() {
		t.Error("a state with a resource is empty")
	}
	s.SetResourceInstanceCurrent(mustInstance(t, "local_file.a"), nil, localProvider)
	if !s.Empty() {
		t.Errorf("after removing its only object the state is not empty: %v", s.Resources)
	}
	s.Clusters["api"] = &state.Cluster{Name: "api"}
	if s.Empty() {
		t.Error("a state with a cluster is empty")
	}
}

func TestSetAndPrune(t *testing.T) {
	t.Parallel()
	s := state.New()
	addr := mustInstance(t, `module.net["a"].local_file.c[1]`)
	s.SetResourceInstanceCurrent(addr, object(`{"id":"new"}`), localProvider)
	s.SetResourceInstanceDeposed(addr, "0a1b2c3d", object(`{"id":"old"}`), localProvider)

	rs := s.Resource(addr.ContainingResource())
	if rs == nil || !rs.Addr.Equal(addr.ContainingResource()) || rs.Provider != localProvider {
		t.Fatalf("Resource(%s) = %+v", addr.ContainingResource(), rs)
	}
	if s.Resources[`module.net["a"].local_file.c`] != rs {
		t.Errorf("the resource is not keyed by its address: %v", s.Resources)
	}

	// Removing the current object keeps the instance while a deposed
	// object remains; removing that removes instance and resource.
	s.SetResourceInstanceCurrent(addr, nil, localProvider)
	is := s.ResourceInstance(addr)
	if is == nil || is.Current != nil || len(is.Deposed) != 1 {
		t.Fatalf("after removing the current object: %+v", is)
	}
	s.SetResourceInstanceDeposed(addr, "0a1b2c3d", nil, localProvider)
	if s.ResourceInstance(addr) != nil || s.Resource(addr.ContainingResource()) != nil {
		t.Errorf("an instance without objects is still in the state: %v", s.Resources)
	}

	// Removing what is not there changes nothing.
	s.SetResourceInstanceCurrent(addr, nil, localProvider)
	s.SetResourceInstanceDeposed(addr, "0a1b2c3d", nil, localProvider)
	if !s.Empty() {
		t.Errorf("state not empty: %v", s.Resources)
	}
}

func TestSetKeepsOtherInstances(t *testing.T) {
	t.Parallel()
	s := state.New()
	s.SetResourceInstanceCurrent(mustInstance(t, "local_file.b[0]"), object(`{}`), localProvider)
	s.SetResourceInstanceCurrent(mustInstance(t, "local_file.b[1]"), object(`{}`), localProvider)
	s.SetResourceInstanceCurrent(mustInstance(t, "local_file.b[0]"), nil, localProvider)
	got := s.AllResourceInstances()
	want := []addrs.AbsResourceInstance{mustInstance(t, "local_file.b[1]")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("instances (-want +got):\n%s", diff)
	}
}

func TestDepose(t *testing.T) {
	t.Parallel()
	s := state.New()
	addr := mustInstance(t, "local_file.a")
	if k := s.DeposeResourceInstanceObject(addr); k != state.NotDeposed {
		t.Errorf("deposing a missing instance gave key %q", k)
	}
	obj := object(`{"id":"1"}`)
	s.SetResourceInstanceCurrent(addr, obj, localProvider)
	first := s.DeposeResourceInstanceObject(addr)
	if len(first) != 8 || strings.Trim(string(first), "0123456789abcdef") != "" {
		t.Errorf("deposed key %q is not 8 lowercase hex digits", first)
	}
	if k := s.DeposeResourceInstanceObject(addr); k != state.NotDeposed {
		t.Errorf("deposing an instance without a current object gave key %q", k)
	}
	s.SetResourceInstanceCurrent(addr, object(`{"id":"2"}`), localProvider)
	second := s.DeposeResourceInstanceObject(addr)
	is := s.ResourceInstance(addr)
	if is.Current != nil || is.Deposed[first] != obj || is.Deposed[second] == nil || first == second {
		t.Errorf("after deposing twice: current %v, deposed %v (keys %s, %s)", is.Current, is.Deposed, first, second)
	}
}

func TestAllResourceInstancesSorted(t *testing.T) {
	t.Parallel()
	s := state.New()
	in := []string{
		`module.b.local_file.a`,
		`data.local_file.a`,
		`local_file.b["y"]`,
		`local_file.b[10]`,
		`local_file.b[2]`,
		`local_file.a`,
		`module.a["x"].local_file.a`,
		`module.a[0].local_file.a`,
	}
	for _, a := range in {
		s.SetResourceInstanceCurrent(mustInstance(t, a), object(`{}`), localProvider)
	}
	var got []string
	for _, a := range s.AllResourceInstances() {
		got = append(got, a.String())
	}
	sorted := []string{
		`local_file.a`,
		`local_file.b[2]`,
		`local_file.b[10]`,
		`local_file.b["y"]`,
		`data.local_file.a`,
		`module.a[0].local_file.a`,
		`module.a["x"].local_file.a`,
		`module.b.local_file.a`,
	}
	if diff := cmp.Diff(sorted, got); diff != "" {
		t.Errorf("AllResourceInstances (-want +got):\n%s", diff)
	}
}

func TestMoveResourceInstance(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, from, to string
		wantErr        string
		want           []string // instances after the move
	}{
		{name: "rename", from: "local_file.a", to: "local_file.z", want: []string{"local_file.b[0]", "local_file.b[1]", "local_file.z"}},
		{name: "into a module", from: "local_file.b[1]", to: `module.m["k"].local_file.b[1]`, want: []string{"local_file.a", "local_file.b[0]", `module.m["k"].local_file.b[1]`}},
		{name: "rekey", from: "local_file.b[1]", to: `local_file.b["one"]`, want: []string{"local_file.a", "local_file.b[0]", `local_file.b["one"]`}},
		{name: "into an existing resource", from: "local_file.a", to: "local_file.b[2]", want: []string{"local_file.b[0]", "local_file.b[1]", "local_file.b[2]"}},
		{name: "missing", from: "local_file.nope", to: "local_file.x", wantErr: "cannot move local_file.nope: the state has no such resource instance"},
		{name: "exists", from: "local_file.b[0]", to: "local_file.b[1]", wantErr: "cannot move local_file.b[0] to local_file.b[1]: local_file.b[1] already exists in the state"},
		{name: "other type", from: "local_file.a", to: "local_sensitive_file.a", wantErr: "the resource types differ"},
		{name: "other mode", from: "local_file.a", to: "data.local_file.a", wantErr: "the resource types differ"},
		{name: "other provider", from: "local_file.a", to: "local_file.w[5]", wantErr: `local_file.w uses provider["tack/aws"].west, not provider["tack/local"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := state.New()
			s.SetResourceInstanceCurrent(mustInstance(t, "local_file.a"), object(`{"id":"a"}`), localProvider)
			s.SetResourceInstanceCurrent(mustInstance(t, "local_file.b[0]"), object(`{"id":"b0"}`), localProvider)
			s.SetResourceInstanceCurrent(mustInstance(t, "local_file.b[1]"), object(`{"id":"b1"}`), localProvider)
			s.SetResourceInstanceDeposed(mustInstance(t, "local_file.b[1]"), "0000000a", object(`{"id":"b1-old"}`), localProvider)
			if tt.to == "local_file.w[5]" {
				s.SetResourceInstanceCurrent(mustInstance(t, "local_file.w[0]"), object(`{}`), awsWest)
			}
			before := s.DeepCopy()
			moved := s.ResourceInstance(mustInstance(t, tt.from))

			err := s.MoveResourceInstance(mustInstance(t, tt.from), mustInstance(t, tt.to))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				if diff := cmp.Diff(before, s, state.CmpOptions); diff != "" {
					t.Errorf("a failed move changed the state (-before +after):\n%s", diff)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, a := range s.AllResourceInstances() {
				got = append(got, a.String())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("instances after the move (-want +got):\n%s", diff)
			}
			if s.ResourceInstance(mustInstance(t, tt.to)) != moved {
				t.Errorf("the instance at %s is not the one moved, with its deposed objects", tt.to)
			}
		})
	}
}

func TestMoveResource(t *testing.T) {
	t.Parallel()
	s := state.New()
	s.SetResourceInstanceCurrent(mustInstance(t, "local_file.b[0]"), object(`{}`), localProvider)
	s.SetResourceInstanceCurrent(mustInstance(t, "local_file.b[1]"), object(`{}`), localProvider)
	s.SetResourceInstanceCurrent(mustInstance(t, "local_file.c"), object(`{}`), localProvider)

	if err := s.MoveResource(mustResource(t, "local_file.b"), mustResource(t, "module.x.local_file.b")); err != nil {
		t.Fatal(err)
	}
	rs := s.Resource(mustResource(t, "module.x.local_file.b"))
	if rs == nil || rs.Addr.String() != "module.x.local_file.b" || len(rs.Instances) != 2 || s.Resource(mustResource(t, "local_file.b")) != nil {
		t.Errorf("after the move: %v", s.Resources)
	}
	if err := s.MoveResource(mustResource(t, "local_file.c"), mustResource(t, "module.x.local_file.b")); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("moving onto an existing resource: %v", err)
	}
	if err := s.MoveResource(mustResource(t, "local_file.nope"), mustResource(t, "local_file.x")); err == nil || !strings.Contains(err.Error(), "no such resource") {
		t.Errorf("moving a missing resource: %v", err)
	}
	if err := s.MoveResource(mustResource(t, "local_file.c"), mustResource(t, "local_other.c")); err == nil || !strings.Contains(err.Error(), "types differ") {
		t.Errorf("moving to another type: %v", err)
	}
}

func TestDeepCopy(t *testing.T) {
	t.Parallel()
	s := fullState(t)
	c := s.DeepCopy()
	if diff := cmp.Diff(s, c, state.CmpOptions); diff != "" {
		t.Fatalf("copy differs (-orig +copy):\n%s", diff)
	}
	// Change every level of the copy; the original must not move.
	want := fullState(t)
	obj := c.ResourceInstance(mustInstance(t, "local_file.a")).Current
	obj.AttrsJSON[2] = 'X'
	obj.SensitivePaths[0][0] = nil
	c.ResourceInstance(mustInstance(t, "local_file.b[0]")).Current.Dependencies[0] = addrs.ConfigResource{}
	c.ResourceInstance(mustInstance(t, `module.net["a"].local_file.c["x y"]`)).Deposed["0a1b2c3d"].Status = state.ObjectReady
	c.SetResourceInstanceCurrent(mustInstance(t, "local_file.new"), object(`{}`), localProvider)
	c.Outputs["endpoint"].Sensitive = true
	c.Clusters["api-prod"].ServerGroups[0].Enabled = true
	c.Clusters["api-prod"].History[1].Outcome = state.DeploymentFailed
	c.Clusters["api-prod"].History[1].From[0] = "api-prod-v000"
	c.Clusters["api-prod"].History[1].Steps[0].Error = "changed"
	c.Clusters["api-prod"].History = append(c.Clusters["api-prod"].History, &state.Deployment{})
	if diff := cmp.Diff(want, s, state.CmpOptions); diff != "" {
		t.Errorf("changing the copy changed the original (-want +got):\n%s", diff)
	}
}

func TestProviderRefString(t *testing.T) {
	t.Parallel()
	if got := localProvider.String(); got != `provider["tack/local"]` {
		t.Errorf("got %s", got)
	}
	if got := awsWest.String(); got != `provider["tack/aws"].west` {
		t.Errorf("got %s", got)
	}
}
