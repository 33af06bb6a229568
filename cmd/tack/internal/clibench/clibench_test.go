package main

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// The quick run plans, applies and plans again 50 resources, independent
// and chained, with the real binaries. bench fails unless every step does
// what a user expects of it: the first plan adds everything, apply
// creates every file and records every resource in a state that reads,
// and the plan after it has nothing to do. Times are not checked.
func TestQuickRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds tack and runs it")
	}
	t.Parallel()
	var out bytes.Buffer
	if err := run(&out, options{quick: true, progress: io.Discard}); err != nil {
		t.Fatal(err)
	}
	for _, sc := range scenarios(true) {
		for _, m := range metricNames {
			if row := "| " + sc.name + " | " + m + " | "; !strings.Contains(out.String(), row) {
				t.Errorf("the table has no row %q:\n%s", row, out.String())
			}
		}
	}
	if strings.Contains(out.String(), "MISS") || strings.Contains(out.String(), "PASS") {
		t.Errorf("a quick run judged its numbers against the targets:\n%s", out.String())
	}
}
