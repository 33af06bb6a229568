// Package backendtest is the conformance suite that every state backend
// runs: local, S3, PostgreSQL. It uses only the [state.Backend] interface,
// so a backend that passes it behaves, for tack, like every other.
//
// A backend's test calls [Run] with a [Factory]:
//
//	func TestConformance(t *testing.T) {
//		backendtest.Run(t, func(t *testing.T) func() state.Backend {
//			path := filepath.Join(t.TempDir(), "tack.state.json")
//			return func() state.Backend { return local.New(path) }
//		})
//	}
package backendtest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/config/addrs"
	"github.com/tackhq/tack/state"
)

// Factory makes a new, empty store for one test (a temporary directory, a
// bucket prefix, a table) and returns a function that makes clients of
// it. Every client addresses that same stored state, as separate tack
// processes would: the suite uses two clients where two processes compete.
type Factory func(t *testing.T) (newClient func() state.Backend)

// Run runs the conformance suite against the backend that factory makes.
// Its subtests run in parallel, each with its own store.
func Run(t *testing.T, factory Factory) {
	tests := []struct {
		name string
		test func(t *testing.T, newClient func() state.Backend)
	}{
		{"EmptyRead", testEmptyRead},
		{"WriteRead", testWriteRead},
		{"SerialBackwards", testSerialBackwards},
		{"LineageChange", testLineageChange},
		{"SameSerialSameBytes", testSameSerialSameBytes},
		{"LockExcludes", testLockExcludes},
		{"UnlockWrongID", testUnlockWrongID},
		{"UnlockFrees", testUnlockFrees},
		{"ForceUnlock", testForceUnlock},
		{"UnlockNotLocked", testUnlockNotLocked},
		{"LockWithTimeoutWaits", testLockWithTimeoutWaits},
		{"LockWithTimeoutGivesUp", testLockWithTimeoutGivesUp},
		{"ConcurrentWriters", testConcurrentWriters},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.test(t, factory(t))
		})
	}
}

// cmpOptions compare states as stored: the tack version recorded is the
// backend's to fill in.
var cmpOptions = cmp.Options{state.CmpOptions, cmpopts.IgnoreFields(state.State{}, "TackVersion")}

// sample returns a state with a resource, an output and a cluster with
// a deployment and its steps.
func sample(t *testing.T, serial uint64) *state.State {
	t.Helper()
	s := state.New()
	s.Serial = serial
	addr, diags := addrs.ParseAbsResourceInstanceStr(`module.net["a"].local_file.greeting[0]`)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	s.SetResourceInstanceCurrent(addr, &state.ObjectSrc{
		AttrsJSON:      []byte(`{"id":"f1","filename":"greeting.txt","content":"hello"}`),
		SensitivePaths: []cty.Path{cty.GetAttrPath("content")},
		Status:         state.ObjectReady,
	}, state.ProviderRef{Source: "tack/local"})
	s.Outputs["greeting"] = &state.Output{Value: cty.StringVal("hello")}
	created := time.Date(2025, 3, 1, 14, 5, 0, 0, time.UTC)
	s.Clusters["api-prod"] = &state.Cluster{
		Name:     "api-prod",
		Provider: state.ProviderRef{Source: "tack/local"},
		Config:   "cluster.api-prod",
		ServerGroups: []*state.ServerGroup{{
			Name: "api-prod-v001", Sequence: 1, Version: "1.0.0", Enabled: true, Weight: 100,
			Capacity: state.Capacity{Min: 1, Desired: 2, Max: 3}, CreatedAt: created,
		}},
		History: []*state.Deployment{{
			ID: "d-1", ServerGroup: "api-prod-v001", From: []string{"api-prod-v000"}, Version: "1.0.0", Strategy: "red_black",
			Kind: state.DeploymentDeploy, Outcome: state.DeploymentRolledBack, Reason: "api-prod-v001 was not healthy within 5m",
			Started: created, Finished: created.Add(6 * time.Minute),
			Steps: []state.DeploymentStep{
				{Description: "create api-prod-v001, disabled", Started: created, Ended: created.Add(time.Minute)},
				{Description: "wait for api-prod-v001 to be healthy", Started: created.Add(time.Minute), Ended: created.Add(6 * time.Minute), Error: "1 of 2 instances healthy after 5m"},
				{Description: "destroy api-prod-v001", Started: created.Add(6 * time.Minute), Ended: created.Add(6 * time.Minute), Rollback: true},
			},
		}},
	}
	return s
}

func read(t *testing.T, b state.Backend) *state.State {
	t.Helper()
	s, err := b.Read(t.Context())
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return s
}

func write(t *testing.T, b state.Backend, s *state.State) {
	t.Helper()
	if err := b.Write(t.Context(), s); err != nil {
		t.Fatalf("Write serial %d: %v", s.Serial, err)
	}
}

func lockInfo(who string) *state.LockInfo {
	info := state.NewLockInfo("apply", who)
	info.Version = "0.1.0"
	return info
}

func lock(t *testing.T, b state.Backend, info *state.LockInfo) string {
	t.Helper()
	id, err := b.Lock(t.Context(), info)
	if err != nil {
		t.Fatalf("Lock: %v", err)
	}
	return id
}

// wantLockedBy checks that err is a *LockedError naming the holder of the
// lock taken with info and id.
func wantLockedBy(t *testing.T, err error, info *state.LockInfo, id string) {
	t.Helper()
	var le *state.LockedError
	if !errors.As(err, &le) || !errors.Is(err, state.ErrLocked) {
		t.Fatalf("error %v (%T), want a *state.LockedError", err, err)
	}
	got := le.Info
	if got == nil || got.ID != id || got.Who != info.Who || got.Operation != info.Operation || got.Version != info.Version || !got.Created.Equal(info.Created) {
		t.Errorf("LockedError.Info = %+v, want the holder's %+v with ID %s", got, info, id)
	}
	if got != nil && got.Path == "" {
		t.Error("LockedError.Info.Path is empty: the backend must say which state is locked")
	}
}

func testEmptyRead(t *testing.T, newClient func() state.Backend) {
	if s := read(t, newClient()); s != nil {
		t.Errorf("Read of an empty store = %+v, want nil", s)
	}
}

func testWriteRead(t *testing.T, newClient func() state.Backend) {
	b := newClient()
	want := sample(t, 1)
	write(t, b, want)
	for name, c := range map[string]state.Backend{"same client": b, "another client": newClient()} {
		if diff := cmp.Diff(want, read(t, c), cmpOptions); diff != "" {
			t.Errorf("read by %s (-written +read):\n%s", name, diff)
		}
	}
	next := want.DeepCopy()
	next.Serial = 2
	next.Outputs["greeting"] = &state.Output{Value: cty.StringVal("bonjour")}
	write(t, b, next)
	if diff := cmp.Diff(next, read(t, newClient()), cmpOptions); diff != "" {
		t.Errorf("second write read back (-written +read):\n%s", diff)
	}
}

func testSerialBackwards(t *testing.T, newClient func() state.Backend) {
	b := newClient()
	stored := sample(t, 5)
	write(t, b, stored)
	for _, serial := range []uint64{4, 5} {
		s := stored.DeepCopy()
		s.Serial = serial
		s.Outputs["greeting"] = &state.Output{Value: cty.StringVal("stale")}
		err := newClient().Write(t.Context(), s)
		var ce *state.ConflictError
		if !errors.Is(err, state.ErrSerialBackwards) || !errors.As(err, &ce) {
			t.Errorf("writing serial %d over 5: error %v, want a *state.ConflictError for ErrSerialBackwards", serial, err)
		}
	}
	if diff := cmp.Diff(stored, read(t, b), cmpOptions); diff != "" {
		t.Errorf("a refused write changed the stored state (-stored +read):\n%s", diff)
	}
}

func testLineageChange(t *testing.T, newClient func() state.Backend) {
	b := newClient()
	stored := sample(t, 1)
	write(t, b, stored)
	other := sample(t, 9) // a new lineage
	err := newClient().Write(t.Context(), other)
	var ce *state.ConflictError
	if !errors.Is(err, state.ErrLineageMismatch) || !errors.As(err, &ce) {
		t.Errorf("writing another lineage: error %v, want a *state.ConflictError for ErrLineageMismatch", err)
	}
	if diff := cmp.Diff(stored, read(t, b), cmpOptions); diff != "" {
		t.Errorf("a refused write changed the stored state (-stored +read):\n%s", diff)
	}
}

func testSameSerialSameBytes(t *testing.T, newClient func() state.Backend) {
	b := newClient()
	s := sample(t, 3)
	write(t, b, s)
	// A retried write, or two steps that changed nothing, must not fail.
	write(t, newClient(), s.DeepCopy())
	if diff := cmp.Diff(s, read(t, b), cmpOptions); diff != "" {
		t.Errorf("(-written +read):\n%s", diff)
	}
}

func testLockExcludes(t *testing.T, newClient func() state.Backend) {
	a, b := newClient(), newClient()
	info := lockInfo("alice@laptop")
	id := lock(t, a, info)
	if id != info.ID {
		t.Errorf("Lock returned ID %q, want the info's %q", id, info.ID)
	}
	_, err := b.Lock(t.Context(), lockInfo("bob@ci"))
	wantLockedBy(t, err, info, id)
	// The holder itself cannot take it twice either.
	_, err = a.Lock(t.Context(), lockInfo("alice@laptop"))
	wantLockedBy(t, err, info, id)
}

func testUnlockWrongID(t *testing.T, newClient func() state.Backend) {
	a, b := newClient(), newClient()
	info := lockInfo("alice@laptop")
	id := lock(t, a, info)
	err := b.Unlock(t.Context(), "not-"+id)
	wantLockedBy(t, err, info, id)
	_, err = b.Lock(t.Context(), lockInfo("bob@ci"))
	wantLockedBy(t, err, info, id)
}

func testUnlockFrees(t *testing.T, newClient func() state.Backend) {
	a, b := newClient(), newClient()
	id := lock(t, a, lockInfo("alice@laptop"))
	if err := a.Unlock(t.Context(), id); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
	id2 := lock(t, b, lockInfo("bob@ci"))
	if err := b.Unlock(t.Context(), id2); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
	// A lock ID is good once.
	if err := a.Unlock(t.Context(), id); !errors.Is(err, state.ErrNotLocked) {
		t.Errorf("unlocking again: error %v, want ErrNotLocked", err)
	}
}

// testForceUnlock is `tack force-unlock ID`: another client, knowing the
// ID, frees a lock it did not take.
func testForceUnlock(t *testing.T, newClient func() state.Backend) {
	a, b := newClient(), newClient()
	id := lock(t, a, lockInfo("alice@laptop"))
	if err := b.Unlock(t.Context(), id); err != nil {
		t.Fatalf("Unlock from another client: %v", err)
	}
	info := lockInfo("bob@ci")
	id2 := lock(t, b, info)
	// The first holder's unlock, late, must not free the new lock.
	err := a.Unlock(t.Context(), id)
	wantLockedBy(t, err, info, id2)
}

func testUnlockNotLocked(t *testing.T, newClient func() state.Backend) {
	if err := newClient().Unlock(t.Context(), "0d6a4c1e-0000-4000-8000-000000000000"); !errors.Is(err, state.ErrNotLocked) {
		t.Errorf("error %v, want ErrNotLocked", err)
	}
}

// signalLocker reports the first time its Lock finds the lock held.
type signalLocker struct {
	state.Locker
	once   sync.Once
	locked chan struct{}
}

func (l *signalLocker) Lock(ctx context.Context, info *state.LockInfo) (string, error) {
	id, err := l.Locker.Lock(ctx, info)
	if errors.Is(err, state.ErrLocked) {
		l.once.Do(func() { close(l.locked) })
	}
	return id, err
}

func testLockWithTimeoutWaits(t *testing.T, newClient func() state.Backend) {
	a := newClient()
	id := lock(t, a, lockInfo("alice@laptop"))

	b := &signalLocker{Locker: newClient(), locked: make(chan struct{})}
	type result struct {
		id  string
		err error
	}
	done := make(chan result, 1)
	info := lockInfo("bob@ci")
	go func() {
		id, err := state.LockWithTimeout(t.Context(), b, info, time.Minute)
		done <- result{id, err}
	}()
	// Release the lock once the waiter has found it held.
	select {
	case <-b.locked:
	case r := <-done:
		t.Fatalf("LockWithTimeout returned (%q, %v) while the lock was held", r.id, r.err)
	}
	if err := a.Unlock(t.Context(), id); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
	r := <-done
	if r.err != nil || r.id != info.ID {
		t.Fatalf("LockWithTimeout = (%q, %v), want the lock", r.id, r.err)
	}
	if err := newClient().Unlock(t.Context(), r.id); err != nil {
		t.Errorf("Unlock of the lock taken after waiting: %v", err)
	}
}

func testLockWithTimeoutGivesUp(t *testing.T, newClient func() state.Backend) {
	info := lockInfo("alice@laptop")
	id := lock(t, newClient(), info)
	const timeout = 300 * time.Millisecond
	start := time.Now()
	_, err := state.LockWithTimeout(t.Context(), newClient(), lockInfo("bob@ci"), timeout)
	wantLockedBy(t, err, info, id)
	if elapsed := time.Since(start); elapsed < timeout {
		t.Errorf("gave up after %s, before the timeout of %s", elapsed, timeout)
	}
}

// testConcurrentWriters has several clients read, change and write the
// state at once, with readers watching. Writes may be refused; what must
// hold is that every read succeeds (no reader ever sees a half-written
// state), that no two different writes of one serial are both accepted
// (one of them would be lost without anyone being told), and that the
// stored serial never goes backwards: the last state stored is the one
// with the highest serial accepted.
func testConcurrentWriters(t *testing.T, newClient func() state.Backend) {
	write(t, newClient(), sample(t, 1))
	const writers, rounds = 8, 15
	var (
		maxAccepted atomic.Uint64
		acceptedMu  sync.Mutex
		accepted    = map[uint64]bool{}
		wg          sync.WaitGroup
		stop        = make(chan struct{})
		readers     sync.WaitGroup
	)
	maxAccepted.Store(1)
	for range 2 {
		c := newClient()
		readers.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if s, err := c.Read(t.Context()); err != nil || s == nil {
					t.Errorf("a read during concurrent writes failed: %v (state %v)", err, s)
					return
				}
			}
		})
	}
	for w := range writers {
		c := newClient()
		wg.Go(func() {
			for i := range rounds {
				s, err := c.Read(t.Context())
				if err != nil {
					t.Errorf("Read: %v", err)
					return
				}
				s.Serial++
				s.Outputs["greeting"] = &state.Output{Value: cty.StringVal(fmt.Sprintf("writer %d round %d", w, i))}
				err = c.Write(t.Context(), s)
				var ce *state.ConflictError
				switch {
				case err == nil:
					acceptedMu.Lock()
					if accepted[s.Serial] {
						t.Errorf("two different writes of serial %d were both accepted: one of them is lost", s.Serial)
					}
					accepted[s.Serial] = true
					acceptedMu.Unlock()
					for m := maxAccepted.Load(); s.Serial > m && !maxAccepted.CompareAndSwap(m, s.Serial); m = maxAccepted.Load() {
					}
				case errors.As(err, &ce) && errors.Is(err, state.ErrSerialBackwards):
					// Another writer got there first.
				default:
					t.Errorf("Write: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	final := read(t, newClient())
	if final.Serial != maxAccepted.Load() {
		t.Errorf("stored serial %d, but a write of serial %d was accepted: the serial went backwards", final.Serial, maxAccepted.Load())
	}
}
