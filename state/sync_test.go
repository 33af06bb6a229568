package state_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/config/addrs"
	"github.com/tackhq/tack/state"
)

// The apply engine records results from many goroutines at once; with
// -race this test fails if SyncState lets two of them touch the state
// together, or hands out memory the state still uses.
func TestSyncStateConcurrentWriters(t *testing.T) {
	t.Parallel()
	ss := state.NewSyncState(state.New())
	const writers, each = 8, 50
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				addr := mustResource(t, fmt.Sprintf("local_file.w%d", w)).Instance(addrs.IntKey(i))
				obj := object(fmt.Sprintf(`{"id":"%d-%d"}`, w, i))
				ss.SetResourceInstanceCurrent(addr, obj, localProvider)
				obj.AttrsJSON[0] = 'X' // the caller's copy is its own
				if k := ss.DeposeResourceInstanceObject(addr); k == state.NotDeposed {
					t.Errorf("deposing %s found no current object", addr)
				}
				ss.SetResourceInstanceCurrent(addr, object(`{}`), localProvider)
				got := ss.ResourceInstance(addr)
				got.Current.AttrsJSON = nil // the copy handed out is the caller's
				_ = ss.Snapshot()
			}
		})
	}
	wg.Wait()
	s := ss.Close()
	if got := len(s.AllResourceInstances()); got != writers*each {
		t.Errorf("%d instances recorded, want %d", got, writers*each)
	}
	is := s.ResourceInstance(mustInstance(t, "local_file.w3[7]"))
	for _, old := range is.Deposed {
		if diff := cmp.Diff(`{"id":"3-7"}`, string(old.AttrsJSON)); diff != "" {
			t.Errorf("deposed object (-want +got):\n%s", diff)
		}
	}
	if string(is.Current.AttrsJSON) != `{}` {
		t.Errorf("current object %s, want {}", is.Current.AttrsJSON)
	}
}

func TestSyncStateLockAndClose(t *testing.T) {
	t.Parallel()
	ss := state.NewSyncState(state.New())
	s := ss.Lock()
	s.Clusters["api"] = &state.Cluster{Name: "api"}
	ss.Unlock()
	if snap := ss.Snapshot(); snap.Clusters["api"] == nil || snap.Clusters["api"] == s.Clusters["api"] {
		t.Errorf("the snapshot does not hold a copy of the cluster: %v", snap.Clusters)
	}
	ss.Close()
	defer func() {
		if recover() == nil {
			t.Error("using a closed SyncState did not panic")
		}
	}()
	ss.Snapshot()
}

// Snapshots share what did not change between them; each must still be
// the state as it was when it was taken, whatever changed since, through
// the setters or through Lock.
func TestSyncStateSnapshotsAreOfTheirMoment(t *testing.T) {
	t.Parallel()
	a, b, c := mustInstance(t, "local_file.a"), mustInstance(t, "local_file.b"), mustInstance(t, "local_file.c")
	ss := state.NewSyncState(state.New())
	ss.SetResourceInstanceCurrent(a, object(`{"id":"a1"}`), localProvider)
	ss.SetResourceInstanceCurrent(b, object(`{"id":"b1"}`), localProvider)
	first := ss.Snapshot()
	want1 := writeState(t, first)

	ss.SetResourceInstanceCurrent(a, object(`{"id":"a2"}`), localProvider)
	ss.SetResourceInstanceCurrent(c, object(`{"id":"c1"}`), localProvider)
	ss.SetResourceInstanceCurrent(b, nil, localProvider)
	second := ss.Snapshot()

	s := ss.Lock()
	s.ResourceInstance(a).Current.AttrsJSON = []byte(`{"id":"a3"}`)
	s.Outputs["o"] = &state.Output{Value: cty.StringVal("x")}
	ss.Unlock()
	k := ss.DeposeResourceInstanceObject(c)
	third := ss.Snapshot()
	final := ss.Close()

	if diff := cmp.Diff(string(want1), string(writeState(t, first))); diff != "" {
		t.Errorf("the first snapshot changed after it was taken (-then +now):\n%s", diff)
	}
	attrs := func(s *state.State, addr addrs.AbsResourceInstance) string {
		is := s.ResourceInstance(addr)
		if is == nil || is.Current == nil {
			return ""
		}
		return string(is.Current.AttrsJSON)
	}
	for _, tc := range []struct {
		name string
		s    *state.State
		a, b string
	}{
		{"first", first, `{"id":"a1"}`, `{"id":"b1"}`},
		{"second", second, `{"id":"a2"}`, ""},
		{"third", third, `{"id":"a3"}`, ""},
	} {
		if got := attrs(tc.s, a); got != tc.a {
			t.Errorf("%s snapshot: local_file.a is %q, want %q", tc.name, got, tc.a)
		}
		if got := attrs(tc.s, b); got != tc.b {
			t.Errorf("%s snapshot: local_file.b is %q, want %q", tc.name, got, tc.b)
		}
	}
	if is := third.ResourceInstance(c); is == nil || is.Current != nil || is.Deposed[k] == nil {
		t.Errorf("third snapshot: local_file.c is %+v, want its object deposed as %s", is, k)
	}
	if third.Outputs["o"] == nil || second.Outputs["o"] != nil {
		t.Errorf("the output set through Lock is in the second snapshot (%v) or not in the third (%v)", second.Outputs, third.Outputs)
	}
	if diff := cmp.Diff(string(writeState(t, final)), string(writeState(t, third))); diff != "" {
		t.Errorf("the last snapshot is not the final state (-final +snapshot):\n%s", diff)
	}
}
