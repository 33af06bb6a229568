package delivery

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// A rollback puts back each group that served, at the capacity it had,
// past a health gate, before the failed group leaves: a rolling
// deployment that failed half way had shrunk the old group.
func TestRollbackStepsRestoreCapacity(t *testing.T) {
	t.Parallel()
	e := &Engine{Live: []Group{
		{Name: "api-v001", Seq: 1, Capacity: Capacity{Min: 0, Desired: 0, Max: 4}},
		{Name: "api-v002", Seq: 2, Capacity: Capacity{Min: 4, Desired: 4, Max: 4}, Enabled: true},
	}}
	steps := []Step{{Kind: StepWaitHealthy, Group: "api-v003", Deadline: 2 * time.Minute}}
	got := Lines(e.rollbackSteps("api-v003", map[string]bool{"api-v002": true}, steps))
	want := []string{
		"resize api-v002 to 4 instances",
		"wait until 4/4 healthy (deadline 2m)",
		"enable api-v002",
		"disable api-v003",
		"destroy api-v003",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rollback steps (-want +got):\n%s", diff)
	}
	// Kept to debug: disabled, not destroyed; an unresized group is
	// enabled at once.
	e.Rollback.KeepFailed = true
	got = Lines(e.rollbackSteps("api-v003", nil, steps))
	want = []string{"enable api-v002", "disable api-v003"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rollback steps keeping the failed group (-want +got):\n%s", diff)
	}
}

// Failed groups kept to debug are not groups to keep: the last good one
// stays, they go with the next deployment, and the cluster counts as
// settled with one beside the serving group.
func TestFailedGroupsDoNotCount(t *testing.T) {
	t.Parallel()
	live := []Group{
		{Name: "api-v000", Seq: 0, Capacity: Capacity{Desired: 2, Max: 2}},
		{Name: "api-v001", Seq: 1, Capacity: Capacity{Desired: 2, Max: 2}, Enabled: true, Healthy: 2},
		{Name: "api-v002", Seq: 2, Capacity: Capacity{Desired: 2, Max: 2}, Failed: true},
	}
	steps, err := Deploy(Policy{Strategy: "red_black", MaxRemaining: 2}, live, "api-v003", Capacity{Desired: 2, Max: 2})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"create api-v003 (2 instances, disabled)", "wait until 2/2 healthy (deadline 5m)", "enable api-v003",
		"wait until 2/2 healthy (deadline 5m)", "disable api-v001", "destroy api-v000", "destroy api-v002",
	}
	if diff := cmp.Diff(want, Lines(steps)); diff != "" {
		t.Errorf("deploy beside a failed group (-want +got):\n%s", diff)
	}
	settled := []Group{live[1], {Name: "api-v002", Seq: 2, Failed: true}}
	settled[0].Created, settled[1].Created = time.Unix(1, 0), time.Unix(0, 0)
	if !Settled(Policy{Strategy: "red_black", MaxRemaining: 1}, settled, "api-v001") {
		t.Error("a serving group with a failed group kept beside it is not settled; want settled")
	}
}

// A canary's weight makes it no baseline: a deployment moves traffic from
// the newest group that takes all of its share.
func TestDeployBaselineIsNotACanary(t *testing.T) {
	t.Parallel()
	live := []Group{
		{Name: "api-v001", Seq: 1, Capacity: Capacity{Desired: 3, Max: 3}, Enabled: true, Weight: 100, Healthy: 3},
		{Name: "api-v002", Seq: 2, Capacity: Capacity{Desired: 1, Max: 3}, Enabled: true, Weight: 10, Healthy: 1},
	}
	steps, err := Deploy(Policy{Strategy: "canary"}, live, "api-v003", Capacity{Desired: 3, Max: 3})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range steps {
		if s.Kind == StepAnalyze && s.Baseline != "api-v001" {
			t.Errorf("the canary is judged against %s; want api-v001, which takes all its share", s.Baseline)
		}
	}
}

// Groups are ordered by creation: sequence numbers wrap from 999 to 000.
func TestGroupsOrderedAcrossTheWrap(t *testing.T) {
	t.Parallel()
	live := []Group{
		{Name: "api-v000", Seq: 0, Enabled: true, Created: time.Unix(2, 0), Capacity: Capacity{Desired: 1, Max: 1}},
		{Name: "api-v999", Seq: 999, Created: time.Unix(1, 0), Capacity: Capacity{Desired: 1, Max: 1}},
	}
	if !Settled(Policy{Strategy: "red_black"}, live, "api-v000") {
		t.Error("v000, made after v999, serving alone: not settled; want settled")
	}
}
