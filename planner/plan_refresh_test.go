package planner

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/tackhq/tack/plugins/sdk"
)

// refreshCounter counts the reads the provider is asked for, alone or
// with a plan.
type refreshCounter struct {
	served
	mu                  sync.Mutex
	reads, plansRefresh int
}

func (p *refreshCounter) ReadResource(ctx context.Context, req sdk.ReadResourceRequest) sdk.ReadResourceResponse {
	p.mu.Lock()
	p.reads++
	p.mu.Unlock()
	return p.served.ReadResource(ctx, req)
}

func (p *refreshCounter) PlanResourceChange(ctx context.Context, req sdk.PlanResourceChangeRequest) sdk.PlanResourceChangeResponse {
	if req.Refresh {
		p.mu.Lock()
		p.plansRefresh++
		p.mu.Unlock()
	}
	return p.served.PlanResourceChange(ctx, req)
}

const refreshFiles = `
resource "local_file" "same" {
  path    = "same.txt"
  content = "same"
}
resource "local_file" "edited" {
  path    = "edited.txt"
  content = "edited"
}
resource "local_file" "drifted" {
  path    = "drifted.txt"
  content = "drifted"
}
resource "local_file" "ignoring" {
  path    = "ignoring.txt"
  content = "ignoring"
  lifecycle {
    ignore_changes = [content]
  }
}
resource "local_file" "after" {
  path    = "after.txt"
  content = "after ${local_file.same.sha256}"
}
`

// A plan reads each recorded object and plans it in one call, unless the
// read-ahead read it first, and shows what reading and planning apart
// shows: the drift, the changes and nothing else. An object whose
// ignore_changes makes what is planned depend on what is read is read
// alone first.
func TestPlanRefreshesWhilePlanning(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.apply(refreshFiles, PlanOpts{})
	if err := os.WriteFile(filepath.Join(f.dir, "drifted.txt"), []byte("changed by hand"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := f.config(strings.Replace(refreshFiles, `content = "edited"`, `content = "edited again"`, 1))
	for _, parallelism := range []int{10, 1} {
		var counter *refreshCounter
		p := f.plannerWith(cfg, func(c *sdk.GRPCClient) Provider {
			counter = &refreshCounter{served: served{c}}
			return counter
		})
		p.opts.Parallelism = parallelism
		plan, diags := p.Plan(context.Background(), PlanOpts{})
		if diags.HasErrors() {
			t.Fatalf("parallelism %d: %s", parallelism, diags.Error())
		}
		var drift []string
		for _, d := range plan.Drift {
			drift = append(drift, d.Addr.String()+": "+d.Action.String())
		}
		if want := []string{"local_file.drifted: update"}; !slices.Equal(drift, want) {
			t.Errorf("parallelism %d: drift %v, want %v", parallelism, drift, want)
		}
		checkActions(t, plan, "local_file.after: no-op", "local_file.drifted: update", "local_file.edited: update", "local_file.ignoring: no-op", "local_file.same: no-op")
		// With slots to spare, the read-ahead may read objects before
		// their plans get to them; each object is read once either way.
		// One at a time, there is no reading ahead.
		if counter.reads+counter.plansRefresh != 5 {
			t.Errorf("parallelism %d: %d reads alone and %d plans that read, want 5 reads in all", parallelism, counter.reads, counter.plansRefresh)
		}
		if parallelism == 1 && (counter.reads != 1 || counter.plansRefresh != 4) {
			t.Errorf("one at a time: %d reads alone and %d plans that read, want 1 (the object ignoring changes) and 4", counter.reads, counter.plansRefresh)
		}
	}
}
