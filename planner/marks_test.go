package planner

import (
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/config"
)

// unmarkDeep finds a mark wherever it is, and unmarks as go-cty does; a
// value without marks comes back as it is.
func TestUnmarkDeep(t *testing.T) {
	t.Parallel()
	secret := cty.StringVal("s").Mark(config.Sensitive)
	obj := func(v cty.Value) cty.Value {
		return cty.ObjectVal(map[string]cty.Value{"a": cty.StringVal("x"), "b": v})
	}
	for _, tc := range []struct {
		name   string
		v      cty.Value
		marked bool
	}{
		{"plain object", obj(cty.StringVal("y")), false},
		{"null and unknown", obj(cty.UnknownVal(cty.String)), false},
		{"marked attribute", obj(secret), true},
		{"marked whole", obj(cty.StringVal("y")).Mark(config.Sensitive), true},
		{"marked unknown", obj(cty.UnknownVal(cty.String).Mark(config.Sensitive)), true},
		{"in a list", obj(cty.ListVal([]cty.Value{cty.StringVal("p"), secret})), true},
		{"in a map", obj(cty.MapVal(map[string]cty.Value{"k": secret})), true},
		{"in a tuple", obj(cty.TupleVal([]cty.Value{cty.True, secret})), true},
		{"in a nested object", obj(obj(secret)), true},
		{"list without marks", obj(cty.ListVal([]cty.Value{cty.StringVal("p")})), false},
	} {
		if got := containsMarks(tc.v); got != tc.marked {
			t.Errorf("%s: containsMarks = %v, want %v", tc.name, got, tc.marked)
		}
		got, gotPaths := unmarkDeep(tc.v)
		want, wantPaths := tc.v.UnmarkDeepWithPaths()
		if !got.RawEquals(want) || len(gotPaths) != len(wantPaths) {
			t.Errorf("%s: unmarkDeep = %#v, %v; want %#v, %v", tc.name, got, gotPaths, want, wantPaths)
		}
	}
}
