package planner

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tackhq/tack/config/addrs"
	"github.com/tackhq/tack/state"
)

func TestImport(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	if err := os.WriteFile(filepath.Join(f.dir, "existing.txt"), []byte("made by hand"), 0o644); err != nil {
		t.Fatal(err)
	}
	src := `
resource "local_file" "adopted" {
  path    = "existing.txt"
  content = "made by hand"
}
import {
  to = local_file.adopted
  id = "existing.txt"
}
`
	plan := f.plan(src, PlanOpts{})
	checkActions(t, plan, "local_file.adopted: no-op")
	if c := plan.Changes[0]; c.Importing == nil || c.Importing.ID != "existing.txt" || plan.Counts().Import != 1 {
		t.Fatalf("the import is not planned: %+v", c.Importing)
	}
	f.apply(src, PlanOpts{})
	if f.state.ResourceInstance(mustAddr(t, "local_file.adopted")) == nil {
		t.Fatal("the adopted object is not in the state")
	}
	// Once adopted, the import block has nothing left to do.
	again := f.plan(src, PlanOpts{})
	if again.Changes[0].Importing != nil || again.HasChanges() {
		t.Errorf("second plan: importing %v, changes %v", again.Changes[0].Importing, actions(again))
	}

	// tack import ADDR ID does the same without a block.
	g := newFixture(t)
	if err := os.WriteFile(filepath.Join(g.dir, "other.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	plan = g.plan(`
resource "local_file" "o" {
  path    = "other.txt"
  content = "y"
}
`, PlanOpts{Imports: []ImportTarget{{Addr: mustAddr(t, "local_file.o"), ID: "other.txt"}}})
	checkActions(t, plan, "local_file.o: update")
	if plan.Changes[0].Importing == nil {
		t.Error("tack import's target is not marked as imported")
	}
}

func TestCreateBeforeDestroy(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	src := `
resource "local_file" "a" {
  path    = "a.txt"
  content = "x"
  lifecycle {
    create_before_destroy = true
  }
}
`
	f.apply(src, PlanOpts{})
	next := strings.Replace(src, `"a.txt"`, `"b.txt"`, 1)
	plan := f.plan(next, PlanOpts{})
	if c := plan.Changes[0]; c.Action != CreateThenDelete {
		t.Fatalf("action %s, want create-then-delete", c.Action)
	}
	var order []string
	p := f.planner(f.config(next))
	p.opts.Events = func(e Event) {
		if d, ok := e.(OperationDone); ok {
			order = append(order, d.Op.String())
		}
	}
	s, diags := p.Apply(context.Background(), plan, func(*state.State) error { return nil })
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if strings.Join(order, ",") != "create,delete" {
		t.Errorf("operations %v, want the create before the delete", order)
	}
	ri := s.ResourceInstance(mustAddr(t, "local_file.a"))
	if ri == nil || len(ri.Deposed) != 0 {
		t.Errorf("after the replacement: %+v, want one current object and no deposed one", ri)
	}
	if _, err := os.Stat(filepath.Join(f.dir, "a.txt")); !os.IsNotExist(err) {
		t.Errorf("the old file is still there: %v", err)
	}
}

func TestIgnoreChangesAndTriggers(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	src := func(content, trigger string) string {
		return `
resource "local_file" "a" {
  path    = "a.txt"
  content = "` + content + `"
  lifecycle {
    ignore_changes = [content]
  }
}
resource "local_file" "t" {
  path    = "t.txt"
  content = "` + trigger + `"
}
resource "local_file" "follower" {
  path    = "f.txt"
  content = "same"
  lifecycle {
    replace_triggered_by = [local_file.t]
  }
}
`
	}
	f.apply(src("one", "1"), PlanOpts{})
	plan := f.plan(src("two", "2"), PlanOpts{})
	checkActions(t, plan,
		"local_file.a: no-op",
		"local_file.follower: delete-then-create (replace_by_triggers)",
		"local_file.t: update",
	)
}

func TestDataSourcesAndTargets(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	if err := os.WriteFile(filepath.Join(f.dir, "in.txt"), []byte("input"), 0o644); err != nil {
		t.Fatal(err)
	}
	src := `
data "local_file" "in" {
  path = "in.txt"
}
resource "local_file" "out" {
  path    = "out.txt"
  content = upper(data.local_file.in.content)
}
resource "local_file" "other" {
  path    = "other.txt"
  content = "x"
}
`
	plan := f.plan(src, PlanOpts{Targets: []addrs.AbsResourceInstance{mustAddr(t, "local_file.out")}})
	checkActions(t, plan, "local_file.out: create")
	if got := plan.Changes[0].After.GetAttr("content").AsString(); got != "INPUT" {
		t.Errorf("content planned from the data source = %q", got)
	}
	f.apply(src, PlanOpts{})
	if got := f.read("out.txt"); got != "INPUT" {
		t.Errorf("out.txt = %q", got)
	}
}

// A failed operation leaves what completed recorded, and its error names
// the object that failed.
func TestApplyFailureKeepsCompletedWork(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	if err := os.WriteFile(filepath.Join(f.dir, "blocker"), []byte("a file, not a directory"), 0o644); err != nil {
		t.Fatal(err)
	}
	src := `
resource "local_file" "ok" {
  path    = "ok.txt"
  content = "fine"
}
resource "local_file" "bad" {
  path    = "blocker/bad.txt"
  content = local_file.ok.sha256
}
`
	cfg := f.config(src)
	plan, diags := f.planner(cfg).Plan(context.Background(), PlanOpts{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	var persisted *state.State
	s, diags := f.planner(cfg).Apply(context.Background(), plan, func(s *state.State) error {
		persisted = s
		return nil
	})
	if !diags.HasErrors() {
		t.Fatal("apply succeeded, want the failure of local_file.bad")
	}
	if !strings.Contains(diags.Error(), "local_file.bad") {
		t.Errorf("the error does not name the object: %s", diags.Error())
	}
	for _, got := range []*state.State{s, persisted} {
		if got.ResourceInstance(mustAddr(t, "local_file.ok")) == nil {
			t.Error("the completed object is not recorded")
		}
		if got.ResourceInstance(mustAddr(t, "local_file.bad")) != nil {
			t.Error("the failed object is recorded as if made")
		}
	}
}

// Cancelling an apply (Ctrl-C) starts nothing new, lets operations in
// flight finish, and records every one that completed.
func TestApplyCancelled(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var b strings.Builder
	for i := range 50 {
		fmt.Fprintf(&b, "resource \"local_file\" \"f%d\" {\n  path    = \"f%d.txt\"\n  content = \"x\"\n}\n", i, i)
	}
	cfg := f.config(b.String())
	plan, diags := f.planner(cfg).Plan(context.Background(), PlanOpts{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	done := 0
	p := f.planner(cfg)
	p.opts.Parallelism = 2
	p.opts.Events = func(e Event) {
		if _, ok := e.(OperationDone); ok {
			mu.Lock()
			done++
			if done == 3 {
				cancel() // as the first Ctrl-C does
			}
			mu.Unlock()
		}
	}
	var last *state.State
	s, diags := p.Apply(ctx, plan, func(s *state.State) error { last = s; return nil })
	if !diags.HasErrors() || !strings.Contains(diags.Error(), "interrupted") {
		t.Fatalf("a cancelled apply returned %v, want an interruption error", diags)
	}
	recorded := len(s.AllResourceInstances())
	mu.Lock()
	completed := done
	mu.Unlock()
	if recorded != completed || recorded >= 50 {
		t.Errorf("%d objects recorded, %d operations completed, of 50: want every completed one recorded and the rest not started", recorded, completed)
	}
	if last == nil || len(last.AllResourceInstances()) != recorded {
		t.Errorf("the last persisted state does not hold what completed")
	}
	files, _ := filepath.Glob(filepath.Join(f.dir, "f*.txt"))
	if len(files) != recorded {
		t.Errorf("%d files on disk, %d recorded", len(files), recorded)
	}
}

// The writer persists the state while the apply goes on, but rests after
// each write as long as the write took, so that a large state is not
// rewritten back to back: with writes of 20 ms and an operation
// completing every millisecond for 400 ms, back-to-back writing would
// write some 20 times, resting at most 400/40 times and once at the end.
func TestApplyWriterRests(t *testing.T) {
	t.Parallel()
	ss := state.NewSyncState(state.New())
	var mu sync.Mutex
	var writes []int
	a := newApplyRun(ss, func(s *state.State) error {
		mu.Lock()
		writes = append(writes, len(s.AllResourceInstances()))
		mu.Unlock()
		time.Sleep(20 * time.Millisecond)
		return nil
	}, func(Event) {})
	ref := state.ProviderRef{Source: "tack/local"}
	n := 0
	for deadline := time.Now().Add(400 * time.Millisecond); time.Now().Before(deadline); n++ {
		addr := mustAddr(t, fmt.Sprintf("local_file.f%d", n))
		a.set(addr, state.NotDeposed, &state.ObjectSrc{AttrsJSON: []byte(`{}`), Status: state.ObjectReady}, ref)
		time.Sleep(time.Millisecond)
	}
	if err := a.finish(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(writes) < 2 || len(writes) > 400/40+2 {
		t.Errorf("%d writes (recording %v objects), want one during the apply and at most %d", len(writes), writes, 400/40+2)
	}
	if last := writes[len(writes)-1]; last != n {
		t.Errorf("the last write records %d objects, want all %d", last, n)
	}
}
