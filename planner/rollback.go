package planner

import (
	"context"
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/config"
	"github.com/tackhq/tack/config/addrs"
	"github.com/tackhq/tack/planner/delivery"
	"github.com/tackhq/tack/state"
)

// ClusterRollback is the action of tack rollback: the previous server
// group serves again. It is never part of a plan.
const ClusterRollback ClusterAction = "rollback"

// Rollback puts a cluster's previous server group back in service: the
// newest disabled group older than the one serving is brought back to
// capacity if it was scaled down, gated on health, enabled, and then the
// serving group is disabled (not destroyed: rolling forward again is a
// plan away). confirm sees the change before anything is done and may
// refuse it. The state is persisted after every step, and the rollback
// recorded in the cluster's history.
func (p *Planner) Rollback(ctx context.Context, cluster addrs.Cluster, persist Persist, confirm func(*ClusterChange) bool) (*state.State, hcl.Diagnostics) {
	w := newWalker(p, PlanOpts{Mode: NormalMode}, p.opts.State)
	defer w.providers.closeAll()
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	w.applying = newApplyRun(w.refreshed, persist, p.opts.Events)
	w.applying.stop = stop

	cfg := w.cfg.Module.Clusters[cluster.Name]
	if cfg == nil {
		w.applying.finish()
		return w.refreshed.Close(), hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "No such cluster",
			Detail:   fmt.Sprintf("The configuration has no %s.%s", cluster, suggestCluster(w.cfg.Module, cluster.Name)),
		}}
	}
	g, diags := buildGraph(w,
		&rollbackTransformer{n: &nodeRollbackCluster{c: cfg, confirm: confirm}},
		&providerTransformer{},
		&referenceTransformer{},
	)
	if !diags.HasErrors() {
		diags = append(diags, g.walk(ctx, w, p.opts.Parallelism)...)
	}
	if err := w.applying.finish(); err != nil {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Failed to save state", Detail: fmt.Sprintf("Writing the state failed: %s.", err)})
	}
	return w.refreshed.Close(), diags
}

func suggestCluster(m *config.Module, name string) string {
	if len(m.Clusters) == 0 {
		return " (it declares no clusters)."
	}
	return fmt.Sprintf(" Its clusters are: %v.", sortedKeys(m.Clusters))
}

type rollbackTransformer struct{ n *nodeRollbackCluster }

func (t *rollbackTransformer) transform(g *graph, w *walker) hcl.Diagnostics {
	g.add(t.n)
	return nil
}

// nodeRollbackCluster carries out tack rollback for one cluster.
type nodeRollbackCluster struct {
	c       *config.Cluster
	confirm func(*ClusterChange) bool
}

func (n *nodeRollbackCluster) name() string {
	return "rollback " + addrs.Cluster{Name: n.c.Name}.String()
}
func (n *nodeRollbackCluster) provider(w *walker) providerKey { return clusterProviderKey(n.c) }

func (n *nodeRollbackCluster) execute(ctx context.Context, w *walker) hcl.Diagnostics {
	pi := w.providers.get(n.provider(w))
	d, diags := w.evalCluster(n.c, pi)
	if diags.HasErrors() {
		return diags
	}
	rec, live, ldiags := w.refreshCluster(ctx, pi, d.ref, nil, n.c.DeclRange)
	diags = append(diags, ldiags...)
	if ldiags.HasErrors() {
		return diags
	}
	fail := func(format string, args ...any) hcl.Diagnostics {
		return append(diags, clusterError(n.c.DeclRange, "Cannot roll back", format, args...)...)
	}

	groups := live.groups(rec)
	current := -1
	for i := len(groups) - 1; i >= 0; i-- {
		if groups[i].Enabled {
			current = i
			break
		}
	}
	if current < 0 {
		return fail("No server group of %s takes traffic, so there is nothing to roll back from.", n.c.Name)
	}
	prev := -1
	for i := current - 1; i >= 0; i-- {
		if !groups[i].Enabled && !groups[i].Failed { // not a failure kept to debug
			prev = i
			break
		}
	}
	if prev < 0 {
		return fail("%s has no disabled server group older than %s to roll back to: it was destroyed, or there never was one.", n.c.Name, groups[current].Name)
	}
	cur, back := groups[current], groups[prev]
	c := back.Capacity
	if c.Desired < cur.Capacity.Desired {
		c = cur.Capacity // scaled down after the last deployment, or by a rolling one
	}
	var steps []delivery.Step
	if back.Capacity != c {
		steps = append(steps, delivery.Step{Kind: delivery.StepResize, Group: back.Name, Capacity: c})
	}
	wait := d.policy.policy
	if wait.MinHealthyPercent <= 0 {
		wait.MinHealthyPercent = delivery.DefaultMinHealthyPercent
	}
	if wait.HealthyDeadline <= 0 {
		wait.HealthyDeadline = delivery.DefaultHealthyDeadline
	}
	steps = append(steps,
		delivery.Step{Kind: delivery.StepWaitHealthy, Group: back.Name, Capacity: c, Healthy: (c.Desired*wait.MinHealthyPercent + 99) / 100, Deadline: wait.HealthyDeadline},
		delivery.Step{Kind: delivery.StepEnable, Group: back.Name},
		delivery.Step{Kind: delivery.StepDisable, Group: cur.Name},
	)
	ch := &ClusterChange{
		Addr: addrs.Cluster{Name: n.c.Name}, Ref: d.ref, Provider: pi.ref(), Action: ClusterRollback,
		Reason:   fmt.Sprintf("tack rollback: %s serves again instead of %s", back.Name, cur.Name),
		Strategy: string(ClusterRollback), Group: back.Name, Capacity: c, Live: groups, Steps: steps,
		Spec: cty.NullVal(cty.DynamicPseudoType), Current: cty.NullVal(cty.DynamicPseudoType), LoadBalancers: cty.ListValEmpty(cty.String),
	}
	for _, g := range live.list {
		if g.Name == back.Name {
			ch.Version = g.Version
		}
	}
	if err := delivery.CheckTrafficGuard(groups, steps); err != nil {
		return fail("The traffic guard refuses it: %s.", err)
	}
	if n.confirm != nil && !n.confirm(ch) {
		return append(diags, clusterError(n.c.DeclRange, "Rollback cancelled", "Nothing was changed: the rollback of %s was not confirmed.", n.c.Name)...)
	}
	eng := &delivery.Engine{
		Groups: live.sg, Cluster: d.ref, Live: groups, Now: w.p.opts.Now,
		Progress: func(p delivery.Progress) { w.emit(DeploymentProgress{Cluster: ch.Addr, Progress: p}) },
	}
	return append(diags, w.runDeployment(ctx, ch, eng, pi.ref(), n.c.DeclRange)...)
}
