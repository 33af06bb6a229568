package planner

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/hcl/v2"
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
