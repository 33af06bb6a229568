package planner

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/tackhq/tack/config"
	"github.com/tackhq/tack/config/addrs"
	"github.com/tackhq/tack/planner/delivery"
	"github.com/tackhq/tack/plugins/sdk"
	"github.com/tackhq/tack/state"
)

// nodeApplyCluster carries out one cluster change with the delivery
// engine, recording the cluster's groups and the deployment in the state
// after every step.
type nodeApplyCluster struct {
	c *ClusterChange
	// cfg is the cluster's block; nil when the cluster is destroyed.
	cfg *config.Cluster
}

func (n *nodeApplyCluster) name() string {
	if n.c.Action == ClusterDestroy {
		return "destroy " + n.c.Addr.String()
	}
	return n.c.Addr.String()
}

func (n *nodeApplyCluster) provider(w *walker) providerKey {
	if n.cfg != nil {
		return clusterProviderKey(n.cfg)
	}
	return orphanProviderKey(w, n.c.Provider)
}

func (n *nodeApplyCluster) references() []*addrs.Reference {
	if n.cfg != nil {
		return clusterReferences(n.cfg)
	}
	return nil
}

func (n *nodeApplyCluster) execute(ctx context.Context, w *walker) hcl.Diagnostics {
	ch := n.c
	subject := hcl.Range{}
	if n.cfg != nil {
		subject = n.cfg.DeclRange
	}
	fail := func(summary, format string, args ...any) hcl.Diagnostics {
		return clusterError(subject, summary, format, args...)
	}
	// A blocked change leaves its cluster as it is, and the rest of the
	// apply goes on: the block is reported when the apply ends.
	held := func(format string, args ...any) hcl.Diagnostics {
		w.holdBack(fail("Cluster change blocked", format, args...))
		return nil
	}
	if ch.Action == ClusterBlocked {
		return held("%s was not changed: %s.%s", ch.Addr, ch.Blocked, ch.hints())
	}
	if w.interrupted() {
		return nil
	}
	pi := w.providers.get(n.provider(w))
	groups, ok := pi.prov.(sdk.ServerGroups)
	if !ok {
		return fail("Provider does not host clusters", "Provider %s serves no server groups.", pi.source)
	}
	// Providers get values without marks, as for resources: whether a
	// value is sensitive is tack's to show, not the platform's.
	spec, _ := ch.Spec.UnmarkDeep()
	eng := &delivery.Engine{
		Groups: groups, Cluster: ch.Ref, Judgement: ch.Judgement, Rollback: ch.Rollback, Live: ch.Live,
		Template: sdk.ServerGroup{Cluster: ch.Ref, Version: ch.Version, SpecHash: ch.SpecHash, Spec: spec},
		Now:      w.p.opts.Now,
		Progress: func(p delivery.Progress) { w.emit(DeploymentProgress{Cluster: ch.Addr, Progress: p}) },
	}
	if m, ok := pi.prov.(sdk.Metrics); ok && pi.schema.Capabilities.Metrics {
		eng.Metrics = m
	}
	// A resume has nothing of its own to roll back: its steps create
	// nothing, and undoing them could take away the group the cluster
	// was being brought back to. A failed gate leaves the groups as they
	// are, still serving, for the next plan.
	if n.cfg != nil {
		// What was unknown when planning is known now; and the window
		// may have closed since the plan was made.
		d, diags := w.evalCluster(n.cfg, pi)
		if diags.HasErrors() {
			return diags
		}
		env, ediags := w.environment(n.cfg.EnvironmentName)
		if ediags.HasErrors() {
			return ediags
		}
		closed := func() string {
			for _, c := range windowConstraints(ch, d.policy.window, env, w.p.opts.Now()) {
				if c.Status == ConstraintBlocked {
					return fmt.Sprintf("%s was not changed: it is %s now. To go ahead: %s.", ch.Addr, c.Detail, c.Hint)
				}
			}
			return ""
		}
		if why := closed(); why != "" {
			return held("%s", why)
		}
		if ch.Action != ClusterCreate && ch.Action != ClusterDeploy {
			return w.runDeployment(ctx, ch, eng, pi.ref(), subject)
		}
		if ch.SpecHash != "" && d.specHash != ch.SpecHash {
			return fail("Cluster spec changed since the plan", "The server_group of %s evaluates differently now than when it was planned. Plan again.", ch.Addr)
		}
		lbs, _ := d.loadBalancers.UnmarkDeep()
		if !lbs.IsWhollyKnown() {
			return fail("Load balancers not known", "The load balancers of %s are still not known after the objects they depend on were applied; this is a bug in tack.", ch.Addr)
		}
		err := w.awaitUpstream(ctx, ch)
		switch {
		case w.interrupted():
			return nil // the walk reports the interruption; nothing was changed
		case err != nil:
			return held("%s was not changed: %s.", ch.Addr, err)
		}
		// A soak may have outlasted the window.
		if why := closed(); why != "" {
			return held("%s", why)
		}
		spec, _ := d.spec.UnmarkDeep()
		eng.Template.Spec, eng.Template.SpecHash, eng.Template.Version = spec, d.specHash, d.version
		for _, v := range lbs.AsValueSlice() {
			eng.Template.LoadBalancers = append(eng.Template.LoadBalancers, v.AsString())
		}
	}

	return w.runDeployment(ctx, ch, eng, pi.ref(), subject)
}

// runDeployment runs a cluster change's steps with eng, recording the
// deployment in the cluster's history and saving the state before the
// first step and after every one; a failure is a diagnostic that says
// what the rollback did.
func (w *walker) runDeployment(ctx context.Context, ch *ClusterChange, eng *delivery.Engine, provider state.ProviderRef, subject hcl.Range) hcl.Diagnostics {
	fail := func(summary, format string, args ...any) hcl.Diagnostics {
		return clusterError(subject, summary, format, args...)
	}
	dep := &state.Deployment{
		ID: newDeploymentID(), ServerGroup: ch.Group, Version: ch.Version, Strategy: ch.Strategy,
		Kind: deploymentKind(ch.Action), Outcome: state.DeploymentInProgress, Started: w.p.opts.Now(),
	}
	for _, g := range ch.Live {
		if g.Enabled {
			dep.From = append(dep.From, g.Name)
		}
	}
	rec := &clusterRecorder{w: w, ch: ch, groups: eng.Groups, dep: dep, provider: provider}
	if err := rec.save(ctx); err != nil {
		return fail("Failed to save state", "Recording the start of the deployment of %s failed: %s. Nothing was changed.", ch.Addr, err)
	}
	var saveErr error
	res, err := eng.Run(ctx, ch.Steps, func(r delivery.Record) error {
		dep.Steps = append(dep.Steps, state.DeploymentStep{Description: r.Step.String(), Started: r.Started, Ended: r.Ended, Error: r.Err, Rollback: r.Rollback})
		saveErr = rec.save(ctx)
		return saveErr
	})
	dep.Finished = w.p.opts.Now()
	dep.Outcome, dep.Reason = res.Outcome, res.Reason
	switch {
	case saveErr != nil:
		// The deployment stopped because its progress could not be
		// saved, not because it failed: the next plan sees the live
		// groups and resumes it.
		dep.Outcome, dep.Finished = state.DeploymentInProgress, time.Time{}
	case ctx.Err() != nil && dep.Outcome == state.DeploymentFailed:
		// Interrupted: the deployment is neither done nor undone.
		dep.Outcome, dep.Finished = state.DeploymentInProgress, time.Time{}
	case dep.Outcome == "":
		dep.Outcome = state.DeploymentFailed
	}
	if serr := rec.save(ctx); serr != nil && saveErr == nil {
		saveErr = serr
	}
	if saveErr != nil {
		w.emit(ClusterChanged{Cluster: ch.Addr, Action: ch.Action, Outcome: dep.Outcome})
		return fail("Failed to save state", "The %s of %s stopped: saving its progress failed: %s. The server groups are as the last step left them; the next plan shows them and offers to finish.", deploymentKind(ch.Action), ch.Addr, saveErr)
	}
	w.emit(ClusterChanged{Cluster: ch.Addr, Action: ch.Action, Outcome: dep.Outcome})
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) {
		return nil // the walk reports the interruption
	}
	var why strings.Builder
	fmt.Fprintf(&why, "The %s of %s failed: %s.", deploymentKind(ch.Action), ch.Addr, res.Reason)
	switch res.Outcome {
	case state.DeploymentRolledBack:
		fmt.Fprintf(&why, " It was rolled back: the groups that served before serve again, each past its health gate")
		if ch.Rollback.KeepFailed {
			fmt.Fprintf(&why, ", and %s is kept, disabled, to debug", ch.Group)
		} else {
			fmt.Fprintf(&why, ", and %s was destroyed", ch.Group)
		}
		why.WriteString(".")
	case state.DeploymentCanaryFailed:
		fmt.Fprintf(&why, " The canary %s was removed; the cluster serves as before.", ch.Group)
	}
	return fail("Deployment failed", "%s", why.String())
}

// clusterError is an error diagnostic about a cluster.
func clusterError(subject hcl.Range, summary, format string, args ...any) hcl.Diagnostics {
	return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(format, args...), Subject: subject.Ptr()}}
}

// clusterRecorder writes a cluster's live groups and its deployment's
// progress into the state, and saves it.
type clusterRecorder struct {
	w        *walker
	ch       *ClusterChange
	groups   sdk.ServerGroups
	provider state.ProviderRef
	dep      *state.Deployment
}

// save lists the cluster's groups (the platform's word is the truth
// after each step, a rollback's included) and persists the state before
// the deployment goes on.
func (r *clusterRecorder) save(ctx context.Context) error {
	resp := r.groups.ListServerGroups(context.WithoutCancel(ctx), sdk.ListServerGroupsRequest{Cluster: r.ch.Ref})
	if err := resp.Diagnostics.Err(); resp.Diagnostics.HasErrors() {
		return fmt.Errorf("listing the server groups of %s: %w", r.ch.Ref.Name, err)
	}
	c := r.w.refreshed.Cluster(r.ch.Ref.Name)
	if c == nil {
		c = &state.Cluster{Name: r.ch.Ref.Name, Config: r.ch.Addr.String(), Environment: r.ch.Environment}
		if env, _ := r.w.environment(r.ch.Environment); env != nil {
			c.Protected = env.protected
		}
	}
	c.Provider = r.provider
	c.ServerGroups = nil
	for _, g := range sortedByCreation(resp.ServerGroups) {
		c.ServerGroups = append(c.ServerGroups, recordedGroup(g))
	}
	dep := *r.dep
	dep.From, dep.Steps = append([]string(nil), r.dep.From...), append([]state.DeploymentStep(nil), r.dep.Steps...)
	if n := len(c.History); n > 0 && c.History[n-1].ID == dep.ID {
		c.History[n-1] = &dep
	} else {
		c.History = append(c.History, &dep)
	}
	if len(c.ServerGroups) == 0 && r.ch.Action == ClusterDestroy && dep.Outcome == state.DeploymentSucceeded {
		c = nil // a destroyed cluster leaves the state with its last group
	}
	r.w.refreshed.SetCluster(r.ch.Ref.Name, c)
	return r.w.applying.flush()
}

func sortedByCreation(gs []sdk.ServerGroup) []sdk.ServerGroup {
	gs = append([]sdk.ServerGroup(nil), gs...)
	sort.SliceStable(gs, func(i, j int) bool {
		if !gs[i].CreatedAt.Equal(gs[j].CreatedAt) {
			return gs[i].CreatedAt.Before(gs[j].CreatedAt)
		}
		return gs[i].Sequence < gs[j].Sequence
	})
	return gs
}

func deploymentKind(a ClusterAction) string {
	switch a {
	case ClusterResize:
		return state.DeploymentResize
	case ClusterResume:
		return state.DeploymentResume
	case ClusterDestroy:
		return state.DeploymentDestroy
	case ClusterRollback:
		return state.DeploymentRollback
	}
	return state.DeploymentDeploy
}

// newDeploymentID is a random identifier for a deployment's record.
func newDeploymentID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "d-" + hex.EncodeToString(b)
}
