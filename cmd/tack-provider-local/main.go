// Command tack-provider-local serves tack's local provider as a plugin.
// tack launches it; run by hand with -debug it serves for a debugger and
// prints the TACK_REATTACH_PROVIDERS value that makes tack attach to it.
//
// Run as `tack-provider-local supervise DIR`, it is the local platform's
// supervisor for the platform directory DIR, which the provider starts,
// detached, when a call needs it; it exits by itself once the platform
// manages nothing.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/tackhq/tack/plugins/providers/local"
	"github.com/tackhq/tack/plugins/sdk"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "supervise" {
		os.Exit(supervise(os.Args[2:]))
	}
	sdk.Serve(local.Provider())
}

func supervise(args []string) int {
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: tack-provider-local supervise DIR")
		return 2
	}
	// SIGTERM and Ctrl-C stop the supervisor but not the instances, which
	// the next supervisor adopts; SIGHUP is ignored, as by a daemon.
	signal.Ignore(syscall.SIGHUP)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := local.Supervise(ctx, args[0], local.SuperviseOptions{Env: os.Environ(), Log: os.Stderr}); err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		return 1
	}
	return 0
}
