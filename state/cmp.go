package state

import (
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/zclconf/go-cty/cty"
)

// CmpOptions lets go-cmp compare states and their parts: cty values (with
// their marks), types and path steps are compared with their own equality, and
// a nil slice or map equals an empty one, since the file format does not
// tell them apart.
var CmpOptions = cmp.Options{
	cmp.Comparer(func(a, b cty.Value) bool { return a.RawEquals(b) }),
	cmp.Comparer(func(a, b cty.Type) bool { return a.Equals(b) }),
	// Paths are compared step by step, so that EquateEmpty alone decides
	// about empty ones.
	cmp.Comparer(func(a, b cty.PathStep) bool { return cty.Path{a}.Equals(cty.Path{b}) }),
	cmpopts.EquateEmpty(),
	// Whether a state is a snapshot is no part of what it records.
	cmpopts.IgnoreUnexported(State{}),
}
