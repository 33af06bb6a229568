package planner

import (
	"crypto/sha256"
	"time"

	"github.com/zclconf/go-cty/cty"
	ctymsgpack "github.com/zclconf/go-cty/cty/msgpack"

	"github.com/tackhq/tack/config/addrs"
	"github.com/tackhq/tack/plugins/sdk"
	"github.com/tackhq/tack/state"
)

// Mode is the kind of plan.
type Mode int

const (
	// NormalMode converges what is live on the configuration.
	NormalMode Mode = iota
	// DestroyMode plans the teardown of everything in the state.
	DestroyMode
	// RefreshOnlyMode plans only to accept drift into the state.
	RefreshOnlyMode
)

func (m Mode) String() string {
	switch m {
	case NormalMode:
		return "normal"
	case DestroyMode:
		return "destroy"
	case RefreshOnlyMode:
		return "refresh-only"
	}
	return "invalid"
}

// Plan is every change tack intends to make, with what a reviewer needs
// to trust it, and what apply needs to carry out exactly that. Values in
// it are decoded cty values: sensitive ones carry the config.Sensitive
// mark, and values only known after apply are unknown. A Plan is not safe
// for concurrent use; the planner builds it behind a lock and hands it
// over when done.
type Plan struct {
	Mode Mode
	// Lineage and Serial are those of the state the plan was made
	// against; apply refuses the plan when the state has moved since.
	Lineage string
	Serial  uint64
	// ConfigHash is the sha256 (hex) of the configuration's files, in
	// name order; apply refuses the plan when the files changed.
	ConfigHash string
	// Variables are the root module's variable values the plan used.
	Variables map[string]cty.Value
	// Targets are the -target addresses, when the plan was limited.
	Targets []addrs.AbsResourceInstance

	// Changes are the resource instance changes, NoOp ones included, in
	// address order.
	Changes []*ResourceChange
	// Drift is what refresh found changed outside tack since the last
	// apply: Update for an object that changed, Delete for one that is
	// gone.
	Drift []*ResourceChange
	// Outputs are the root module's outputs, before and after.
	Outputs []*OutputChange
	// Clusters are the cluster changes, no-ops included, by cluster
	// address; ClusterDrift is what refresh found changed in their live
	// server groups.
	Clusters     []*ClusterChange
	ClusterDrift []*ClusterDrift

	// Guardrails are every guardrail the plan was checked against, with
	// counts; Verdicts are their failures and undecided results, in the
	// order of the changes they concern. A failing mandatory guardrail,
	// or an overridable one not overridden, blocks apply (Blockers).
	Guardrails []*GuardrailCheck
	Verdicts   []*Verdict

	// PriorState is the state after refresh: what apply starts from.
	PriorState *state.State
	// Schemas are the schemas of the resource types in Changes and Drift,
	// keyed by provider source and then type ("tack/local" → "local_file"),
	// so that a plan renders without launching providers.
	Schemas map[string]map[string]*sdk.Block

	// Errored is true when planning stopped at an error: the plan is
	// shown, but cannot be applied.
	Errored bool
	// Created is when the plan was made.
	Created time.Time
}

// ResourceChange is the planned change of one resource instance object.
type ResourceChange struct {
	Addr addrs.AbsResourceInstance
	// PrevRunAddr is the address the object had in the state, which
	// differs from Addr when a moved block renamed it.
	PrevRunAddr addrs.AbsResourceInstance
	// Deposed is set for a deposed object of a create_before_destroy
	// replacement that a failed apply left behind.
	Deposed  state.DeposedKey
	Provider state.ProviderRef
	// Type is the resource type; Mode tells managed from data.
	Mode addrs.ResourceMode

	Action Action
	Reason Reason
	// Before is null for Create; After is null for Delete.
	Before, After cty.Value
	// RequiredReplace are the changed attributes the provider cannot
	// update in place: the "# forces replacement" lines.
	RequiredReplace []cty.Path
	// Private is the provider's opaque data planned for this change.
	Private []byte
	// Importing is set when the object is adopted by an import block or
	// tack import, rather than created.
	Importing *Importing
	// SchemaVersion is the version of the type's schema the values are in.
	SchemaVersion int64

	// ConfigDigest identifies the configuration After was planned from,
	// when it was wholly known (see [configDigest]); apply reuses After
	// instead of planning again when the configuration it evaluates has
	// the same digest. Nil means the change is planned again at apply.
	ConfigDigest []byte
}

// configDigest is the SHA-256 of cfg, which has no marks, encoded as
// msgpack against ty (an encoding that is the same for equal values), or
// nil when cfg is not wholly known or cannot be encoded. A digest rather
// than the value: a plan of ten thousand resources kept as many
// configurations alive until apply, and a saved plan would have had to
// carry them too.
func configDigest(cfg cty.Value, ty cty.Type) []byte {
	if !cfg.IsWhollyKnown() {
		return nil
	}
	b, err := ctymsgpack.Marshal(cfg, ty)
	if err != nil {
		return nil
	}
	sum := sha256.Sum256(b)
	return sum[:]
}

// Importing says which existing object a change adopts.
type Importing struct {
	ID string
}

// Moved reports whether a moved block renamed the object.
func (c *ResourceChange) Moved() bool { return !c.Addr.Equal(c.PrevRunAddr) }

// OutputChange is the change of one root module output.
type OutputChange struct {
	Name      string
	Action    Action // Create, Update, Delete or NoOp
	Before    cty.Value
	After     cty.Value // may be unknown
	Sensitive bool
}

// Counts are the totals of the summary line.
type Counts struct {
	Add, Change, Replace, Destroy, Import, Move int
}

// Counts totals the plan's resource changes the way the summary line
// reads them: a replacement counts once, under Replace.
func (p *Plan) Counts() Counts {
	var c Counts
	for _, ch := range p.Changes {
		if ch.Mode != addrs.ManagedResourceMode {
			continue
		}
		switch ch.Action {
		case Create:
			c.Add++
		case Update:
			c.Change++
		case DeleteThenCreate, CreateThenDelete:
			c.Replace++
		case Delete:
			c.Destroy++
		}
		if ch.Importing != nil {
			c.Import++
		}
		if ch.Moved() {
			c.Move++
		}
	}
	return c
}

// HasChanges reports whether applying the plan would change anything:
// a resource, an output, or (in refresh-only mode) the state's record of
// drift.
func (p *Plan) HasChanges() bool {
	for _, ch := range p.Changes {
		if ch.Action != NoOp || ch.Moved() || ch.Importing != nil {
			return true
		}
	}
	for _, o := range p.Outputs {
		if o.Action != NoOp {
			return true
		}
	}
	for _, c := range p.Clusters {
		if c.Changes() {
			return true
		}
	}
	return p.Mode == RefreshOnlyMode && (len(p.Drift) > 0 || len(p.ClusterDrift) > 0)
}
