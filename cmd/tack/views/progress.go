package views

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tackhq/tack/config/addrs"
	"github.com/tackhq/tack/planner"
	"github.com/tackhq/tack/planner/delivery"
	"github.com/tackhq/tack/state"
)

// Heartbeat is how often a still-running operation is reported.
const Heartbeat = 10 * time.Second

// Progress renders the planner's events as the lines a person watches
// during plan and apply, in Terraform's words:
//
//	local_file.a: Creating...
//	local_file.a: Still creating... [10s elapsed]
//	local_file.a: Creation complete after 12s [id=3f2a]
//
// Progress does not read the clock: the command calls [Progress.Tick]
// from a time.Ticker (every second is right), and every operation that
// has run for another [Heartbeat] since it started gets a "Still …"
// line. Emit and Tick may be called from any goroutine; lines are never
// interleaved. Diagnostics of failed operations are not printed here:
// the command prints those that planning or applying returns.
type Progress struct {
	out   io.Writer
	color palette

	mu       sync.Mutex
	inflight map[opKey]*inflightOp
	steps    clusterSteps
	counts   ApplyCounts
}

// clusterSteps are the deployment steps running (or the soaks being
// waited for), by cluster, for their heartbeat. Both views keep one.
type clusterSteps map[string]*inflightStep

// inflightStep is a cluster's deployment step in progress.
type inflightStep struct {
	what  string // "running STEP", or the soak, as the heartbeat says it
	start time.Time
	beats int
}

// track follows what the event says a cluster is busy with.
func (cs clusterSteps) track(e planner.Event) {
	switch e := e.(type) {
	case planner.DeploymentProgress:
		switch key := e.Cluster.String(); e.Progress.Phase {
		case "started":
			cs[key] = &inflightStep{what: "running " + e.Progress.Step.String(), start: e.Progress.At}
		case "done", "failed":
			delete(cs, key)
		}
	case planner.SoakWaiting:
		// Until the first step starts, the heartbeat is the soak's.
		cs[e.Cluster.String()] = &inflightStep{what: "waiting for the soak of " + strings.Join(e.Upstream, ", ")}
	case planner.ClusterChanged:
		delete(cs, e.Cluster.String())
	}
}

// stepBeat is a heartbeat due for a cluster.
type stepBeat struct {
	cluster, what string
	elapsed       time.Duration
}

// due are the heartbeats due at now, by cluster name; a step whose start
// has no time counts from its first tick.
func (cs clusterSteps) due(now time.Time) []stepBeat {
	var out []stepBeat
	for _, key := range slices.Sorted(maps.Keys(cs)) {
		st := cs[key]
		if st.start.IsZero() {
			st.start = now
		}
		if n := int(now.Sub(st.start) / Heartbeat); n > st.beats {
			st.beats = n
			out = append(out, stepBeat{cluster: key, what: st.what, elapsed: now.Sub(st.start)})
		}
	}
	return out
}

// line is the heartbeat as a person reads it: "cluster.api-prod: Still
// running wait 5m... [10s elapsed]".
func (b stepBeat) line() string {
	return fmt.Sprintf("%s: Still %s... [%s elapsed]", b.cluster, b.what, seconds(b.elapsed))
}

// NewProgress returns a Progress writing to w, in colour (bold lines)
// when color is set.
func NewProgress(w io.Writer, color bool) *Progress {
	return &Progress{out: w, color: palette(color), inflight: map[opKey]*inflightOp{}, steps: clusterSteps{}}
}

// opKey identifies an operation in flight: a replacement's create and
// its old object's delete can run for one address at the same time.
type opKey struct {
	addr string
	op   planner.Operation
}

type inflightOp struct {
	addr  addrs.AbsResourceInstance
	op    planner.Operation
	id    string
	start time.Time
	beats int // heartbeats reported so far
}

// ApplyCounts are the totals of the apply summary line. A replacement
// counts as one added and one destroyed.
type ApplyCounts struct {
	Imported, Added, Changed, Destroyed int
	// Clusters count the cluster changes that succeeded, by what they
	// did ("deployed", "resized"…), and those that did not, by outcome
	// ("rolled back", "failed").
	Clusters map[string]int
}

// clusterWords are the words of the summary's cluster counts, in order.
var clusterWords = []string{"created", "deployed", "resized", "resumed", "rolled back by tack rollback", "destroyed", "rolled back", "canary failed", "failed", "interrupted"}

func (c *ApplyCounts) addCluster(e planner.ClusterChanged) {
	if c.Clusters == nil {
		c.Clusters = map[string]int{}
	}
	word := map[string]string{state.DeploymentRolledBack: "rolled back", state.DeploymentCanaryFailed: "canary failed", state.DeploymentFailed: "failed", state.DeploymentInProgress: "interrupted"}[e.Outcome]
	if e.Outcome == state.DeploymentSucceeded {
		word = map[planner.ClusterAction]string{
			planner.ClusterCreate: "created", planner.ClusterDeploy: "deployed", planner.ClusterResize: "resized",
			planner.ClusterResume: "resumed", planner.ClusterRollback: "rolled back by tack rollback", planner.ClusterDestroy: "destroyed",
		}[e.Action]
	}
	c.Clusters[word]++
}

// clusterSummary is " Clusters: 1 deployed, 1 rolled back.", or "".
func (c ApplyCounts) clusterSummary() string {
	var parts []string
	for _, w := range clusterWords {
		if n := c.Clusters[w]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, w))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " Clusters: " + strings.Join(parts, ", ") + "."
}

// Emit renders one event. It is safe to pass as planner.Opts.Events.
func (p *Progress) Emit(e planner.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch e := e.(type) {
	case planner.OperationStarted:
		p.inflight[opKey{e.Addr.String(), e.Op}] = &inflightOp{addr: e.Addr, op: e.Op, id: e.ID, start: e.At}
		p.println(ansiBold, e.Addr.String()+": "+startMessage(e.Op, e.ID))
	case planner.OperationDone:
		delete(p.inflight, opKey{e.Addr.String(), e.Op})
		p.counts.add(e.Op)
		if e.Op == planner.OpRefresh {
			return // the start line said all there is
		}
		msg := fmt.Sprintf("%s: %s after %s", e.Addr, doneNoun(e.Op), seconds(e.Elapsed))
		if e.ID != "" && e.Op != planner.OpDelete {
			msg += " [id=" + safeText(e.ID) + "]"
		}
		p.println(ansiBold, msg)
	case planner.OperationFailed:
		delete(p.inflight, opKey{e.Addr.String(), e.Op})
		p.println(ansiBoldRed, fmt.Sprintf("%s: %s failed after %s", e.Addr, failNoun(e.Op), seconds(e.Elapsed)))
	case planner.DeploymentProgress:
		p.steps.track(e)
		p.println(deploymentStyle(e.Progress), deploymentLine(e))
	case planner.SoakWaiting:
		p.steps.track(e)
		p.println(ansiBold, soakLine(e))
	case planner.ClusterChanged:
		p.steps.track(e)
		p.counts.addCluster(e)
	case planner.ChangePlanned, planner.StateSaved:
		// The plan view shows the changes; saving state is not news.
	}
}

// soakLine says what a cluster's deployment waits for:
//
//	cluster.api-prod: waiting until 10:20:00 UTC for cluster.api-staging to run 2.0 healthy for its soak...
func soakLine(e planner.SoakWaiting) string {
	return fmt.Sprintf("%s: waiting until %s for %s to soak...", e.Cluster, e.Until.UTC().Format("2006-01-02 15:04:05 UTC"), strings.Join(e.Upstream, ", "))
}

// deploymentLine is a deployment step's progress as a person reads it:
//
//	cluster.api-prod: create api-prod-v043 (3 instances, disabled)...
//	cluster.api-prod: api-prod-v043 is 2/3 healthy
//	cluster.api-prod: enable api-prod-v043 done
//	cluster.api-prod: wait until 3/3 healthy (deadline 2m) failed: …
func deploymentLine(e planner.DeploymentProgress) string {
	pr := e.Progress
	head := e.Cluster.String() + ": "
	if pr.Index < 0 {
		head += "rollback: " // the engine numbers a rollback's steps from -1 down
	}
	switch pr.Phase {
	case "started":
		return head + pr.Step.String() + "..."
	case "health":
		return fmt.Sprintf("%s%s is %d/%d healthy", head, pr.Step.Group, pr.Healthy, pr.Want)
	case "failed":
		msg := head + pr.Step.String() + " failed"
		if pr.Err != nil {
			msg += ": " + safeText(pr.Err.Error())
		}
		return msg
	}
	return head + pr.Step.String() + " done"
}

func deploymentStyle(pr delivery.Progress) string {
	switch pr.Phase {
	case "failed":
		return ansiBoldRed
	case "health":
		return ""
	}
	return ansiBold
}

// Tick reports, with a "Still …" line each, the operations that have
// run for another [Heartbeat] by now, in address order. An operation
// whose start has no time counts from its first tick.
func (p *Progress) Tick(now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, op := range due(p.inflight, now) {
		elapsed := now.Sub(op.start)
		ids := ""
		if op.id != "" {
			ids = "id=" + safeText(op.id) + ", "
		}
		p.println("", fmt.Sprintf("%s: Still %s... [%s%s elapsed]", op.addr, stillVerb(op.op), ids, seconds(elapsed)))
	}
	// A deployment step (a health wait, a canary's analysis) and a soak
	// get the same heartbeat.
	for _, b := range p.steps.due(now) {
		p.println("", b.line())
	}
}

// Applied is what the operations reported so far did, for the summary.
func (p *Progress) Applied() ApplyCounts {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.counts
}

// Summary writes the line that ends an apply, with the counts of the
// operations reported: "Apply complete! Resources: 1 added, 0 changed,
// 0 destroyed."
func (p *Progress) Summary(mode planner.Mode) {
	p.mu.Lock()
	defer p.mu.Unlock()
	line := ApplySummary(mode, p.counts)
	head, rest, _ := strings.Cut(line, "! ")
	io.WriteString(p.out, "\n"+p.color.wrap(ansiBoldGrn, head+"!")+" "+rest+"\n")
}

func (p *Progress) println(style, s string) {
	if style != "" {
		s = p.color.wrap(style, s)
	}
	io.WriteString(p.out, s+"\n")
}

// due returns the operations owed a heartbeat at now, marking them paid,
// in address order.
func due(inflight map[opKey]*inflightOp, now time.Time) []*inflightOp {
	var out []*inflightOp
	for _, op := range inflight {
		if op.start.IsZero() {
			op.start = now
		}
		if n := int(now.Sub(op.start) / Heartbeat); n > op.beats {
			op.beats = n
			out = append(out, op)
		}
	}
	slices.SortFunc(out, func(a, b *inflightOp) int {
		switch {
		case a.addr.Less(b.addr):
			return -1
		case b.addr.Less(a.addr):
			return 1
		}
		return int(a.op) - int(b.op)
	})
	return out
}

func (c *ApplyCounts) add(op planner.Operation) {
	switch op {
	case planner.OpCreate:
		c.Added++
	case planner.OpUpdate:
		c.Changed++
	case planner.OpDelete:
		c.Destroyed++
	case planner.OpImport:
		c.Imported++
	}
}

// ApplySummary is the line that ends an apply: "Apply complete!
// Resources: 1 added, 0 changed, 0 destroyed.", with imports named first
// when there are some, and "Destroy complete! Resources: 3 destroyed."
// in destroy mode.
func ApplySummary(mode planner.Mode, c ApplyCounts) string {
	if mode == planner.DestroyMode {
		return fmt.Sprintf("Destroy complete! Resources: %d destroyed.", c.Destroyed) + c.clusterSummary()
	}
	imported := ""
	if c.Imported > 0 {
		imported = fmt.Sprintf("%d imported, ", c.Imported)
	}
	return fmt.Sprintf("Apply complete! Resources: %s%d added, %d changed, %d destroyed.", imported, c.Added, c.Changed, c.Destroyed) + c.clusterSummary()
}

func startMessage(op planner.Operation, id string) string {
	msg := map[planner.Operation]string{
		planner.OpRefresh: "Refreshing state...",
		planner.OpCreate:  "Creating...",
		planner.OpUpdate:  "Modifying...",
		planner.OpDelete:  "Destroying...",
		planner.OpRead:    "Reading...",
		planner.OpImport:  "Importing...",
	}[op]
	if id != "" {
		msg += " [id=" + safeText(id) + "]"
	}
	return msg
}

func stillVerb(op planner.Operation) string {
	return map[planner.Operation]string{
		planner.OpRefresh: "refreshing",
		planner.OpCreate:  "creating",
		planner.OpUpdate:  "modifying",
		planner.OpDelete:  "destroying",
		planner.OpRead:    "reading",
		planner.OpImport:  "importing",
	}[op]
}

func doneNoun(op planner.Operation) string {
	return map[planner.Operation]string{
		planner.OpRefresh: "Refresh complete",
		planner.OpCreate:  "Creation complete",
		planner.OpUpdate:  "Modifications complete",
		planner.OpDelete:  "Destruction complete",
		planner.OpRead:    "Read complete",
		planner.OpImport:  "Import complete",
	}[op]
}

func failNoun(op planner.Operation) string {
	return map[planner.Operation]string{
		planner.OpRefresh: "Refresh",
		planner.OpCreate:  "Creation",
		planner.OpUpdate:  "Modifications",
		planner.OpDelete:  "Destruction",
		planner.OpRead:    "Read",
		planner.OpImport:  "Import",
	}[op]
}

// seconds writes a duration in whole seconds, as Terraform does: "0s",
// "12s", "1m2s".
func seconds(d time.Duration) string {
	return max(0, d).Truncate(time.Second).String()
}

// safeText returns s with its non-printing characters escaped, for text
// from providers written to a terminal.
func safeText(s string) string {
	q := quoteString(s)
	return q[1 : len(q)-1]
}

// JSONProgressVersion is the version of the JSON lines that
// [JSONProgress] writes, given in the "version" message. Within a major
// version fields and message types are only added.
const JSONProgressVersion = "1.0"

// JSONProgress renders the planner's events as JSON lines, one object a
// line, for `tack apply -json` and `tack plan -json`: the same messages
// as [Progress], with what a program needs to tell them apart. The
// format is documented in docs/json-format.md:
//
//	{"@level":"info","@message":"local_file.a: Creating...","@module":"tack.ui",
//	 "@timestamp":"2025-01-02T03:04:05.000000Z","type":"apply_start",
//	 "hook":{"resource":{"addr":"local_file.a",…},"action":"create"}}
//
// Like Progress it does not read the clock for heartbeats ([JSONProgress.Tick]);
// the @timestamp of other messages comes from now, which the command sets
// to time.Now and tests to a fixed clock. Emit and Tick may be called from
// any goroutine.
type JSONProgress struct {
	now func() time.Time

	mu       sync.Mutex
	enc      *json.Encoder
	inflight map[opKey]*inflightOp
	steps    clusterSteps
	counts   ApplyCounts
	err      error
}

// NewJSONProgress returns a JSONProgress writing to w, stamping messages
// with the time now returns (time.Now when nil).
func NewJSONProgress(w io.Writer, now func() time.Time) *JSONProgress {
	if now == nil {
		now = time.Now
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return &JSONProgress{now: now, enc: enc, inflight: map[opKey]*inflightOp{}, steps: clusterSteps{}}
}

// jsonMessage is one line. Fields are in the order written.
type jsonMessage struct {
	Level     string `json:"@level"`
	Message   string `json:"@message"`
	Module    string `json:"@module"`
	Timestamp string `json:"@timestamp"`
	Type      string `json:"type"`

	Tack    string           `json:"tack,omitempty"`
	UI      string           `json:"ui,omitempty"`
	Hook    *jsonHook        `json:"hook,omitempty"`
	Change  *jsonPlanned     `json:"change,omitempty"`
	Changes *jsonApplyCounts `json:"changes,omitempty"`

	Deployment *jsonDeployment `json:"deployment,omitempty"`
}

// jsonDeployment is a deployment_step message's step: which cluster,
// which step (its index in the plan's steps, negative for a rollback's),
// and the phase: started, done, failed, or health while waiting.
type jsonDeployment struct {
	Cluster string `json:"cluster"`
	Index   int    `json:"index"`
	Step    string `json:"step"`
	Group   string `json:"server_group,omitempty"`
	Phase   string `json:"phase"`
	Healthy *int   `json:"healthy,omitempty"`
	Want    *int   `json:"want,omitempty"`
	Error   string `json:"error,omitempty"`
	// Upstream and Until are a soak's: the clusters waited for, and
	// when their soak ends.
	Upstream []string `json:"upstream,omitempty"`
	Until    string   `json:"until,omitempty"`
	// ElapsedSeconds is a heartbeat's (phase running): how long the
	// step, or the soak, has run.
	ElapsedSeconds *int64 `json:"elapsed_seconds,omitempty"`
}

type jsonHook struct {
	Resource       jsonHookResource `json:"resource"`
	Action         string           `json:"action,omitempty"`
	IDKey          string           `json:"id_key,omitempty"`
	IDValue        string           `json:"id_value,omitempty"`
	ElapsedSeconds *int64           `json:"elapsed_seconds,omitempty"`
}

type jsonHookResource struct {
	Addr         string `json:"addr"`
	Module       string `json:"module"`
	Resource     string `json:"resource"`
	ResourceType string `json:"resource_type"`
	ResourceName string `json:"resource_name"`
	ResourceKey  any    `json:"resource_key"`
}

type jsonPlanned struct {
	Resource         jsonHookResource  `json:"resource"`
	PreviousResource *jsonHookResource `json:"previous_resource,omitempty"`
	Action           string            `json:"action"`
	Reason           string            `json:"reason,omitempty"`
	Importing        *jsonImporting    `json:"importing,omitempty"`
}

type jsonApplyCounts struct {
	Import    int    `json:"import"`
	Add       int    `json:"add"`
	Change    int    `json:"change"`
	Remove    int    `json:"remove"`
	Operation string `json:"operation"`
	// Clusters count cluster changes by what they did or how they
	// ended, in the summary line's words ("deployed", "rolled back").
	Clusters map[string]int `json:"clusters,omitempty"`
}

// Version writes the message that begins a stream: which tack wrote it
// and the version of this format.
func (p *JSONProgress) Version(tackVersion string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.write(p.now(), jsonMessage{Level: "info", Message: "tack " + tackVersion, Type: "version", Tack: tackVersion, UI: JSONProgressVersion})
}

// Emit writes the message for one event. It is safe to pass as
// planner.Opts.Events.
func (p *JSONProgress) Emit(e planner.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	switch e := e.(type) {
	case planner.OperationStarted:
		p.inflight[opKey{e.Addr.String(), e.Op}] = &inflightOp{addr: e.Addr, op: e.Op, id: e.ID, start: e.At}
		h := hookFor(e.Addr, e.Op, e.ID)
		typ := "apply_start"
		if e.Op == planner.OpRefresh {
			typ = "refresh_start"
		}
		p.write(now, jsonMessage{Level: "info", Message: e.Addr.String() + ": " + startMessage(e.Op, e.ID), Type: typ, Hook: h})
	case planner.OperationDone:
		delete(p.inflight, opKey{e.Addr.String(), e.Op})
		p.counts.add(e.Op)
		h := hookFor(e.Addr, e.Op, e.ID)
		typ, msg := "apply_complete", fmt.Sprintf("%s: %s after %s", e.Addr, doneNoun(e.Op), seconds(e.Elapsed))
		if e.Op == planner.OpRefresh {
			typ = "refresh_complete"
		} else {
			h.ElapsedSeconds = elapsedSeconds(e.Elapsed)
		}
		if e.ID != "" && e.Op != planner.OpDelete {
			msg += " [id=" + safeText(e.ID) + "]"
		}
		p.write(now, jsonMessage{Level: "info", Message: msg, Type: typ, Hook: h})
	case planner.OperationFailed:
		delete(p.inflight, opKey{e.Addr.String(), e.Op})
		h := hookFor(e.Addr, e.Op, "")
		h.ElapsedSeconds = elapsedSeconds(e.Elapsed)
		typ := "apply_errored"
		if e.Op == planner.OpRefresh {
			typ = "refresh_errored"
		}
		p.write(now, jsonMessage{Level: "error", Message: fmt.Sprintf("%s: %s failed after %s", e.Addr, failNoun(e.Op), seconds(e.Elapsed)), Type: typ, Hook: h})
	case planner.ChangePlanned:
		ch := e.Change
		if ch == nil {
			return
		}
		action := plannedAction(ch)
		if action == "" {
			return // nothing happens to it
		}
		c := &jsonPlanned{Resource: hookResource(ch.Addr), Action: action, Reason: ch.Reason.String()}
		if ch.Moved() {
			prev := hookResource(ch.PrevRunAddr)
			c.PreviousResource = &prev
		}
		if ch.Importing != nil {
			c.Importing = &jsonImporting{ID: ch.Importing.ID}
		}
		p.write(now, jsonMessage{Level: "info", Message: ch.Addr.String() + ": Plan to " + action, Type: "planned_change", Change: c})
	case planner.DeploymentProgress:
		level := "info"
		if e.Progress.Phase == "failed" {
			level = "error"
		}
		d := &jsonDeployment{Cluster: e.Cluster.String(), Step: e.Progress.Step.String(), Index: e.Progress.Index, Phase: e.Progress.Phase, Group: e.Progress.Step.Group}
		if e.Progress.Phase == "health" {
			d.Healthy, d.Want = &e.Progress.Healthy, &e.Progress.Want
		}
		if e.Progress.Err != nil {
			d.Error = e.Progress.Err.Error()
		}
		p.steps.track(e)
		p.write(now, jsonMessage{Level: level, Message: deploymentLine(e), Type: "deployment_step", Deployment: d})
	case planner.SoakWaiting:
		p.steps.track(e)
		d := &jsonDeployment{Cluster: e.Cluster.String(), Phase: "soak", Upstream: e.Upstream, Until: e.Until.UTC().Format(time.RFC3339)}
		p.write(now, jsonMessage{Level: "info", Message: soakLine(e), Type: "deployment_step", Deployment: d})
	case planner.ClusterChanged:
		p.steps.track(e)
		p.counts.addCluster(e)
	case planner.StateSaved:
		// Not news to a program either.
	}
}

// Tick writes an apply_progress message for each operation that has run
// for another [Heartbeat] by now.
func (p *JSONProgress) Tick(now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, op := range due(p.inflight, now) {
		elapsed := now.Sub(op.start)
		h := hookFor(op.addr, op.op, op.id)
		h.ElapsedSeconds = elapsedSeconds(elapsed)
		typ := "apply_progress"
		if op.op == planner.OpRefresh {
			typ = "refresh_progress"
		}
		ids := ""
		if op.id != "" {
			ids = "id=" + safeText(op.id) + ", "
		}
		p.write(now, jsonMessage{Level: "info", Message: fmt.Sprintf("%s: Still %s... [%s%s elapsed]", op.addr, stillVerb(op.op), ids, seconds(elapsed)), Type: typ, Hook: h})
	}
	for _, b := range p.steps.due(now) {
		d := &jsonDeployment{Cluster: b.cluster, Phase: "running", Step: strings.TrimPrefix(b.what, "running "), ElapsedSeconds: elapsedSeconds(b.elapsed)}
		p.write(now, jsonMessage{Level: "info", Message: b.line(), Type: "deployment_step", Deployment: d})
	}
}

// Summary writes the change_summary message that ends an apply, with the
// counts of the operations reported.
func (p *JSONProgress) Summary(mode planner.Mode) {
	p.mu.Lock()
	defer p.mu.Unlock()
	operation := "apply"
	if mode == planner.DestroyMode {
		operation = "destroy"
	}
	c := p.counts
	p.write(p.now(), jsonMessage{Level: "info", Message: ApplySummary(mode, c), Type: "change_summary",
		Changes: &jsonApplyCounts{Import: c.Imported, Add: c.Added, Change: c.Changed, Remove: c.Destroyed, Operation: operation, Clusters: c.Clusters}})
}

// Err returns the first error from writing, after which nothing more was
// written.
func (p *JSONProgress) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

func (p *JSONProgress) write(at time.Time, m jsonMessage) {
	if p.err != nil {
		return
	}
	m.Module = "tack.ui"
	m.Timestamp = at.UTC().Format("2006-01-02T15:04:05.000000Z07:00")
	if err := p.enc.Encode(m); err != nil {
		p.err = fmt.Errorf("writing progress as JSON: %w", err)
	}
}

func hookFor(addr addrs.AbsResourceInstance, op planner.Operation, id string) *jsonHook {
	h := &jsonHook{Resource: hookResource(addr)}
	if op != planner.OpRefresh {
		h.Action = op.String()
	}
	if id != "" {
		h.IDKey, h.IDValue = "id", id
	}
	return h
}

func hookResource(addr addrs.AbsResourceInstance) jsonHookResource {
	r := jsonHookResource{
		Addr:         addr.String(),
		Module:       addr.Module.String(),
		Resource:     addr.Resource.String(),
		ResourceType: addr.Resource.Resource.Type,
		ResourceName: addr.Resource.Resource.Name,
	}
	switch k := addr.Resource.Key.(type) {
	case addrs.IntKey:
		r.ResourceKey = int(k)
	case addrs.StringKey:
		r.ResourceKey = string(k)
	}
	return r
}

// plannedAction names what a planned change does, as Terraform's
// planned_change messages do, or "" when it does nothing.
func plannedAction(ch *planner.ResourceChange) string {
	switch ch.Action {
	case planner.Create:
		return "create"
	case planner.Read:
		return "read"
	case planner.Update:
		return "update"
	case planner.DeleteThenCreate, planner.CreateThenDelete:
		return "replace"
	case planner.Delete:
		return "delete"
	}
	switch {
	case ch.Importing != nil:
		return "import"
	case ch.Moved():
		return "move"
	}
	return ""
}

func elapsedSeconds(d time.Duration) *int64 {
	s := int64(max(0, d) / time.Second)
	return &s
}
