package main

import (
	"io"
	"os"
	"strings"

	"github.com/hashicorp/cli"
	"github.com/hashicorp/go-hclog"
	"golang.org/x/term"
)

// meta is what every command shares: where to write and the environment.
type meta struct {
	ui     cli.Ui
	stdout io.Writer
	stderr io.Writer
	// stdin is where confirmations are read from.
	stdin  io.Reader
	getenv env
}

// color reports whether diagnostics on stderr may use colour: only on a
// terminal, never with NO_COLOR set (https://no-color.org) or -no-color.
func (m *meta) color(noColorFlag bool) bool {
	if noColorFlag || m.getenv("NO_COLOR") != "" {
		return false
	}
	f, ok := unflushed(m.stderr).(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// logger is tack's log, from TACK_LOG (a level: trace, debug, info, warn,
// error; off when unset) written to stderr, or to TACK_LOG_PATH. Provider
// logs appear in it.
func (m *meta) logger() hclog.Logger {
	level := hclog.LevelFromString(strings.TrimSpace(m.getenv("TACK_LOG")))
	if level == hclog.NoLevel {
		return hclog.NewNullLogger()
	}
	out := m.stderr
	if path := m.getenv("TACK_LOG_PATH"); path != "" {
		if f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600); err == nil {
			out = f
		} else {
			m.ui.Warn("Warning: cannot open TACK_LOG_PATH " + path + ": " + err.Error() + "; logging to stderr.")
		}
	}
	return hclog.New(&hclog.LoggerOptions{Name: "tack", Level: level, Output: out})
}
