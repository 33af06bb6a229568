package views

import (
	"fmt"
	"strings"

	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/config/addrs"
	"github.com/tackhq/tack/planner"
	"github.com/tackhq/tack/planner/delivery"
)

// This file renders cluster changes for the three views. A cluster is
// shown as a block, like a resource: its capacity, the server_group
// spec the configuration asks for against the one serving now (with the
// same diff as resources), and the deployment's steps, numbered, as
// delivery.Lines writes them and apply will carry them out.

// visibleClusters are the cluster changes the plan shows: every one that
// does something, blocked ones included.
func visibleClusters(p *planner.Plan) []*planner.ClusterChange {
	var out []*planner.ClusterChange
	for _, c := range p.Clusters {
		if c.Changes() {
			out = append(out, c)
		}
	}
	return out
}

// hasDrift reports whether refresh found anything changed outside tack.
func hasDrift(p *planner.Plan) bool { return len(p.Drift) > 0 || len(p.ClusterDrift) > 0 }

// clusterVerb is what an action does to a cluster, after "will" or
// "would": "be deployed by red_black".
func clusterVerb(c *planner.ClusterChange, act planner.ClusterAction) string {
	switch act {
	case planner.ClusterCreate:
		return "be created"
	case planner.ClusterDeploy:
		if c.Strategy == "" {
			return "be deployed"
		}
		return "be deployed by " + c.Strategy
	case planner.ClusterResize:
		return "be resized"
	case planner.ClusterResume:
		return "resume an interrupted deployment"
	case planner.ClusterDestroy:
		return "be destroyed"
	case planner.ClusterNoOp:
		return "stay as it is"
	}
	return "change (" + string(act) + ")"
}

// clusterHeader is what is said of a cluster change above its block:
// "will be deployed by red_black: server_group changed", or for a
// blocked one "is blocked: WHY" and, on a line of its own, what it would
// have done.
func clusterHeader(c *planner.ClusterChange) header {
	h := header{addr: c.Addr.String()}
	withReason := func(s string) string {
		if c.Reason != "" {
			s += ": " + c.Reason
		}
		return s
	}
	if c.Action != planner.ClusterBlocked {
		h.phrase = withReason("will " + clusterVerb(c, c.Action))
		return h
	}
	h.phrase = "is blocked"
	if c.Blocked != "" {
		h.phrase += ": " + c.Blocked
	}
	if c.Intended != "" {
		h.reasons = append(h.reasons, "(it would "+withReason(clusterVerb(c, c.Intended))+")")
	}
	return h
}

// clusterSym is the symbol of a cluster block: none for a blocked
// change, which does nothing until it is unblocked.
func clusterSym(a planner.ClusterAction) string {
	switch a {
	case planner.ClusterCreate:
		return "+"
	case planner.ClusterDeploy, planner.ClusterResize, planner.ClusterResume:
		return "~"
	case planner.ClusterDestroy:
		return "-"
	}
	return ""
}

// clusterLines renders a cluster change as a cluster block.
func clusterLines(p *planner.Plan, c *planner.ClusterChange) []diffLine {
	d := &differ{}
	d.add(diffLine{sym: clusterSym(c.Action), depth: 0, text: "cluster " + quoteString(c.Addr.Name) + " {"})
	act := c.Action
	if act == planner.ClusterBlocked {
		act = c.Intended
	}
	if act != planner.ClusterDestroy {
		d.lines = append(d.lines, capacityLines(c, act)...)
	}

	schema := p.Schemas[c.Provider.Source][planner.ServerGroupSchemaKey]
	before, after := prepareValue(c.Current, schema), prepareValue(c.Spec, schema)
	if act == planner.ClusterDestroy {
		after = cty.NullVal(cty.DynamicPseudoType)
	}
	switch spec, ok := childAction(before, after); {
	case !ok:
	case spec == planner.NoOp:
		d.comment(1, hiddenNote(1, "block"))
	default:
		d.block(nil, actionSym(spec), "server_group ", schema, before, after, 1, false)
	}

	switch {
	case len(c.Steps) > 0:
		d.add(diffLine{blank: true})
		for _, l := range numberedSteps(c.Steps) {
			d.add(diffLine{depth: 1, text: l})
		}
	case act == planner.ClusterDestroy:
		// Its groups went outside tack: apply only forgets it.
		d.comment(1, "# (no server group is left: only the record in the state goes)")
	}
	d.add(diffLine{text: "}"})
	return d.lines
}

// capacityLines renders the capacity a change gives the cluster, and
// what changes from the capacity it has.
func capacityLines(c *planner.ClusterChange, act planner.ClusterAction) []diffLine {
	serving := 0
	// What the capacity was: that of the group a resize or resume acts
	// on, or for a deploy that of the group serving now (the newest
	// enabled one).
	var before *delivery.Capacity
	for _, g := range c.Live {
		switch {
		case act == planner.ClusterResize || act == planner.ClusterResume:
			if g.Name == c.Group {
				before = &g.Capacity
			}
		case act == planner.ClusterDeploy:
			if g.Enabled && (before == nil || g.Seq > serving) {
				before, serving = &g.Capacity, g.Seq
			}
		}
	}
	after := c.Capacity
	fields := []struct {
		name string
		b, a int
	}{{"min", 0, after.Min}, {"desired", 0, after.Desired}, {"max", 0, after.Max}}
	blockSym := ""
	if act == planner.ClusterCreate {
		blockSym = "+"
	}
	if before != nil {
		fields[0].b, fields[1].b, fields[2].b = before.Min, before.Desired, before.Max
		if *before != after {
			blockSym = "~"
		}
	}
	lines := []diffLine{{sym: blockSym, depth: 1, text: "capacity {"}}
	for _, f := range fields {
		lead := f.name + strings.Repeat(" ", len("desired")-len(f.name)) + " = "
		switch {
		case act == planner.ClusterCreate:
			lines = append(lines, diffLine{sym: "+", depth: 2, text: fmt.Sprintf("%s%d", lead, f.a)})
		case before != nil && f.b != f.a:
			lines = append(lines, diffLine{sym: "~", depth: 2, text: fmt.Sprintf("%s%d -> %d", lead, f.b, f.a)})
		default:
			lines = append(lines, diffLine{depth: 2, text: fmt.Sprintf("%s%d", lead, f.a)})
		}
	}
	return append(lines, diffLine{depth: 1, text: "}"})
}

// numberedSteps are a deployment's steps as delivery.Lines writes them,
// each top-level step numbered and a canary's failure branch indented
// under the step it belongs to.
func numberedSteps(steps []delivery.Step) []string {
	lines := delivery.Lines(steps)
	width := len(fmt.Sprint(len(steps)))
	indent := strings.Repeat(" ", width+2)
	var out []string
	n := 0
	for _, l := range lines {
		if strings.HasPrefix(l, " ") {
			out = append(out, indent+l)
			continue
		}
		n++
		out = append(out, fmt.Sprintf("%*d. %s", width, n, l))
	}
	return out
}

// clusterDriftText is one cluster drift as the plan shows it, after the
// cluster's address: "api-prod-v042 resized outside tack from 3 to 1
// instances".
func clusterDriftText(d *planner.ClusterDrift) string {
	if d.Group == "" {
		return d.Change
	}
	return d.Group + " " + d.Change
}

func clusterAddr(name string) string { return addrs.Cluster{Name: name}.String() }

// clusterCounts are the totals of the clusters' summary line, in the
// order it reads them.
type clusterCounts struct {
	Create, Deploy, Resize, Resume, Destroy, Blocked int
}

func countClusters(p *planner.Plan) clusterCounts {
	var n clusterCounts
	for _, c := range p.Clusters {
		switch c.Action {
		case planner.ClusterCreate:
			n.Create++
		case planner.ClusterDeploy:
			n.Deploy++
		case planner.ClusterResize:
			n.Resize++
		case planner.ClusterResume:
			n.Resume++
		case planner.ClusterDestroy:
			n.Destroy++
		case planner.ClusterBlocked:
			n.Blocked++
		}
	}
	return n
}

// clusterSummary is the line after "Clusters:", "1 to deploy, 1
// blocked.", naming only what there is; "" when no cluster changes.
func clusterSummary(n clusterCounts) string {
	var parts []string
	for _, part := range []struct {
		n    int
		text string
	}{
		{n.Create, "to create"}, {n.Deploy, "to deploy"}, {n.Resize, "to resize"},
		{n.Resume, "to resume"}, {n.Destroy, "to destroy"}, {n.Blocked, "blocked"},
	} {
		if part.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", part.n, part.text))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return strings.Join(parts, ", ") + "."
}
