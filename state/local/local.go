// Package local is the state backend that keeps the state in a file on
// the local file system, tack's default: tack.state.json in the working
// directory.
//
// # Files
//
// Beside the state file PATH it keeps:
//
//   - PATH.backup, the state as it was before the last write;
//   - PATH.lock.info, while the state is locked: the holder's
//     [state.LockInfo] as JSON;
//   - PATH.tmp-*, briefly, during a write; one is left behind only if tack
//     was killed in the middle of a write, and is safe to delete.
//
// # Writes
//
// A write never leaves a half-written state file, even if tack is killed
// or the machine loses power at any moment: the new state goes to a
// temporary file in the same directory, which is synced to disk and then
// renamed over PATH, and the directory is synced so that the rename
// lasts. Writers hold an flock on the directory from reading the stored
// serial to the rename, so that the check of serial and lineage and the
// replacement are one step even between processes.
//
// # Locks
//
// The lock file is locked with flock(2) for as long as its holder runs, and
// the kernel releases that when the holder exits, however it exits. A
// process that finds the lock file but can take its flock knows that the
// holder died, and takes the lock over; one that cannot reads the holder's
// info from the file and reports it. Unlock removes the file. Locks work
// between processes of one machine, on file systems where flock works
// (local ones; not every network file system).
//
// This package is for Unix-like systems: it needs flock(2).
package local

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/tackhq/tack/state"
)

// DefaultPath is where the state is kept when the configuration names no
// backend.
const DefaultPath = "tack.state.json"

// Backend keeps a state in a file. Its methods are safe for concurrent
// use, and several Backends, in one process or many, may share a path.
type Backend struct {
	// Version is the tack version recorded in the files Write writes.
	Version string

	path string
}

// held are the lock files this process holds open, and so flocked, by
// lock file and lock ID. It belongs to the process, not to a Backend,
// because a lock lasts until it is unlocked or the process exits: were the
// files kept by a Backend that is dropped, the garbage collector would
// close them and free the lock.
var held = struct {
	sync.Mutex
	files map[string]*os.File
}{files: map[string]*os.File{}}

var _ state.Backend = (*Backend)(nil)

// New returns a Backend for the state file at path. Nothing is read or
// created until the Backend is used.
func New(path string) *Backend {
	return &Backend{path: path}
}

// Path is the state file's path, as given to New.
func (b *Backend) Path() string { return b.path }

// Read reads the state file, returning (nil, nil) when there is none.
func (b *Backend) Read(ctx context.Context) (*state.State, error) {
	f, err := os.Open(b.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading state from %s: %w", b.path, err)
	}
	defer f.Close()
	s, err := state.ReadFile(f)
	if err != nil {
		return nil, fmt.Errorf("reading state from %s: %w", b.path, err)
	}
	return s, nil
}

// Write replaces the state file with s, keeping the previous one as
// PATH.backup. It refuses a state whose lineage differs from the stored
// one, or whose serial is not above it, unless the bytes are exactly those
// stored, in which case it does nothing.
func (b *Backend) Write(ctx context.Context, s *state.State) error {
	var buf bytes.Buffer
	if err := state.WriteFile(&buf, s, b.Version); err != nil {
		return err
	}
	dir, err := os.Open(filepath.Dir(b.path))
	if err != nil {
		return fmt.Errorf("writing state to %s: %w", b.path, err)
	}
	defer dir.Close()
	// One writer at a time, from reading the stored serial to the rename.
	if err := flock(dir, unix.LOCK_EX); err != nil {
		return fmt.Errorf("writing state to %s: %w", b.path, err)
	}
	defer flock(dir, unix.LOCK_UN)

	old, err := os.ReadFile(b.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		old = nil
	case err != nil:
		return fmt.Errorf("writing state to %s: %w", b.path, err)
	case bytes.Equal(old, buf.Bytes()):
		return nil
	default:
		lineage, serial, err := state.Identify(old)
		if err != nil {
			return fmt.Errorf("writing state: the state in %s cannot be read, so it is left as it is (move it away to start afresh): %w", b.path, err)
		}
		if err := state.CheckWrite(lineage, serial, s); err != nil {
			return fmt.Errorf("writing state to %s: %w", b.path, err)
		}
	}

	tmp, err := b.writeTemp(buf.Bytes())
	if err != nil {
		return fmt.Errorf("writing state to %s: %w", b.path, err)
	}
	defer os.Remove(tmp) // fails harmlessly once renamed
	if old != nil {
		if err := b.backup(old); err != nil {
			return fmt.Errorf("writing state: keeping the previous state as a backup: %w", err)
		}
	}
	if err := os.Rename(tmp, b.path); err != nil {
		return fmt.Errorf("writing state to %s: %w", b.path, err)
	}
	// The rename is durable once the directory is.
	if err := dir.Sync(); err != nil {
		return fmt.Errorf("writing state: syncing %s: %w", filepath.Dir(b.path), err)
	}
	return nil
}

// writeTemp writes data to a new temporary file beside the state file,
// synced to disk, and returns its name. The file is readable by its owner
// only: a state holds secrets.
func (b *Backend) writeTemp(data []byte) (string, error) {
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	name := b.path + ".tmp-" + hex.EncodeToString(rnd[:])
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(name)
		return "", err
	}
	return name, nil
}

// backup makes PATH.backup the state file as it is now, whose bytes are
// old: a hard link to it where the file system allows, or else a synced
// copy, replacing the previous backup in one rename either way.
func (b *Backend) backup(old []byte) error {
	backup := b.path + ".backup"
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	link := b.path + ".tmp-" + hex.EncodeToString(rnd[:])
	if err := os.Link(b.path, link); err == nil {
		if err := os.Rename(link, backup); err != nil {
			os.Remove(link)
			return err
		}
		return nil
	}
	tmp, err := b.writeTemp(old)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, backup); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
