package config

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// BenchmarkLoad10kResources loads 10,000 resource blocks spread over 100
// files, the scale the loader is meant for, and reports the heap it
// allocated per load (alloc-MiB/op) and what a loaded module holds
// (held-MiB) besides the time.
func BenchmarkLoad10kResources(b *testing.B) {
	dir := b.TempDir()
	for f := 0; f < 100; f++ {
		var src []byte
		for r := 0; r < 100; r++ {
			src = fmt.Appendf(src, `resource "local_file" "f%d_%d" {
  path    = "out/%d/%d.txt"
  content = "hello ${var.name} from %d"
  count   = 1

  lifecycle {
    ignore_changes = [content]
  }
}

`, f, r, f, r, r)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%03d.tack.hcl", f)), src, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	var before, after, held runtime.MemStats
	var m *Module
	runtime.ReadMemStats(&before)
	for b.Loop() {
		var diags hcl.Diagnostics
		m, diags = NewParser().LoadModule(dir)
		if diags.HasErrors() || len(m.Resources) != 10000 {
			b.Fatalf("loaded %d resources: %v", len(m.Resources), diags)
		}
	}
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/(1<<20), "alloc-MiB/op")
	// What a loaded module keeps alive (its files and model), measured
	// after a collection while the last module is still referenced.
	runtime.GC()
	runtime.ReadMemStats(&held)
	b.ReportMetric(float64(held.HeapAlloc)/(1<<20), "held-MiB")
	runtime.KeepAlive(m)
}
