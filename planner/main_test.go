package planner

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"github.com/tackhq/tack/plugins/providers/local"
	"github.com/tackhq/tack/plugins/sdk"
)

// The planner's tests run the real local provider; its platform's
// supervisor is this test binary run again as `TEST supervise DIR`.
func TestMain(m *testing.M) {
	if len(os.Args) == 3 && os.Args[1] == "supervise" {
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
		defer stop()
		err := local.Supervise(ctx, os.Args[2], local.SuperviseOptions{Env: os.Environ(), Log: os.Stderr, Idle: 300 * time.Millisecond})
		if err != nil {
			fmt.Fprintln(os.Stderr, "Error:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// localProvider is the local provider whose platform supervisor is this
// test binary.
func localProvider() *sdk.Provider {
	exe, err := os.Executable()
	if err != nil {
		panic(err)
	}
	return local.New(local.Options{SupervisorCommand: func(dir string) []string { return []string{exe, "supervise", dir} }})
}
