package addrs

import (
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// CmpOptions lets go-cmp compare this package's values, including the
// hcl.Traversal in [Reference.Remaining]: hcl's traversal steps carry an
// unexported marker, and their index keys are cty values that go-cmp cannot
// look inside.
var CmpOptions = cmp.Options{
	cmp.Comparer(func(a, b cty.Value) bool { return a.RawEquals(b) }),
	cmpopts.IgnoreUnexported(hcl.TraverseRoot{}, hcl.TraverseAttr{}, hcl.TraverseIndex{}, hcl.TraverseSplat{}),
}
