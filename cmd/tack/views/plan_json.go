package views

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/config"
	"github.com/tackhq/tack/config/addrs"
	"github.com/tackhq/tack/planner"
	"github.com/tackhq/tack/planner/delivery"
	"github.com/tackhq/tack/plugins/sdk"
)

// PlanFormatVersion is the version of the JSON form of plans. Within a
// major version fields are only added; a change that removes or
// redefines a field raises the major version.
const PlanFormatVersion = "1.1"

// RenderPlanJSON writes p to w as one JSON object, the machine-readable
// form of [RenderPlan], modelled on `terraform show -json`'s plan so that
// tools that read Terraform's can read tack's. docs/json-format.md is the
// reference for users. In short:
//
//	{
//	  "format_version": "1.1",
//	  "timestamp": "2025-01-02T03:04:05Z",
//	  "mode": "normal",                  // or "destroy", "refresh-only"
//	  "errored": false,
//	  "blocked": true,                   // a guardrail stops apply from starting
//	  "prior_state": {"lineage": "…", "serial": 4},
//	  "variables": {"name": {"value": "…", "sensitive": false}},
//	  "summary": {"add": 1, "change": 0, "replace": 0, "destroy": 0, "import": 0, "move": 0},
//	  "resource_drift": [ … ],           // like resource_changes
//	  "resource_changes": [ {
//	    "address": "local_file.a", "mode": "managed", "type": "local_file", "name": "a",
//	    "provider": {"source": "tack/local"},
//	    "change": {"actions": ["create"], "before": null, "after": {…},
//	               "after_unknown": {…}, "before_sensitive": false, "after_sensitive": {…}},
//	    "railings": [ {"guardrail": "guardrail.no-world-writable", "enforcement": "mandatory",
//	                   "result": "fail", "message": "…", "blocks": true} ]
//	  } ],
//	  "output_changes": {"endpoint": {"actions": ["create"], …}},
//	  "cluster_summary": {"create": 0, "deploy": 1, "resize": 0, "resume": 0, "destroy": 0, "blocked": 0},
//	  "cluster_drift": [ {"address": "cluster.api-prod", "server_group": "api-prod-v042", "change": "…"} ],
//	  "cluster_changes": [ {
//	    "address": "cluster.api-prod", "name": "api-prod", "environment": "prod", "action": "deploy", "strategy": "red_black",
//	    "server_group": "api-prod-v043", "capacity": {"min": 2, "desired": 3, "max": 6},
//	    "steps": [ {"kind": "create", "group": "api-prod-v043", "description": "create api-prod-v043 (3 instances, disabled)", …} ],
//	    "constraints": [ {"kind": "manual_approval", "status": "blocked", "environment": "prod", "detail": "…", "hint": "tack approve …"} ],
//	    "spec": {"before": {…}, "after": {…}, "after_unknown": {…}, …}
//	  } ],
//	  "guardrails": [ {"name": "guardrail.prod-keeps-two", "enforcement": "overridable", "source": "config", "checked": 2, "failed": 0, "unknown": 0} ],
//	  "plan_railings": [ … ],            // verdicts on the plan as a whole
//	  "blockers": [ {"kind": "constraint", "address": "cluster.api-prod", "constraint": "manual_approval", …} ]
//	}
//
// Sensitive values, whether a variable's mark or the provider's schema
// makes them so, never appear: they are null, and the *_sensitive trees
// say where. Values known only after apply are null too, and the
// after_unknown tree says where. Keys are in a fixed order: struct fields
// as documented, maps sorted. It returns the first error from encoding
// or writing.
func RenderPlanJSON(w io.Writer, p *planner.Plan) error {
	c := p.Counts()
	out := jsonPlan{
		FormatVersion:   PlanFormatVersion,
		Timestamp:       p.Created.UTC().Format(time.RFC3339),
		Mode:            p.Mode.String(),
		Errored:         p.Errored,
		Blocked:         applyBlocked(p),
		PriorState:      jsonPriorState{Lineage: p.Lineage, Serial: p.Serial},
		Variables:       map[string]jsonVariable{},
		Summary:         jsonSummary{c.Add, c.Change, c.Replace, c.Destroy, c.Import, c.Move},
		ResourceDrift:   []jsonResourceChange{},
		ResourceChanges: []jsonResourceChange{},
		OutputChanges:   map[string]jsonChange{},
		ClusterSummary:  jsonClusterSummary(countClusters(p)),
		ClusterDrift:    []jsonClusterDrift{},
		ClusterChanges:  []jsonClusterChange{},
		Guardrails:      []jsonGuardrail{},
		PlanRailings:    []jsonRailing{},
		Blockers:        []jsonBlocker{},
	}
	current := currentAddrs(p.Changes)
	var addrs []string
	for _, ch := range p.Changes {
		addrs = append(addrs, ch.Addr.String())
	}
	for _, c := range p.Clusters {
		addrs = append(addrs, c.Addr.String())
	}
	rail := sortRailings(p, addrs)
	for name, v := range p.Variables {
		v = prepareValue(v, nil)
		out.Variables[name] = jsonVariable{Value: jsonValue(v), Sensitive: v.HasMarkDeep(config.Sensitive)}
	}
	for _, t := range p.Targets {
		out.Targets = append(out.Targets, t.String())
	}
	for _, ch := range p.Drift {
		out.ResourceDrift = append(out.ResourceDrift, jsonResource(ch, schemaOf(p, ch)))
	}
	for _, ch := range p.Changes {
		jr := jsonResource(ch, schemaOf(p, ch))
		if addr, ok := verdictAddrKey(ch, current); ok {
			jr.Railings = jsonRailings(rail.byAddr[addr], false)
		}
		out.ResourceChanges = append(out.ResourceChanges, jr)
	}
	for _, o := range p.Outputs {
		b, a := prepareValue(o.Before, nil), prepareValue(o.After, nil)
		if o.Sensitive {
			b, a = markSensitive(b), markSensitive(a)
		}
		out.OutputChanges[o.Name] = jsonChangeOf(o.Action, b, a, nil)
	}
	for _, d := range p.ClusterDrift {
		out.ClusterDrift = append(out.ClusterDrift, jsonClusterDrift{Address: clusterAddr(d.Cluster), Cluster: d.Cluster, ServerGroup: d.Group, Change: d.Change})
	}
	for _, c := range p.Clusters {
		jc := jsonCluster(p, c)
		jc.Railings = jsonRailings(rail.byAddr[c.Addr.String()], false)
		out.ClusterChanges = append(out.ClusterChanges, jc)
	}
	for _, g := range p.Guardrails {
		out.Guardrails = append(out.Guardrails, jsonGuardrail{Name: g.Name, Enforcement: string(g.Enforcement), Source: g.Source, Checked: g.Checked, Failed: g.Failed, Unknown: g.Unknown})
	}
	out.PlanRailings = append(out.PlanRailings, jsonRailings(rail.loose, true)...)
	out.Blockers = jsonBlockers(p)

	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // values hold <, > and & often, and this is not HTML
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("writing the plan as JSON: %w", err)
	}
	return nil
}

type jsonPlan struct {
	FormatVersion   string                  `json:"format_version"`
	Timestamp       string                  `json:"timestamp"`
	Mode            string                  `json:"mode"`
	Errored         bool                    `json:"errored"`
	Blocked         bool                    `json:"blocked"`
	PriorState      jsonPriorState          `json:"prior_state"`
	Variables       map[string]jsonVariable `json:"variables"`
	Targets         []string                `json:"targets,omitempty"`
	Summary         jsonSummary             `json:"summary"`
	ResourceDrift   []jsonResourceChange    `json:"resource_drift"`
	ResourceChanges []jsonResourceChange    `json:"resource_changes"`
	OutputChanges   map[string]jsonChange   `json:"output_changes"`
	ClusterSummary  jsonClusterSummary      `json:"cluster_summary"`
	ClusterDrift    []jsonClusterDrift      `json:"cluster_drift"`
	ClusterChanges  []jsonClusterChange     `json:"cluster_changes"`
	Guardrails      []jsonGuardrail         `json:"guardrails"`
	PlanRailings    []jsonRailing           `json:"plan_railings"`
	Blockers        []jsonBlocker           `json:"blockers"`
}

type jsonPriorState struct {
	Lineage string `json:"lineage"`
	Serial  uint64 `json:"serial"`
}

type jsonVariable struct {
	Value     any  `json:"value"`
	Sensitive bool `json:"sensitive"`
}

type jsonSummary struct {
	Add     int `json:"add"`
	Change  int `json:"change"`
	Replace int `json:"replace"`
	Destroy int `json:"destroy"`
	Import  int `json:"import"`
	Move    int `json:"move"`
}

type jsonResourceChange struct {
	Address         string        `json:"address"`
	PreviousAddress string        `json:"previous_address,omitempty"`
	ModuleAddress   string        `json:"module_address,omitempty"`
	Mode            string        `json:"mode"`
	Type            string        `json:"type"`
	Name            string        `json:"name"`
	Index           any           `json:"index,omitempty"`
	Deposed         string        `json:"deposed,omitempty"`
	Provider        jsonProvider  `json:"provider"`
	Change          jsonChange    `json:"change"`
	ActionReason    string        `json:"action_reason,omitempty"`
	Railings        []jsonRailing `json:"railings,omitempty"`
}

type jsonProvider struct {
	Source string `json:"source"`
	Alias  string `json:"alias,omitempty"`
}

type jsonChange struct {
	Actions         []string       `json:"actions"`
	Before          any            `json:"before"`
	After           any            `json:"after"`
	AfterUnknown    any            `json:"after_unknown"`
	BeforeSensitive any            `json:"before_sensitive"`
	AfterSensitive  any            `json:"after_sensitive"`
	ReplacePaths    [][]any        `json:"replace_paths,omitempty"`
	Importing       *jsonImporting `json:"importing,omitempty"`
}

type jsonImporting struct {
	ID string `json:"id"`
}

func jsonResource(ch *planner.ResourceChange, schema *sdk.Block) jsonResourceChange {
	res := ch.Addr.Resource
	jr := jsonResourceChange{
		Address:       ch.Addr.String(),
		ModuleAddress: ch.Addr.Module.String(),
		Mode:          "managed",
		Type:          res.Resource.Type,
		Name:          res.Resource.Name,
		Deposed:       string(ch.Deposed),
		Provider:      jsonProvider{Source: ch.Provider.Source, Alias: ch.Provider.Alias},
		ActionReason:  ch.Reason.String(),
	}
	if ch.Moved() {
		jr.PreviousAddress = ch.PrevRunAddr.String()
	}
	if res.Resource.Mode == addrs.DataResourceMode {
		jr.Mode = "data"
	}
	switch k := res.Key.(type) {
	case addrs.IntKey:
		jr.Index = int(k)
	case addrs.StringKey:
		jr.Index = string(k)
	}
	before, after := ch.Before, ch.After
	if ch.Action == planner.Create {
		before = cty.NilVal
	}
	if ch.Action == planner.Delete {
		after = cty.NilVal
	}
	jr.Change = jsonChangeOf(ch.Action, prepareValue(before, schema), prepareValue(after, schema), ch.RequiredReplace)
	if ch.Importing != nil {
		jr.Change.Importing = &jsonImporting{ID: ch.Importing.ID}
	}
	return jr
}

// jsonChangeOf describes a change between two prepared values.
func jsonChangeOf(act planner.Action, before, after cty.Value, replace []cty.Path) jsonChange {
	c := jsonChange{
		Actions:         jsonActions(act),
		Before:          jsonValue(before),
		After:           jsonValue(after),
		AfterUnknown:    boolTree(after, func(v cty.Value) bool { return !v.IsKnown() }),
		BeforeSensitive: boolTree(before, isSensitive),
		AfterSensitive:  boolTree(after, isSensitive),
	}
	for _, p := range replace {
		c.ReplacePaths = append(c.ReplacePaths, jsonPath(p))
	}
	return c
}

// jsonActions spells an action as Terraform's plans do: a replacement is
// its two steps in the order they happen.
func jsonActions(a planner.Action) []string {
	switch a {
	case planner.DeleteThenCreate:
		return []string{"delete", "create"}
	case planner.CreateThenDelete:
		return []string{"create", "delete"}
	}
	return []string{a.String()}
}

// jsonValue converts a prepared value to what encoding/json writes, with
// null for every part that is unknown or sensitive.
func jsonValue(v cty.Value) any {
	if isSensitive(v) || !v.IsKnown() || v.IsNull() {
		return nil
	}
	v = unmark(v)
	ty := v.Type()
	switch {
	case ty == cty.String:
		return v.AsString()
	case ty == cty.Number:
		f := v.AsBigFloat()
		if f.IsInf() {
			return nil // JSON has no infinity
		}
		return json.Number(numberString(f))
	case ty == cty.Bool:
		return v.True()
	case ty.IsListType() || ty.IsSetType() || ty.IsTupleType():
		out := []any{}
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			out = append(out, jsonValue(e))
		}
		return out
	case ty.IsMapType() || ty.IsObjectType():
		out := map[string]any{}
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			out[k.AsString()] = jsonValue(e)
		}
		return out
	}
	return nil
}

// boolTree marks where in v are the parts that is reports true for: true for
// such a part as a whole; in a map or object, only the keys that lead to
// one; in a list, set or tuple, one entry for each element, false for
// those that hold none; false for everything else. A map or object that
// holds none is {} at the top and left out below it, so that the tree of
// a resource is always an object.
func boolTree(v cty.Value, is func(cty.Value) bool) any {
	t, _ := boolTreeOf(v, is)
	if t == false && v.Type().IsObjectType() && !v.IsNull() {
		return map[string]any{}
	}
	return t
}

func boolTreeOf(v cty.Value, is func(cty.Value) bool) (any, bool) {
	if is(v) {
		return true, true
	}
	if !v.IsKnown() || v.IsNull() {
		return false, false
	}
	v = unmark(v)
	ty := v.Type()
	switch {
	case ty.IsListType() || ty.IsSetType() || ty.IsTupleType():
		out, found := []any{}, false
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			t, has := boolTreeOf(e, is)
			out = append(out, t)
			found = found || has
		}
		if !found {
			return false, false
		}
		return out, true
	case ty.IsMapType() || ty.IsObjectType():
		out := map[string]any{}
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			if t, has := boolTreeOf(e, is); has {
				out[k.AsString()] = t
			}
		}
		if len(out) == 0 {
			return false, false
		}
		return out, true
	}
	return false, false
}

// jsonPath writes a path as a list of steps: attribute names and map keys
// as strings, list indexes as numbers.
func jsonPath(p cty.Path) []any {
	out := []any{}
	for _, step := range p {
		switch s := step.(type) {
		case cty.GetAttrStep:
			out = append(out, s.Name)
		case cty.IndexStep:
			out = append(out, jsonValue(s.Key))
		}
	}
	return out
}

type jsonClusterSummary struct {
	Create  int `json:"create"`
	Deploy  int `json:"deploy"`
	Resize  int `json:"resize"`
	Resume  int `json:"resume"`
	Destroy int `json:"destroy"`
	Blocked int `json:"blocked"`
}

type jsonClusterDrift struct {
	Address     string `json:"address"`
	Cluster     string `json:"cluster"`
	ServerGroup string `json:"server_group,omitempty"`
	Change      string `json:"change"`
}

type jsonClusterChange struct {
	Address          string           `json:"address"`
	Name             string           `json:"name"`
	Application      string           `json:"application"`
	Stack            string           `json:"stack,omitempty"`
	Detail           string           `json:"detail,omitempty"`
	Environment      string           `json:"environment,omitempty"`
	Provider         jsonProvider     `json:"provider"`
	Action           string           `json:"action"`
	Intended         string           `json:"intended,omitempty"`
	Reason           string           `json:"reason,omitempty"`
	Blocked          string           `json:"blocked,omitempty"`
	Strategy         string           `json:"strategy,omitempty"`
	Version          string           `json:"version,omitempty"`
	ServerGroup      string           `json:"server_group,omitempty"`
	Capacity         *jsonCapacity    `json:"capacity,omitempty"`
	LiveServerGroups []jsonLiveGroup  `json:"live_server_groups"`
	Steps            []jsonStep       `json:"steps"`
	Constraints      []jsonConstraint `json:"constraints"`
	Spec             jsonSpec         `json:"spec"`
	Railings         []jsonRailing    `json:"railings,omitempty"`
}

type jsonCapacity struct {
	Min     int `json:"min"`
	Desired int `json:"desired"`
	Max     int `json:"max"`
}

type jsonLiveGroup struct {
	Name     string       `json:"name"`
	Capacity jsonCapacity `json:"capacity"`
	Enabled  bool         `json:"enabled"`
	Healthy  int          `json:"healthy"`
}

// jsonStep is a deployment step; which fields it has depends on its kind.
type jsonStep struct {
	Kind            string        `json:"kind"`
	Group           string        `json:"group,omitempty"`
	Description     string        `json:"description"`
	Capacity        *jsonCapacity `json:"capacity,omitempty"`
	Enabled         *bool         `json:"enabled,omitempty"`
	Healthy         *int          `json:"healthy,omitempty"`
	DeadlineSeconds json.Number   `json:"deadline_seconds,omitempty"`
	DurationSeconds json.Number   `json:"duration_seconds,omitempty"`
	Weight          *int          `json:"weight,omitempty"`
	Baseline        string        `json:"baseline,omitempty"`
	OnFail          []jsonStep    `json:"on_fail,omitempty"`
}

// jsonSpec is the server_group spec of the group serving now (before)
// and of the one the change leaves serving (after), with the trees of
// a resource change.
type jsonSpec struct {
	Before          any `json:"before"`
	After           any `json:"after"`
	AfterUnknown    any `json:"after_unknown"`
	BeforeSensitive any `json:"before_sensitive"`
	AfterSensitive  any `json:"after_sensitive"`
}

func jsonCluster(p *planner.Plan, c *planner.ClusterChange) jsonClusterChange {
	jc := jsonClusterChange{
		Address:          c.Addr.String(),
		Name:             c.Ref.Name,
		Application:      c.Ref.Application,
		Stack:            c.Ref.Stack,
		Detail:           c.Ref.Detail,
		Environment:      c.Environment,
		Provider:         jsonProvider{Source: c.Provider.Source, Alias: c.Provider.Alias},
		Action:           string(c.Action),
		Intended:         string(c.Intended),
		Reason:           c.Reason,
		Blocked:          c.Blocked,
		Strategy:         c.Strategy,
		Version:          c.Version,
		ServerGroup:      c.Group,
		LiveServerGroups: []jsonLiveGroup{},
		Steps:            jsonSteps(c.Steps),
		Constraints:      []jsonConstraint{},
	}
	for _, k := range c.Constraints {
		jk := jsonConstraint{Kind: k.Kind, Status: string(k.Status), Environment: k.Environment, Detail: k.Detail, Hint: k.Hint, Upstream: k.Upstream}
		if k.Soak > 0 {
			jk.Soak = delivery.ShortDuration(k.Soak)
		}
		jc.Constraints = append(jc.Constraints, jk)
	}
	if jc.Name == "" {
		jc.Name = c.Addr.Name
	}
	if c.Capacity != (delivery.Capacity{}) {
		jc.Capacity = jsonCapacityOf(c.Capacity)
	}
	for _, g := range c.Live {
		jc.LiveServerGroups = append(jc.LiveServerGroups, jsonLiveGroup{Name: g.Name, Capacity: *jsonCapacityOf(g.Capacity), Enabled: g.Enabled, Healthy: g.Healthy})
	}
	schema := p.Schemas[c.Provider.Source][planner.ServerGroupSchemaKey]
	before, after := prepareValue(c.Current, schema), prepareValue(c.Spec, schema)
	if c.Action == planner.ClusterDestroy || c.Action == planner.ClusterBlocked && c.Intended == planner.ClusterDestroy {
		after = cty.NullVal(cty.DynamicPseudoType)
	}
	ch := jsonChangeOf(planner.Update, before, after, nil)
	jc.Spec = jsonSpec{Before: ch.Before, After: ch.After, AfterUnknown: ch.AfterUnknown, BeforeSensitive: ch.BeforeSensitive, AfterSensitive: ch.AfterSensitive}
	return jc
}

func jsonCapacityOf(c delivery.Capacity) *jsonCapacity {
	return &jsonCapacity{Min: c.Min, Desired: c.Desired, Max: c.Max}
}

// jsonSteps writes steps with the fields each kind uses; always a list,
// [] when there are none.
func jsonSteps(steps []delivery.Step) []jsonStep {
	out := []jsonStep{}
	for _, s := range steps {
		js := jsonStep{Kind: s.Kind.String(), Group: s.Group, Description: s.String()}
		switch s.Kind {
		case delivery.StepCreate:
			js.Capacity, js.Enabled = jsonCapacityOf(s.Capacity), &s.Enabled
		case delivery.StepWaitHealthy:
			js.Capacity, js.Healthy, js.DeadlineSeconds = jsonCapacityOf(s.Capacity), &s.Healthy, jsonSeconds(s.Deadline)
		case delivery.StepSetWeight:
			js.Weight = &s.Weight
		case delivery.StepResize:
			js.Capacity = jsonCapacityOf(s.Capacity)
		case delivery.StepWait:
			js.DurationSeconds = jsonSeconds(s.Duration)
		case delivery.StepAnalyze:
			js.Baseline, js.DurationSeconds = s.Baseline, jsonSeconds(s.Duration)
			if len(s.OnFail) > 0 {
				js.OnFail = jsonSteps(s.OnFail)
			}
		}
		out = append(out, js)
	}
	return out
}

// jsonSeconds writes a duration as a JSON number of seconds, exactly: 120,
// 1.5.
func jsonSeconds(d time.Duration) json.Number {
	return json.Number(strconv.FormatFloat(d.Seconds(), 'f', -1, 64))
}

// jsonGuardrail is a guardrail the plan was checked against, with its
// counts.
type jsonGuardrail struct {
	Name        string `json:"name"`
	Enforcement string `json:"enforcement"`
	Source      string `json:"source"`
	Checked     int    `json:"checked"`
	Failed      int    `json:"failed"`
	Unknown     int    `json:"unknown"`
}

// jsonRailing is a guardrail's verdict on a change, or on the plan.
type jsonRailing struct {
	// Address is set only in plan_railings, for a verdict about a
	// change the plan does not hold.
	Address     string        `json:"address,omitempty"`
	Guardrail   string        `json:"guardrail"`
	Enforcement string        `json:"enforcement"`
	Result      string        `json:"result"`
	Message     string        `json:"message"`
	Blocks      bool          `json:"blocks"`
	Override    *jsonOverride `json:"override,omitempty"`
}

type jsonOverride struct {
	Actor  string `json:"actor"`
	Reason string `json:"reason"`
	Time   string `json:"time"`
}

// jsonRailings writes verdicts, with their addresses when withAddr.
func jsonRailings(vs []*planner.Verdict, withAddr bool) []jsonRailing {
	var out []jsonRailing
	for _, v := range vs {
		jv := jsonRailing{Guardrail: v.Guardrail, Enforcement: string(v.Enforcement), Result: string(v.Result), Message: v.Message, Blocks: v.Blocks()}
		if withAddr {
			jv.Address = v.Address
		}
		if o := v.Override; o != nil {
			jv.Override = &jsonOverride{Actor: o.Actor, Reason: o.Reason}
			if !o.Time.IsZero() {
				jv.Override.Time = o.Time.UTC().Format(time.RFC3339)
			}
		}
		out = append(out, jv)
	}
	return out
}

// jsonConstraint is one of a cluster change's environment constraints.
type jsonConstraint struct {
	Kind        string   `json:"kind"`
	Status      string   `json:"status"`
	Environment string   `json:"environment,omitempty"`
	Detail      string   `json:"detail"`
	Hint        string   `json:"hint,omitempty"`
	Upstream    []string `json:"upstream,omitempty"`
	Soak        string   `json:"soak,omitempty"`
}

// jsonBlocker is one thing that holds changes back; its kind says which
// fields it has. A guardrail stops apply from starting; a constraint or
// a cluster holds back only that cluster's change, and apply makes the
// others.
type jsonBlocker struct {
	Kind        string `json:"kind"` // "guardrail", "constraint" or "cluster"
	Address     string `json:"address,omitempty"`
	Guardrail   string `json:"guardrail,omitempty"`
	Enforcement string `json:"enforcement,omitempty"`
	Constraint  string `json:"constraint,omitempty"`
	Environment string `json:"environment,omitempty"`
	Message     string `json:"message"`
	Hint        string `json:"hint,omitempty"`
}

// jsonBlockers lists what holds p's changes back: each blocking
// verdict, in plan order, which stops apply from starting; then each
// blocked constraint of each blocked cluster change (or the change
// itself when no constraint says why), which holds back only that
// cluster.
func jsonBlockers(p *planner.Plan) []jsonBlocker {
	out := []jsonBlocker{}
	for _, v := range p.Blockers() {
		hint := overrideCommand(p, v.Guardrail)
		if v.Enforcement == planner.Mandatory {
			hint = mandatoryHint
		}
		out = append(out, jsonBlocker{Kind: "guardrail", Address: v.Address, Guardrail: v.Guardrail, Enforcement: string(v.Enforcement), Message: v.Message, Hint: hint})
	}
	for _, c := range blockedClusters(p.Clusters) {
		ks := blockedConstraints(c)
		if len(ks) == 0 {
			out = append(out, jsonBlocker{Kind: "cluster", Address: c.Addr.String(), Message: c.Blocked})
		}
		for _, k := range ks {
			out = append(out, jsonBlocker{Kind: "constraint", Address: c.Addr.String(), Constraint: k.Kind, Environment: k.Environment, Message: k.Detail, Hint: k.Hint})
		}
	}
	return out
}
