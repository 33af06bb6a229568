package sdk

import (
	"sort"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/plugins/proto"
)

// CmpOptions compares the SDK's types in tests of this package and of
// sdk_test: cty values exactly (type, nullness, unknowns) but shown as a
// tree so that a failure names the attribute that differs, paths step by
// step, types by Equals, and nil and empty collections alike.
var CmpOptions = cmp.Options{
	cmp.Transformer("cty.Value", ctyView),
	// Empty paths are left to EquateEmpty, so that nil and {} agree.
	cmp.FilterValues(func(a, b cty.Path) bool { return len(a) > 0 || len(b) > 0 }, cmp.Transformer("cty.Path", pathView)),
	cmp.Comparer(func(a, b cty.Type) bool { return a.Equals(b) }),
	// Whether a block is frozen is no part of what it describes.
	cmpopts.IgnoreUnexported(Block{}),
	cmpopts.EquateEmpty(),
}

// ctyView renders v as nested maps and slices whose leaves are the
// GoString of primitives, nulls and unknowns, so two views are equal
// exactly when the values are raw-equal (marks aside).
func ctyView(v cty.Value) any {
	if v == cty.NilVal || v.IsNull() || !v.IsKnown() || v.Type().IsPrimitiveType() {
		return v.GoString()
	}
	ty := v.Type()
	switch {
	case ty.IsObjectType(), ty.IsMapType():
		m := map[string]any{"(type)": kindOf(ty)}
		for k, e := range v.AsValueMap() {
			m[k] = ctyView(e)
		}
		return m
	case ty.IsListType(), ty.IsSetType(), ty.IsTupleType():
		s := []any{kindOf(ty)}
		for _, e := range v.AsValueSlice() {
			s = append(s, ctyView(e))
		}
		return s
	}
	return v.GoString()
}

func kindOf(ty cty.Type) string {
	switch {
	case ty.IsObjectType():
		names := make([]string, 0, len(ty.AttributeTypes()))
		for n := range ty.AttributeTypes() {
			names = append(names, n)
		}
		sort.Strings(names)
		return "object" + joinNames(names)
	case ty.IsListType():
		return "list of " + ty.ElementType().GoString()
	case ty.IsSetType():
		return "set of " + ty.ElementType().GoString()
	case ty.IsMapType():
		return "map of " + ty.ElementType().GoString()
	}
	return ty.GoString()
}

func joinNames(names []string) string {
	s := "{"
	for i, n := range names {
		if i > 0 {
			s += ","
		}
		s += n
	}
	return s + "}"
}

// pathView renders each step of p; index keys keep their cty type, so a
// string key "0" and a number key 0 differ.
func pathView(p cty.Path) []string {
	var out []string
	for _, step := range p {
		switch step := step.(type) {
		case cty.GetAttrStep:
			out = append(out, "."+step.Name)
		case cty.IndexStep:
			out = append(out, "["+step.Key.GoString()+"]")
		}
	}
	return out
}

// NewProtoServer is the gRPC service [RegisterGRPC] registers for impl,
// for tests that serve it changed.
func NewProtoServer(impl ProviderServer) proto.ProviderServer { return newGRPCServer(impl, nil) }
