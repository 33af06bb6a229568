package local

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/tackhq/tack/plugins/providers/local/internal/platform"
)

// SuperviseOptions configure [Supervise].
type SuperviseOptions struct {
	// Env is the environment instances start from; cmd/ passes
	// os.Environ().
	Env []string
	// Log receives the supervisor's log lines; the provider starts the
	// supervisor with its output going to supervisor.log.
	Log io.Writer
	// Idle is how long a supervisor that manages nothing waits for a call
	// before it exits; zero means two seconds.
	Idle time.Duration
}

// Supervise runs the local platform's supervisor for the platform
// directory dir: the process the provider starts, detached, to keep
// server groups and load balancers running after tack exits. It returns
// when the platform manages nothing and no call came for a while, or when
// ctx is done (leaving instances running for the next supervisor to
// adopt). It returns nil at once when another supervisor already serves
// dir.
func Supervise(ctx context.Context, dir string, opts SuperviseOptions) error {
	err := platform.Supervise(ctx, platform.Options{Dir: dir, Env: opts.Env, Log: opts.Log, Idle: opts.Idle})
	if errors.Is(err, platform.ErrRunning) {
		return nil
	}
	return err
}
