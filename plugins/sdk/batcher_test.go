package sdk

import (
	"errors"
	"slices"
	"sync"
	"testing"
)

// Items added from many goroutines at once are each sent exactly once,
// none left behind when the adders return, in batches no larger than
// maxBatchBytes unless a single item is.
func TestBatcherSendsEveryItemOnce(t *testing.T) {
	t.Parallel()
	const adders, each = 40, 250
	var mu sync.Mutex
	var sent []int
	var batches [][]int
	b := &batcher[int]{
		// Every tenth item is as large as a whole batch.
		size: func(i int) int {
			if i%10 == 0 {
				return maxBatchBytes
			}
			return maxBatchBytes / 8
		},
		send: func(items []int) error {
			mu.Lock()
			defer mu.Unlock()
			sent = append(sent, items...)
			batches = append(batches, slices.Clone(items))
			return nil
		},
	}
	var wg sync.WaitGroup
	for a := range adders {
		wg.Go(func() {
			for i := range each {
				b.add(a*each + i)
			}
		})
	}
	wg.Wait()
	slices.Sort(sent)
	if len(sent) != adders*each {
		t.Fatalf("%d items sent, want %d", len(sent), adders*each)
	}
	for i, got := range sent {
		if got != i {
			t.Fatalf("item %d sent as %d: items were lost or sent twice", i, got)
		}
	}
	for _, batch := range batches {
		size := 0
		for _, i := range batch {
			size += b.size(i)
		}
		if len(batch) > 1 && size > maxBatchBytes {
			t.Errorf("a batch of %d items holds %d bytes, more than %d", len(batch), size, maxBatchBytes)
		}
	}
}

// Once a send fails, nothing more is sent: the stream is gone.
func TestBatcherStopsAfterAFailedSend(t *testing.T) {
	t.Parallel()
	var sends int
	b := &batcher[int]{
		size: func(int) int { return 1 },
		send: func([]int) error {
			sends++
			return errors.New("stream closed")
		},
	}
	b.add(1)
	b.add(2)
	b.add(3)
	if sends != 1 {
		t.Errorf("%d sends, want 1: the batcher went on sending after a send failed", sends)
	}
}
