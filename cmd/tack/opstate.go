package main

import (
	"context"
	"fmt"
	"os"
	"os/user"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"

	"github.com/tackhq/tack/config"
	"github.com/tackhq/tack/state"
	"github.com/tackhq/tack/state/local"
)

// backendFor is the backend the root module's tack { backend … } block
// chooses: local, at path (default tack.state.json).
func (m *meta) backendFor(mod *config.Module) (state.Backend, hcl.Diagnostics) {
	path := "tack.state.json"
	if mod.Backend != nil {
		if mod.Backend.Type != "local" {
			return nil, hcl.Diagnostics{{
				Severity: hcl.DiagError,
				Summary:  "Unknown backend",
				Detail:   fmt.Sprintf("tack has no backend %q; the backends are: local.", mod.Backend.Type),
				Subject:  mod.Backend.DeclRange.Ptr(),
			}}
		}
		var cfg struct {
			Path *string `hcl:"path,optional"`
		}
		if diags := gohcl.DecodeBody(mod.Backend.Config, nil, &cfg); diags.HasErrors() {
			return nil, diags
		}
		if cfg.Path != nil {
			path = *cfg.Path
		}
	}
	b := local.New(path)
	b.Version = version
	return b, nil
}

// lockForOp takes the state lock for operation, waiting up to timeout.
func (m *meta) lockForOp(ctx context.Context, b state.Backend, operation string, timeout time.Duration) (func() error, error) {
	who := "unknown"
	if u, err := user.Current(); err == nil {
		who = u.Username
	}
	if host, err := os.Hostname(); err == nil {
		who += "@" + host
	}
	info := state.NewLockInfo(operation, who)
	info.Version = version
	id, err := state.LockWithTimeout(ctx, b, info, timeout)
	if err != nil {
		return nil, fmt.Errorf("Error acquiring the state lock: %w\n\ntack acquires a state lock to protect the state from being written by several users at once. Resolve the problem above and try again. To wait for the lock, use -lock-timeout=DURATION; to release a lock held by a process that died, use tack force-unlock ID", err)
	}
	return func() error { return b.Unlock(context.Background(), id) }, nil
}
