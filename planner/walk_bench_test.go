package planner

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/tackhq/tack/config"
	"github.com/tackhq/tack/state"
)

// emptyNode does nothing: a walk of them costs what the walk itself does.
type emptyNode string

func (n emptyNode) name() string                                     { return string(n) }
func (n emptyNode) execute(context.Context, *walker) hcl.Diagnostics { return nil }

// BenchmarkWalk measures the walk's own cost per node: handing a node to a
// worker and scheduling its dependents, for a chain of 1,000 nodes (each
// waits for the one before, so every hand-over is on the critical path)
// and for 1,000 independent ones.
func BenchmarkWalk(b *testing.B) {
	for _, chain := range []bool{true, false} {
		name := "independent"
		if chain {
			name = "chain"
		}
		b.Run(name, func(b *testing.B) {
			g := newGraph()
			for i := range 1000 {
				g.add(emptyNode(fmt.Sprint(i)))
				if chain && i > 0 {
					g.connect(fmt.Sprint(i-1), fmt.Sprint(i))
				}
			}
			for b.Loop() {
				if diags := g.walk(context.Background(), &walker{}, 10); diags.HasErrors() {
					b.Fatal(diags.Error())
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "ns/node")
		})
	}
}

// BenchmarkBuildPlanGraph measures building the plan graph of 10,000
// independent resources: the steps a plan takes, one after another,
// before it can start planning anything.
func BenchmarkBuildPlanGraph(b *testing.B) {
	dir := b.TempDir()
	var src strings.Builder
	for i := range 10000 {
		fmt.Fprintf(&src, "resource \"local_file\" \"f%d\" {\n  path    = \"f%d.txt\"\n  content = \"file %d\"\n}\n", i, i, i)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tack.hcl"), []byte(src.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	cfg, diags := config.NewParser().LoadConfig(dir)
	if diags.HasErrors() {
		b.Fatal(diags.Error())
	}
	p := New(Opts{Config: cfg, State: state.New()})
	for b.Loop() {
		w := newWalker(p, PlanOpts{}, p.opts.State)
		if _, diags := buildPlanGraph(w, nil); diags.HasErrors() {
			b.Fatal(diags.Error())
		}
	}
}
