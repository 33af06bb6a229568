package state

import (
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
}

// NewSyncState wraps s. The caller must not use s again until Close hands
// it back.
func NewSyncState(s *State) *SyncState {
	return &SyncState{state: s}
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
}

// SetResourceInstanceDeposed is [State.SetResourceInstanceDeposed] on a
// copy of obj.
func (s *SyncState) SetResourceInstanceDeposed(addr addrs.AbsResourceInstance, key DeposedKey, obj *ObjectSrc, provider ProviderRef) {
	obj = obj.DeepCopy()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.live().SetResourceInstanceDeposed(addr, key, obj, provider)
}

// DeposeResourceInstanceObject is [State.DeposeResourceInstanceObject].
func (s *SyncState) DeposeResourceInstanceObject(addr addrs.AbsResourceInstance) DeposedKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.live().DeposeResourceInstanceObject(addr)
}

// Lock takes the mutex and returns the wrapped state itself, for a caller
// that must read or change several things at once (a cluster's server
// groups and its history together). The caller must call [SyncState.Unlock]
// and must not keep the pointer afterwards.
func (s *SyncState) Lock() *State {
	s.mu.Lock()
	return s.live()
}

// Unlock releases the mutex taken by [SyncState.Lock].
func (s *SyncState) Unlock() {
	s.mu.Unlock()
}

// Snapshot returns a deep copy of the state as it is now, to persist
// while the apply goes on.
func (s *SyncState) Snapshot() *State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.live().DeepCopy()
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
