package planner

import (
	"github.com/hashicorp/hcl/v2"

	"github.com/tackhq/tack/config/addrs"
)

// transformer is one step of building a graph.
type transformer interface {
	transform(g *graph, w *walker) hcl.Diagnostics
}

// buildPlanGraph builds the graph a plan walks. The steps, in order:
func buildPlanGraph(w *walker, moved map[string]addrs.AbsResourceInstance) (*graph, hcl.Diagnostics) {
	return buildGraph(w,
		&configTransformer{},       // locals, resources, data sources, outputs
		&moduleTransformer{},       // each module call's expansion and input variables
		&orphanTransformer{},       // objects in state the configuration no longer has
		&providerTransformer{},     // a node per provider configuration, before its users
		&referenceTransformer{},    // edges from references and depends_on
		&moduleExpandTransformer{}, // a module's objects after its call's expansion
		&targetsTransformer{},      // -target: only the targets and what they need
		&cycleTransformer{},        // a cycle is an error naming every object on it
	)
}

// buildApplyGraph builds the graph that carries out a plan:
func buildApplyGraph(w *walker) (*graph, hcl.Diagnostics) {
	return buildGraph(w,
		&applyChangesTransformer{},     // a node per resource with changes, and per delete
		&configValuesTransformer{},     // locals and outputs, evaluated with applied values
		&moduleTransformer{},           // each module call's expansion and input variables
		&providerTransformer{},         // a node per provider configuration, before its users
		&referenceTransformer{},        // edges from references and depends_on
		&moduleExpandTransformer{},     // a module's objects after its call's expansion
		&destroyOrderTransformer{},     // deletes after the deletes of what depends on them
		&environmentOrderTransformer{}, // clusters after those of upstream environments
		&cycleTransformer{},            // a cycle is an error naming every object on it
	)
}

func buildGraph(w *walker, steps ...transformer) (*graph, hcl.Diagnostics) {
	g := newGraph()
	var diags hcl.Diagnostics
	for _, s := range steps {
		diags = append(diags, s.transform(g, w)...)
		if diags.HasErrors() {
			return nil, diags
		}
	}
	return g, diags
}
