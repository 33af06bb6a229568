package delivery

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func live(groups ...Group) []Group { return groups }

func g(seq, desired int, enabled bool) Group {
	return Group{Name: GroupName("api-prod", seq), Seq: seq, Capacity: Capacity{Min: desired, Desired: desired, Max: desired * 2}, Enabled: enabled, Healthy: desired}
}

func TestDeploy(t *testing.T) {
	t.Parallel()
	three := Capacity{Min: 2, Desired: 3, Max: 6}
	tests := []struct {
		name   string
		policy Policy
		live   []Group
		want   []string
	}{
		{
			"red/black as the issue describes it",
			Policy{Strategy: "red_black", DelayBeforeDisable: 5 * time.Second, MaxRemaining: 2, HealthyDeadline: 2 * time.Minute},
			live(g(40, 3, false), g(41, 3, false), g(42, 3, true)),
			[]string{
				"create api-prod-v043 (3 instances, disabled)",
				"wait until 3/3 healthy (deadline 2m)",
				"enable api-prod-v043",
				"wait until 3/3 healthy (deadline 2m)",
				"wait 5s",
				"disable api-prod-v042",
				"destroy api-prod-v040",
				"destroy api-prod-v041",
			},
		},
		{
			"first deployment",
			Policy{Strategy: "canary"},
			nil,
			[]string{"create api-prod-v043 (3 instances, disabled)", "wait until 3/3 healthy (deadline 5m)", "enable api-prod-v043", "wait until 3/3 healthy (deadline 5m)"},
		},
		{
			"highlander destroys every older group, min healthy rounds up",
			Policy{Strategy: "highlander", MinHealthyPercent: 50},
			live(g(41, 3, false), g(42, 3, true)),
			[]string{
				"create api-prod-v043 (3 instances, disabled)",
				"wait until 2/3 healthy (deadline 5m)",
				"enable api-prod-v043",
				"wait until 2/3 healthy (deadline 5m)",
				"disable api-prod-v042",
				"destroy api-prod-v041",
				"destroy api-prod-v042",
			},
		},
		{
			"red/black with scale down keeps the previous group at zero",
			Policy{Strategy: "red_black", ScaleDown: true, ScaleDownDelay: time.Minute, MaxRemaining: 2},
			live(g(42, 3, true)),
			[]string{
				"create api-prod-v043 (3 instances, disabled)",
				"wait until 3/3 healthy (deadline 5m)",
				"enable api-prod-v043",
				"wait until 3/3 healthy (deadline 5m)",
				"disable api-prod-v042",
				"wait 1m",
				"resize api-prod-v042 to 0 instances",
			},
		},
		{
			"rolling moves capacity with a gate per step",
			Policy{Strategy: "rolling", RollingSteps: []int{34, 100}, DelayBetweenSteps: 10 * time.Second},
			live(g(42, 3, true)),
			[]string{
				"create api-prod-v043 (2 instances, disabled)",
				"wait until 2/2 healthy (deadline 5m)",
				"enable api-prod-v043",
				"wait until 2/2 healthy (deadline 5m)",
				"resize api-prod-v042 to 1 instance",
				"wait 10s",
				"resize api-prod-v043 to 3 instances",
				"wait until 3/3 healthy (deadline 5m)",
				"disable api-prod-v042",
			},
		},
		{
			"canary: judged, then promoted or removed",
			Policy{Strategy: "canary", CanaryWeight: 10, CanaryDuration: 2 * time.Minute},
			live(g(42, 3, true)),
			[]string{
				"create api-prod-v043 (1 instance, disabled)",
				"wait until 1/1 healthy (deadline 5m)",
				"send 10% of traffic to api-prod-v043",
				"wait until 1/1 healthy (deadline 5m)",
				"analyze api-prod-v043 against api-prod-v042 for 2m",
				"  if the canary fails:",
				"    disable api-prod-v043",
				"    destroy api-prod-v043",
				"  if it passes:",
				"resize api-prod-v043 to 3 instances",
				"wait until 3/3 healthy (deadline 5m)",
				"enable api-prod-v043",
				"wait until 3/3 healthy (deadline 5m)",
				"disable api-prod-v042",
			},
		},
		{
			"none leaves the old groups alone",
			Policy{Strategy: "none"},
			live(g(42, 3, true)),
			[]string{"create api-prod-v043 (3 instances, enabled)", "wait until 3/3 healthy (deadline 5m)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			steps, err := Deploy(tt.policy, tt.live, "api-prod-v043", three)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, Lines(steps)); diff != "" {
				t.Errorf("steps (-want +got):\n%s", diff)
			}
			if err := CheckTrafficGuard(tt.live, steps); err != nil {
				t.Errorf("the strategy's own steps break the traffic guard: %v", err)
			}
		})
	}
}

func TestTrafficGuard(t *testing.T) {
	t.Parallel()
	serving := live(g(42, 3, true))
	bad := []Step{
		{Kind: StepCreate, Group: "api-prod-v043", Capacity: Capacity{Desired: 3}},
		{Kind: StepEnable, Group: "api-prod-v043"},
		{Kind: StepDisable, Group: "api-prod-v042"}, // v043 was never seen healthy
	}
	err := CheckTrafficGuard(serving, bad)
	if err == nil || !strings.Contains(err.Error(), "step 3 (disable api-prod-v042)") {
		t.Errorf("got %v, want step 3 refused", err)
	}
	if err := CheckTrafficGuard(serving, Teardown(serving)); err == nil {
		t.Error("a teardown of a serving cluster passed the guard")
	}
	// Nothing serves: nothing to guard.
	if err := CheckTrafficGuard(live(g(42, 3, false)), bad); err != nil {
		t.Errorf("a cluster that serves nothing: %v", err)
	}
	if _, err := Deploy(Policy{Strategy: "rolling", RollingSteps: []int{50, 40}}, serving, "x", Capacity{Desired: 2}); err == nil {
		t.Error("falling rolling steps were accepted")
	}
}
