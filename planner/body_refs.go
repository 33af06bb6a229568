package planner

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// bodyTraversals are the variables a body's expressions use, nested blocks
// included, read without a schema. Native syntax bodies are walked whole;
// a JSON body offers only its attributes without a schema, so references
// inside its nested blocks are not seen (the walk then orders them only
// by depends_on).
func bodyTraversals(body hcl.Body) []hcl.Traversal {
	if body == nil {
		return nil
	}
	if sb, ok := body.(*hclsyntax.Body); ok {
		var out []hcl.Traversal
		for _, a := range sb.Attributes {
			out = append(out, a.Expr.Variables()...)
		}
		for _, b := range sb.Blocks {
			out = append(out, bodyTraversals(b.Body)...)
		}
		return out
	}
	attrs, _ := body.JustAttributes()
	var out []hcl.Traversal
	for _, a := range attrs {
		out = append(out, a.Expr.Variables()...)
	}
	return out
}
