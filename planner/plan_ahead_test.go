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

	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/plugins/sdk"
)

// chainOf is n local files, each holding the checksum of the one
// before.
func chainOf(n int) string {
	var b strings.Builder
	for i := range n {
		content := fmt.Sprintf("file %d", i)
		if i > 0 {
			content = fmt.Sprintf("after ${local_file.f%d.sha256}", i-1)
		}
		fmt.Fprintf(&b, "resource \"local_file\" \"f%d\" {\n  path    = \"f%d.txt\"\n  content = \"%s\"\n}\n", i, i, content)
	}
	return b.String()
}

// countingProvider counts the validations and plans the provider is
// asked for, by file path (a plan that validates too counts as both). The plan of f0.txt, the head of the chain,
// is held until every other file has been planned once: planning ahead,
// the walk needs no plan before theirs to plan the rest. If that has not
// happened in 20 seconds it goes on, and says it waited in vain.
type countingProvider struct {
	served
	n int

	mu        sync.Mutex
	plans     map[string]int
	validates map[string]int
	others    chan struct{} // closed when the n-1 other files are planned
	released  bool
	heldUp    bool
}

func newCountingProvider(client *sdk.GRPCClient, n int) *countingProvider {
	return &countingProvider{served: served{client}, n: n, plans: map[string]int{}, validates: map[string]int{}, others: make(chan struct{})}
}

func pathOf(v cty.Value) string {
	if v.IsNull() || !v.IsKnown() {
		return ""
	}
	p := v.GetAttr("path")
	if p.IsNull() || !p.IsKnown() {
		return ""
	}
	return p.AsString()
}

func (p *countingProvider) ValidateResourceConfig(ctx context.Context, req sdk.ValidateResourceConfigRequest) sdk.ValidateResourceConfigResponse {
	p.mu.Lock()
	p.validates[pathOf(req.Config)]++
	p.mu.Unlock()
	return p.served.ValidateResourceConfig(ctx, req)
}

func (p *countingProvider) PlanResourceChange(ctx context.Context, req sdk.PlanResourceChangeRequest) sdk.PlanResourceChangeResponse {
	path := pathOf(req.Config)
	p.mu.Lock()
	p.plans[path]++
	if req.Validate {
		p.validates[path]++
	}
	others := len(p.plans)
	if p.plans["f0.txt"] > 0 {
		others--
	}
	if !p.released && others == p.n-1 {
		p.released = true
		close(p.others)
	}
	p.mu.Unlock()
	if path == "f0.txt" {
		select {
		case <-p.others:
		case <-time.After(20 * time.Second):
			p.mu.Lock()
			p.heldUp = true
			p.mu.Unlock()
		}
	}
	return p.served.PlanResourceChange(ctx, req)
}

func (p *countingProvider) counts() (plans, validates map[string]int, heldUp bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.plans, p.validates, p.heldUp
}

// planWith plans src through a countingProvider of a chain of n files.
func (f *fixture) planWith(src string, opts PlanOpts, n int) (*Plan, *countingProvider) {
	f.t.Helper()
	var cp *countingProvider
	pl := f.plannerWith(f.config(src), func(c *sdk.GRPCClient) Provider {
		cp = newCountingProvider(c, n)
		return cp
	})
	p, diags := pl.Plan(context.Background(), opts)
	if diags.HasErrors() {
		f.t.Fatalf("plan: %s", diags.Error())
	}
	return p, cp
}

// A chain with nothing to change is planned ahead: every object is
// validated and planned once, and the head's plan, held until all the
// others have been, does not hold them up.
func TestPlanAheadChainWithNoChanges(t *testing.T) {
	t.Parallel()
	const n = 6
	f := newFixture(t)
	src := chainOf(n)
	f.apply(src, PlanOpts{})

	plan, cp := f.planWith(src, PlanOpts{}, n)
	for i := range n {
		if got := plan.Changes[i].Action; got != NoOp {
			t.Errorf("%s: %s, want no-op", plan.Changes[i].Addr, got)
		}
	}
	plans, validates, heldUp := cp.counts()
	if heldUp {
		t.Error("the plans after the head of the chain waited for its plan")
	}
	for i := range n {
		path := fmt.Sprintf("f%d.txt", i)
		if plans[path] != 1 || validates[path] != 1 {
			t.Errorf("%s: planned %d times and validated %d, want once each", path, plans[path], validates[path])
		}
	}
}

// When an object early in the chain changes, what was planned ahead for
// the ones after it no longer fits, and each is planned from the change.
func TestPlanAheadChainWithAChange(t *testing.T) {
	t.Parallel()
	const n = 6
	f := newFixture(t)
	f.apply(chainOf(n), PlanOpts{})
	if err := os.WriteFile(filepath.Join(f.dir, "f2.txt"), []byte("changed by hand"), 0o644); err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(chainOf(n), `content = "file 0"`, `content = "file 0, changed"`, 1)

	plan, cp := f.planWith(changed, PlanOpts{}, n)
	if _, _, heldUp := cp.counts(); heldUp {
		t.Error("the plans after the head of the chain waited for its plan")
	}
	want := sha256Hex("file 0, changed")
	for i, c := range plan.Changes {
		if c.Action != Update {
			t.Errorf("%s: %s, want update", c.Addr, c.Action)
		}
		got := c.After.GetAttr("content")
		switch {
		case i == 0:
		case !got.IsKnown():
			t.Errorf("%s: content unknown, want it planned from f%d's new checksum", c.Addr, i-1)
		case got.AsString() != "after "+want:
			t.Errorf("%s: content %q, want %q", c.Addr, got.AsString(), "after "+want)
		}
		if i < n-1 {
			want = sha256Hex(got.AsString())
		}
	}
	if len(plan.Drift) != 1 || plan.Drift[0].Addr.String() != "local_file.f2" {
		t.Errorf("drift = %v, want local_file.f2 changed by hand", plan.Drift)
	}
}
