package planner

// Action is what a plan does to one object. The runes are the symbols the
// human view shows.
type Action rune

const (
	NoOp             Action = 0
	Create           Action = '+'
	Read             Action = '←'
	Update           Action = '~'
	DeleteThenCreate Action = '∓'
	CreateThenDelete Action = '±'
	Delete           Action = '-'
)

// String is the action's name as the JSON view and events print it.
func (a Action) String() string {
	switch a {
	case NoOp:
		return "no-op"
	case Create:
		return "create"
	case Read:
		return "read"
	case Update:
		return "update"
	case DeleteThenCreate:
		return "delete-then-create"
	case CreateThenDelete:
		return "create-then-delete"
	case Delete:
		return "delete"
	}
	return "invalid action " + string(a)
}

// IsReplace reports whether the action replaces an object.
func (a Action) IsReplace() bool { return a == DeleteThenCreate || a == CreateThenDelete }

// Reason says why an object is replaced, deleted or read during apply,
// where the action alone does not tell.
type Reason int

const (
	NoReason Reason = iota
	// ReplaceBecauseCannotUpdate: the provider says a changed attribute
	// cannot be updated in place ([ResourceChange.RequiredReplace]).
	ReplaceBecauseCannotUpdate
	// ReplaceByRequest: -replace=ADDR named the object.
	ReplaceByRequest
	// ReplaceByTriggers: an object in lifecycle.replace_triggered_by changed.
	ReplaceByTriggers
	// ReplaceBecauseTainted: a create failed half-way and left it tainted.
	ReplaceBecauseTainted
	// DeleteBecauseNoResourceConfig: the resource is not in the configuration.
	DeleteBecauseNoResourceConfig
	// DeleteBecauseCountIndex: count no longer includes the instance's index.
	DeleteBecauseCountIndex
	// DeleteBecauseEachKey: for_each no longer includes the instance's key.
	DeleteBecauseEachKey
	// DeleteBecauseNoModule: the module that held it is not in the
	// configuration.
	DeleteBecauseNoModule
	// ReadBecauseConfigUnknown: a data source's arguments are only known
	// after apply, so it is read then.
	ReadBecauseConfigUnknown
	// ReadBecauseDependencyPending: a data source depends on a resource
	// with changes planned, so it is read after them.
	ReadBecauseDependencyPending
)

// String is the reason's name in the JSON view.
func (r Reason) String() string {
	switch r {
	case NoReason:
		return ""
	case ReplaceBecauseCannotUpdate:
		return "replace_because_cannot_update"
	case ReplaceByRequest:
		return "replace_by_request"
	case ReplaceByTriggers:
		return "replace_by_triggers"
	case ReplaceBecauseTainted:
		return "replace_because_tainted"
	case DeleteBecauseNoResourceConfig:
		return "delete_because_no_resource_config"
	case DeleteBecauseCountIndex:
		return "delete_because_count_index"
	case DeleteBecauseEachKey:
		return "delete_because_each_key"
	case DeleteBecauseNoModule:
		return "delete_because_no_module"
	case ReadBecauseConfigUnknown:
		return "read_because_config_unknown"
	case ReadBecauseDependencyPending:
		return "read_because_dependency_pending"
	}
	return "invalid reason"
}
