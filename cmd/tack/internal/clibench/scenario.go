package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
)

// scenario is one configuration to measure, and the targets it must meet.
type scenario struct {
	name      string
	resources int
	// chain makes each resource refer to the one before it, so that
	// nothing can run in parallel.
	chain   bool
	targets map[metric]float64
}

// metric is one number of the table.
type metric int

const (
	planCreate metric = iota // the first plan, which creates everything
	apply
	planNoChange
	applyAuto
	diskFloor
	rssTack
	rssProvider
	stateSize
	numMetrics
)

var metricNames = [numMetrics]string{
	planCreate:   "plan -out (creating)",
	apply:        "apply of that plan",
	planNoChange: "no-change plan",
	applyAuto:    "apply -auto-approve (plans too)",
	diskFloor:    "writing the files alone (no tack)",
	rssTack:      "peak RSS, tack",
	rssProvider:  "peak RSS, provider",
	stateSize:    "state size",
}

const (
	mib = 1 << 20
	mb  = 1_000_000
)

// scenarios are what `make bench` measures, with the targets of the
// issue that asked for it; quick ones are small, for a smoke test.
func scenarios(quick bool) []scenario {
	if quick {
		return []scenario{
			{name: "independent-50", resources: 50},
			{name: "chain-50", resources: 50, chain: true},
		}
	}
	return []scenario{
		{name: "independent-1000", resources: 1000},
		{name: "chain-1000", resources: 1000, chain: true, targets: map[metric]float64{
			planNoChange: 0.5,
			stateSize:    0.5 * mb,
		}},
		{name: "independent-10000", resources: 10000, targets: map[metric]float64{
			planCreate:   3,
			apply:        3,
			planNoChange: 3,
			rssTack:      150 * mib,
		}},
	}
}

// resourcesPerFile spreads a configuration over several files, as a real
// one is.
const resourcesPerFile = 250

// writeConfig writes the scenario's configuration into dir: local_file
// resources f0, f1, … each writing a small file under out/.
func writeConfig(dir string, sc scenario) error {
	files := max(2, (sc.resources+resourcesPerFile-1)/resourcesPerFile)
	per := (sc.resources + files - 1) / files
	for f := range files {
		var buf bytes.Buffer
		for i := f * per; i < min((f+1)*per, sc.resources); i++ {
			content := fmt.Sprintf("file %d\\n", i)
			if sc.chain && i > 0 {
				content = fmt.Sprintf("after ${local_file.f%d.sha256}\\n", i-1)
			}
			fmt.Fprintf(&buf, "resource \"local_file\" \"f%d\" {\n  path    = \"out/f%d.txt\"\n  content = \"%s\"\n}\n\n", i, i, content)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("files%02d.tack.hcl", f)), buf.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}
