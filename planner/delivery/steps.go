package delivery

import (
	"fmt"
	"strings"
	"time"
)

// StepKind is what one deployment step does.
type StepKind int

const (
	// StepCreate creates a server group at a capacity, taking traffic or
	// not.
	StepCreate StepKind = iota + 1
	// StepWaitHealthy waits until enough of a group's instances are
	// healthy, failing at the deadline.
	StepWaitHealthy
	// StepEnable puts a group in service (all of its share of traffic).
	StepEnable
	// StepDisable takes a group out of service; its instances drain.
	StepDisable
	// StepSetWeight gives a group a percentage of the traffic.
	StepSetWeight
	// StepResize changes a group's capacity.
	StepResize
	// StepWait waits a fixed time.
	StepWait
	// StepAnalyze judges a canary against the baseline; when it fails,
	// the OnFail steps run instead of the rest.
	StepAnalyze
	// StepDestroy destroys a group.
	StepDestroy
)

// Capacity is a server group's size.
type Capacity struct {
	Min, Desired, Max int
}

// Step is one step of a deployment, as a plan shows it and apply carries
// it out.
type Step struct {
	Kind  StepKind
	Group string // the server group the step acts on
	// Capacity is the capacity to create with or resize to.
	Capacity Capacity
	// Healthy is how many instances StepWaitHealthy waits for, of
	// Capacity.Desired; Deadline bounds the wait.
	Healthy  int
	Deadline time.Duration
	// Duration is how long StepWait waits, or how long StepAnalyze
	// watches before judging.
	Duration time.Duration
	// Weight is StepSetWeight's percentage.
	Weight int
	// Enabled says whether StepCreate's group takes traffic at once.
	Enabled bool
	// Baseline is the group StepAnalyze compares the canary with.
	Baseline string
	// OnFail are the steps StepAnalyze runs when the canary fails; the
	// steps after it run only when it passes.
	OnFail []Step
}

// String is the step as plans show it: "create api-prod-v043 (3
// instances, disabled)".
func (s Step) String() string {
	switch s.Kind {
	case StepCreate:
		traffic := "disabled"
		if s.Enabled {
			traffic = "enabled"
		}
		return fmt.Sprintf("create %s (%s, %s)", s.Group, instances(s.Capacity.Desired), traffic)
	case StepWaitHealthy:
		return fmt.Sprintf("wait until %d/%d healthy (deadline %s)", s.Healthy, s.Capacity.Desired, ShortDuration(s.Deadline))
	case StepEnable:
		return "enable " + s.Group
	case StepDisable:
		return "disable " + s.Group
	case StepSetWeight:
		return fmt.Sprintf("send %d%% of traffic to %s", s.Weight, s.Group)
	case StepResize:
		return fmt.Sprintf("resize %s to %s", s.Group, instances(s.Capacity.Desired))
	case StepWait:
		return "wait " + ShortDuration(s.Duration)
	case StepAnalyze:
		return fmt.Sprintf("analyze %s against %s for %s", s.Group, s.Baseline, ShortDuration(s.Duration))
	case StepDestroy:
		return "destroy " + s.Group
	}
	return fmt.Sprintf("step %d", int(s.Kind))
}

func instances(n int) string {
	if n == 1 {
		return "1 instance"
	}
	return fmt.Sprintf("%d instances", n)
}

// ShortDuration prints a duration as a user writes it: "5s", "2m",
// "1m30s", "1h30m"; time.ParseDuration reads it back.
func ShortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// Lines renders steps as plans show them, one per line, with a canary's
// failure branch indented under it.
func Lines(steps []Step) []string {
	var out []string
	for _, s := range steps {
		out = append(out, s.String())
		if len(s.OnFail) > 0 {
			out = append(out, "  if the canary fails:")
			for _, l := range Lines(s.OnFail) {
				out = append(out, "    "+l)
			}
			out = append(out, "  if it passes:")
		}
	}
	return out
}
