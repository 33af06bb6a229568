package state

import (
	"fmt"
	"slices"

	"github.com/google/uuid"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/config/addrs"
)

// State is what tack last recorded: managed and data resources, clusters
// with their server groups and deployment history, and the root module's
// outputs.
//
// A State is plain data and not safe for concurrent use; see [SyncState].
// Its maps are never nil in a State made by [New] or [ReadFile].
type State struct {
	// Lineage identifies one state through all its versions: a UUID (v4)
	// fixed when the state is created. A backend refuses to replace a state
	// with one of another lineage.
	Lineage string

	// Serial counts the writes of this lineage. The caller bumps it before
	// every write; a backend refuses a serial that does not move forward.
	Serial uint64

	// TackVersion is the version of tack that last wrote the state. ReadFile
	// fills it in; WriteFile records its own argument instead.
	TackVersion string

	// Resources are keyed by [addrs.AbsResource.String].
	Resources map[string]*Resource

	// Clusters are keyed by the cluster's name, "api-prod".
	Clusters map[string]*Cluster

	// Outputs are the root module's outputs, keyed by name.
	Outputs map[string]*Output

	// Environments are the approvals, vetoes and pins recorded for each
	// environment, keyed by its name; an environment with none is absent.
	Environments map[string]*Environment

	// Overrides are the guardrail failures applies went ahead with, oldest
	// first.
	Overrides []*Override

	// frozen is set on a [SyncState.Snapshot]: its resources never change
	// afterwards, so a [FileWriter] that saw one of them before, by the
	// same pointer, knows it unchanged without comparing it.
	frozen bool
}

// Output is a root module output as last applied.
type Output struct {
	// Value is wholly known and carries no marks: whether it is sensitive
	// is recorded in Sensitive instead.
	Value     cty.Value
	Sensitive bool
}

// New returns an empty state with a new lineage and serial 0.
func New() *State {
	return &State{
		Lineage:   uuid.NewString(),
		Resources: map[string]*Resource{},
		Clusters:  map[string]*Cluster{},
		Outputs:   map[string]*Output{},

		Environments: map[string]*Environment{},
	}
}

// Empty reports whether s records nothing: no resources, clusters,
// outputs, environment decisions or overrides. A nil State is empty.
func (s *State) Empty() bool {
	return s == nil || len(s.Resources) == 0 && len(s.Clusters) == 0 && len(s.Outputs) == 0 && len(s.Environments) == 0 && len(s.Overrides) == 0
}

// DeepCopy returns a copy of s that shares nothing mutable with it.
// Addresses and cty values are immutable and are shared. A nil State
// copies to nil.
func (s *State) DeepCopy() *State {
	if s == nil {
		return nil
	}
	ret := &State{
		Lineage:     s.Lineage,
		Serial:      s.Serial,
		TackVersion: s.TackVersion,
		Resources:   make(map[string]*Resource, len(s.Resources)),
		Clusters:    make(map[string]*Cluster, len(s.Clusters)),
		Outputs:     make(map[string]*Output, len(s.Outputs)),

		Environments: make(map[string]*Environment, len(s.Environments)),
	}
	for k, rs := range s.Resources {
		ret.Resources[k] = rs.DeepCopy()
	}
	for k, c := range s.Clusters {
		ret.Clusters[k] = c.DeepCopy()
	}
	for k, o := range s.Outputs {
		if o != nil {
			o2 := *o
			o = &o2
		}
		ret.Outputs[k] = o
	}
	for k, e := range s.Environments {
		ret.Environments[k] = e.DeepCopy()
	}
	if s.Overrides != nil {
		ret.Overrides = make([]*Override, len(s.Overrides))
		for i, o := range s.Overrides {
			ret.Overrides[i] = o.DeepCopy()
		}
	}
	return ret
}

// Resource returns the resource at addr with all its instances, or nil
// when the state records none. The result belongs to s.
func (s *State) Resource(addr addrs.AbsResource) *Resource {
	return s.Resources[addr.String()]
}

// ResourceInstance returns the instance at addr, or nil when the state
// records none. The result belongs to s.
func (s *State) ResourceInstance(addr addrs.AbsResourceInstance) *ResourceInstance {
	rs := s.Resource(addr.ContainingResource())
	if rs == nil {
		return nil
	}
	return rs.Instances[addr.Resource.Key]
}

// SetResourceInstanceCurrent records obj as the current object of the
// instance at addr, whose resource belongs to provider. A nil obj removes
// the current object; an instance left with no objects, and then a
// resource left with no instances, is removed too.
//
// s takes ownership of obj: the caller must not change it afterwards.
func (s *State) SetResourceInstanceCurrent(addr addrs.AbsResourceInstance, obj *ObjectSrc, provider ProviderRef) {
	if obj == nil {
		if is := s.ResourceInstance(addr); is != nil {
			is.Current = nil
			s.prune(addr)
		}
		return
	}
	s.ensureInstance(addr, provider).Current = obj
}

// SetResourceInstanceDeposed records obj as the deposed object with key of
// the instance at addr. A nil obj removes it, pruning as
// [State.SetResourceInstanceCurrent] does. key must not be [NotDeposed].
//
// s takes ownership of obj: the caller must not change it afterwards.
func (s *State) SetResourceInstanceDeposed(addr addrs.AbsResourceInstance, key DeposedKey, obj *ObjectSrc, provider ProviderRef) {
	if key == NotDeposed {
		panic(fmt.Sprintf("state: SetResourceInstanceDeposed for %s with NotDeposed", addr))
	}
	if obj == nil {
		if is := s.ResourceInstance(addr); is != nil {
			delete(is.Deposed, key)
			s.prune(addr)
		}
		return
	}
	is := s.ensureInstance(addr, provider)
	if is.Deposed == nil {
		is.Deposed = map[DeposedKey]*ObjectSrc{}
	}
	is.Deposed[key] = obj
}

// DeposeResourceInstanceObject moves the current object of the instance at
// addr to a new deposed key and returns the key, as create_before_destroy
// does before creating the replacement. It returns [NotDeposed], changing
// nothing, when the instance has no current object.
func (s *State) DeposeResourceInstanceObject(addr addrs.AbsResourceInstance) DeposedKey {
	is := s.ResourceInstance(addr)
	if is == nil || is.Current == nil {
		return NotDeposed
	}
	key := NewDeposedKey()
	for is.Deposed[key] != nil {
		key = NewDeposedKey()
	}
	if is.Deposed == nil {
		is.Deposed = map[DeposedKey]*ObjectSrc{}
	}
	is.Deposed[key] = is.Current
	is.Current = nil
	return key
}

// AllResourceInstances returns the address of every instance s records,
// including those with only deposed objects, sorted with
// [addrs.AbsResourceInstance.Less].
func (s *State) AllResourceInstances() []addrs.AbsResourceInstance {
	var ret []addrs.AbsResourceInstance
	for _, rs := range s.Resources {
		for key := range rs.Instances {
			ret = append(ret, rs.Addr.Instance(key))
		}
	}
	slices.SortFunc(ret, func(a, b addrs.AbsResourceInstance) int { return cmpLess(a, b) })
	return ret
}

// MoveResourceInstance moves the instance at from, with its current and
// deposed objects, to to, as a moved block or `tack state mv` does. It
// fails, changing nothing, when from does not exist, when to already
// exists, when the two are of different resource types, or when to's
// resource exists with another provider.
func (s *State) MoveResourceInstance(from, to addrs.AbsResourceInstance) error {
	is := s.ResourceInstance(from)
	if is == nil {
		return fmt.Errorf("cannot move %s: the state has no such resource instance", from)
	}
	if s.ResourceInstance(to) != nil {
		return fmt.Errorf("cannot move %s to %s: %s already exists in the state", from, to, to)
	}
	if from.Resource.Resource.Mode != to.Resource.Resource.Mode || from.Resource.Resource.Type != to.Resource.Resource.Type {
		return fmt.Errorf("cannot move %s to %s: the resource types differ", from, to)
	}
	provider := s.Resource(from.ContainingResource()).Provider
	if dst := s.Resource(to.ContainingResource()); dst != nil && dst.Provider != provider {
		return fmt.Errorf("cannot move %s to %s: %s uses %s, not %s", from, to, to.ContainingResource(), dst.Provider, provider)
	}
	delete(s.Resource(from.ContainingResource()).Instances, from.Resource.Key)
	s.pruneResource(from.ContainingResource())
	s.ensureResource(to.ContainingResource(), provider).Instances[to.Resource.Key] = is
	return nil
}

// MoveResource moves the resource at from, with all its instances, to to.
// It fails, changing nothing, when from does not exist, when to already
// exists, or when the two are of different resource types.
func (s *State) MoveResource(from, to addrs.AbsResource) error {
	rs := s.Resource(from)
	if rs == nil {
		return fmt.Errorf("cannot move %s: the state has no such resource", from)
	}
	if s.Resource(to) != nil {
		return fmt.Errorf("cannot move %s to %s: %s already exists in the state", from, to, to)
	}
	if from.Resource.Mode != to.Resource.Mode || from.Resource.Type != to.Resource.Type {
		return fmt.Errorf("cannot move %s to %s: the resource types differ", from, to)
	}
	delete(s.Resources, from.String())
	rs.Addr = to
	s.Resources[to.String()] = rs
	return nil
}

func (s *State) ensureResource(addr addrs.AbsResource, provider ProviderRef) *Resource {
	if s.Resources == nil {
		s.Resources = map[string]*Resource{}
	}
	key := addr.String()
	rs := s.Resources[key]
	if rs == nil {
		rs = &Resource{Addr: addr, Instances: map[addrs.InstanceKey]*ResourceInstance{}}
		s.Resources[key] = rs
	}
	rs.Provider = provider
	return rs
}

func (s *State) ensureInstance(addr addrs.AbsResourceInstance, provider ProviderRef) *ResourceInstance {
	rs := s.ensureResource(addr.ContainingResource(), provider)
	is := rs.Instances[addr.Resource.Key]
	if is == nil {
		is = &ResourceInstance{}
		rs.Instances[addr.Resource.Key] = is
	}
	return is
}

// prune removes the instance at addr if it holds no object, and then its
// resource if it has no instance.
func (s *State) prune(addr addrs.AbsResourceInstance) {
	rs := s.Resource(addr.ContainingResource())
	if is := rs.Instances[addr.Resource.Key]; is != nil && !is.HasObjects() {
		delete(rs.Instances, addr.Resource.Key)
	}
	s.pruneResource(addr.ContainingResource())
}

func (s *State) pruneResource(addr addrs.AbsResource) {
	if rs := s.Resource(addr); rs != nil && len(rs.Instances) == 0 {
		delete(s.Resources, addr.String())
	}
}

// cmpLess turns a Less method into the three-way comparison slices.SortFunc
// wants.
func cmpLess[T interface{ Less(T) bool }](a, b T) int {
	switch {
	case a.Less(b):
		return -1
	case b.Less(a):
		return 1
	}
	return 0
}

func mapKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}
