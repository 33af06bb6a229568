package planner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/tackhq/tack/config"
	"github.com/tackhq/tack/config/addrs"
	"github.com/tackhq/tack/planner/delivery"
	"github.com/tackhq/tack/plugins/sdk"
	"github.com/tackhq/tack/state"
)

// nodePlanCluster plans one cluster of the configuration: it lists the
// live server groups, notes what changed outside tack, and decides
// between create, deploy, resize, resume, no-op and blocked.
type nodePlanCluster struct {
	c *config.Cluster
}

func (n *nodePlanCluster) name() string { return addrs.Cluster{Name: n.c.Name}.String() }

func (n *nodePlanCluster) provider(w *walker) providerKey { return clusterProviderKey(n.c) }

func (n *nodePlanCluster) references() []*addrs.Reference { return clusterReferences(n.c) }

func clusterProviderKey(c *config.Cluster) providerKey {
	if c.ProviderRef != nil {
		return providerKey{name: c.ProviderRef.Name, alias: c.ProviderRef.Alias}
	}
	return providerKey{}
}

// clusterReferences are what a cluster's arguments and server_group
// block refer to.
func clusterReferences(c *config.Cluster) []*addrs.Reference {
	var refs []*addrs.Reference
	exprs := []hcl.Expression{c.Application, c.Stack, c.Detail, c.Delivery, c.Environment, c.LoadBalancers}
	if c.Capacity != nil {
		exprs = append(exprs, c.Capacity.Min, c.Capacity.Desired, c.Capacity.Max)
	}
	for _, e := range exprs {
		rs, _ := config.References(e)
		refs = append(refs, rs...)
	}
	for _, t := range bodyTraversals(c.ServerGroup) {
		if ref, d := addrs.ParseRef(t); !d.HasErrors() {
			refs = append(refs, ref)
		}
	}
	return refs
}

// desiredCluster is a cluster's configuration, evaluated.
type desiredCluster struct {
	ref           sdk.ClusterRef
	policy        clusterPolicy
	capacity      delivery.Capacity
	spec          cty.Value
	specHash      string
	version       string
	loadBalancers cty.Value
}

func (n *nodePlanCluster) execute(ctx context.Context, w *walker) hcl.Diagnostics {
	pi := w.providers.get(n.provider(w))
	d, diags := w.evalCluster(n.c, pi)
	if diags.HasErrors() {
		return diags
	}
	env, ediags := w.environment(n.c.EnvironmentName)
	diags = append(diags, ediags...)
	rec, live, ldiags := w.refreshCluster(ctx, pi, d.ref, env.record(), n.c.DeclRange)
	diags = append(diags, ldiags...)
	if ldiags.HasErrors() {
		return diags
	}

	ch := &ClusterChange{
		Addr: addrs.Cluster{Name: n.c.Name}, Ref: d.ref, Provider: pi.ref(),
		Strategy: d.policy.policy.Strategy, Version: d.version, Capacity: d.capacity,
		Spec: d.spec, SpecHash: d.specHash, Current: cty.NullVal(d.spec.Type()), LoadBalancers: d.loadBalancers,
		Live: live.groups(rec), Policy: d.policy.policy, Judgement: d.policy.judgement, Rollback: d.policy.rollback,
		Environment: n.c.EnvironmentName,
	}
	if cur := live.serving(); cur != nil {
		ch.Current = cur.Spec
	}
	if w.opts.Mode == RefreshOnlyMode {
		ch.Action = ClusterNoOp
		w.addCluster(ch)
		return diags
	}
	if err := decideCluster(ch, live, rec); err != nil {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Cannot plan cluster",
			Detail:   fmt.Sprintf("Planning %s: %s.", ch.Addr, err),
			Subject:  n.c.DeclRange.Ptr(),
		})
		return diags
	}
	if ch.Rollback.KeepFailed {
		keepFailedCanary(ch.Steps)
	}
	ch.constrain(windowConstraints(ch, d.policy.window, env, w.p.opts.Now())...)
	if env != nil {
		ch.constrain(recordConstraints(ch, env, w.refreshed.Environment(env.name))...)
	}
	w.addCluster(ch)
	return diags
}

// keepFailedCanary drops the destroy from what a failed canary's
// analysis does, when the policy keeps failed groups to debug: the
// canary is only disabled.
func keepFailedCanary(steps []delivery.Step) {
	for i := range steps {
		var kept []delivery.Step
		for _, f := range steps[i].OnFail {
			if f.Kind != delivery.StepDestroy {
				kept = append(kept, f)
			}
		}
		if len(steps[i].OnFail) > 0 {
			steps[i].OnFail = kept
		}
	}
}

// block marks a change as blocked, keeping what it would have done.
func (c *ClusterChange) block(why string) {
	c.Intended, c.Action, c.Blocked = c.Action, ClusterBlocked, why
}

// evalCluster evaluates a cluster's arguments, its capacity and its
// server_group block against the provider's schema.
func (w *walker) evalCluster(c *config.Cluster, pi *providerInstance) (desiredCluster, hcl.Diagnostics) {
	var d desiredCluster
	var diags hcl.Diagnostics
	if !pi.schema.Capabilities.ServerGroups {
		return d, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Provider does not host clusters",
			Detail:   fmt.Sprintf("Cluster %q uses provider %s, which does not host server groups.", c.Name, pi.source),
			Subject:  c.DeclRange.Ptr(),
		}}
	}
	s := w.scope(addrs.RootModuleInstance)
	str := func(e hcl.Expression, what string) string {
		if e == nil {
			return ""
		}
		v, vd := s.EvalExpr(e, cty.DynamicPseudoType)
		diags = append(diags, vd...)
		v, _ = v.UnmarkDeep()
		if vd.HasErrors() || v.IsNull() {
			return ""
		}
		if v.Type().IsObjectType() && v.Type().HasAttribute("name") { // application.api
			v = v.GetAttr("name")
		}
		if !v.IsKnown() || v.Type() != cty.String {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid " + what,
				Detail:   fmt.Sprintf("A cluster's %s must be a string known when planning.", what),
				Subject:  e.Range().Ptr(),
			})
			return ""
		}
		return v.AsString()
	}
	d.ref = sdk.ClusterRef{Name: c.Name, Application: str(c.Application, "application"), Stack: str(c.Stack, "stack"), Detail: str(c.Detail, "detail")}
	if diags.HasErrors() {
		return d, diags
	}
	if want := clusterName(d.ref); want != c.Name {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Cluster name does not match its parts",
			Detail:   fmt.Sprintf("A cluster is named application-stack-detail; with application %q, stack %q and detail %q this cluster must be named %q.", d.ref.Application, d.ref.Stack, d.ref.Detail, want),
			Subject:  c.DeclRange.Ptr(),
		})
	}

	var dp *config.DeliveryPolicy
	if c.Delivery != nil {
		refs, _ := config.References(c.Delivery)
		for _, r := range refs {
			if a, ok := r.Subject.(addrs.DeliveryPolicy); ok {
				dp = w.cfg.Module.DeliveryPolicies[a.Name]
			}
		}
		if dp == nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid delivery",
				Detail:   "A cluster's delivery refers to a delivery policy, as in delivery = delivery_policy.safe.",
				Subject:  c.Delivery.Range().Ptr(),
			})
		}
	}
	pol, pdiags := clusterPolicyFromConfig(s, dp)
	diags = append(diags, pdiags...)
	d.policy = pol

	d.capacity, diags = evalCapacity(s, c, diags)

	schema := pi.schema.Capabilities.ServerGroupSchema.Block
	w.rememberSchema(pi.source, ServerGroupSchemaKey, &schema)
	spec, sdiags := s.EvalBlock(c.ServerGroup, &schema)
	diags = append(diags, sdiags...)
	if sdiags.HasErrors() {
		return d, diags
	}
	d.spec = spec
	d.version = specVersion(spec)

	lbs, ldiags := s.EvalExpr(c.LoadBalancers, cty.List(cty.String))
	diags = append(diags, ldiags...)
	if lbs.IsNull() {
		lbs = cty.ListValEmpty(cty.String)
	}
	d.loadBalancers = lbs
	if spec.IsWhollyKnown() && lbs.IsWhollyKnown() {
		d.specHash = specHash(spec, lbs)
	}
	return d, diags
}

// clusterName joins a cluster's parts as Spinnaker does: api, api-prod,
// api-prod-canary, api--canary.
func clusterName(r sdk.ClusterRef) string {
	switch {
	case r.Detail != "":
		return r.Application + "-" + r.Stack + "-" + r.Detail
	case r.Stack != "":
		return r.Application + "-" + r.Stack
	}
	return r.Application
}

// evalCapacity evaluates a cluster's capacity block. Without one a
// cluster runs one instance; min and max default to desired.
func evalCapacity(s *config.Scope, c *config.Cluster, diags hcl.Diagnostics) (delivery.Capacity, hcl.Diagnostics) {
	if c.Capacity == nil {
		return delivery.Capacity{Min: 1, Desired: 1, Max: 1}, diags
	}
	num := func(e hcl.Expression) (int, bool) {
		if e == nil {
			return 0, false
		}
		v, d := s.EvalExpr(e, cty.Number)
		diags = append(diags, d...)
		v, _ = v.Unmark()
		if d.HasErrors() || !known(v) {
			if !d.HasErrors() {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Capacity not known", Detail: "A cluster's capacity must be known when planning: the deployment's steps depend on it.", Subject: e.Range().Ptr()})
			}
			return 0, false
		}
		n, acc := v.AsBigFloat().Int64()
		if acc != 0 || n < 0 {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid capacity", Detail: "Capacity is a whole number of instances, zero or more.", Subject: e.Range().Ptr()})
			return 0, false
		}
		return int(n), true
	}
	var cp delivery.Capacity
	cp.Desired, _ = num(c.Capacity.Desired)
	var ok bool
	if cp.Min, ok = num(c.Capacity.Min); !ok {
		cp.Min = cp.Desired
	}
	if cp.Max, ok = num(c.Capacity.Max); !ok {
		cp.Max = cp.Desired
	}
	if !diags.HasErrors() && (cp.Min > cp.Desired || cp.Desired > cp.Max) {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid capacity",
			Detail:   fmt.Sprintf("A cluster's capacity needs min ≤ desired ≤ max; this one has min %d, desired %d, max %d.", cp.Min, cp.Desired, cp.Max),
			Subject:  c.Capacity.DeclRange.Ptr(),
		})
	}
	return cp, diags
}

// specHash is a server group's fingerprint: the sha256 of its
// server_group block's JSON form and of the load balancers it registers
// with, in order. Two groups with equal hashes run the same thing behind
// the same load balancers; a group is immutable, so a new load balancer
// (one replaced, say) is a new group.
func specHash(spec, loadBalancers cty.Value) string {
	spec, _ = spec.UnmarkDeep()
	loadBalancers, _ = loadBalancers.UnmarkDeep()
	b, err := ctyjson.Marshal(spec, spec.Type())
	if err != nil {
		return ""
	}
	h := sha256.New()
	h.Write(b)
	for _, lb := range loadBalancers.AsValueSlice() {
		h.Write([]byte("\x00" + lb.AsString()))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// specVersion is the artifact version a spec runs: its version
// attribute, or else its artifact.
func specVersion(spec cty.Value) string {
	spec, _ = spec.UnmarkDeep()
	if spec.IsNull() || !spec.IsKnown() {
		return ""
	}
	for _, name := range []string{"version", "artifact"} {
		if spec.Type().IsObjectType() && spec.Type().HasAttribute(name) {
			v := spec.GetAttr(name)
			if v.IsKnown() && !v.IsNull() && v.Type() == cty.String {
				return v.AsString()
			}
		}
	}
	return ""
}

// liveCluster is a cluster's server groups as listed, with their health.
type liveCluster struct {
	// sg is the provider's server groups service.
	sg   sdk.ServerGroups
	list []sdk.ServerGroup // oldest first
	// instances and healthy count each group's instances, by name.
	instances, healthy map[string]int
}

// groups are the live groups as the delivery package plans with them;
// rec's history tells which were kept after their deployment failed.
func (l *liveCluster) groups(rec *state.Cluster) []delivery.Group {
	var out []delivery.Group
	for _, g := range l.list {
		out = append(out, delivery.Group{
			Name: g.Name, Seq: int(g.Sequence), Enabled: g.Traffic.Enabled, Weight: int(g.Traffic.Weight), Healthy: l.healthy[g.Name],
			Capacity: delivery.Capacity{Min: int(g.Capacity.Min), Desired: int(g.Capacity.Desired), Max: int(g.Capacity.Max)},
			Created:  g.CreatedAt, Failed: failedDeployment(rec, g.Name) != "",
		})
	}
	return out
}

// serving is the newest group taking traffic, or nil.
func (l *liveCluster) serving() *sdk.ServerGroup {
	for i := len(l.list) - 1; i >= 0; i-- {
		if l.list[i].Traffic.Enabled {
			return &l.list[i]
		}
	}
	return nil
}

// refreshCluster reads a cluster's live groups, notes what differs from
// its record as drift, and records them in the refreshed state; rec is
// the record as it was before.
//
// env is the environment the configuration puts the cluster in, as the
// state records it; nil keeps the recorded one.
func (w *walker) refreshCluster(ctx context.Context, pi *providerInstance, ref sdk.ClusterRef, env *clusterEnv, subject hcl.Range) (rec *state.Cluster, live *liveCluster, diags hcl.Diagnostics) {
	rec = w.refreshed.Cluster(ref.Name)
	live, diags = w.liveGroups(ctx, pi, ref, rec, subject)
	if diags.HasErrors() {
		return rec, nil, diags
	}
	w.recordRefreshedCluster(ref.Name, rec, pi.ref(), env, live)
	return rec, live, diags
}

// liveGroups lists a cluster's server groups and reads their health.
// With -refresh=false the recorded groups stand in, taken as healthy.
func (w *walker) liveGroups(ctx context.Context, pi *providerInstance, ref sdk.ClusterRef, rec *state.Cluster, subject hcl.Range) (*liveCluster, hcl.Diagnostics) {
	sg, ok := pi.prov.(sdk.ServerGroups)
	if !ok {
		return nil, clusterError(subject, "Provider does not host clusters", "Provider %s serves no server groups.", pi.source)
	}
	l := &liveCluster{sg: sg, instances: map[string]int{}, healthy: map[string]int{}}
	if w.opts.SkipRefresh {
		if rec != nil {
			for _, g := range rec.ServerGroups {
				l.list = append(l.list, sdk.ServerGroup{
					Name: g.Name, Cluster: ref, Sequence: int32(g.Sequence), SpecHash: g.SpecHash, Version: g.Version,
					Capacity: sdk.Capacity{Min: int64(g.Capacity.Min), Desired: int64(g.Capacity.Desired), Max: int64(g.Capacity.Max)},
					Traffic:  sdk.Traffic{Enabled: g.Enabled, Weight: int32(g.Weight)}, CreatedAt: g.CreatedAt,
					Spec: cty.NullVal(cty.DynamicPseudoType),
				})
				l.instances[g.Name], l.healthy[g.Name] = g.Capacity.Desired, g.Capacity.Desired
			}
		}
		return l, nil
	}
	ctx = context.WithoutCancel(ctx)
	resp := sg.ListServerGroups(ctx, sdk.ListServerGroupsRequest{Cluster: ref})
	if resp.Diagnostics.HasErrors() {
		return nil, diagsFromProvider(resp.Diagnostics, nil, subject, "cluster."+ref.Name)
	}
	l.list = sortedByCreation(resp.ServerGroups)
	var diags hcl.Diagnostics
	for _, g := range l.list {
		h := sg.GetHealth(ctx, sdk.GetHealthRequest{Cluster: ref, Name: g.Name})
		if h.Diagnostics.HasErrors() {
			diags = append(diags, diagsFromProvider(h.Diagnostics, nil, subject, "cluster."+ref.Name)...)
			continue
		}
		l.instances[g.Name] = len(h.Instances)
		for _, in := range h.Instances {
			if in.State == sdk.HealthUp {
				l.healthy[g.Name]++
			}
		}
	}
	return l, diags
}

// recordRefreshedCluster notes what differs between the recorded groups
// and the live ones as drift, and records the live groups in the
// refreshed state: the plan starts from what is there.
func (w *walker) recordRefreshedCluster(name string, rec *state.Cluster, provider state.ProviderRef, env *clusterEnv, live *liveCluster) {
	for _, d := range clusterDrift(name, rec, live) {
		w.addClusterDrift(d)
	}
	if rec == nil && len(live.list) == 0 {
		return
	}
	next := &state.Cluster{Name: name, Provider: provider, Config: addrs.Cluster{Name: name}.String()}
	if rec != nil {
		next.History = rec.History
		if rec.Config != "" {
			next.Config = rec.Config
		}
		next.Environment, next.Protected = rec.Environment, rec.Protected
	}
	if env != nil {
		next.Environment, next.Protected = env.name, env.protected
	}
	for _, g := range live.list {
		next.ServerGroups = append(next.ServerGroups, recordedGroup(g))
	}
	w.refreshed.SetCluster(name, next)
}

func recordedGroup(g sdk.ServerGroup) *state.ServerGroup {
	return &state.ServerGroup{
		Name: g.Name, Sequence: int(g.Sequence), Version: g.Version, SpecHash: g.SpecHash,
		Capacity: state.Capacity{Min: int(g.Capacity.Min), Desired: int(g.Capacity.Desired), Max: int(g.Capacity.Max)},
		Enabled:  g.Traffic.Enabled, Weight: int(g.Traffic.Weight), CreatedAt: g.CreatedAt,
	}
}

// clusterDrift compares recorded groups with live ones.
func clusterDrift(name string, rec *state.Cluster, live *liveCluster) []*ClusterDrift {
	var out []*ClusterDrift
	add := func(group, format string, args ...any) {
		out = append(out, &ClusterDrift{Cluster: name, Group: group, Change: fmt.Sprintf(format, args...)})
	}
	recorded := map[string]*state.ServerGroup{}
	if rec != nil {
		for _, g := range rec.ServerGroups {
			recorded[g.Name] = g
			found := false
			for _, l := range live.list {
				found = found || l.Name == g.Name
			}
			if !found {
				add(g.Name, "was destroyed outside tack")
			}
		}
	}
	for _, l := range live.list {
		r := recorded[l.Name]
		if r == nil {
			if rec != nil || len(live.list) > 0 {
				add(l.Name, "exists but tack has no record of it; it is adopted")
			}
			continue
		}
		if int(l.Capacity.Desired) != r.Capacity.Desired {
			add(l.Name, "was resized outside tack from %s to %s", instanceCount(r.Capacity.Desired), instanceCount(int(l.Capacity.Desired)))
		}
		if l.Traffic.Enabled != r.Enabled {
			if l.Traffic.Enabled {
				add(l.Name, "was enabled outside tack")
			} else {
				add(l.Name, "was disabled outside tack")
			}
		}
		if n, want := live.instances[l.Name], int(l.Capacity.Desired); n < want {
			add(l.Name, "is missing %d of %s", want-n, instanceCount(want))
		}
	}
	return out
}

func instanceCount(n int) string {
	if n == 1 {
		return "1 instance"
	}
	return fmt.Sprintf("%d instances", n)
}

// decideCluster fills in a cluster change's action, reason and steps from
// the configuration (already in c) and the live groups.
func decideCluster(c *ClusterChange, live *liveCluster, rec *state.Cluster) error {
	groups := c.Live
	if len(groups) == 0 {
		c.Action, c.Reason = ClusterCreate, "the cluster has no server group yet"
		return c.deploy(live, rec)
	}
	var target *sdk.ServerGroup
	if c.SpecHash != "" {
		for i := len(live.list) - 1; i >= 0; i-- {
			if live.list[i].SpecHash == c.SpecHash {
				target = &live.list[i]
				break
			}
		}
	}
	if target != nil {
		if why := failedDeployment(rec, target.Name); why != "" {
			c.Action = ClusterDeploy
			c.Reason = fmt.Sprintf("%s runs this spec but its deployment failed (%s): a new server group is deployed", target.Name, why)
			return c.deploy(live, rec)
		}
		if c.Policy.Strategy == "canary" && unjudgedCanary(rec, *target) {
			return c.restartCanary(live, rec, *target)
		}
		c.Group = target.Name
		if delivery.Settled(c.Policy, groups, target.Name) {
			have := delivery.Capacity{Min: int(target.Capacity.Min), Desired: int(target.Capacity.Desired), Max: int(target.Capacity.Max)}
			if have == c.Capacity {
				c.Action = ClusterNoOp
				return nil
			}
			c.Action = ClusterResize
			var parts []string
			for _, p := range []struct {
				name     string
				from, to int
			}{{"desired", have.Desired, c.Capacity.Desired}, {"min", have.Min, c.Capacity.Min}, {"max", have.Max, c.Capacity.Max}} {
				if p.from != p.to {
					parts = append(parts, fmt.Sprintf("%s %d -> %d", p.name, p.from, p.to))
				}
			}
			c.Reason = "capacity changed: " + strings.Join(parts, ", ")
			c.Steps = delivery.Resize(target.Name, c.Capacity)
			return nil
		}
		c.Action = ClusterResume
		c.Reason = resumeReason(rec, target.Name)
		c.Steps = delivery.Resume(c.Policy, groups, target.Name, c.Capacity)
		return nil
	}
	c.Action = ClusterDeploy
	c.Reason = "server_group changed"
	if changed := changedAttributes(c.Current, c.Spec); len(changed) > 0 {
		c.Reason += ": " + strings.Join(changed, ", ")
	} else if cur := live.serving(); cur != nil && !sameLoadBalancers(cur.LoadBalancers, c.LoadBalancers) {
		c.Reason = "load_balancers changed"
	}
	if c.SpecHash == "" {
		c.Reason = "server_group or load_balancers have values known only after apply"
	}
	return c.deploy(live, rec)
}

// sameLoadBalancers reports whether a group registers with exactly the
// configured load balancers.
func sameLoadBalancers(have []string, want cty.Value) bool {
	want, _ = want.UnmarkDeep()
	if !want.IsWhollyKnown() || len(have) != want.LengthInt() {
		return false
	}
	for i, v := range want.AsValueSlice() {
		if have[i] != v.AsString() {
			return false
		}
	}
	return true
}

// deploy names the next group and plans the strategy's steps to it. The
// number follows the newest group, live or recorded: a failed group that
// was destroyed keeps its name in the history, and in the platform's
// logs, so the next one does not take it.
func (c *ClusterChange) deploy(live *liveCluster, rec *state.Cluster) error {
	newest, inUse := -1, map[int]bool{}
	for _, g := range live.list {
		inUse[int(g.Sequence)] = true
		newest = int(g.Sequence) // live.list is oldest first
	}
	if rec != nil {
		for i := len(rec.History) - 1; i >= 0; i-- {
			d := rec.History[i]
			if d.Kind != "" && d.Kind != state.DeploymentDeploy {
				continue
			}
			if _, seq, ok := delivery.ParseGroupName(d.ServerGroup); ok && seq > newest {
				newest = seq
			}
			break // the last deployment made the newest group
		}
	}
	seq, err := delivery.NextSequence(newest, inUse)
	if err != nil {
		return err
	}
	c.Group = delivery.GroupName(c.Ref.Name, seq)
	c.Steps, err = delivery.Deploy(c.Policy, c.Live, c.Group, c.Capacity)
	return err
}

// unjudgedCanary reports whether target is a canary that has not passed
// its analysis: it takes a canary's share of the traffic, or the
// deployment that made it stopped before its analysis step succeeded.
// Finishing it would promote a version nobody judged.
func unjudgedCanary(rec *state.Cluster, target sdk.ServerGroup) bool {
	if target.Traffic.Enabled && target.Traffic.Weight > 0 && target.Traffic.Weight < 100 {
		return true
	}
	if rec == nil {
		return false
	}
	for i := len(rec.History) - 1; i >= 0; i-- {
		d := rec.History[i]
		if d.ServerGroup != target.Name || d.Kind == state.DeploymentRollback {
			continue
		}
		if d.Outcome != state.DeploymentInProgress {
			return false
		}
		for _, s := range d.Steps {
			if strings.HasPrefix(s.Description, "analyze ") && s.Error == "" && !s.Ended.IsZero() {
				return false
			}
		}
		return true
	}
	return false
}

// restartCanary removes a canary an interrupted deployment left unjudged
// and plans a new one in its place.
func (c *ClusterChange) restartCanary(live *liveCluster, rec *state.Cluster, canary sdk.ServerGroup) error {
	c.Action = ClusterDeploy
	c.Reason = fmt.Sprintf("the canary %s stopped before its analysis passed: it is removed, and a new canary is judged", canary.Name)
	var remove []delivery.Step
	if canary.Traffic.Enabled {
		remove = append(remove, delivery.Step{Kind: delivery.StepDisable, Group: canary.Name})
	}
	remove = append(remove, delivery.Step{Kind: delivery.StepDestroy, Group: canary.Name})
	all := c.Live
	c.Live = nil
	for _, g := range all {
		if g.Name != canary.Name {
			c.Live = append(c.Live, g)
		}
	}
	err := c.deploy(live, rec)
	c.Live = all
	c.Steps = append(remove, c.Steps...)
	return err
}

// failedDeployment is why the last deployment that created group failed,
// or "" when it did not.
func failedDeployment(rec *state.Cluster, group string) string {
	if rec == nil {
		return ""
	}
	for i := len(rec.History) - 1; i >= 0; i-- {
		d := rec.History[i]
		if d.ServerGroup != group || d.Kind == state.DeploymentRollback {
			continue
		}
		switch d.Outcome {
		case state.DeploymentFailed, state.DeploymentRolledBack, state.DeploymentCanaryFailed:
			if d.Reason == "" {
				return d.Outcome
			}
			return d.Reason
		}
		return ""
	}
	return ""
}

func resumeReason(rec *state.Cluster, group string) string {
	if rec != nil && len(rec.History) > 0 {
		last := rec.History[len(rec.History)-1]
		switch {
		case last.Outcome == state.DeploymentInProgress && last.ServerGroup == group:
			return fmt.Sprintf("the deployment of %s stopped before it finished", group)
		case last.Outcome == state.DeploymentInProgress:
			return fmt.Sprintf("the last change of the cluster (%s) stopped before it finished; %s runs the configured spec", last.Kind, group)
		case last.Kind == state.DeploymentRollback:
			return fmt.Sprintf("tack rollback took traffic from %s; the configuration still asks for it", group)
		}
	}
	return fmt.Sprintf("%s runs the configured spec, but the cluster's groups are not as a finished deployment leaves them", group)
}

// changedAttributes are the top-level attributes and blocks that differ
// between two specs, by name.
func changedAttributes(before, after cty.Value) []string {
	before, _ = before.UnmarkDeep()
	after, _ = after.UnmarkDeep()
	if before.IsNull() || after.IsNull() || !before.Type().IsObjectType() || !after.Type().IsObjectType() {
		return nil
	}
	var out []string
	for name := range after.Type().AttributeTypes() {
		if !before.Type().HasAttribute(name) {
			out = append(out, name)
			continue
		}
		a, b := after.GetAttr(name), before.GetAttr(name)
		if !a.IsWhollyKnown() || !b.IsWhollyKnown() || !a.Equals(b).True() {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// nodePlanClusterDestroy plans the teardown of a recorded cluster: one
// the configuration no longer has, or every cluster in a destroy plan.
type nodePlanClusterDestroy struct {
	rec *state.Cluster
}

func (n *nodePlanClusterDestroy) name() string { return "orphan cluster." + n.rec.Name }

func (n *nodePlanClusterDestroy) provider(w *walker) providerKey {
	return orphanProviderKey(w, n.rec.Provider)
}

func (n *nodePlanClusterDestroy) execute(ctx context.Context, w *walker) hcl.Diagnostics {
	pi := w.providers.get(n.provider(w))
	ref := clusterRefOf(n.rec)
	rec, live, diags := w.refreshCluster(ctx, pi, ref, nil, hcl.Range{})
	if diags.HasErrors() {
		return diags
	}
	ch := &ClusterChange{
		Addr: addrs.Cluster{Name: n.rec.Name}, Ref: ref, Provider: pi.ref(),
		Spec: cty.NullVal(cty.DynamicPseudoType), Current: cty.NullVal(cty.DynamicPseudoType), LoadBalancers: cty.ListValEmpty(cty.String),
		Live: live.groups(rec), Action: ClusterNoOp,
		Environment: clusterEnvironment(w.cfg.Module.Clusters[n.rec.Name], rec),
	}
	if cur := live.serving(); cur != nil {
		ch.Current = cur.Spec
	}
	if w.opts.Mode != RefreshOnlyMode {
		// With no live group left, the destroy only forgets the record.
		ch.Action, ch.Steps = ClusterDestroy, delivery.Teardown(ch.Live)
		ch.Reason = "it is not in the configuration"
		if w.opts.Mode == DestroyMode {
			ch.Reason = "everything is being destroyed"
		}
	}
	w.addCluster(ch)
	return nil
}

// clusterRefOf is a recorded cluster's name split into its parts.
func clusterRefOf(c *state.Cluster) sdk.ClusterRef {
	parts := strings.SplitN(c.Name, "-", 3)
	ref := sdk.ClusterRef{Name: c.Name, Application: parts[0]}
	if len(parts) > 1 {
		ref.Stack = parts[1]
	}
	if len(parts) > 2 {
		ref.Detail = parts[2]
	}
	return ref
}
