package delivery

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tackhq/tack/plugins/sdk"
)

// Engine carries out a deployment's steps against a platform's server
// groups, gating on health, judging canaries, and rolling back when a
// gate fails. One Engine runs one deployment.
type Engine struct {
	Groups sdk.ServerGroups
	// Metrics judges canaries; nil when the platform serves none (a
	// canary then fails its analysis: there is nothing to judge by).
	Metrics sdk.Metrics
	Cluster sdk.ClusterRef
	// Template is the new server group as CreateServerGroup takes it:
	// spec, spec hash, version, load balancers. Each create step fills
	// in the name, sequence, capacity and traffic.
	Template  sdk.ServerGroup
	Judgement Judgement
	// Rollback says what a failed gate does: with OnFailure, the new
	// group is disabled (and destroyed unless KeepFailed) and the groups
	// that served before serve again.
	Rollback Rollback
	// Live are the groups before the deployment, to restore on rollback.
	Live []Group

	// Poll is how often, at most, health is read while waiting; zero
	// means 500ms. The first reads come sooner (from 50ms, doubling), so
	// a group that is healthy at once costs no wait.
	Poll time.Duration
	// Progress receives each step as it starts and ends, and health
	// while waiting; nil discards it.
	Progress func(Progress)
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Rollback is a delivery policy's rollback block.
type Rollback struct {
	OnFailure  bool
	KeepFailed bool
}

// Progress is one report of a running deployment.
type Progress struct {
	Index int // of the step, from 0
	Step  Step
	// Phase is "started", "done", "failed" or "health" (while waiting:
	// Healthy of Want instances are up).
	Phase         string
	Healthy, Want int
	Err           error
	At            time.Time
}

// Record is a step carried out, for the state's deployment history.
type Record struct {
	Step           Step
	Started, Ended time.Time
	Err            string
	// Rollback is set on the steps that removed a failed canary or
	// rolled a failed deployment back.
	Rollback bool
}

// Result is how a deployment ended.
type Result struct {
	// Outcome is "succeeded", "rolled_back", "canary_failed" or
	// "failed".
	Outcome string
	Reason  string
}

// GateError is a failed health gate: which group, how many of how many
// instances were healthy at the deadline, and why the others were not.
type GateError struct {
	Group          string
	Healthy, Want  int
	Deadline       time.Duration
	UnhealthyNotes []string
}

func (e *GateError) Error() string {
	msg := fmt.Sprintf("%s had %d/%d healthy instances at the deadline (%s)", e.Group, e.Healthy, e.Want, ShortDuration(e.Deadline))
	if len(e.UnhealthyNotes) > 0 {
		msg += ": " + strings.Join(e.UnhealthyNotes, "; ")
	}
	return msg
}

// ErrCanaryFailed is returned (wrapped) when a canary fails its analysis.
var ErrCanaryFailed = errors.New("canary failed its analysis")

func (e *Engine) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

func (e *Engine) report(p Progress) {
	if e.Progress != nil {
		p.At = e.now()
		e.Progress(p)
	}
}

// Run carries out steps in order. record is called after every step
// ends — a failed one included, before anything undoes it — and after
// every step that removes a failed canary or rolls a failed deployment
// back (those have Rollback set), so the caller can persist the
// deployment's progress; an error from it stops the deployment.
func (e *Engine) Run(ctx context.Context, steps []Step, record func(Record) error) (Result, error) {
	var res Result
	var created []string         // groups this deployment created, newest last
	resized := map[string]bool{} // groups it resized
	live := map[string]bool{}    // the groups before it
	for _, g := range e.Live {
		live[g.Name] = true
	}
	switched := false // an old group was taken out of service
	for i, s := range steps {
		if err := ctx.Err(); err != nil {
			res.Outcome, res.Reason = "failed", "interrupted before "+s.String()
			return res, err
		}
		e.report(Progress{Index: i, Step: s, Phase: "started"})
		rec := Record{Step: s, Started: e.now()}
		err := e.do(ctx, i, s)
		rec.Ended = e.now()
		if err != nil {
			rec.Err = err.Error()
			e.report(Progress{Index: i, Step: s, Phase: "failed", Err: err})
		}
		if rerr := record(rec); rerr != nil {
			return res, rerr
		}
		switch {
		case errors.Is(err, ErrCanaryFailed):
			// The policy's own answer to a failed canary: remove it.
			res.Outcome, res.Reason = "canary_failed", err.Error()
			if uerr := e.undo(ctx, s.OnFail, record); uerr != nil {
				res.Outcome = "failed"
				res.Reason += "; removing the canary failed: " + uerr.Error()
			}
			return res, err
		case err != nil && ctx.Err() != nil:
			// Interrupted, not failed: the groups stay as they are, and
			// the next plan offers to finish the deployment or undo it.
			res.Outcome, res.Reason = "failed", "interrupted during "+s.String()
			return res, ctx.Err()
		case err != nil:
			res.Outcome, res.Reason = "failed", fmt.Sprintf("%s: %s", s, err)
			if switched {
				// The new group serves alone: what failed was cleaning up
				// after it, which undoing the deployment would not mend.
				res.Reason += "; the new server group serves, and only the steps after the switch are left undone"
				return res, errors.New(res.Reason)
			}
			if e.Rollback.OnFailure && len(created) > 0 {
				failed := created[len(created)-1]
				if uerr := e.undo(ctx, e.rollbackSteps(failed, resized, steps), record); uerr != nil {
					res.Reason += "; the rollback failed: " + uerr.Error()
				} else {
					res.Outcome = "rolled_back"
				}
			}
			return res, errors.New(res.Reason)
		}
		e.report(Progress{Index: i, Step: s, Phase: "done"})
		switch {
		case s.Kind == StepCreate:
			created = append(created, s.Group)
		case s.Kind == StepResize:
			resized[s.Group] = true
		case s.Kind == StepDisable && live[s.Group]:
			switched = true
		}
	}
	res.Outcome = "succeeded"
	return res, nil
}

// rollbackSteps put traffic back where it was before the deployment and
// take the failed group out of it: each group that served before is
// resized back, if the deployment resized it, and passes a health gate
// before it is enabled again; only then is the failed group disabled
// (and destroyed, unless the policy keeps it).
func (e *Engine) rollbackSteps(failed string, resized map[string]bool, steps []Step) []Step {
	deadline := DefaultHealthyDeadline
	for _, s := range steps {
		if s.Kind == StepWaitHealthy {
			deadline = s.Deadline
			break
		}
	}
	var out []Step
	for _, g := range sortedGroups(e.Live) {
		if g.Name == failed || !g.Enabled {
			continue
		}
		if resized[g.Name] {
			out = append(out,
				Step{Kind: StepResize, Group: g.Name, Capacity: g.Capacity},
				Step{Kind: StepWaitHealthy, Group: g.Name, Capacity: g.Capacity, Healthy: g.Capacity.Desired, Deadline: deadline})
		}
		out = append(out, Step{Kind: StepEnable, Group: g.Name})
	}
	out = append(out, Step{Kind: StepDisable, Group: failed})
	if !e.Rollback.KeepFailed {
		out = append(out, Step{Kind: StepDestroy, Group: failed})
	}
	return out
}

// undo runs the steps that remove a failed canary or roll a failed
// deployment back, reporting and recording each (numbered from -1 down,
// apart from the deployment's own). It runs with a context of its own:
// an interrupted deployment must still be left serving. The first step
// that fails stops it, so a group that did not pass its gate is never
// the only one left serving.
func (e *Engine) undo(ctx context.Context, steps []Step, record func(Record) error) error {
	ctx = context.WithoutCancel(ctx)
	for i, s := range steps {
		index := -1 - i
		e.report(Progress{Index: index, Step: s, Phase: "started"})
		rec := Record{Step: s, Started: e.now(), Rollback: true}
		err := e.do(ctx, index, s)
		rec.Ended = e.now()
		if err != nil {
			rec.Err = err.Error()
			e.report(Progress{Index: index, Step: s, Phase: "failed", Err: err})
		} else {
			e.report(Progress{Index: index, Step: s, Phase: "done"})
		}
		if rerr := record(rec); rerr != nil {
			return rerr
		}
		if err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

func (e *Engine) do(ctx context.Context, index int, s Step) error {
	switch s.Kind {
	case StepCreate:
		sg := e.Template
		sg.Name = s.Group
		sg.Cluster = e.Cluster
		if _, seq, ok := ParseGroupName(s.Group); ok {
			sg.Sequence = int32(seq)
		}
		sg.Capacity = sdkCapacity(s.Capacity)
		sg.Traffic = sdk.Traffic{Enabled: s.Enabled, Weight: 100}
		resp := e.Groups.CreateServerGroup(ctx, sdk.CreateServerGroupRequest{ServerGroup: sg})
		return diagsErr(resp.Diagnostics)
	case StepWaitHealthy:
		return e.waitHealthy(ctx, index, s)
	case StepEnable:
		return e.setTraffic(ctx, s.Group, sdk.Traffic{Enabled: true, Weight: 100})
	case StepDisable:
		return e.setTraffic(ctx, s.Group, sdk.Traffic{Enabled: false})
	case StepSetWeight:
		return e.setTraffic(ctx, s.Group, sdk.Traffic{Enabled: true, Weight: int32(s.Weight)})
	case StepResize:
		resp := e.Groups.ResizeServerGroup(ctx, sdk.ResizeServerGroupRequest{Cluster: e.Cluster, Name: s.Group, Capacity: sdkCapacity(s.Capacity)})
		return diagsErr(resp.Diagnostics)
	case StepWait:
		return Sleep(ctx, s.Duration)
	case StepAnalyze:
		return e.analyze(ctx, s)
	case StepDestroy:
		resp := e.Groups.DestroyServerGroup(ctx, sdk.DestroyServerGroupRequest{Cluster: e.Cluster, Name: s.Group})
		return diagsErr(resp.Diagnostics)
	}
	return fmt.Errorf("unknown step %d", s.Kind)
}

func (e *Engine) setTraffic(ctx context.Context, group string, t sdk.Traffic) error {
	resp := e.Groups.SetTraffic(ctx, sdk.SetTrafficRequest{Cluster: e.Cluster, Name: group, Traffic: t})
	return diagsErr(resp.Diagnostics)
}

// waitHealthy polls the group's health until enough instances are up,
// failing at the deadline with what the unhealthy ones report.
func (e *Engine) waitHealthy(ctx context.Context, index int, s Step) error {
	poll := e.Poll
	if poll <= 0 {
		poll = 500 * time.Millisecond
	}
	deadline := e.now().Add(s.Deadline)
	wait := min(50*time.Millisecond, poll)
	last := -1
	for {
		resp := e.Groups.GetHealth(ctx, sdk.GetHealthRequest{Cluster: e.Cluster, Name: s.Group})
		if err := diagsErr(resp.Diagnostics); err != nil {
			return err
		}
		up := 0
		var notes []string
		for _, in := range resp.Instances {
			if in.State == sdk.HealthUp {
				up++
			} else {
				note := in.ID + " " + in.State.String()
				if in.Reason != "" {
					note += " (" + in.Reason + ")"
				}
				notes = append(notes, note)
			}
		}
		if up != last {
			e.report(Progress{Index: index, Step: s, Phase: "health", Healthy: up, Want: s.Healthy})
			last = up
		}
		if up >= s.Healthy {
			return nil
		}
		if !e.now().Before(deadline) {
			return &GateError{Group: s.Group, Healthy: up, Want: s.Healthy, Deadline: s.Deadline, UnhealthyNotes: notes}
		}
		if err := Sleep(ctx, wait); err != nil {
			return err
		}
		wait = min(2*wait, poll)
	}
}

// analyze lets the canary serve for the step's duration, then judges it
// against the baseline over that window. With an analysis interval it is
// also judged every interval on the window so far, and a judgement that
// fails outright ends the analysis early: a bad canary need not serve
// its whole duration.
func (e *Engine) analyze(ctx context.Context, s Step) error {
	start := e.now()
	end := start.Add(s.Duration)
	for {
		next := end
		if iv := e.Judgement.Interval; iv > 0 && e.now().Add(iv).Before(end) {
			next = e.now().Add(iv)
		}
		if err := Sleep(ctx, next.Sub(e.now())); err != nil {
			return err
		}
		final := !e.now().Before(end)
		v, err := e.judge(ctx, s, start)
		if err != nil {
			return err
		}
		if v.Passed() && final {
			return nil
		}
		// Early on the canary may not have served yet: only a judgement
		// of what it served ends the analysis before its time.
		judged := len(v.Metrics) > 0 && v.Metrics[0].Name != "requests"
		if final || (v.Result == "fail" && judged) || e.Metrics == nil {
			var why []string
			for _, m := range v.Metrics {
				if !m.Pass {
					why = append(why, m.Name+": "+m.Reason)
				}
			}
			return fmt.Errorf("%w (score %.0f, %s): %s", ErrCanaryFailed, v.Score, v.Result, strings.Join(why, "; "))
		}
	}
}

// judge compares the canary with its baseline over [start, now).
func (e *Engine) judge(ctx context.Context, s Step, start time.Time) (Verdict, error) {
	if e.Metrics == nil {
		v := Judge(e.Judgement, Observations{}, Observations{})
		v.Metrics = []MetricResult{{Name: "metrics", Reason: "the platform reports no metrics to judge it by"}}
		return v, nil
	}
	resp := e.Metrics.QueryMetrics(ctx, sdk.QueryMetricsRequest{Cluster: e.Cluster, ServerGroups: []string{s.Group, s.Baseline}, Start: start, End: e.now()})
	if err := diagsErr(resp.Diagnostics); err != nil {
		return Verdict{}, err
	}
	if len(resp.ServerGroups) != 2 {
		return Verdict{}, fmt.Errorf("the platform returned metrics for %d groups, not 2", len(resp.ServerGroups))
	}
	v := Judge(e.Judgement, observations(resp.ServerGroups[0]), observations(resp.ServerGroups[1]))
	// A platform's warnings (metrics reported late, say) explain a
	// failing metric: they go with its reason.
	var warned []string
	for _, d := range resp.Diagnostics {
		warned = append(warned, d.Summary)
	}
	if len(warned) > 0 {
		for i := range v.Metrics {
			if !v.Metrics[i].Pass {
				v.Metrics[i].Reason += " (the platform warned: " + strings.Join(warned, "; ") + ")"
			}
		}
	}
	return v, nil
}

func observations(m sdk.ServerGroupMetrics) Observations {
	o := Observations{Requests: m.Requests, Errors: m.Errors, Latencies: m.LatencySamples}
	if len(o.Latencies) == 0 && len(m.LatencyCounts) > 0 {
		o.Latencies = FromHistogram(m.LatencyBounds, m.LatencyCounts)
	}
	return o
}

func sdkCapacity(c Capacity) sdk.Capacity {
	return sdk.Capacity{Min: int64(c.Min), Desired: int64(c.Desired), Max: int64(c.Max)}
}

func diagsErr(ds sdk.Diagnostics) error {
	if !ds.HasErrors() {
		return nil
	}
	return ds.Err()
}

// Sleep waits d, or until ctx is done, returning its error then.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
