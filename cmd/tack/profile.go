package main

import (
	"fmt"
	"io"
	"os"
	"runtime/pprof"
)

// startCPUProfile writes a CPU profile of the whole run to path
// (TACK_CPUPROFILE), for finding where a slow plan or apply spends its
// time with `go tool pprof`. The returned function stops the profile and
// closes the file; with path empty it does nothing. A profile that cannot
// be started is reported on stderr and the command runs anyway.
func startCPUProfile(path string, stderr io.Writer) func() {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(stderr, "Warning: TACK_CPUPROFILE: %s; running without a profile.\n", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		fmt.Fprintf(stderr, "Warning: TACK_CPUPROFILE: %s; running without a profile.\n", err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			fmt.Fprintf(stderr, "Warning: TACK_CPUPROFILE: %s.\n", err)
		}
	}
}
