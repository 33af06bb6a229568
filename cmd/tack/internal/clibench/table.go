package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
)

// writeTable prints the results as a markdown table: the median of the
// runs, their range, the target and whether the median meets it; with a
// baseline, its median and the ratio of the two.
func writeTable(w io.Writer, results []*result, withTargets bool) {
	load := "unknown"
	if data, err := os.ReadFile("/proc/loadavg"); err == nil {
		load = strings.Join(strings.Fields(string(data))[:3], " ")
	}
	withBase := slices.ContainsFunc(results, func(r *result) bool { return r.base != nil })
	fmt.Fprintf(w, "\ntack CLI benchmark: %s/%s, %d CPUs, %s; load average at the end %s\n\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version(), load)
	if withBase {
		fmt.Fprintln(w, "| scenario | measure | median | range | runs | target | | baseline | ratio |")
		fmt.Fprintln(w, "| --- | --- | ---: | ---: | ---: | ---: | --- | ---: | ---: |")
	} else {
		fmt.Fprintln(w, "| scenario | measure | median | range | runs | target | |")
		fmt.Fprintln(w, "| --- | --- | ---: | ---: | ---: | ---: | --- |")
	}
	for _, r := range results {
		for m := range numMetrics {
			xs := r.samples[m]
			if len(xs) == 0 {
				continue
			}
			med := median(xs)
			target, verdict := "", ""
			if limit, ok := r.sc.targets[m]; ok && withTargets {
				target = "≤ " + format(m, limit)
				verdict = "PASS"
				if med > limit {
					verdict = "MISS"
				}
			}
			rng := format(m, slices.Min(xs)) + " – " + format(m, slices.Max(xs))
			fmt.Fprintf(w, "| %s | %s | %s | %s | %d | %s | %s |", r.sc.name, metricNames[m], format(m, med), rng, len(xs), target, verdict)
			if withBase {
				base, ratio := "", ""
				if r.base != nil && len(r.base.samples[m]) > 0 {
					bmed := median(r.base.samples[m])
					base = format(m, bmed)
					if bmed > 0 {
						ratio = fmt.Sprintf("%.2f", med/bmed)
					}
				}
				fmt.Fprintf(w, " %s | %s |", base, ratio)
			}
			fmt.Fprintln(w)
		}
	}
}

func format(m metric, v float64) string {
	switch m {
	case rssTack, rssProvider:
		return fmt.Sprintf("%.0f MiB", v/mib)
	case stateSize:
		return fmt.Sprintf("%.2f MB", v/mb)
	}
	return fmt.Sprintf("%.2f s", v)
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
