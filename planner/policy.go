package planner

import (
	"fmt"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/config"
	"github.com/tackhq/tack/planner/delivery"
)

// policyFromConfig evaluates a delivery_policy block into the settings
// the delivery package plans with. Settings may be expressions (of
// variables, say), so they are evaluated here, not when loading.
func policyFromConfig(s *config.Scope, dp *config.DeliveryPolicy) (delivery.Policy, delivery.Judgement, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	p := delivery.Policy{}
	j := delivery.DefaultJudgement
	str := func(e hcl.Expression) string {
		if e == nil {
			return ""
		}
		v, d := s.EvalExpr(e, cty.String)
		diags = append(diags, d...)
		if d.HasErrors() || !known(v) {
			return ""
		}
		v, _ = v.Unmark()
		return v.AsString()
	}
	dur := func(b *config.SettingsBlock, name string) time.Duration {
		e := b.Get(name)
		if e == nil {
			return 0
		}
		d, err := time.ParseDuration(str(e))
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid " + name,
				Detail: fmt.Sprintf("%s is a duration such as \"30s\" or \"5m\": %s.", name, err), Subject: e.Range().Ptr()})
		}
		return d
	}
	num := func(b *config.SettingsBlock, name string) float64 {
		e := b.Get(name)
		if e == nil {
			return 0
		}
		v, d := s.EvalExpr(e, cty.Number)
		diags = append(diags, d...)
		if d.HasErrors() || !known(v) {
			return 0
		}
		v, _ = v.Unmark()
		f, _ := v.AsBigFloat().Float64()
		return f
	}
	flag := func(b *config.SettingsBlock, name string) bool {
		e := b.Get(name)
		if e == nil {
			return false
		}
		v, d := s.EvalExpr(e, cty.Bool)
		diags = append(diags, d...)
		if d.HasErrors() || !known(v) {
			return false
		}
		v, _ = v.Unmark()
		return v.True()
	}

	p.Strategy = str(dp.Strategy)
	set := dp.Settings
	p.DelayBeforeDisable = dur(set.RedBlack, "delay_before_disable")
	p.MaxRemaining = int(num(set.RedBlack, "max_remaining_server_groups"))
	p.ScaleDown = flag(set.RedBlack, "scale_down")
	p.ScaleDownDelay = dur(set.RedBlack, "scale_down_delay")
	if e := set.Rolling.Get("steps"); e != nil {
		v, d := s.EvalExpr(e, cty.List(cty.Number))
		diags = append(diags, d...)
		if !d.HasErrors() && known(v) {
			v, _ = v.UnmarkDeep()
			for _, el := range v.AsValueSlice() {
				n, _ := el.AsBigFloat().Int64()
				p.RollingSteps = append(p.RollingSteps, int(n))
			}
		}
	}
	p.DelayBetweenSteps = dur(set.Rolling, "delay_between_steps")
	p.CanaryWeight = int(num(set.Canary, "weight"))
	p.CanaryDuration = dur(set.Canary, "duration")
	p.MinHealthyPercent = int(num(set.Health, "min_healthy_percent"))
	p.HealthyDeadline = dur(set.Health, "healthy_deadline")
	if set.Analysis != nil {
		if v := num(set.Analysis, "confidence"); v > 0 {
			j.Confidence = v
		}
		if e := set.Analysis.Get("max_error_ratio"); e != nil {
			j.MaxErrorRatio = num(set.Analysis, "max_error_ratio")
		}
		if v := num(set.Analysis, "pass_score"); v > 0 {
			j.PassScore = v
		}
		if v := num(set.Analysis, "marginal_score"); v > 0 {
			j.MarginalScore = v
		}
		if e := set.Analysis.Get("max_latency_increase"); e != nil {
			j.MaxLatencyIncrease = num(set.Analysis, "max_latency_increase")
		}
		if e := set.Analysis.Get("min_latency_increase"); e != nil {
			j.MinLatencyIncrease = dur(set.Analysis, "min_latency_increase")
		}
		j.Interval = dur(set.Analysis, "interval")
	}
	return p, j, diags
}

// known reports whether v is known and not null.
func known(v cty.Value) bool { return v.IsKnown() && !v.IsNull() }

// clusterPolicy is everything a cluster's delivery policy decides.
type clusterPolicy struct {
	policy    delivery.Policy
	judgement delivery.Judgement
	rollback  delivery.Rollback
	window    delivery.Window
}

// clusterPolicyFromConfig evaluates a policy's strategy settings, and
// its rollback and window blocks. A cluster without a policy deploys by
// red/black with the defaults, and rolls back on failure: the safe
// choice when nobody said otherwise.
func clusterPolicyFromConfig(s *config.Scope, dp *config.DeliveryPolicy) (clusterPolicy, hcl.Diagnostics) {
	cp := clusterPolicy{judgement: delivery.DefaultJudgement, rollback: delivery.Rollback{OnFailure: true}}
	if dp == nil {
		cp.policy.Strategy = "red_black"
		return cp, nil
	}
	var diags hcl.Diagnostics
	cp.policy, cp.judgement, diags = policyFromConfig(s, dp)
	eval := func(b *config.SettingsBlock, name string, ty cty.Type) (cty.Value, bool) {
		return evalSetting(s, b.Get(name), ty, &diags)
	}
	if rb := dp.Settings.Rollback; rb != nil {
		if v, ok := eval(rb, "on_failure", cty.Bool); ok {
			cp.rollback.OnFailure = v.True()
		}
		if v, ok := eval(rb, "keep_failed_server_group", cty.Bool); ok {
			cp.rollback.KeepFailed = v.True()
		}
	}
	if wb := dp.Settings.Window; wb != nil {
		w, wdiags := evalWindow(s, wb, "deployment window")
		diags = append(diags, wdiags...)
		cp.window = w
	}
	return cp, diags
}

// evalWindow evaluates a window block (a delivery policy's window, an
// environment's allowed_times): days, hours and time_zone.
func evalWindow(s *config.Scope, wb *config.SettingsBlock, what string) (delivery.Window, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	eval := func(name string, ty cty.Type) (cty.Value, bool) {
		return evalSetting(s, wb.Get(name), ty, &diags)
	}
	var days []string
	if v, ok := eval("days", cty.List(cty.String)); ok {
		for _, d := range v.AsValueSlice() {
			days = append(days, d.AsString())
		}
	}
	var hours, zone string
	if v, ok := eval("hours", cty.String); ok {
		hours = v.AsString()
	}
	if v, ok := eval("time_zone", cty.String); ok {
		zone = v.AsString()
	}
	w, err := delivery.ParseWindow(days, hours, zone)
	if err != nil {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid " + what, Detail: "The " + what + ": " + err.Error() + ".", Subject: wb.DeclRange.Ptr()})
	}
	return w, diags
}

// evalSetting evaluates a setting's expression, adding its diagnostics to
// diags. ok is false for an absent setting, or one that is null, unknown
// or in error; the value has no marks.
func evalSetting(s *config.Scope, e hcl.Expression, ty cty.Type, diags *hcl.Diagnostics) (v cty.Value, ok bool) {
	if e == nil {
		return cty.NilVal, false
	}
	v, d := s.EvalExpr(e, ty)
	*diags = append(*diags, d...)
	if d.HasErrors() || !known(v) {
		return cty.NilVal, false
	}
	v, _ = v.UnmarkDeep()
	return v, true
}
