package planner

import (
	"github.com/hashicorp/hcl/v2"
)

// cycleTransformer reports every cycle, naming the objects on it.
type cycleTransformer struct{}

func (cycleTransformer) transform(g *graph, _ *walker) hcl.Diagnostics {
	return g.checkCycles()
}
