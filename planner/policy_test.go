package planner

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/config"
	"github.com/tackhq/tack/config/addrs"
	"github.com/tackhq/tack/planner/delivery"
)

func TestPolicyFromConfig(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cfg := f.config(`
variable "deadline" {
  type    = string
  default = "2m"
}
delivery_policy "safe" {
  strategy = "canary"
  red_black {
    delay_before_disable        = "5s"
    max_remaining_server_groups = 3
  }
  canary {
    weight   = 20
    duration = "10m"
    analysis {
      confidence     = 0.95
      pass_score     = 90
      marginal_score = 60
      interval       = "1m"
      min_latency_increase = "5ms"
    }
  }
  health {
    min_healthy_percent = 75
    healthy_deadline    = var.deadline
  }
}
`)
	w := newWalker(f.planner(cfg), PlanOpts{}, f.state)
	w.p.opts.Variables = map[string]*config.InputValue{"deadline": {Value: cty.StringVal("2m")}}
	p, j, diags := policyFromConfig(w.scope(addrs.RootModuleInstance), cfg.Module.DeliveryPolicies["safe"])
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	want := delivery.Policy{
		Strategy: "canary", DelayBeforeDisable: 5 * time.Second, MaxRemaining: 3,
		CanaryWeight: 20, CanaryDuration: 10 * time.Minute,
		MinHealthyPercent: 75, HealthyDeadline: 2 * time.Minute,
	}
	if diff := cmp.Diff(want, p); diff != "" {
		t.Errorf("policy (-want +got):\n%s", diff)
	}
	wantJ := delivery.Judgement{
		Confidence: 0.95, MaxErrorRatio: delivery.DefaultJudgement.MaxErrorRatio, PassScore: 90, MarginalScore: 60,
		MaxLatencyIncrease: delivery.DefaultJudgement.MaxLatencyIncrease, MinLatencyIncrease: 5 * time.Millisecond, Interval: time.Minute,
	}
	if diff := cmp.Diff(wantJ, j); diff != "" {
		t.Errorf("judgement (-want +got):\n%s", diff)
	}
}
