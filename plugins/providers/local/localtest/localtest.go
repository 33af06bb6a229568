// Package localtest lets a test binary run the local provider for real.
// The provider starts its platform's supervisor as a process of its own,
// which in a test is the test binary itself, run again as
// `TEST supervise DIR`: TestMain answers that with [SuperviseIfAsked], and
// the provider is made with [Options].
package localtest

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/tackhq/tack/plugins/providers/local"
)

// SuperviseIfAsked runs the platform's supervisor and exits when the test
// binary was started as one; otherwise it returns at once. Call it first
// in TestMain: run with arguments it does not know, a test binary would
// run its tests again. The supervisor idles briefly before exiting, so
// that tests see an emptied platform end soon.
func SuperviseIfAsked() {
	if len(os.Args) != 3 || os.Args[1] != "supervise" {
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	if err := local.Supervise(ctx, os.Args[2], local.SuperviseOptions{Env: os.Environ(), Log: os.Stderr, Idle: 300 * time.Millisecond}); err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// Options make a local provider whose supervisor is this test binary.
func Options() local.Options {
	exe, err := os.Executable()
	if err != nil {
		panic(fmt.Sprintf("localtest: finding this test binary: %v", err))
	}
	return local.Options{SupervisorCommand: func(dir string) []string { return []string{exe, "supervise", dir} }}
}
