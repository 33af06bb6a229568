package sdk

import "github.com/zclconf/go-cty/cty"

// objectEdit changes attributes of an object value and builds the new
// object only when something changed, and only once: taking an object
// apart and building it again are the costliest steps of planning, and
// most plans change nothing.
type objectEdit struct {
	obj   cty.Value
	attrs map[string]cty.Value // the attributes, once one was set
}

func (e *objectEdit) get(name string) cty.Value {
	if e.attrs != nil {
		return e.attrs[name]
	}
	return e.obj.GetAttr(name)
}

// set stores v and reports whether that changed the attribute.
func (e *objectEdit) set(name string, v cty.Value) bool {
	if equal(v, e.get(name)) {
		return false
	}
	if e.attrs == nil {
		e.attrs = e.obj.AsValueMap()
	}
	e.attrs[name] = v
	return true
}

// value is the object with every change made so far.
func (e *objectEdit) value() cty.Value {
	if e.attrs != nil {
		e.obj = cty.ObjectVal(e.attrs)
		e.attrs = nil
	}
	return e.obj
}
