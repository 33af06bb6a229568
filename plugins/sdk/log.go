package sdk

import (
	"context"

	"github.com/hashicorp/go-hclog"
)

type loggerKey struct{}

func withLogger(ctx context.Context, l hclog.Logger) context.Context {
	return context.WithValue(ctx, loggerKey{}, l)
}

// Logger returns the provider's logger for a call's context. Its lines go
// to the provider's real stderr, which tack shows under TACK_LOG and
// quotes if the provider dies; prefer it to writing to os.Stderr, which
// go-plugin relays asynchronously and may lose when the process exits.
// Outside a call it returns a logger that discards everything.
func Logger(ctx context.Context) hclog.Logger {
	if l, ok := ctx.Value(loggerKey{}).(hclog.Logger); ok {
		return l
	}
	return hclog.NewNullLogger()
}
