package state

import (
	"maps"
	"sync"

	"github.com/tackhq/tack/config/addrs"
)

// SyncState wraps a [State] for the apply engine, whose goroutines record
// results concurrently. Every method holds the wrapper's mutex; objects go
// in and come out as deep copies, so no caller shares memory with the
// state. A SyncState is safe for concurrent use until [SyncState.Close].
type SyncState struct {
	mu    sync.Mutex
	state *State

	// snap are the resources of the last snapshot, which the next one
	// shares where they have not changed since: dirty are the keys of
	// those that have, unless all are (no snapshot yet, or Lock handed
	// the whole state out).
	snap     map[string]*Resource
	dirty    map[string]bool
	allDirty bool
}

// NewSyncState wraps s. The caller must not use s again until Close hands
// it back.
func NewSyncState(s *State) *SyncState {
	return &SyncState{state: s, dirty: map[string]bool{}, allDirty: true}
}

// changed notes that the resource of addr changed since the last
// snapshot; the caller holds the mutex.
func (s *SyncState) changed(addr addrs.AbsResourceInstance) {
	if !s.allDirty {
		s.dirty[addr.ContainingResource().String()] = true
	}
}

// ResourceInstance returns a deep copy of the instance at addr, or nil.
func (s *SyncState) ResourceInstance(addr addrs.AbsResourceInstance) *ResourceInstance {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.live().ResourceInstance(addr).DeepCopy()
}

// SetResourceInstanceCurrent is [State.SetResourceInstanceCurrent] on a
// copy of obj.
func (s *SyncState) SetResourceInstanceCurrent(addr addrs.AbsResourceInstance, obj *ObjectSrc, provider ProviderRef) {
	obj = obj.DeepCopy()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.live().SetResourceInstanceCurrent(addr, obj, provider)
	s.changed(addr)
}

// SetResourceInstanceDeposed is [State.SetResourceInstanceDeposed] on a
// copy of obj.
func (s *SyncState) SetResourceInstanceDeposed(addr addrs.AbsResourceInstance, key DeposedKey, obj *ObjectSrc, provider ProviderRef) {
	obj = obj.DeepCopy()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.live().SetResourceInstanceDeposed(addr, key, obj, provider)
	s.changed(addr)
}

// DeposeResourceInstanceObject is [State.DeposeResourceInstanceObject].
func (s *SyncState) DeposeResourceInstanceObject(addr addrs.AbsResourceInstance) DeposedKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.changed(addr)
	return s.live().DeposeResourceInstanceObject(addr)
}

// Cluster returns a deep copy of the named cluster's record, or nil.
func (s *SyncState) Cluster(name string) *Cluster {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.live().Clusters[name].DeepCopy()
}

// SetCluster records a copy of c under name, or removes the record when
// c is nil. Clusters are copied whole into every snapshot, so this does
// not make the resources dirty.
func (s *SyncState) SetCluster(name string, c *Cluster) {
	c = c.DeepCopy()
	s.mu.Lock()
	defer s.mu.Unlock()
	if c == nil {
		delete(s.live().Clusters, name)
		return
	}
	s.live().Clusters[name] = c
}

// Environment returns a deep copy of the named environment's record, or
// nil.
func (s *SyncState) Environment(name string) *Environment {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.live().Environments[name].DeepCopy()
}

// AddOverride appends a copy of o to the state's overrides.
func (s *SyncState) AddOverride(o *Override) {
	o = o.DeepCopy()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.live().Overrides = append(s.live().Overrides, o)
}

// Lock takes the mutex and returns the wrapped state itself, for a caller
// that must read or change several things at once (a cluster's server
// groups and its history together). The caller must call [SyncState.Unlock]
// and must not keep the pointer afterwards.
func (s *SyncState) Lock() *State {
	s.mu.Lock()
	ret := s.live()
	s.allDirty = true
	return ret
}

// Unlock releases the mutex taken by [SyncState.Lock].
func (s *SyncState) Unlock() {
	s.mu.Unlock()
}

// Snapshot returns a copy of the state as it is now, to persist while the
// apply goes on. It shares nothing mutable with the wrapped state, but
// snapshots share with each other the resources that did not change
// between them, so that taking one costs what changed rather than what
// the state holds: the caller may set a snapshot's top-level fields
// (Serial) and must not change anything else in it.
func (s *SyncState) Snapshot() *State {
	s.mu.Lock()
	defer s.mu.Unlock()
	live := s.live()
	if s.allDirty {
		ret := live.DeepCopy()
		ret.frozen = true
		s.snap = maps.Clone(ret.Resources)
		s.allDirty = false
		clear(s.dirty)
		return ret
	}
	for key := range s.dirty {
		if rs := live.Resources[key]; rs != nil {
			s.snap[key] = rs.DeepCopy()
		} else {
			delete(s.snap, key)
		}
	}
	clear(s.dirty)
	// The resources are shared; the rest is small, and copied.
	ret := &State{Lineage: live.Lineage, Serial: live.Serial, TackVersion: live.TackVersion, frozen: true}
	rest := (&State{Clusters: live.Clusters, Outputs: live.Outputs, Environments: live.Environments, Overrides: live.Overrides}).DeepCopy()
	ret.Clusters, ret.Outputs, ret.Environments, ret.Overrides = rest.Clusters, rest.Outputs, rest.Environments, rest.Overrides
	ret.Resources = maps.Clone(s.snap)
	return ret
}

// Close hands back the wrapped state. The SyncState must not be used
// afterwards; a method called after Close panics.
func (s *SyncState) Close() *State {
	s.mu.Lock()
	defer s.mu.Unlock()
	ret := s.live()
	s.state = nil
	return ret
}

// live returns the wrapped state; the caller holds the mutex.
func (s *SyncState) live() *State {
	if s.state == nil {
		panic("state: SyncState used after Close")
	}
	return s.state
}
