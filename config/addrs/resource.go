package addrs

//go:generate go run golang.org/x/tools/cmd/stringer@v0.49.0 -type ResourceMode

// ResourceMode says whether a resource is managed (a resource block, whose
// object tack creates, updates and destroys) or data (a data block, which
// tack only reads). The zero value is InvalidResourceMode so that a
// forgotten mode is caught rather than read as managed.
type ResourceMode rune

const (
	InvalidResourceMode ResourceMode = 0
	ManagedResourceMode ResourceMode = 'M'
	DataResourceMode    ResourceMode = 'D'
)

// Resource is a resource block in one module: aws_lb.web or
// data.aws_ami.ubuntu. It does not say which module; see [ConfigResource]
// and [AbsResourceInstance].
type Resource struct {
	Mode ResourceMode
	Type string
	Name string
}

func (r Resource) String() string {
	switch r.Mode {
	case ManagedResourceMode:
		return r.Type + "." + r.Name
	case DataResourceMode:
		return "data." + r.Type + "." + r.Name
	}
	// An invalid mode is a programming error; show it rather than hide it.
	return r.Mode.String() + "." + r.Type + "." + r.Name
}

// Equal reports whether r and o are the same resource.
func (r Resource) Equal(o Resource) bool { return r == o }

// Less orders resources by mode (managed before data), then type, then name.
func (r Resource) Less(o Resource) bool {
	switch {
	case r.Mode != o.Mode:
		return modeRank(r.Mode) < modeRank(o.Mode)
	case r.Type != o.Type:
		return r.Type < o.Type
	default:
		return r.Name < o.Name
	}
}

func modeRank(m ResourceMode) int {
	switch m {
	case ManagedResourceMode:
		return 1
	case DataResourceMode:
		return 2
	}
	return 0
}

// Instance returns the instance of r with the given key.
func (r Resource) Instance(key InstanceKey) ResourceInstance {
	return ResourceInstance{Resource: r, Key: key}
}

// ResourceInstance is one instance of a resource within a module:
// aws_lb.web[0], or aws_lb.web with [NoKey].
type ResourceInstance struct {
	Resource Resource
	Key      InstanceKey
}

func (r ResourceInstance) String() string { return r.Resource.String() + keyString(r.Key) }

// Equal reports whether r and o are the same resource instance.
func (r ResourceInstance) Equal(o ResourceInstance) bool { return r == o }

// Less orders by resource, then by key: NoKey, then integers, then strings.
func (r ResourceInstance) Less(o ResourceInstance) bool {
	if r.Resource != o.Resource {
		return r.Resource.Less(o.Resource)
	}
	return keyLess(r.Key, o.Key)
}

// Absolute places r in the module instance m.
func (r ResourceInstance) Absolute(m ModuleInstance) AbsResourceInstance {
	return AbsResourceInstance{Module: m, Resource: r}
}

// AbsResourceInstance is one resource instance anywhere in the
// configuration: module.net.aws_lb.web[0]. It is how state, plans and
// -target name a single object.
type AbsResourceInstance struct {
	Module   ModuleInstance
	Resource ResourceInstance
}

// String round-trips through [ParseAbsResourceInstanceStr].
func (r AbsResourceInstance) String() string {
	if r.Module.IsRoot() {
		return r.Resource.String()
	}
	return r.Module.String() + "." + r.Resource.String()
}

// Equal reports whether r and o are the same resource instance.
func (r AbsResourceInstance) Equal(o AbsResourceInstance) bool {
	return r.Module.Equal(o.Module) && r.Resource == o.Resource
}

// Less orders by module path, then mode, type, name and key, which is the
// order in which plans and state list resources.
func (r AbsResourceInstance) Less(o AbsResourceInstance) bool {
	if !r.Module.Equal(o.Module) {
		return r.Module.Less(o.Module)
	}
	return r.Resource.Less(o.Resource)
}

// ConfigResource returns the resource block r is an instance of.
func (r AbsResourceInstance) ConfigResource() ConfigResource {
	return ConfigResource{Module: r.Module.Module(), Resource: r.Resource.Resource}
}

// ConfigResource is a resource block in a module of the configuration,
// before count, for_each and module instances are expanded:
// module.net.aws_lb.web.
type ConfigResource struct {
	Module   Module
	Resource Resource
}

// String renders c; [ParseAbsResourceInstanceStr] followed by
// [AbsResourceInstance.ConfigResource] reads it back.
func (c ConfigResource) String() string {
	if c.Module.IsRoot() {
		return c.Resource.String()
	}
	return c.Module.String() + "." + c.Resource.String()
}

// Equal reports whether c and o are the same resource block.
func (c ConfigResource) Equal(o ConfigResource) bool {
	return c.Module.Equal(o.Module) && c.Resource == o.Resource
}

// Absolute places r in the module instance m.
func (r Resource) Absolute(m ModuleInstance) AbsResource {
	return AbsResource{Module: m, Resource: r}
}

// AbsResource is a resource in one module instance, all its count or
// for_each instances together: module.net["a"].aws_lb.web. State groups
// instances under it, so that what is common to them (type, provider) is
// recorded once.
type AbsResource struct {
	Module   ModuleInstance
	Resource Resource
}

// String round-trips through [ParseAbsResourceStr].
func (r AbsResource) String() string {
	if r.Module.IsRoot() {
		return r.Resource.String()
	}
	return r.Module.String() + "." + r.Resource.String()
}

// Equal reports whether r and o are the same resource.
func (r AbsResource) Equal(o AbsResource) bool {
	return r.Module.Equal(o.Module) && r.Resource == o.Resource
}

// Less orders by module path, then mode, type and name.
func (r AbsResource) Less(o AbsResource) bool {
	if !r.Module.Equal(o.Module) {
		return r.Module.Less(o.Module)
	}
	return r.Resource.Less(o.Resource)
}

// Instance returns the instance of r with the given key.
func (r AbsResource) Instance(key InstanceKey) AbsResourceInstance {
	return AbsResourceInstance{Module: r.Module, Resource: r.Resource.Instance(key)}
}

// Config returns the resource block r expands from.
func (r AbsResource) Config() ConfigResource {
	return ConfigResource{Module: r.Module.Module(), Resource: r.Resource}
}

// ContainingResource returns the resource r is an instance of.
func (r AbsResourceInstance) ContainingResource() AbsResource {
	return AbsResource{Module: r.Module, Resource: r.Resource.Resource}
}
