package planner

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/config"
	"github.com/tackhq/tack/config/addrs"
	"github.com/tackhq/tack/planner/delivery"
	"github.com/tackhq/tack/state"
)

// envSettings is an environment block, evaluated.
type envSettings struct {
	name           string
	dependsOn      []string
	soak           time.Duration
	manualApproval bool
	protected      bool
	// allowed is the allowed_times window; nil when the environment has
	// none.
	allowed *delivery.Window
}

// clusterEnv is what the state records of a cluster's environment.
type clusterEnv struct {
	name      string
	protected bool
}

// record is what the state records of a cluster in env (nil: in none).
func (e *envSettings) record() *clusterEnv {
	if e == nil {
		return &clusterEnv{}
	}
	return &clusterEnv{name: e.name, protected: e.protected}
}

// environment evaluates the named environment block of the root module;
// nil when there is none.
func (w *walker) environment(name string) (*envSettings, hcl.Diagnostics) {
	e := w.cfg.Module.Environments[name]
	if e == nil {
		return nil, nil
	}
	s := w.scope(addrs.RootModuleInstance)
	var diags hcl.Diagnostics
	env := &envSettings{name: name, dependsOn: e.Upstream}
	if v, ok := evalSetting(s, e.Soak, cty.String, &diags); ok {
		d, err := time.ParseDuration(v.AsString())
		if err != nil || d < 0 {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid soak",
				Detail: fmt.Sprintf("soak is a duration such as \"30m\" or \"24h\", not %q.", v.AsString()), Subject: e.Soak.Range().Ptr()})
		}
		env.soak = d
	}
	// A railing known only after apply holds: taken as set.
	flag := func(e hcl.Expression) bool {
		if e == nil {
			return false
		}
		v, d := s.EvalExpr(e, cty.Bool)
		diags = append(diags, d...)
		v, _ = v.Unmark()
		return !d.HasErrors() && (!v.IsKnown() || !v.IsNull() && v.True())
	}
	env.manualApproval = flag(e.ManualApproval)
	env.protected = flag(e.Protected)
	if e.AllowedTimes != nil {
		win, wdiags := evalWindow(s, e.AllowedTimes, "allowed_times")
		diags = append(diags, wdiags...)
		env.allowed = &win
	}
	return env, diags
}

// upstreamOf reports whether environment up comes before env, directly or
// through others, by depends_on.
func (w *walker) upstreamOf(env, up string) bool {
	seen := map[string]bool{}
	var walk func(string) bool
	walk = func(name string) bool {
		if seen[name] {
			return false
		}
		seen[name] = true
		e := w.cfg.Module.Environments[name]
		if e == nil {
			return false
		}
		for _, u := range e.Upstream {
			if u == up || walk(u) {
				return true
			}
		}
		return false
	}
	return walk(env)
}

// envDepth is how many environments lead to env by depends_on, on the
// longest path; the configuration has no cycles (config checks it).
func (w *walker) envDepth(env string) int {
	e := w.cfg.Module.Environments[env]
	if e == nil {
		return 0
	}
	depth := 0
	for _, up := range e.Upstream {
		depth = max(depth, w.envDepth(up)+1)
	}
	return depth
}

// shipsVersion reports whether a change puts a new version into service:
// the changes that promotion constraints hold back.
func shipsVersion(a ClusterAction) bool { return a == ClusterCreate || a == ClusterDeploy }

// intended is the action a change does, or would do were it not blocked.
func (c *ClusterChange) intended() ClusterAction {
	if c.Action == ClusterBlocked {
		return c.Intended
	}
	return c.Action
}

// windowConstraints are a change's windows: its policy's and its
// environment's allowed times, as they stand at now. A destroy is never
// held back by a window: taking a cluster away is not a deployment.
func windowConstraints(ch *ClusterChange, policy delivery.Window, env *envSettings, now time.Time) []Constraint {
	if !ch.Changes() || ch.intended() == ClusterDestroy {
		return nil
	}
	var out []Constraint
	check := func(kind string, w delivery.Window, whose, envName string) {
		c := Constraint{Kind: kind, Environment: envName, Status: ConstraintMet, Detail: fmt.Sprintf("within %s (%s)", whose, w)}
		if !w.Open(now) {
			c.Status = ConstraintBlocked
			c.Detail = fmt.Sprintf("outside %s (%s)", whose, w)
			c.Hint = "apply again while it is open"
		}
		out = append(out, c)
	}
	if policy.String() != "always" {
		check(ConstraintWindow, policy, "the delivery policy's window", "")
	}
	if env != nil && env.allowed != nil {
		check(ConstraintAllowedTimes, *env.allowed, fmt.Sprintf("%s's allowed times", env.name), env.name)
	}
	return out
}

// recordConstraints are the constraints the state's records decide for a
// change that ships a version: the environment's pin, vetoes and manual
// approval.
func recordConstraints(ch *ClusterChange, env *envSettings, rec *state.Environment) []Constraint {
	if env == nil || !shipsVersion(ch.intended()) {
		return nil
	}
	v := ch.Version
	unknown := func(kind string) Constraint {
		return Constraint{Kind: kind, Environment: env.name, Status: ConstraintBlocked,
			Detail: "the version is known only after apply, so it cannot be checked", Hint: "give the server_group a version known when planning"}
	}
	var out []Constraint
	if rec != nil && rec.Pin != nil {
		switch {
		case v == "":
			out = append(out, unknown(ConstraintPin))
		case rec.Pin.Version == v:
			out = append(out, Constraint{Kind: ConstraintPin, Environment: env.name, Status: ConstraintMet, Detail: fmt.Sprintf("%s is pinned to %s, the version deployed", env.name, v)})
		default:
			out = append(out, Constraint{Kind: ConstraintPin, Environment: env.name, Status: ConstraintBlocked,
				Detail: fmt.Sprintf("%s is pinned to %s %s", env.name, rec.Pin.Version, decided(rec.Pin)),
				Hint:   fmt.Sprintf("tack pin -remove %s", env.name)})
		}
	}
	if rec != nil && len(rec.Vetoes) > 0 {
		switch veto := rec.Vetoed(v); {
		case v == "":
			out = append(out, unknown(ConstraintVeto))
		case veto != nil:
			out = append(out, Constraint{Kind: ConstraintVeto, Environment: env.name, Status: ConstraintBlocked,
				Detail: fmt.Sprintf("%s is vetoed in %s %s", v, env.name, decided(veto)),
				Hint:   fmt.Sprintf("tack veto -remove %s %s", env.name, v)})
		default:
			out = append(out, Constraint{Kind: ConstraintVeto, Environment: env.name, Status: ConstraintMet, Detail: fmt.Sprintf("%s is not vetoed in %s", v, env.name)})
		}
	}
	if env.manualApproval {
		switch ok := rec.Approved(ch.Ref.Name, v); {
		case v == "":
			out = append(out, unknown(ConstraintManualApproval))
		case ok != nil:
			out = append(out, Constraint{Kind: ConstraintManualApproval, Environment: env.name, Status: ConstraintMet,
				Detail: fmt.Sprintf("%s is approved for %s %s", v, ch.Ref.Name, decided(ok))})
		default:
			out = append(out, Constraint{Kind: ConstraintManualApproval, Environment: env.name, Status: ConstraintBlocked,
				Detail: fmt.Sprintf("awaiting approval of %s for %s", v, ch.Ref.Name),
				Hint:   fmt.Sprintf("tack approve %s %s", ch.Addr, v)})
		}
	}
	return out
}

// decided says who decided and why: "by ana (holiday freeze)".
func decided(d *state.Decision) string {
	s := "by " + d.Actor
	if d.Reason != "" {
		s += " (" + d.Reason + ")"
	}
	return s
}

// constrain adds constraints to a change, and blocks it at the first
// blocked one.
func (c *ClusterChange) constrain(cs ...Constraint) {
	c.Constraints = append(c.Constraints, cs...)
	if c.Action == ClusterBlocked {
		return
	}
	for _, con := range cs {
		if con.Status == ConstraintBlocked {
			c.block(con.Detail)
			return
		}
	}
}

// promotionConstraints adds, once every cluster is planned, the
// depends_on constraint of each change that ships a version into an
// environment with upstream environments: the version must run healthy
// in the upstream environment's clusters of the same application for the
// soak time, or be deployed there by this apply (which then waits).
func (w *walker) promotionConstraints(plan *Plan) hcl.Diagnostics {
	var diags hcl.Diagnostics
	now := w.p.opts.Now()
	// Upstream environments first: whether a change waits for an
	// upstream one depends on whether that one is blocked.
	order := slices.Clone(plan.Clusters)
	slices.SortStableFunc(order, func(a, b *ClusterChange) int { return w.envDepth(a.Environment) - w.envDepth(b.Environment) })
	for _, ch := range order {
		if ch.Environment == "" || !shipsVersion(ch.intended()) {
			continue
		}
		env, d := w.environment(ch.Environment)
		diags = append(diags, d...)
		if env == nil {
			continue
		}
		for _, up := range env.dependsOn {
			c := upstreamConstraint(plan, ch, up, env.soak, now)
			if w.opts.SkipRefresh && c.Status == ConstraintMet {
				c.Detail += " (health as recorded, not read, with -refresh=false; apply reads it before deploying)"
			}
			ch.constrain(c)
		}
	}
	return diags
}

// upstreamConstraint is where ch stands against the upstream environment
// up: every cluster of its application there must run its version.
func upstreamConstraint(plan *Plan, ch *ClusterChange, up string, soak time.Duration, now time.Time) Constraint {
	c := Constraint{Kind: ConstraintDependsOn, Environment: up, Soak: soak, Status: ConstraintMet}
	v := ch.Version
	if v == "" {
		c.Status, c.Detail, c.Hint = ConstraintBlocked, "the version is known only after apply, so where it runs cannot be checked", "give the server_group a version known when planning"
		return c
	}
	var details []string
	worse := func(s ConstraintStatus) {
		if s == ConstraintBlocked || c.Status == ConstraintMet {
			c.Status = s
		}
	}
	found := false
	for _, uc := range plan.Clusters {
		if uc.Environment != up || uc.Ref.Application != ch.Ref.Application {
			continue
		}
		found = true
		status, detail, hint := upstreamCluster(plan.PriorState.Clusters[uc.Ref.Name], uc, v, soak, now)
		worse(status)
		details = append(details, detail)
		c.Upstream = append(c.Upstream, uc.Addr.String())
		if status == ConstraintBlocked && c.Hint == "" {
			c.Hint = hint
		}
	}
	if !found {
		c.Status = ConstraintBlocked
		c.Detail = fmt.Sprintf("no cluster of application %s is in %s, which %s depends on", ch.Ref.Application, up, ch.Environment)
		c.Hint = fmt.Sprintf("add a cluster of %s to %s, or take %s out of %s's depends_on", ch.Ref.Application, up, up, ch.Environment)
		return c
	}
	c.Detail = strings.Join(details, "; ")
	return c
}

// upstreamCluster is where one upstream cluster stands with version v.
func upstreamCluster(rec *state.Cluster, uc *ClusterChange, v string, soak time.Duration, now time.Time) (ConstraintStatus, string, string) {
	name := uc.Ref.Name
	if shipsVersion(uc.intended()) && uc.Version == v {
		if uc.Action == ClusterBlocked {
			return ConstraintBlocked, fmt.Sprintf("%s would deploy %s in this apply, but that change is blocked: %s", name, v, uc.Blocked),
				fmt.Sprintf("unblock %s first", uc.Addr)
		}
		return ConstraintWaits, fmt.Sprintf("%s deploys %s in this apply; it must then run healthy for %s", name, v, soakText(soak)), ""
	}
	serving, healthy, desired := servingVersion(rec, uc)
	switch {
	case serving == "":
		return ConstraintBlocked, fmt.Sprintf("%s serves no version", name), fmt.Sprintf("deliver %s to %s first", v, name)
	case serving != v:
		return ConstraintBlocked, fmt.Sprintf("%s runs %s, not %s", name, serving, v), fmt.Sprintf("deliver %s to %s first", v, name)
	case healthy < desired:
		return ConstraintBlocked, fmt.Sprintf("%s runs %s, but %d of %s are healthy", name, v, healthy, instanceCount(desired)), fmt.Sprintf("make %s healthy first", name)
	}
	since := servingSince(rec, v, now)
	ran := now.Sub(since)
	if ran >= soak {
		return ConstraintMet, fmt.Sprintf("%s has run %s healthy for %s (soak %s)", name, v, roundDuration(ran), soakText(soak)), ""
	}
	ready := since.Add(soak)
	return ConstraintBlocked, fmt.Sprintf("%s has run %s for %s of its %s soak; it is ready at %s", name, v, roundDuration(ran), soakText(soak), ready.UTC().Format("2006-01-02 15:04:05 UTC")),
		fmt.Sprintf("apply again after %s", ready.UTC().Format("2006-01-02 15:04:05 UTC"))
}

// servingVersion is the version a cluster's enabled groups run (the
// newest one's), and how many of its instances are healthy of how many
// it wants, from the live groups the plan listed.
func servingVersion(rec *state.Cluster, uc *ClusterChange) (version string, healthy, desired int) {
	if rec == nil {
		return "", 0, 0
	}
	for i := len(rec.ServerGroups) - 1; i >= 0; i-- {
		g := rec.ServerGroups[i]
		if !g.Enabled {
			continue
		}
		switch {
		case version == "":
			version = g.Version
		case g.Version != version:
			// Groups of two versions take traffic: a deployment
			// stopped half way. Neither has been promoted.
			return version + " and " + g.Version, 0, 0
		}
		desired += g.Capacity.Desired
		for _, l := range uc.Live {
			if l.Name == g.Name {
				healthy += l.Healthy
			}
		}
	}
	return version, healthy, desired
}

// servingSince is when version v started serving in a cluster: the end of
// the last deployment of it that succeeded, or else (a group adopted or
// deployed before tack kept a history) the creation of its newest group.
//
// A deployment of the version that did not succeed (in progress, failed)
// has not started a soak: the result is now, and the soak has not begun.
func servingSince(rec *state.Cluster, v string, now time.Time) time.Time {
	for i := len(rec.History) - 1; i >= 0; i-- {
		d := rec.History[i]
		if d.Version != v || d.Kind != "" && d.Kind != state.DeploymentDeploy {
			continue
		}
		if d.Outcome == state.DeploymentSucceeded && !d.Finished.IsZero() {
			return d.Finished
		}
		return now
	}
	for i := len(rec.ServerGroups) - 1; i >= 0; i-- {
		if g := rec.ServerGroups[i]; g.Version == v && g.Enabled {
			return g.CreatedAt
		}
	}
	return now
}

func soakText(d time.Duration) string {
	if d == 0 {
		return "no soak"
	}
	return roundDuration(d)
}

// roundDuration prints a duration to the second, or the minute past an
// hour: "12m30s", "3h12m".
func roundDuration(d time.Duration) string {
	if d >= time.Hour {
		return delivery.ShortDuration(d.Round(time.Minute))
	}
	return delivery.ShortDuration(d.Round(time.Second))
}

// awaitUpstream is apply's side of depends_on. For a constraint that
// waits, the upstream clusters' deployments of the version must have
// succeeded in this apply (they ran before, in environment order); it
// then sleeps out the soak, on the walk's context so that Ctrl-C ends
// it. For every depends_on, it then reads the upstream clusters' health
// from the platform: what the plan saw may have changed since, or not
// have been read (-refresh=false).
func (w *walker) awaitUpstream(ctx context.Context, ch *ClusterChange) error {
	for _, c := range ch.Constraints {
		if c.Kind != ConstraintDependsOn {
			continue
		}
		if c.Status == ConstraintWaits {
			var latest time.Time
			for _, addr := range c.Upstream {
				name := strings.TrimPrefix(addr, "cluster.")
				d := w.deployedInThisApply(name, ch.Version)
				if d == nil || d.Outcome != state.DeploymentSucceeded {
					outcome := "did not happen"
					if d != nil {
						outcome = "ended " + d.Outcome
					}
					return fmt.Errorf("the deployment of %s to %s, which %s depends on, %s", ch.Version, name, ch.Environment, outcome)
				}
				if d.Finished.After(latest) {
					latest = d.Finished
				}
			}
			until := latest.Add(c.Soak)
			if wait := until.Sub(w.p.opts.Now()); wait > 0 {
				w.emit(SoakWaiting{Cluster: ch.Addr, Upstream: c.Upstream, Until: until})
				if err := w.p.opts.Sleep(w.interrupt, wait); err != nil {
					return err
				}
			}
		}
		for _, addr := range c.Upstream {
			if err := w.checkUpstreamHealth(ctx, strings.TrimPrefix(addr, "cluster."), ch.Version); err != nil {
				return err
			}
		}
	}
	return nil
}

// deployedInThisApply is the last deployment of version to a cluster
// that this apply started, or nil.
func (w *walker) deployedInThisApply(name, version string) *state.Deployment {
	rec := w.refreshed.Cluster(name)
	if rec == nil {
		return nil
	}
	for i := len(rec.History) - 1; i >= 0; i-- {
		d := rec.History[i]
		if d.Version == version && (d.Kind == "" || d.Kind == state.DeploymentDeploy) && !d.Started.Before(w.started) {
			return d
		}
	}
	return nil
}

// checkUpstreamHealth asks the platform whether an upstream cluster's
// enabled groups all run version, all healthy.
func (w *walker) checkUpstreamHealth(ctx context.Context, name, version string) error {
	cfg := w.cfg.Module.Clusters[name]
	if cfg == nil {
		return fmt.Errorf("%s is not in the configuration", name)
	}
	rec := w.refreshed.Cluster(name)
	if rec == nil {
		return fmt.Errorf("the state has no record of %s", name)
	}
	pi := w.providers.get(clusterProviderKey(cfg))
	live, diags := w.liveGroups(context.WithoutCancel(ctx), pi, clusterRefOf(rec), rec, cfg.DeclRange)
	if diags.HasErrors() {
		return fmt.Errorf("reading the health of %s: %s", name, diags.Error())
	}
	serving := 0
	for _, g := range live.list {
		if !g.Traffic.Enabled {
			continue
		}
		serving++
		if g.Version != version {
			return fmt.Errorf("%s serves %s from %s, not %s", name, g.Version, g.Name, version)
		}
		if want := int(g.Capacity.Desired); live.healthy[g.Name] < want {
			return fmt.Errorf("%s has %d of %s healthy in %s", name, live.healthy[g.Name], instanceCount(want), g.Name)
		}
	}
	if serving == 0 {
		return fmt.Errorf("%s has no enabled server group", name)
	}
	return nil
}

// environmentOrderTransformer makes the changes of a cluster wait for
// those of the clusters in the environments it depends on: one apply
// that changes staging and prod deploys to staging first.
type environmentOrderTransformer struct{}

func (environmentOrderTransformer) transform(g *graph, w *walker) hcl.Diagnostics {
	type node struct{ name, env string }
	var nodes []node
	for _, name := range g.names() {
		if n, ok := g.nodes[name].(*nodeApplyCluster); ok && n.cfg != nil && n.cfg.EnvironmentName != "" {
			nodes = append(nodes, node{name, n.cfg.EnvironmentName})
		}
	}
	for _, a := range nodes {
		for _, b := range nodes {
			if a.env != b.env && w.upstreamOf(a.env, b.env) {
				g.connect(b.name, a.name)
			}
		}
	}
	return nil
}

// clusterEnvironment is the environment of a configured cluster, or of a
// recorded one the configuration no longer has.
func clusterEnvironment(cfg *config.Cluster, rec *state.Cluster) string {
	if cfg != nil {
		return cfg.EnvironmentName
	}
	if rec != nil {
		return rec.Environment
	}
	return ""
}

// hints are how to get past a blocked change's constraints, as a
// sentence to append to the reason it was blocked.
func (c *ClusterChange) hints() string {
	var hs []string
	for _, con := range c.Constraints {
		if con.Status == ConstraintBlocked && con.Hint != "" && !slices.Contains(hs, con.Hint) {
			hs = append(hs, con.Hint)
		}
	}
	if len(hs) == 0 {
		return ""
	}
	return " To go ahead: " + strings.Join(hs, "; ") + "."
}
