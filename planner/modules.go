package planner

import (
	"context"
	"fmt"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"

	"github.com/tackhq/tack/config"
	"github.com/tackhq/tack/config/addrs"
)

// moduleValues are what expressions of one module instance may refer to.
type moduleValues struct {
	vars      map[string]cty.Value
	locals    map[string]cty.Value
	resources map[addrs.Resource]*resourceValues
	outputs   map[string]cty.Value
	calls     map[string]*callValues
}

func newModuleValues() *moduleValues {
	return &moduleValues{
		vars:      map[string]cty.Value{},
		locals:    map[string]cty.Value{},
		resources: map[addrs.Resource]*resourceValues{},
		outputs:   map[string]cty.Value{},
		calls:     map[string]*callValues{},
	}
}

// callValues is how a module call expanded in one module instance.
type callValues struct {
	expansion expansion
	keys      []addrs.InstanceKey
}

// modulePath is the configuration path of a module instance.
func modulePath(inst addrs.ModuleInstance) addrs.Module { return inst.Module() }

// prefix is how node names of objects in a module start: "" for the
// root, "module.net." for module.net.
func prefix(path addrs.Module) string {
	if path.IsRoot() {
		return ""
	}
	return path.String() + "."
}

// configAt is the configuration of a module path, or nil.
func (w *walker) configAt(path addrs.Module) *config.Config {
	return w.cfg.Descendant(path)
}

// moduleInstances are the expanded instances of a module path, in order;
// the root has one.
func (w *walker) moduleInstances(path addrs.Module) []addrs.ModuleInstance {
	if path.IsRoot() {
		return []addrs.ModuleInstance{addrs.RootModuleInstance}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]addrs.ModuleInstance(nil), w.instances[path.String()]...)
}

// values is the module instance's values; the caller holds w.mu.
func (w *walker) values(inst addrs.ModuleInstance) *moduleValues {
	key := inst.String()
	mv := w.modules[key]
	if mv == nil {
		mv = newModuleValues()
		w.modules[key] = mv
	}
	return mv
}

// scope is the evaluation scope of a module instance. While planning its
// functions are pure (see [walker.functions]): uuid() and its kind are
// known only after apply, as the plan cannot promise the value that apply
// will see.
func (w *walker) scope(inst addrs.ModuleInstance) *config.Scope {
	c := w.configAt(modulePath(inst))
	dir := w.cfg.Module.Dir
	if c != nil {
		dir = c.Module.Dir
	}
	return &config.Scope{Data: instanceData{w: w, inst: inst}, ModuleDir: dir, RootDir: w.cfg.Module.Dir, Functions: w.functions(dir)}
}

// functions is the function table of a module directory, built once per
// walk: while planning it is pure (uuid() and its kind are unknown).
func (w *walker) functions(dir string) map[string]function.Function {
	w.mu.Lock()
	defer w.mu.Unlock()
	if f, ok := w.funcs[dir]; ok {
		return f
	}
	f := config.Functions(dir)
	if w.applying == nil {
		f = config.PureFunctions(f)
	}
	if w.funcs == nil {
		w.funcs = map[string]map[string]function.Function{}
	}
	w.funcs[dir] = f
	return f
}

// instanceData is config.Data over one module instance's values.
type instanceData struct {
	w    *walker
	inst addrs.ModuleInstance
}

func (d instanceData) Value(addr addrs.Referenceable, _ hcl.Range) (cty.Value, hcl.Diagnostics) {
	w := d.w
	if v, ok := addr.(addrs.InputVariable); ok && d.inst.IsRoot() {
		if in, ok := w.p.opts.Variables[v.Name]; ok {
			return in.Value, nil
		}
		if decl, ok := w.cfg.Module.Variables[v.Name]; ok {
			return cty.UnknownVal(decl.Type), nil
		}
		return cty.DynamicVal, nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	mv := w.values(d.inst)
	switch a := addr.(type) {
	case addrs.InputVariable:
		if v, ok := mv.vars[a.Name]; ok {
			return v, nil
		}
	case addrs.LocalValue:
		if v, ok := mv.locals[a.Name]; ok {
			return v, nil
		}
	case addrs.Resource:
		if r, ok := mv.resources[a]; ok {
			return r.value(), nil
		}
	case addrs.ModuleCall:
		return w.callValue(d.inst, a.Name), nil
	case addrs.ModuleCallOutput:
		return w.callValue(d.inst, a.Call.Name), nil
	case addrs.Application:
		return namedBlock(a.Name), nil
	case addrs.Cluster:
		return namedBlock(a.Name), nil
	case addrs.DeliveryPolicy:
		return namedBlock(a.Name), nil
	case addrs.Environment:
		return namedBlock(a.Name), nil
	case addrs.Guardrail:
		return namedBlock(a.Name), nil
	}
	return cty.DynamicVal, nil
}

// namedBlock is how expressions see delivery's blocks (application.api,
// delivery_policy.safe): by name.
func namedBlock(name string) cty.Value {
	return cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal(name)})
}

// callValue is a module call as its parent sees it: the object of one
// instance's outputs, a tuple of them for count, an object for for_each.
// The caller holds w.mu.
func (w *walker) callValue(parent addrs.ModuleInstance, name string) cty.Value {
	cv := w.values(parent).calls[name]
	if cv == nil {
		return cty.DynamicVal
	}
	outputs := func(key addrs.InstanceKey) cty.Value {
		child := append(append(addrs.ModuleInstance(nil), parent...), addrs.ModuleInstanceStep{Name: name, Key: key})
		mv := w.values(child)
		c := w.configAt(child.Module())
		attrs := map[string]cty.Value{}
		if c != nil {
			for n := range c.Module.Outputs {
				if v, ok := mv.outputs[n]; ok {
					attrs[n] = v
				} else {
					attrs[n] = cty.DynamicVal
				}
			}
		}
		return cty.ObjectVal(attrs)
	}
	switch cv.expansion {
	case expandCount:
		vals := make([]cty.Value, len(cv.keys))
		for i, k := range cv.keys {
			vals[i] = outputs(k)
		}
		return cty.TupleVal(vals)
	case expandForEach:
		vals := map[string]cty.Value{}
		for _, k := range cv.keys {
			vals[string(k.(addrs.StringKey))] = outputs(k)
		}
		return cty.ObjectVal(vals)
	}
	return outputs(addrs.NoKey)
}

// nodeModuleExpand expands a module call in every instance of its parent,
// from its count or for_each.
type nodeModuleExpand struct {
	path addrs.Module // the called module's path
	call *config.ModuleCall
}

func (n *nodeModuleExpand) name() string { return n.path.String() + " (expand)" }

func (n *nodeModuleExpand) module() addrs.Module { return n.path[:len(n.path)-1] }

func (n *nodeModuleExpand) references() []*addrs.Reference {
	var refs []*addrs.Reference
	for _, e := range []hcl.Expression{n.call.Count, n.call.ForEach} {
		rs, _ := config.References(e)
		refs = append(refs, rs...)
	}
	for _, t := range n.call.DependsOn {
		if r, d := addrs.ParseRef(t); !d.HasErrors() {
			refs = append(refs, r)
		}
	}
	return refs
}

func (n *nodeModuleExpand) execute(_ context.Context, w *walker) hcl.Diagnostics {
	var diags hcl.Diagnostics
	name := n.path[len(n.path)-1]
	var children []addrs.ModuleInstance
	for _, parent := range w.moduleInstances(n.module()) {
		cv := &callValues{}
		s := w.scope(parent)
		switch {
		case n.call.Count != nil:
			c, d := s.EvalCount(n.call.Count)
			diags = append(diags, d...)
			cv.expansion = expandCount
			for i := 0; i < c; i++ {
				cv.keys = append(cv.keys, addrs.IntKey(i))
			}
		case n.call.ForEach != nil:
			m, d := s.EvalForEach(n.call.ForEach)
			diags = append(diags, d...)
			cv.expansion = expandForEach
			for _, k := range sortedKeys(m) {
				cv.keys = append(cv.keys, addrs.StringKey(k))
			}
			w.mu.Lock()
			for k, v := range m {
				w.eachValues[eachKey(parent, name, addrs.StringKey(k))] = v
			}
			w.mu.Unlock()
		default:
			cv.keys = []addrs.InstanceKey{addrs.NoKey}
		}
		w.mu.Lock()
		w.values(parent).calls[name] = cv
		w.mu.Unlock()
		for _, k := range cv.keys {
			children = append(children, append(append(addrs.ModuleInstance(nil), parent...), addrs.ModuleInstanceStep{Name: name, Key: k}))
		}
	}
	sort.Slice(children, func(i, j int) bool { return children[i].Less(children[j]) })
	w.mu.Lock()
	w.instances[n.path.String()] = children
	w.mu.Unlock()
	// A resource with no instances (count = 0) is still an empty tuple
	// or object to expressions, not an unknown.
	if c := w.configAt(n.path); c != nil {
		for _, child := range children {
			for _, set := range []map[string]*config.Resource{c.Module.Resources, c.Module.DataResources} {
				for _, r := range set {
					w.setExpansion(r.Addr().Absolute(child), configExpansion(r))
				}
			}
		}
	}
	return diags
}

// eachKey identifies each.value of one module call instance.
func eachKey(parent addrs.ModuleInstance, call string, key addrs.InstanceKey) string {
	return append(append(addrs.ModuleInstance(nil), parent...), addrs.ModuleInstanceStep{Name: call, Key: key}).String()
}

// nodeModuleVariable sets one input variable of every instance of a
// called module, from the call's argument (evaluated in the parent) or
// the variable's default.
type nodeModuleVariable struct {
	path addrs.Module
	call *config.ModuleCall
	v    *config.Variable
	arg  *hcl.Attribute // nil when the call does not set it
}

func (n *nodeModuleVariable) name() string { return n.path.String() + ".var." + n.v.Name }

func (n *nodeModuleVariable) module() addrs.Module { return n.path[:len(n.path)-1] }

func (n *nodeModuleVariable) references() []*addrs.Reference {
	if n.arg == nil {
		return nil
	}
	refs, _ := config.References(n.arg.Expr)
	return refs
}

func (n *nodeModuleVariable) execute(_ context.Context, w *walker) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, inst := range w.moduleInstances(n.path) {
		parent, step := inst[:len(inst)-1], inst[len(inst)-1]
		var val cty.Value
		switch {
		case n.arg != nil:
			s := w.scope(parent)
			switch k := step.Key.(type) {
			case addrs.IntKey:
				s.Count = cty.NumberIntVal(int64(k))
			case addrs.StringKey:
				w.mu.Lock()
				s.EachKey, s.EachValue = cty.StringVal(string(k)), w.eachValues[inst.String()]
				w.mu.Unlock()
			}
			v, d := s.EvalExpr(n.arg.Expr, cty.DynamicPseudoType)
			diags = append(diags, d...)
			if d.HasErrors() {
				continue
			}
			val = v
		case n.v.Default != cty.NilVal:
			val = n.v.Default
		default:
			val = cty.NullVal(n.v.Type)
		}
		if n.v.Defaults != nil {
			val = n.v.Defaults.Apply(val)
		}
		cv, err := convert.Convert(val, n.v.Type)
		if err != nil {
			rng := n.v.DeclRange
			if n.arg != nil {
				rng = n.arg.Expr.Range()
			}
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid value for module argument",
				Detail:   fmt.Sprintf("The value for variable %q of %s is not suitable: %s.", n.v.Name, inst, err),
				Subject:  rng.Ptr(),
			})
			continue
		}
		if n.v.Sensitive {
			cv = cv.Mark(config.Sensitive)
		}
		// The module's own validation rules for the value its caller
		// gives.
		src := config.ValueSource{Kind: config.FromArgs, Description: "the argument of " + inst.String()}
		if n.arg != nil {
			src.Range = n.arg.Expr.Range().Ptr()
		}
		if c := w.configAt(n.path); c != nil {
			diags = append(diags, config.CheckVariableValidations(c.Module, map[string]*config.InputValue{n.v.Name: {Value: cv, Source: src}})...)
		}
		w.mu.Lock()
		w.values(inst).vars[n.v.Name] = cv
		w.mu.Unlock()
	}
	return diags
}

// moduleTransformer adds, for every module call of the tree, the node
// that expands it and a node per input variable of the called module.
type moduleTransformer struct{}

func (moduleTransformer) transform(g *graph, w *walker) hcl.Diagnostics {
	if w.opts.Mode == DestroyMode || (w.plan != nil && w.plan.Mode == DestroyMode) {
		// A destroy works from the state alone: module expansions (which
		// may depend on data sources) are not evaluated.
		return nil
	}
	var visit func(c *config.Config)
	visit = func(c *config.Config) {
		path := addrs.Module(c.Path)
		for _, name := range sortedKeys(c.Module.ModuleCalls) {
			child := c.Children[name]
			if child == nil {
				continue
			}
			call := c.Module.ModuleCalls[name]
			childPath := append(append(addrs.Module(nil), path...), name)
			g.add(&nodeModuleExpand{path: childPath, call: call})
			args, _ := call.Config.JustAttributes()
			for _, vn := range sortedKeys(child.Module.Variables) {
				g.add(&nodeModuleVariable{path: childPath, call: call, v: child.Module.Variables[vn], arg: args[vn]})
			}
			visit(child)
		}
	}
	visit(w.cfg)
	return nil
}

// inModule is a node that works in every instance of one module path.
type inModule interface {
	module() addrs.Module
}

// moduleExpandTransformer makes every node inside a called module wait
// for the call's expansion, which decides the module's instances.
type moduleExpandTransformer struct{}

func (moduleExpandTransformer) transform(g *graph, w *walker) hcl.Diagnostics {
	for _, name := range g.names() {
		n := g.nodes[name]
		var path addrs.Module
		switch m := n.(type) {
		case *nodeModuleExpand:
			path = m.module()
		case *nodeModuleVariable:
			path = m.path
		case inModule:
			path = m.module()
		default:
			continue
		}
		if path.IsRoot() {
			continue
		}
		g.connect(path.String()+" (expand)", name)
	}
	return nil
}
