package addrs

import "strings"

// Module is the static path of a module in the configuration: the names of
// the module calls that lead to it from the root. The root module is the
// empty (or nil) Module.
type Module []string

// RootModule is the path of the root module.
var RootModule Module

// IsRoot reports whether m is the root module.
func (m Module) IsRoot() bool { return len(m) == 0 }

// String renders m as module.a.module.b, and the root as "".
// [ParseModuleInstanceStr] followed by [ModuleInstance.Module] reads it back.
func (m Module) String() string {
	var b strings.Builder
	for i, name := range m {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString("module.")
		b.WriteString(name)
	}
	return b.String()
}

// Equal reports whether m and o name the same module.
func (m Module) Equal(o Module) bool {
	if len(m) != len(o) {
		return false
	}
	for i := range m {
		if m[i] != o[i] {
			return false
		}
	}
	return true
}

// ModuleInstanceStep is one module call on the way to a module instance,
// with the instance key the call's count or for_each chose.
type ModuleInstanceStep struct {
	Name string
	Key  InstanceKey
}

// ModuleInstance is the path of one instance of a module: the module calls
// and keys that lead to it from the root. The root module instance is the
// empty (or nil) ModuleInstance.
type ModuleInstance []ModuleInstanceStep

// RootModuleInstance is the path of the root module instance.
var RootModuleInstance ModuleInstance

// IsRoot reports whether m is the root module instance.
func (m ModuleInstance) IsRoot() bool { return len(m) == 0 }

// Module drops the instance keys of m, giving the module it instantiates.
func (m ModuleInstance) Module() Module {
	if len(m) == 0 {
		return nil
	}
	ret := make(Module, len(m))
	for i, step := range m {
		ret[i] = step.Name
	}
	return ret
}

// String renders m as module.net["a"].module.db[0], and the root as "".
// It round-trips through [ParseModuleInstanceStr].
func (m ModuleInstance) String() string {
	var b strings.Builder
	for i, step := range m {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString("module.")
		b.WriteString(step.Name)
		b.WriteString(keyString(step.Key))
	}
	return b.String()
}

// Equal reports whether m and o name the same module instance.
func (m ModuleInstance) Equal(o ModuleInstance) bool {
	if len(m) != len(o) {
		return false
	}
	for i := range m {
		if m[i] != o[i] {
			return false
		}
	}
	return true
}

// Less orders module instances step by step, by call name and then by key,
// with a path sorting before the paths it is a prefix of.
func (m ModuleInstance) Less(o ModuleInstance) bool {
	for i := 0; i < len(m) && i < len(o); i++ {
		if m[i].Name != o[i].Name {
			return m[i].Name < o[i].Name
		}
		if m[i].Key != o[i].Key {
			return keyLess(m[i].Key, o[i].Key)
		}
	}
	return len(m) < len(o)
}
