package sdk

import "github.com/zclconf/go-cty/cty"

// equal reports whether a and b are the same value, as cty's RawEquals
// does. RawEquals compares the marks of both values at every level of
// nesting, which made it most of the SDK's planning time; the values the
// SDK plans with come off the wire and carry no marks, so equal compares
// known, unmarked objects, lists and maps itself and leaves the rest
// (unknowns, sets, marks) to RawEquals.
func equal(a, b cty.Value) bool {
	if a.IsMarked() || b.IsMarked() || !a.IsKnown() || !b.IsKnown() {
		return a.RawEquals(b)
	}
	ty := a.Type()
	if !ty.Equals(b.Type()) {
		return false
	}
	if an, bn := a.IsNull(), b.IsNull(); an || bn {
		return an == bn
	}
	switch {
	case ty == cty.String:
		return a.AsString() == b.AsString()
	case ty == cty.Bool:
		return a.True() == b.True()
	case ty == cty.Number:
		return a.AsBigFloat().Cmp(b.AsBigFloat()) == 0
	case ty.IsObjectType():
		for name := range ty.AttributeTypes() {
			if !equal(a.GetAttr(name), b.GetAttr(name)) {
				return false
			}
		}
		return true
	case ty.IsListType() || ty.IsTupleType():
		if a.LengthInt() != b.LengthInt() {
			return false
		}
		ai, bi := a.ElementIterator(), b.ElementIterator()
		for ai.Next() && bi.Next() {
			_, av := ai.Element()
			_, bv := bi.Element()
			if !equal(av, bv) {
				return false
			}
		}
		return true
	case ty.IsMapType():
		if a.LengthInt() != b.LengthInt() {
			return false
		}
		for it := a.ElementIterator(); it.Next(); {
			k, av := it.Element()
			if !b.HasIndex(k).True() || !equal(av, b.Index(k)) {
				return false
			}
		}
		return true
	}
	return a.RawEquals(b)
}
