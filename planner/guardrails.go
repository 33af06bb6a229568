package planner

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/config"
	"github.com/tackhq/tack/config/addrs"
	"github.com/tackhq/tack/planner/delivery"
	"github.com/tackhq/tack/state"
)

// guardrail is one guardrail ready to judge changes: a guardrail block's
// condition, or one of tack's own.
type guardrail struct {
	check *GuardrailCheck
	cfg   *config.Guardrail // nil for a built-in left as it comes
	// appliesTo limits it to some changes; nil means all.
	appliesTo *appliesTo
	// builtin judges a change for a built-in guardrail: its failure
	// message, or "" when it passes or does not concern the change.
	builtin func(c *judged) (msg string, concerns bool)
}

// builtinDefaults are tack's own guardrails and how they are enforced
// unless a guardrail block of their name says otherwise.
var builtinDefaults = map[string]Enforcement{
	"traffic-guard":         Mandatory,
	"protected-environment": Mandatory,
	"capacity-drop":         Overridable,
}

// defaultMaxDrop is the share of a cluster's capacity one apply may take
// away before capacity-drop fails.
const defaultMaxDrop = 0.5

// judged is a planned change as guardrails see it.
type judged struct {
	address string
	typ     string // the resource type, or "cluster"
	// object builds the change object a condition reads; value is it,
	// once built. Built-in guardrails need none, and a large plan
	// judged only by them does not pay for it.
	object  func() cty.Value
	value   cty.Value
	cluster *ClusterChange // nil for a resource change
	env     string
}

// changeValue is the change object a condition reads.
func (c *judged) changeValue() cty.Value {
	if c.value == cty.NilVal {
		c.value = c.object()
	}
	return c.value
}

// appliesTo is a guardrail's applies_to: the changes it judges.
type appliesTo struct {
	names []string // addresses and resource types ("cluster" for every cluster)
	envs  []string
}

func (a *appliesTo) match(c *judged) bool {
	if a == nil {
		return true
	}
	if c.env != "" && slices.Contains(a.envs, c.env) {
		return true
	}
	for _, n := range a.names {
		if n == c.address || n == c.typ || strings.HasPrefix(c.address, n+"[") {
			return true
		}
	}
	return false
}

// checkGuardrails judges every change of the plan with every guardrail:
// the built-in ones, then the guardrail blocks by name.
func (w *walker) checkGuardrails(plan *Plan) hcl.Diagnostics {
	if plan.Mode == RefreshOnlyMode {
		return nil
	}
	gs, diags := w.guardrails(plan)
	if diags.HasErrors() || len(gs) == 0 {
		return diags
	}
	for _, c := range w.judgedChanges(plan) {
		for _, g := range gs {
			if !g.appliesTo.match(c) {
				continue
			}
			v, concerns, d := g.judge(w, c)
			diags = append(diags, d...)
			if !concerns || d.HasErrors() {
				continue // a condition in error judged nothing: the plan fails
			}
			g.check.Checked++
			if v == nil {
				continue
			}
			switch v.Result {
			case VerdictFail:
				g.check.Failed++
			case VerdictUnknown:
				g.check.Unknown++
			}
			plan.Verdicts = append(plan.Verdicts, v)
		}
	}
	for _, g := range gs {
		plan.Guardrails = append(plan.Guardrails, g.check)
	}
	return diags
}

// guardrails are the guardrails that are on: the built-in ones and the
// root module's guardrail blocks.
func (w *walker) guardrails(plan *Plan) ([]*guardrail, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	s := w.scope(addrs.RootModuleInstance)
	blocks := w.cfg.Module.Guardrails
	var out []*guardrail
	order := slices.Sorted(maps.Keys(builtinDefaults))
	for _, name := range sortedKeys(blocks) {
		if _, ok := builtinDefaults[name]; !ok {
			order = append(order, name)
		}
	}
	var known map[string]bool // what applies_to may name, built once when needed
	for _, name := range order {
		cfg := blocks[name]
		builtin, isBuiltin := builtinDefaults[name]
		g := &guardrail{cfg: cfg, check: &GuardrailCheck{Name: addrs.Guardrail{Name: name}.String(), Source: GuardrailConfig}}
		if isBuiltin {
			g.check.Source, g.check.Enforcement = GuardrailBuiltin, builtin
		}
		if cfg != nil {
			if v, ok := evalSetting(s, cfg.Enabled, cty.Bool, &diags); ok && v.False() {
				continue
			}
			if cfg.Enforcement != "" {
				g.check.Enforcement = Enforcement(cfg.Enforcement)
			}
			a, adiags := evalAppliesTo(s, cfg.AppliesTo)
			diags = append(diags, adiags...)
			if a != nil && known == nil {
				known = w.appliesToTargets(plan.PriorState)
			}
			diags = append(diags, checkAppliesTo(known, g.check.Name, a, cfg.AppliesTo)...)
			g.appliesTo = a
		}
		if isBuiltin {
			var bdiags hcl.Diagnostics
			g.builtin, bdiags = builtinJudge(w, plan, name, s, cfg)
			diags = append(diags, bdiags...)
		}
		out = append(out, g)
	}
	return out, diags
}

// evalAppliesTo reads applies_to: a list of environment references
// (environment.prod), cluster references (cluster.api-prod), and strings
// naming addresses ("local_file.a") or types ("local_file", "cluster").
func evalAppliesTo(s *config.Scope, e hcl.Expression) (*appliesTo, hcl.Diagnostics) {
	if e == nil {
		return nil, nil
	}
	exprs, diags := hcl.ExprList(e)
	if diags.HasErrors() {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid applies_to",
			Detail: `applies_to is a list: [environment.prod, cluster.api-prod, "local_file", "local_file.a"].`, Subject: e.Range().Ptr()}}
	}
	a := &appliesTo{}
	for _, el := range exprs {
		if t, td := hcl.AbsTraversalForExpr(el); !td.HasErrors() && len(t) == 2 {
			if at, ok := t[1].(hcl.TraverseAttr); ok {
				switch t.RootName() {
				case "environment":
					a.envs = append(a.envs, at.Name)
					continue
				case "cluster":
					a.names = append(a.names, "cluster."+at.Name)
					continue
				}
			}
		}
		v, ok := evalSetting(s, el, cty.String, &diags)
		if !ok {
			if !diags.HasErrors() {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid applies_to",
					Detail: "Each element of applies_to must be known when planning.", Subject: el.Range().Ptr()})
			}
			continue
		}
		a.names = append(a.names, v.AsString())
	}
	return a, diags
}

// judge evaluates the guardrail on one change. concerns is false when the
// guardrail has nothing to say about such a change (a built-in one about
// a resource); the verdict is nil when it passes.
func (g *guardrail) judge(w *walker, c *judged) (v *Verdict, concerns bool, diags hcl.Diagnostics) {
	verdict := func(r VerdictResult, msg string) *Verdict {
		return &Verdict{Guardrail: g.check.Name, Enforcement: g.check.Enforcement, Address: c.address, Result: r, Message: msg}
	}
	if g.builtin != nil {
		msg, concerns := g.builtin(c)
		if msg == "" {
			return nil, concerns, nil
		}
		return verdict(VerdictFail, msg), true, nil
	}
	s := w.scope(addrs.RootModuleInstance)
	s.Change = c.changeValue()
	ok, d := s.EvalExpr(g.cfg.Condition, cty.Bool)
	diags = append(diags, whileJudging(d, c.address)...)
	if d.HasErrors() {
		return nil, true, diags
	}
	ok, _ = ok.Unmark()
	switch {
	case !ok.IsKnown():
		return verdict(VerdictUnknown, g.message(s, c, &diags)), true, diags
	case ok.IsNull():
		return nil, true, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Guardrail condition is null",
			Detail: fmt.Sprintf("The condition of %s is null for %s; it must be true or false.", g.check.Name, c.address), Subject: g.cfg.Condition.Range().Ptr()})
	case ok.True():
		return nil, true, diags
	}
	return verdict(VerdictFail, g.message(s, c, &diags)), true, diags
}

// message evaluates a guardrail block's message for a change.
func (g *guardrail) message(s *config.Scope, c *judged, diags *hcl.Diagnostics) string {
	m, d := s.EvalExpr(g.cfg.Message, cty.String)
	*diags = append(*diags, whileJudging(d, c.address)...)
	switch {
	case d.HasErrors():
		return ""
	case m.IsMarked():
		return "(the message is hidden: it includes a sensitive value)"
	case !m.IsKnown():
		return "(the message is known only after apply)"
	case m.IsNull():
		return ""
	}
	return m.AsString()
}

// whileJudging adds to diagnostics which change was being judged.
func whileJudging(diags hcl.Diagnostics, address string) hcl.Diagnostics {
	for _, d := range diags {
		d.Detail = strings.TrimSpace(d.Detail + "\n\n(while judging the planned change of " + address + ")")
	}
	return diags
}

// builtinJudge is the judgement of one of tack's own guardrails.
func builtinJudge(w *walker, plan *Plan, name string, s *config.Scope, cfg *config.Guardrail) (func(*judged) (string, bool), hcl.Diagnostics) {
	var diags hcl.Diagnostics
	switch name {
	case "traffic-guard":
		return func(c *judged) (string, bool) {
			ch := c.cluster
			if ch == nil || ch.intended() == ClusterDestroy {
				return "", false
			}
			if err := delivery.CheckTrafficGuard(ch.Live, ch.Steps); err != nil {
				return "no step may leave the cluster with nothing serving: " + err.Error(), true
			}
			return "", true
		}, nil
	case "protected-environment":
		return func(c *judged) (string, bool) {
			ch := c.cluster
			if ch == nil || ch.intended() != ClusterDestroy || c.env == "" {
				return "", false
			}
			protected := false
			if env, _ := w.environment(c.env); env != nil {
				protected = env.protected
			} else if rec := plan.PriorState.Clusters[ch.Ref.Name]; rec != nil {
				// The environment's block is gone: the state remembers.
				protected = rec.Protected
			}
			if protected {
				return fmt.Sprintf("%s is in %s, which is protected: its clusters are not destroyed", ch.Addr, c.env), true
			}
			return "", true
		}, nil
	case "capacity-drop":
		maxDrop := defaultMaxDrop
		if cfg != nil {
			if v, ok := evalSetting(s, cfg.MaxDrop, cty.Number, &diags); ok {
				f, _ := v.AsBigFloat().Float64()
				if f < 0 || f > 1 {
					diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid max_drop",
						Detail: "max_drop is the share of a cluster's capacity one apply may take away, from 0 to 1.", Subject: cfg.MaxDrop.Range().Ptr()})
				}
				maxDrop = f
			}
		}
		return func(c *judged) (string, bool) {
			ch := c.cluster
			if ch == nil || ch.intended() == ClusterDestroy || ch.intended() == ClusterCreate {
				return "", false
			}
			before := servingCapacity(ch.Live)
			after := ch.Capacity.Desired
			if before == 0 || after >= before {
				return "", true
			}
			drop := float64(before-after) / float64(before)
			if drop > maxDrop {
				return fmt.Sprintf("the capacity of %s drops from %d to %d instances (%.0f%%); one apply may take away at most %.0f%%",
					ch.Addr, before, after, drop*100, maxDrop*100), true
			}
			return "", true
		}, diags
	}
	return nil, nil
}

// servingCapacity is the desired capacity of the groups taking traffic.
func servingCapacity(live []delivery.Group) int {
	n := 0
	for _, g := range live {
		if g.Enabled && !g.Failed {
			n += g.Capacity.Desired
		}
	}
	return n
}

// judgedChanges are the plan's changes as guardrails see them, in plan
// order: resources, then clusters.
func (w *walker) judgedChanges(plan *Plan) []*judged {
	var out []*judged
	for _, ch := range plan.Changes {
		if ch.Mode != addrs.ManagedResourceMode || ch.Action == NoOp {
			continue
		}
		out = append(out, &judged{
			address: ch.Addr.String(), typ: ch.Addr.Resource.Resource.Type,
			object: func() cty.Value { return resourceChangeValue(ch) },
		})
	}
	for _, ch := range plan.Clusters {
		if !ch.Changes() {
			continue
		}
		out = append(out, &judged{address: ch.Addr.String(), typ: "cluster", cluster: ch, env: ch.Environment,
			object: func() cty.Value { return clusterChangeValue(ch, plan.PriorState) }})
	}
	return out
}

// resourceChangeValue is a resource change as a guardrail condition
// reads it.
func resourceChangeValue(ch *ResourceChange) cty.Value {
	return cty.ObjectVal(map[string]cty.Value{
		"address":     cty.StringVal(ch.Addr.String()),
		"kind":        cty.StringVal("resource"),
		"type":        cty.StringVal(ch.Addr.Resource.Resource.Type),
		"action":      cty.StringVal(resourceActionName(ch.Action)),
		"before":      ch.Before,
		"after":       ch.After,
		"environment": cty.NullVal(cty.String),
		"cluster":     cty.NullVal(cty.DynamicPseudoType),
		"strategy":    cty.NullVal(cty.String),
	})
}

// resourceActionName is an action as a guardrail condition reads it.
func resourceActionName(a Action) string {
	if a.IsReplace() {
		return "replace"
	}
	return a.String()
}

// clusterChangeValue is a cluster change as a guardrail condition reads
// it: before is the group serving now (null when none), after what the
// cluster runs once the change is applied; a destroy leaves it with no
// capacity and no server_group.
func clusterChangeValue(ch *ClusterChange, prior *state.State) cty.Value {
	str := func(s string) cty.Value {
		if s == "" {
			return cty.NullVal(cty.String)
		}
		return cty.StringVal(s)
	}
	capacity := func(c delivery.Capacity) cty.Value {
		return cty.ObjectVal(map[string]cty.Value{
			"min": cty.NumberIntVal(int64(c.Min)), "desired": cty.NumberIntVal(int64(c.Desired)), "max": cty.NumberIntVal(int64(c.Max)),
		})
	}
	before := cty.NullVal(cty.DynamicPseudoType)
	for i := len(ch.Live) - 1; i >= 0; i-- {
		g := ch.Live[i]
		if !g.Enabled || g.Failed {
			continue
		}
		version := ""
		if rec := prior.Clusters[ch.Ref.Name]; rec != nil {
			for _, sg := range rec.ServerGroups {
				if sg.Name == g.Name {
					version = sg.Version
				}
			}
		}
		before = cty.ObjectVal(map[string]cty.Value{
			"server_group_name": cty.StringVal(g.Name),
			"version":           str(version),
			"capacity":          capacity(g.Capacity),
			"server_group":      orNull(ch.Current),
		})
		break
	}
	after := cty.ObjectVal(map[string]cty.Value{
		"server_group_name": str(ch.Group),
		"version":           str(ch.Version),
		"capacity":          capacity(ch.Capacity),
		"server_group":      orNull(ch.Spec),
		"load_balancers":    orNull(ch.LoadBalancers),
	})
	if ch.intended() == ClusterDestroy {
		after = cty.ObjectVal(map[string]cty.Value{
			"server_group_name": cty.NullVal(cty.String),
			"version":           cty.NullVal(cty.String),
			"capacity":          capacity(delivery.Capacity{}),
			"server_group":      cty.NullVal(cty.DynamicPseudoType),
			"load_balancers":    cty.NullVal(cty.DynamicPseudoType),
		})
	}
	return cty.ObjectVal(map[string]cty.Value{
		"address":     cty.StringVal(ch.Addr.String()),
		"kind":        cty.StringVal("cluster"),
		"type":        cty.StringVal("cluster"),
		"action":      cty.StringVal(string(ch.intended())),
		"blocked":     cty.BoolVal(ch.Action == ClusterBlocked),
		"before":      before,
		"after":       after,
		"environment": str(ch.Environment),
		"strategy":    str(ch.Strategy),
		"cluster": cty.ObjectVal(map[string]cty.Value{
			"name": cty.StringVal(ch.Ref.Name), "application": str(ch.Ref.Application), "stack": str(ch.Ref.Stack), "detail": str(ch.Ref.Detail),
			"version": str(ch.Version), "strategy": str(ch.Strategy), "capacity": capacity(ch.Capacity),
		}),
	})
}

func orNull(v cty.Value) cty.Value {
	if v == cty.NilVal {
		return cty.NullVal(cty.DynamicPseudoType)
	}
	return v
}

// appliesToTargets are the names applies_to may give: resource types and
// "type.name" of the configuration's modules and of the state, clusters'
// addresses, and "cluster".
func (w *walker) appliesToTargets(prior *state.State) map[string]bool {
	known := map[string]bool{"cluster": true}
	var visit func(c *config.Config)
	visit = func(c *config.Config) {
		for key, r := range c.Module.Resources {
			known[key], known[r.Type] = true, true
		}
		for name := range c.Module.Clusters {
			known["cluster."+name] = true
		}
		for _, child := range c.Children {
			visit(child)
		}
	}
	visit(w.cfg)
	for _, rs := range prior.Resources {
		known[rs.Addr.Resource.String()], known[rs.Addr.Resource.Type] = true, true
	}
	return known
}

// checkAppliesTo warns of an applies_to name that names nothing known: a
// typo there would make a guardrail judge nothing, silently.
func checkAppliesTo(known map[string]bool, guardrail string, a *appliesTo, e hcl.Expression) hcl.Diagnostics {
	if a == nil {
		return nil
	}
	var diags hcl.Diagnostics
	for _, n := range a.names {
		// module.net.local_file.a[0] is known when local_file.a is.
		last := n
		if i := strings.LastIndex(n, "module."); i >= 0 {
			parts := strings.SplitN(n[i:], ".", 3)
			if len(parts) == 3 {
				last = parts[2]
			}
		}
		if j := strings.IndexByte(last, '['); j >= 0 {
			last = last[:j]
		}
		if !known[last] {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagWarning,
				Summary:  "applies_to names nothing",
				Detail:   fmt.Sprintf("%s applies to %q, which is neither a resource type nor the address of a resource or cluster of this configuration, so it judges no change by it. Check the spelling.", guardrail, n),
				Subject:  e.Range().Ptr(),
			})
		}
	}
	return diags
}
