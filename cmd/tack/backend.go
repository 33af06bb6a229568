package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"

	"github.com/tackhq/tack/cmd/tack/views"
	"github.com/tackhq/tack/config"
	"github.com/tackhq/tack/state"
	"github.com/tackhq/tack/state/local"
)

// backendTypes are the backends a tack { backend "TYPE" { … } } block may
// name.
var backendTypes = []string{"local"}

// backend returns the backend that the root module's tack { backend … }
// block chooses, or, without one, the local backend with the state in
// tack.state.json beside the configuration.
func (m *meta) backend(mod *config.Module) (state.Backend, hcl.Diagnostics) {
	path := local.DefaultPath
	if b := mod.Backend; b != nil {
		switch b.Type {
		case "local":
			var cfg struct {
				Path *string `hcl:"path,optional"`
			}
			if diags := gohcl.DecodeBody(b.Config, nil, &cfg); diags.HasErrors() {
				return nil, diags
			}
			if cfg.Path != nil {
				if *cfg.Path == "" {
					return nil, hcl.Diagnostics{{
						Severity: hcl.DiagError,
						Summary:  "Invalid state path",
						Detail:   `The local backend's path is the state file's name, such as "tack.state.json"; it cannot be empty.`,
						Subject:  b.DeclRange.Ptr(),
					}}
				}
				path = *cfg.Path
			}
		default:
			return nil, hcl.Diagnostics{{
				Severity: hcl.DiagError,
				Summary:  "Unknown backend type",
				Detail:   fmt.Sprintf("tack has no backend %q. The backends it knows are: %s.", b.Type, strings.Join(backendTypes, ", ")),
				Subject:  b.DeclRange.Ptr(),
			}}
		}
	}
	if !filepath.IsAbs(path) && mod.Dir != "" {
		path = filepath.Join(mod.Dir, path)
	}
	b := local.New(path)
	b.Version = version
	return b, nil
}

// stateBackend loads the root module in the working directory to find its
// backend, for the commands that work on the state alone. It renders any
// problem to stderr; ok is false when there was an error.
func (m *meta) stateBackend() (b state.Backend, ok bool) {
	_, b, ok = m.rootModule()
	return b, ok
}

// rootModule loads the root module in the working directory, unevaluated,
// and finds its backend: for the commands that need no provider, such as
// the state commands and tack approve, veto and pin, which read its
// clusters and environments. It renders any error to stderr; ok is false
// after one.
func (m *meta) rootModule() (mod *config.Module, b state.Backend, ok bool) {
	parser := config.NewParser()
	mod, diags := parser.LoadModule(".")
	if !diags.HasErrors() {
		var bdiags hcl.Diagnostics
		b, bdiags = m.backend(mod)
		diags = append(diags, bdiags...)
	}
	// Warnings about the configuration are for validate and plan to
	// show; a state command only needs to know where the state is.
	if diags.HasErrors() {
		var errs hcl.Diagnostics
		for _, d := range diags {
			if d.Severity == hcl.DiagError {
				errs = append(errs, d)
			}
		}
		view := &views.DiagnosticsView{Color: m.color(false), Width: 78, Sources: parser.Sources()}
		view.Render(m.stderr, errs)
		return nil, nil, false
	}
	return mod, b, true
}

// lockFlags are -lock and -lock-timeout, for every command that changes
// the state.
type lockFlags struct {
	lock    bool
	timeout time.Duration
}

func (f *lockFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&f.lock, "lock", true, "")
	fs.DurationVar(&f.timeout, "lock-timeout", 0, "")
}

// lockFlagsHelp documents lockFlags in a command's help.
const lockFlagsHelp = `  -lock=false          Do not lock the state. Dangerous: another tack
                       may change it at the same time.
  -lock-timeout=D      Wait up to D (such as 30s) for a lock another
                       holds, instead of failing at once.`

// lockState takes the state lock of b for operation, retrying for up to
// timeout while another holds it, and returns the function that releases
// it. With lock false it takes nothing and unlock does nothing. When the
// lock is held, the error says by whom and what to do, in the words
// Terraform users know.
func (m *meta) lockState(ctx context.Context, b state.Backend, operation string, lock bool, timeout time.Duration) (unlock func() error, err error) {
	if !lock {
		return func() error { return nil }, nil
	}
	info := state.NewLockInfo(operation, m.who())
	info.Version = version
	id, err := state.LockWithTimeout(ctx, b, info, timeout)
	if err != nil {
		return nil, &lockError{err: err}
	}
	// Releasing the lock must happen even after Ctrl-C cancelled ctx.
	return func() error { return b.Unlock(context.WithoutCancel(ctx), id) }, nil
}

// who is "user@host", for lock info.
func (m *meta) who() string {
	name := m.getenv("USER")
	if name == "" {
		if u, err := user.Current(); err == nil {
			name = u.Username
		}
	}
	host, _ := os.Hostname()
	return name + "@" + host
}

// lockError is a failure to take the state lock, rendered as Terraform
// renders it.
type lockError struct{ err error }

func (e *lockError) Unwrap() error { return e.err }

func (e *lockError) Error() string {
	var b strings.Builder
	b.WriteString("Error: Error acquiring the state lock\n\n")
	fmt.Fprintf(&b, "Error message: %s\n", e.err)
	var le *state.LockedError
	if errors.As(e.err, &le) && le.Info != nil && le.Info.ID != "" {
		i := le.Info
		fmt.Fprintf(&b, "Lock Info:\n  ID:        %s\n  Path:      %s\n  Operation: %s\n  Who:       %s\n  Version:   %s\n  Created:   %s\n",
			i.ID, i.Path, i.Operation, i.Who, i.Version, i.Created.Format(time.RFC3339))
	}
	b.WriteString("\ntack acquires a state lock to protect the state from being written by\n" +
		"multiple users at the same time. Please resolve the issue above and try\n" +
		"again. To disable locking, use -lock=false, which is dangerous. To release\n" +
		"a lock held by a process that died, use tack force-unlock ID.")
	return b.String()
}
