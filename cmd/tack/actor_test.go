package main

import (
	"errors"
	"os/user"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestActor(t *testing.T) {
	t.Parallel()
	osUser := func(name string) func() (*user.User, error) {
		return func() (*user.User, error) { return &user.User{Username: name}, nil }
	}
	noUser := func() (*user.User, error) { return nil, errors.New("no such user") }
	tests := []struct {
		name    string
		env     map[string]string
		current func() (*user.User, error)
		want    string
	}{
		{"TACK_ACTOR first", map[string]string{"TACK_ACTOR": "release-bot", "USER": "ana"}, osUser("ana"), "release-bot"},
		{"blank TACK_ACTOR is unset", map[string]string{"TACK_ACTOR": "  ", "USER": "bob"}, osUser("ana"), "ana"},
		{"the OS user before USER", map[string]string{"USER": "bob"}, osUser("ana"), "ana"},
		{"USER when the OS knows no user", map[string]string{"USER": "bob"}, noUser, "bob"},
		{"USER when the OS user has no name", map[string]string{"USER": "bob"}, osUser(""), "bob"},
		{"unknown at last", nil, noUser, "unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := actorFrom(func(k string) string { return tt.env[k] }, tt.current)
			if got != tt.want {
				t.Errorf("actor = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestClockOffset(t *testing.T) {
	t.Parallel()
	type result struct {
		Offset time.Duration
		Set    bool
		Err    bool
	}
	tests := []struct {
		value string
		want  result
	}{
		{"", result{}},
		{"  ", result{}},
		{"90m", result{Offset: 90 * time.Minute, Set: true}},
		{"-2h", result{Offset: -2 * time.Hour, Set: true}},
		{" 26h30m ", result{Offset: 26*time.Hour + 30*time.Minute, Set: true}},
		{"0s", result{Set: true}},
		{"3d", result{Err: true}},
		{"90", result{Err: true}},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			t.Parallel()
			offset, set, err := clockOffset(func(k string) string {
				if k == "TACK_CLOCK_OFFSET" {
					return tt.value
				}
				return ""
			})
			got := result{Offset: offset, Set: set, Err: err != nil}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("clockOffset(%q) (-want +got):\n%s", tt.value, diff)
			}
		})
	}
}
