package planner

import "github.com/zclconf/go-cty/cty"

// unmarkDeep is v without marks, and the paths of the marks it had. Most
// values carry none, and then v is returned as it is: go-cty's unmarking
// walks the whole value even so, sorting each object's attribute names
// and building a path at every level (a twentieth of a no-change plan's
// CPU, for values it handed back unchanged).
func unmarkDeep(v cty.Value) (cty.Value, []cty.PathValueMarks) {
	if !containsMarks(v) {
		return v, nil
	}
	return v.UnmarkDeepWithPaths()
}

// containsMarks reports whether v or anything in it is marked.
func containsMarks(v cty.Value) bool {
	if v.IsMarked() {
		return true
	}
	if !v.IsKnown() || v.IsNull() {
		return false
	}
	switch ty := v.Type(); {
	case ty.IsObjectType():
		for name := range ty.AttributeTypes() {
			if containsMarks(v.GetAttr(name)) {
				return true
			}
		}
	case ty.IsCollectionType() || ty.IsTupleType():
		for it := v.ElementIterator(); it.Next(); {
			if _, e := it.Element(); containsMarks(e) {
				return true
			}
		}
	}
	return false
}
