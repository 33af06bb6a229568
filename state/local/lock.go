package local

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"golang.org/x/sys/unix"

	"github.com/tackhq/tack/state"
)

// lockPath is the lock file of the state at path.
func lockPath(path string) string { return path + ".lock.info" }

// Lock takes the state lock, or reports who holds it. See the package
// documentation for how a lock outlives its holder only as a file.
func (b *Backend) Lock(ctx context.Context, info *state.LockInfo) (string, error) {
	rec := *info
	if rec.ID == "" {
		rec.ID = state.NewLockInfo("", "").ID
	}
	rec.Path = b.path
	data, err := json.Marshal(&rec)
	if err != nil {
		return "", fmt.Errorf("locking state %s: %w", b.path, err)
	}

	name := lockPath(b.path)
	for {
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return "", fmt.Errorf("locking state %s: %w", b.path, err)
		}
		if err := flock(f, unix.LOCK_EX|unix.LOCK_NB); err != nil {
			defer f.Close()
			if errors.Is(err, unix.EWOULDBLOCK) {
				return "", lockedError(f)
			}
			return "", fmt.Errorf("locking state %s: %w", b.path, err)
		}
		// Between our open and our flock, the holder may have unlocked and
		// removed the file: then we hold a lock on a file no one else will
		// see. Start again with the file that is there now.
		if !sameFile(f, name) {
			f.Close()
			continue
		}
		// We hold the flock: the file is new, or its holder is dead. Either
		// way it is ours to write.
		if err := f.Truncate(0); err != nil {
			f.Close()
			return "", fmt.Errorf("locking state %s: %w", b.path, err)
		}
		if _, err := f.WriteAt(data, 0); err != nil {
			f.Close()
			return "", fmt.Errorf("locking state %s: %w", b.path, err)
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return "", fmt.Errorf("locking state %s: %w", b.path, err)
		}
		held.Lock()
		held.files[name+"\x00"+rec.ID] = f
		held.Unlock()
		return rec.ID, nil
	}
}

// Unlock releases the lock with the given ID by removing the lock file,
// whether this Backend, another in this process or another process took
// it.
func (b *Backend) Unlock(ctx context.Context, id string) error {
	name := lockPath(b.path)
	f, err := os.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("unlocking state %s: %w", b.path, state.ErrNotLocked)
	}
	if err != nil {
		return fmt.Errorf("unlocking state %s: %w", b.path, err)
	}
	defer f.Close()
	// With the flock, the file cannot change under us: no one holds it, or
	// its holder is dead. Without it, its holder is alive and will not
	// rewrite it, and another locker cannot take it.
	if err := flock(f, unix.LOCK_EX|unix.LOCK_NB); err == nil {
		defer flock(f, unix.LOCK_UN)
		if !sameFile(f, name) {
			b.forget(id)
			return fmt.Errorf("unlocking state %s: %w", b.path, state.ErrNotLocked)
		}
	}
	holder, err := readInfo(f)
	if err != nil || holder.ID != id {
		b.forget(id)
	}
	switch {
	case err != nil:
		return fmt.Errorf("unlocking state %s: %w", b.path, &state.LockedError{Info: &state.LockInfo{Path: b.path}, Err: err})
	case holder.ID == "":
		// A lock file without info is one whose locker is still writing it,
		// or died before it could.
		return fmt.Errorf("unlocking state %s: %w", b.path, state.ErrNotLocked)
	case holder.ID != id:
		return fmt.Errorf("unlocking state with lock ID %s: %w", id, &state.LockedError{Info: holder})
	}
	if err := os.Remove(name); err != nil {
		return fmt.Errorf("unlocking state %s: %w", b.path, err)
	}
	b.forget(id)
	return nil
}

// forget closes the lock file this process holds for the lock id, if any,
// which releases its flock: the lock was released, or was forced open and
// is no longer this process's.
func (b *Backend) forget(id string) {
	held.Lock()
	key := lockPath(b.path) + "\x00" + id
	f := held.files[key]
	delete(held.files, key)
	held.Unlock()
	if f != nil {
		f.Close()
	}
}

// lockedError reads the holder's info from the lock file f, whose flock is
// held by another.
func lockedError(f *os.File) error {
	info, err := readInfo(f)
	if err != nil {
		return &state.LockedError{Info: &state.LockInfo{}, Err: err}
	}
	if info.ID == "" {
		return &state.LockedError{Info: info, Err: errors.New("the holder has not written it yet")}
	}
	return &state.LockedError{Info: info}
}

// readInfo reads the LockInfo in the lock file f. An empty file gives an
// empty LockInfo.
func readInfo(f *os.File) (*state.LockInfo, error) {
	data, err := io.ReadAll(io.NewSectionReader(f, 0, 1<<20))
	if err != nil {
		return nil, err
	}
	info := &state.LockInfo{}
	if len(data) == 0 {
		return info, nil
	}
	if err := json.Unmarshal(data, info); err != nil {
		return nil, fmt.Errorf("lock file %s: %w", f.Name(), err)
	}
	return info, nil
}

// sameFile reports whether the open file f is still the one at name.
func sameFile(f *os.File, name string) bool {
	fi, err := f.Stat()
	if err != nil {
		return false
	}
	ni, err := os.Stat(name)
	return err == nil && os.SameFile(fi, ni)
}

// flock applies flock(2) to f, retrying when a signal interrupts it.
func flock(f *os.File, how int) error {
	for {
		err := unix.Flock(int(f.Fd()), how)
		if err != unix.EINTR {
			return err
		}
	}
}
