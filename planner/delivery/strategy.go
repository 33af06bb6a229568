package delivery

import (
	"fmt"
	"sort"
	"time"
)

// Strategies are the deployment strategies a delivery policy may name.
var Strategies = []string{"red_black", "rolling", "canary", "highlander", "none"}

// Group is a live server group as a plan sees it.
type Group struct {
	Name     string
	Seq      int
	Capacity Capacity
	Enabled  bool
	// Weight is its share of the traffic while enabled, 1 to 100; 0
	// means all of it.
	Weight int
	// Healthy is how many of its instances are healthy now.
	Healthy int
	// Created orders groups, oldest first; groups with equal (or no)
	// times are ordered by Seq.
	Created time.Time
	// Failed marks a group whose own deployment failed and that was
	// kept to debug (keep_failed_server_group): it never counts as a
	// group to go back to, nor towards the groups a policy keeps.
	Failed bool
}

// full reports whether an enabled group takes all of its share of the
// traffic, rather than a canary's weight.
func (g Group) full() bool { return g.Weight == 0 || g.Weight >= 100 }

// Policy is a delivery policy's settings, with defaults filled in by
// [Policy.withDefaults].
type Policy struct {
	Strategy string

	// red_black (and the promotion of a canary)
	DelayBeforeDisable time.Duration
	// MaxRemaining is how many server groups the cluster keeps after a
	// deployment, the new one included; older ones are destroyed.
	MaxRemaining   int
	ScaleDown      bool
	ScaleDownDelay time.Duration

	// rolling
	RollingSteps      []int // percentages of capacity, rising to 100
	DelayBetweenSteps time.Duration

	// canary
	CanaryWeight   int // percentage of traffic
	CanaryCapacity int // instances
	CanaryDuration time.Duration

	// health gate
	MinHealthyPercent int
	HealthyDeadline   time.Duration
}

// Defaults, where a policy says nothing.
const (
	DefaultMaxRemaining      = 2
	DefaultMinHealthyPercent = 100
	DefaultHealthyDeadline   = 5 * time.Minute
	DefaultCanaryWeight      = 10
	DefaultCanaryCapacity    = 1
	DefaultCanaryDuration    = 5 * time.Minute
)

func (p Policy) withDefaults() Policy {
	if p.Strategy == "" {
		p.Strategy = "red_black"
	}
	if p.MaxRemaining <= 0 {
		p.MaxRemaining = DefaultMaxRemaining
	}
	if p.MinHealthyPercent <= 0 {
		p.MinHealthyPercent = DefaultMinHealthyPercent
	}
	if p.HealthyDeadline <= 0 {
		p.HealthyDeadline = DefaultHealthyDeadline
	}
	if len(p.RollingSteps) == 0 {
		p.RollingSteps = []int{25, 50, 100}
	}
	if p.CanaryWeight <= 0 {
		p.CanaryWeight = DefaultCanaryWeight
	}
	if p.CanaryCapacity <= 0 {
		p.CanaryCapacity = DefaultCanaryCapacity
	}
	if p.CanaryDuration <= 0 {
		p.CanaryDuration = DefaultCanaryDuration
	}
	return p
}

// healthyNeeded is how many of n instances must be healthy to pass the
// health gate.
func (p Policy) healthyNeeded(n int) int {
	return (n*p.MinHealthyPercent + 99) / 100
}

func (p Policy) waitHealthy(group string, c Capacity) Step {
	return Step{Kind: StepWaitHealthy, Group: group, Capacity: c, Healthy: p.healthyNeeded(c.Desired), Deadline: p.HealthyDeadline}
}

// enable puts a group in service and gates on its health again: some
// platforms (AWS's) check instances through a load balancer only once
// they are registered with it, so only now does the gate see what users
// will. Old groups are disabled only after it passes, so a group that
// fails it is rolled back while they still serve.
func (p Policy) enable(group string, c Capacity) []Step {
	return []Step{{Kind: StepEnable, Group: group}, p.waitHealthy(group, c)}
}

// Deploy returns the steps that move a cluster from its live groups to a
// new group, next, at capacity c, by the policy's strategy. The steps
// keep the cluster serving throughout (see [CheckTrafficGuard]).
func Deploy(policy Policy, live []Group, next string, c Capacity) ([]Step, error) {
	p := policy.withDefaults()
	live = sortedGroups(live)
	// The newest group taking all its traffic is the one to move from
	// (and a canary's baseline), not an unjudged canary or a kept
	// failure; failing that, the newest group taking any.
	var current *Group
	for i := len(live) - 1; i >= 0 && current == nil; i-- {
		if live[i].Enabled && live[i].full() && !live[i].Failed {
			current = &live[i]
		}
	}
	for i := len(live) - 1; i >= 0 && current == nil; i-- {
		if live[i].Enabled {
			current = &live[i]
		}
	}
	if current == nil {
		// A first deployment, or one after everything was disabled:
		// nothing to move traffic from.
		steps := append([]Step{{Kind: StepCreate, Group: next, Capacity: c}, p.waitHealthy(next, c)}, p.enable(next, c)...)
		return append(steps, p.retire(live, false)...), nil
	}
	switch p.Strategy {
	case "red_black":
		return p.redBlack(live, next, c, false), nil
	case "highlander":
		return p.redBlack(live, next, c, true), nil
	case "rolling":
		return p.rolling(live, *current, next, c)
	case "canary":
		return p.canary(live, *current, next, c), nil
	case "none":
		// Spinnaker's "none": the new group takes traffic beside the
		// old ones, which stay as they are.
		return []Step{{Kind: StepCreate, Group: next, Capacity: c, Enabled: true}, p.waitHealthy(next, c)}, nil
	}
	return nil, fmt.Errorf("unknown strategy %q", p.Strategy)
}

// redBlack: the new group at full capacity, healthy, then traffic moves
// all at once; old groups are disabled, and destroyed beyond the groups
// the policy keeps (all of them, for highlander).
func (p Policy) redBlack(live []Group, next string, c Capacity, highlander bool) []Step {
	steps := append([]Step{{Kind: StepCreate, Group: next, Capacity: c}, p.waitHealthy(next, c)}, p.enable(next, c)...)
	return append(steps, p.switchOver(live, highlander)...)
}

// switchOver disables the old groups once the new one serves, then
// scales them down and retires them as the policy says.
func (p Policy) switchOver(live []Group, highlander bool) []Step {
	var steps []Step
	if p.DelayBeforeDisable > 0 {
		steps = append(steps, Step{Kind: StepWait, Duration: p.DelayBeforeDisable})
	}
	for i := len(live) - 1; i >= 0; i-- {
		if live[i].Enabled {
			steps = append(steps, Step{Kind: StepDisable, Group: live[i].Name})
		}
	}
	if p.ScaleDown && !highlander {
		if p.ScaleDownDelay > 0 {
			steps = append(steps, Step{Kind: StepWait, Duration: p.ScaleDownDelay})
		}
		for _, g := range p.kept(live) {
			if g.Capacity.Desired > 0 {
				steps = append(steps, Step{Kind: StepResize, Group: g.Name, Capacity: Capacity{}})
			}
		}
	}
	return append(steps, p.retire(live, highlander)...)
}

// kept are the old groups that stay after a deployment: the newest
// MaxRemaining-1 of those that did not fail.
func (p Policy) kept(live []Group) []Group {
	var good []Group
	for _, g := range live {
		if !g.Failed {
			good = append(good, g)
		}
	}
	keep := p.MaxRemaining - 1
	if keep >= len(good) {
		return good
	}
	return good[len(good)-keep:]
}

// retire destroys, oldest first, the old groups beyond those the policy
// keeps (all of them with all set), and the failed groups kept to debug:
// they served their purpose until this deployment.
func (p Policy) retire(live []Group, all bool) []Step {
	keep := map[string]bool{}
	if !all {
		for _, g := range p.kept(live) {
			keep[g.Name] = true
		}
	}
	var steps []Step
	for _, g := range live {
		if !keep[g.Name] {
			steps = append(steps, Step{Kind: StepDestroy, Group: g.Name})
		}
	}
	return steps
}

// rolling: capacity moves from the current group to the new one in
// steps, with a health gate after each.
func (p Policy) rolling(live []Group, current Group, next string, c Capacity) ([]Step, error) {
	var steps []Step
	prev := 0
	for i, pct := range p.RollingSteps {
		if pct <= prev || pct > 100 || (i == len(p.RollingSteps)-1 && pct != 100) {
			return nil, fmt.Errorf("rolling steps %v must rise and end at 100", p.RollingSteps)
		}
		prev = pct
		n := (c.Desired*pct + 99) / 100
		nc := Capacity{Min: min(c.Min, n), Desired: n, Max: max(c.Max, n)}
		if i == 0 {
			steps = append(steps, Step{Kind: StepCreate, Group: next, Capacity: nc}, p.waitHealthy(next, nc))
			steps = append(steps, p.enable(next, nc)...)
		} else {
			if p.DelayBetweenSteps > 0 {
				steps = append(steps, Step{Kind: StepWait, Duration: p.DelayBetweenSteps})
			}
			steps = append(steps, Step{Kind: StepResize, Group: next, Capacity: nc}, p.waitHealthy(next, nc))
		}
		if pct < 100 {
			left := max(current.Capacity.Desired-n, 0)
			steps = append(steps, Step{Kind: StepResize, Group: current.Name, Capacity: Capacity{Min: min(current.Capacity.Min, left), Desired: left, Max: current.Capacity.Max}})
		}
	}
	return append(steps, p.switchOver(live, false)...), nil
}

// canary: a small group takes a share of the traffic and is judged
// against the current one; when it passes it is grown and promoted by
// red/black, when it fails it is removed and the current group keeps
// serving.
func (p Policy) canary(live []Group, current Group, next string, c Capacity) []Step {
	cc := Capacity{Min: 0, Desired: p.CanaryCapacity, Max: max(p.CanaryCapacity, c.Max)}
	steps := []Step{
		{Kind: StepCreate, Group: next, Capacity: cc},
		p.waitHealthy(next, cc),
		{Kind: StepSetWeight, Group: next, Weight: p.CanaryWeight},
		p.waitHealthy(next, cc), // in service, as after an enable
		{Kind: StepAnalyze, Group: next, Baseline: current.Name, Duration: p.CanaryDuration, OnFail: []Step{
			{Kind: StepDisable, Group: next},
			{Kind: StepDestroy, Group: next},
		}},
		{Kind: StepResize, Group: next, Capacity: c},
		p.waitHealthy(next, c),
	}
	steps = append(steps, p.enable(next, c)...)
	return append(steps, p.switchOver(live, false)...)
}

// Resize is the step that changes the capacity of the serving group in
// place, when only the capacity changed.
func Resize(group string, c Capacity) []Step {
	return []Step{{Kind: StepResize, Group: group, Capacity: c}}
}

// Teardown destroys every group of a cluster, taking traffic away first.
func Teardown(live []Group) []Step {
	live = sortedGroups(live)
	var steps []Step
	for i := len(live) - 1; i >= 0; i-- {
		if live[i].Enabled {
			steps = append(steps, Step{Kind: StepDisable, Group: live[i].Name})
		}
	}
	for _, g := range live {
		steps = append(steps, Step{Kind: StepDestroy, Group: g.Name})
	}
	return steps
}

// sortedGroups orders groups oldest first: by creation, which stays
// right when sequence numbers wrap from 999 to 000, then by sequence.
func sortedGroups(gs []Group) []Group {
	out := append([]Group(nil), gs...)
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Created.Equal(out[j].Created) {
			return out[i].Created.Before(out[j].Created)
		}
		return out[i].Seq < out[j].Seq
	})
	return out
}

// CheckTrafficGuard replays steps from the live groups and refuses the
// first that would leave a serving cluster with no enabled, healthy
// group. A group counts as healthy once a wait for its health has passed
// (or, for a live group, when it has healthy instances now).
func CheckTrafficGuard(live []Group, steps []Step) error {
	type sim struct{ enabled, healthy bool }
	groups := map[string]*sim{}
	serving := func() bool {
		for _, g := range groups {
			if g.enabled && g.healthy {
				return true
			}
		}
		return false
	}
	for _, g := range live {
		groups[g.Name] = &sim{enabled: g.Enabled, healthy: g.Healthy > 0}
	}
	if !serving() {
		return nil // nothing serves now: nothing to guard
	}
	for i, s := range steps {
		g := groups[s.Group]
		switch s.Kind {
		case StepCreate:
			groups[s.Group] = &sim{enabled: s.Enabled}
		case StepWaitHealthy:
			if g != nil {
				g.healthy = s.Healthy > 0
			}
		case StepEnable, StepSetWeight:
			if g != nil {
				g.enabled = true
			}
		case StepDisable:
			if g != nil {
				g.enabled = false
			}
		case StepResize:
			if g != nil && s.Capacity.Desired == 0 {
				g.healthy = false
			}
		case StepDestroy:
			delete(groups, s.Group)
		}
		if !serving() {
			return fmt.Errorf("step %d (%s) would leave the cluster with no enabled, healthy server group", i+1, s)
		}
	}
	return nil
}
