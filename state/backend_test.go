package state_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tackhq/tack/state"
)

// heldLocker is a Locker whose lock is always held by "holder".
type heldLocker struct{ tries atomic.Int32 }

func (l *heldLocker) Lock(context.Context, *state.LockInfo) (string, error) {
	l.tries.Add(1)
	return "", &state.LockedError{Info: &state.LockInfo{ID: "their-id", Who: "holder@host", Operation: "apply"}}
}

func (l *heldLocker) Unlock(context.Context, string) error { return nil }

func TestLockWithTimeoutZeroTriesOnce(t *testing.T) {
	t.Parallel()
	l := &heldLocker{}
	_, err := state.LockWithTimeout(context.Background(), l, state.NewLockInfo("plan", "me@here"), 0)
	var le *state.LockedError
	if !errors.As(err, &le) || le.Info.Who != "holder@host" || !errors.Is(err, state.ErrLocked) {
		t.Fatalf("error %v, want the holder's LockedError", err)
	}
	if n := l.tries.Load(); n != 1 {
		t.Errorf("%d tries, want 1", n)
	}
}

func TestLockWithTimeoutCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	l := &heldLocker{}
	done := make(chan error)
	go func() {
		_, err := state.LockWithTimeout(ctx, l, state.NewLockInfo("plan", "me@here"), time.Hour)
		done <- err
	}()
	cancel()
	err := <-done
	if !errors.Is(err, context.Canceled) || !errors.Is(err, state.ErrLocked) {
		t.Fatalf("error %v, want one that is both context.Canceled and ErrLocked", err)
	}
	if !strings.Contains(err.Error(), "holder@host") {
		t.Errorf("error %q does not name the holder", err)
	}
}

type brokenLocker struct{ heldLocker }

func (l *brokenLocker) Lock(context.Context, *state.LockInfo) (string, error) {
	l.tries.Add(1)
	return "", errors.New("disk on fire")
}

func TestLockWithTimeoutOtherErrorsAreNotRetried(t *testing.T) {
	t.Parallel()
	l := &brokenLocker{}
	_, err := state.LockWithTimeout(context.Background(), l, state.NewLockInfo("plan", "me@here"), time.Hour)
	if err == nil || err.Error() != "disk on fire" || l.tries.Load() != 1 {
		t.Errorf("error %v after %d tries, want the error after 1", err, l.tries.Load())
	}
}

func TestNewLockInfo(t *testing.T) {
	t.Parallel()
	a, b := state.NewLockInfo("apply", "ann@box"), state.NewLockInfo("apply", "ann@box")
	if a.ID == "" || a.ID == b.ID || a.Operation != "apply" || a.Who != "ann@box" || a.Created.IsZero() {
		t.Errorf("NewLockInfo = %+v and %+v", a, b)
	}
}

func TestConflictError(t *testing.T) {
	t.Parallel()
	s := state.New()
	s.Serial = 3
	err := state.CheckWrite(s.Lineage, 5, s)
	if !errors.Is(err, state.ErrSerialBackwards) || err.Error() != "refusing to write state serial 3: the stored state has serial 5, so it was written since this one was read" {
		t.Errorf("older serial: %v", err)
	}
	if err := state.CheckWrite(s.Lineage, 3, s); !errors.Is(err, state.ErrSerialBackwards) {
		t.Errorf("same serial: %v", err)
	}
	if err := state.CheckWrite("other", 1, s); !errors.Is(err, state.ErrLineageMismatch) || !strings.Contains(err.Error(), "lineage other") {
		t.Errorf("other lineage: %v", err)
	}
	if err := state.CheckWrite(s.Lineage, 2, s); err != nil {
		t.Errorf("newer serial: %v", err)
	}
}
