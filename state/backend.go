package state

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Reader reads the stored state.
type Reader interface {
	// Read returns the stored state, or (nil, nil) when no state has been
	// written yet.
	Read(ctx context.Context) (*State, error)
}

// Writer stores a state.
type Writer interface {
	// Write stores s, atomically: a reader sees the previous state or s,
	// never a mix. It refuses, with a *ConflictError and storing nothing,
	// a state of another lineage than the stored one (ErrLineageMismatch)
	// and a serial that is not above the stored one (ErrSerialBackwards).
	// Writing again exactly what is stored, same serial and same bytes,
	// is not a conflict: it does nothing.
	Write(ctx context.Context, s *State) error
}

// Locker excludes other tack processes from changing the state while one
// plans and applies, across machines when the backend is shared.
type Locker interface {
	// Lock takes the lock, recording info (with its ID filled in when
	// empty, and Path) for whoever finds it held, and returns the lock's
	// ID. When another holds the lock, Lock fails at once with a
	// *LockedError that carries the holder's info; see [LockWithTimeout]
	// to wait.
	Lock(ctx context.Context, info *LockInfo) (id string, err error)

	// Unlock releases the lock with the given ID, whichever process took
	// it: that is also how `tack force-unlock ID` frees the lock of a
	// process that died. An ID that does not match gives a *LockedError
	// naming the holder; a lock not held gives ErrNotLocked.
	Unlock(ctx context.Context, id string) error
}

// Backend is a place to keep a state: the local file system, S3,
// PostgreSQL. Every backend passes the conformance suite in
// state/backendtest.
type Backend interface {
	Reader
	Writer
	Locker
}

var (
	// ErrLocked is matched by the errors of Lock and Unlock when another
	// holds the lock; they are *LockedError, which says who.
	ErrLocked = errors.New("state locked")

	// ErrNotLocked is returned by Unlock when no lock is held.
	ErrNotLocked = errors.New("state not locked")

	// ErrSerialBackwards is wrapped by the *ConflictError of a write whose
	// serial is not above the stored one: the state was written by someone
	// else since it was read.
	ErrSerialBackwards = errors.New("serial does not move forward")

	// ErrLineageMismatch is wrapped by the *ConflictError of a write of a
	// state of another lineage than the stored one.
	ErrLineageMismatch = errors.New("lineage differs")
)

// ConflictError is a refused write: the stored state is newer than the
// one written, or another state altogether.
type ConflictError struct {
	Err error // ErrSerialBackwards or ErrLineageMismatch

	StoredLineage, Lineage string
	StoredSerial, Serial   uint64
}

func (e *ConflictError) Error() string {
	if errors.Is(e.Err, ErrLineageMismatch) {
		return fmt.Sprintf("refusing to replace the stored state (lineage %s) with another state (lineage %s)", e.StoredLineage, e.Lineage)
	}
	return fmt.Sprintf("refusing to write state serial %d: the stored state has serial %d, so it was written since this one was read", e.Serial, e.StoredSerial)
}

func (e *ConflictError) Unwrap() error { return e.Err }

// CheckWrite is the rule every [Writer] applies: it returns nil when s may
// replace the stored state, whose lineage and serial are given, and
// otherwise the *ConflictError to return. Writing the same bytes again is
// a no-op that backends notice before they call it.
func CheckWrite(storedLineage string, storedSerial uint64, s *State) error {
	switch {
	case s.Lineage != storedLineage:
		return &ConflictError{Err: ErrLineageMismatch, StoredLineage: storedLineage, Lineage: s.Lineage, StoredSerial: storedSerial, Serial: s.Serial}
	case s.Serial <= storedSerial:
		return &ConflictError{Err: ErrSerialBackwards, StoredLineage: storedLineage, Lineage: s.Lineage, StoredSerial: storedSerial, Serial: s.Serial}
	}
	return nil
}

// LockInfo says who holds a lock, for the message a user reads when they
// find it held.
type LockInfo struct {
	ID        string    `json:"id"`        // the lock's ID, which Unlock and force-unlock take
	Operation string    `json:"operation"` // what the holder is doing: "apply", "state mv"
	Who       string    `json:"who"`       // "user@host"
	Version   string    `json:"version"`   // the holder's tack version
	Path      string    `json:"path"`      // the state locked, filled in by the backend
	Created   time.Time `json:"created"`   // when the lock was taken
}

// NewLockInfo returns the info of a lock to be taken now for operation by
// who ("user@host"), with a new random ID. The caller sets Version.
func NewLockInfo(operation, who string) *LockInfo {
	return &LockInfo{
		ID:        uuid.NewString(),
		Operation: operation,
		Who:       who,
		Created:   time.Now().UTC().Truncate(time.Second),
	}
}

// LockedError is the error of a lock held by another: Info says who.
type LockedError struct {
	Info *LockInfo // the holder's, as much of it as could be read
	Err  error     // why the holder's info is incomplete, if it is
}

func (e *LockedError) Error() string {
	i := e.Info
	if i == nil || i.ID == "" {
		msg := "the state is locked by another process"
		if e.Err != nil {
			msg += " (its lock info cannot be read: " + e.Err.Error() + ")"
		}
		return msg
	}
	return fmt.Sprintf("the state is locked by %s for %s since %s (lock ID %s)", i.Who, i.Operation, i.Created.Format(time.RFC3339), i.ID)
}

func (e *LockedError) Is(target error) bool { return target == ErrLocked }

func (e *LockedError) Unwrap() error { return e.Err }

// LockWithTimeout takes the lock, retrying while another holds it, with a
// backoff that starts at 50 ms and doubles up to 2 s, until timeout has
// passed or ctx ends. A timeout of 0 tries once. When the lock stays held
// it returns the last *LockedError, which names the holder; when ctx
// ends, an error that wraps both ctx's error and that LockedError.
func LockWithTimeout(ctx context.Context, l Locker, info *LockInfo, timeout time.Duration) (string, error) {
	const (
		firstWait = 50 * time.Millisecond
		maxWait   = 2 * time.Second
	)
	deadline := time.Now().Add(timeout)
	wait := firstWait
	for {
		id, err := l.Lock(ctx, info)
		if err == nil || !errors.Is(err, ErrLocked) {
			return id, err
		}
		left := time.Until(deadline)
		if left <= 0 {
			return "", err
		}
		t := time.NewTimer(min(wait, left))
		select {
		case <-ctx.Done():
			t.Stop()
			return "", fmt.Errorf("%w while waiting for the state lock: %w", ctx.Err(), err)
		case <-t.C:
		}
		wait = min(2*wait, maxWait)
	}
}
