package delivery

// Resume returns the steps that finish a deployment an interrupted apply
// left half done, or undo one the configuration no longer asks for:
// target is the live group that runs what the configuration says, at
// capacity c. Groups newer than target are what the interrupted
// deployment created for another spec: they leave. target is brought to
// capacity, gated on health and enabled; the groups before it are
// disabled and retired as the policy says, as a finished deployment
// would have left them.
func Resume(policy Policy, live []Group, target string, c Capacity) []Step {
	p := policy.withDefaults()
	live = sortedGroups(live)
	var t *Group
	var older, newer []Group
	for i := range live {
		switch {
		case live[i].Name == target:
			t = &live[i]
		case t == nil:
			older = append(older, live[i])
		default:
			newer = append(newer, live[i])
		}
	}
	if t == nil {
		return nil
	}
	var steps []Step
	if t.Capacity != c {
		steps = append(steps, Step{Kind: StepResize, Group: t.Name, Capacity: c})
	}
	steps = append(steps, p.waitHealthy(t.Name, c))
	if !t.Enabled {
		steps = append(steps, p.enable(t.Name, c)...)
	}
	for _, g := range newer {
		if g.Enabled {
			steps = append(steps, Step{Kind: StepDisable, Group: g.Name})
		}
		if !g.Failed { // a failure kept to debug stays, disabled
			steps = append(steps, Step{Kind: StepDestroy, Group: g.Name})
		}
	}
	if p.Strategy == "none" {
		return steps
	}
	for i := len(older) - 1; i >= 0; i-- {
		if older[i].Enabled {
			steps = append(steps, Step{Kind: StepDisable, Group: older[i].Name})
		}
	}
	return append(steps, p.retire(older, p.Strategy == "highlander")...)
}

// Settled reports whether a cluster already looks as a finished
// deployment of target leaves it: target is the newest group and
// enabled, and (unless the strategy is none) it alone takes traffic and
// no more groups remain than the policy keeps.
func Settled(policy Policy, live []Group, target string) bool {
	p := policy.withDefaults()
	live = sortedGroups(live)
	if len(live) == 0 || live[len(live)-1].Name != target || !live[len(live)-1].Enabled {
		return false
	}
	if p.Strategy == "none" {
		return true
	}
	good := 0
	for _, g := range live[:len(live)-1] {
		if g.Enabled {
			return false
		}
		if !g.Failed {
			good++
		}
	}
	keep := p.MaxRemaining
	if p.Strategy == "highlander" {
		keep = 1
	}
	return good+1 <= keep
}
