package planner

import (
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tackhq/tack/plugins/sdk"
	"github.com/tackhq/tack/state"
)

// CmpOptions let go-cmp compare plans: values, types and paths by their
// own equality, states as the state package compares them, schemas by
// the type they imply.
var CmpOptions = cmp.Options{
	state.CmpOptions,
	cmpopts.EquateApproxTime(0),
	cmp.Comparer(func(a, b *sdk.Block) bool { return a.ImpliedType().Equals(b.ImpliedType()) }),
	// What apply may reuse of a plan made in the same process is no part
	// of the plan a user sees or saves.
	cmpopts.IgnoreUnexported(ResourceChange{}),
}
