package main

import (
	"fmt"
	"os/user"
	"strings"
	"time"
)

// actor is who decides, as approvals, vetoes, pins and guardrail
// overrides record it: TACK_ACTOR when set (a CI job names the person or
// pipeline it acts for), else the operating system's user.
func (m *meta) actor() string {
	return actorFrom(m.getenv, user.Current)
}

// actorFrom is actor with the user lookup passed in, for tests.
func actorFrom(getenv env, current func() (*user.User, error)) string {
	if a := strings.TrimSpace(getenv("TACK_ACTOR")); a != "" {
		return a
	}
	if u, err := current(); err == nil && u.Username != "" {
		return u.Username
	}
	if name := strings.TrimSpace(getenv("USER")); name != "" {
		return name
	}
	return "unknown"
}

// clockOffset reads TACK_CLOCK_OFFSET, a Go duration ("90m", "-2h") that
// moves tack's clock so that tests and rehearsals need not wait for a
// window to open or a soak to pass. set is false when it is unset or
// empty.
func clockOffset(getenv env) (offset time.Duration, set bool, err error) {
	v := strings.TrimSpace(getenv("TACK_CLOCK_OFFSET"))
	if v == "" {
		return 0, false, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, false, fmt.Errorf("TACK_CLOCK_OFFSET=%q is not a duration: write it as Go does, a signed number with a unit of h, m or s, such as \"90m\", \"-2h\" or \"26h30m\"", v)
	}
	return d, true, nil
}

// clock is tack's clock for one command: the time now, moved by
// TACK_CLOCK_OFFSET. A command that reads the clock calls it once, before
// it changes anything, so that an invalid offset stops it early and the
// warning that the clock is moved comes first.
func (m *meta) clock() (func() time.Time, error) {
	offset, set, err := clockOffset(m.getenv)
	if err != nil {
		return nil, err
	}
	if !set {
		return time.Now, nil
	}
	m.ui.Warn(fmt.Sprintf("Warning: TACK_CLOCK_OFFSET moves tack's clock by %s: windows, soaks and records use the moved time.", offset))
	return func() time.Time { return time.Now().Add(offset) }, nil
}
