package state_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

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
