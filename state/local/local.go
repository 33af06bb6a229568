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
	"io"
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

	// fw, guarded by mu, encodes the states Write writes: an apply writes
	// one state after another, each a little different from the last.
	mu sync.Mutex
	fw state.FileWriter
	// spare, guarded by mu, is the space of a finished write's bytes,
	// which the next write encodes into: a state of ten thousand
	// resources is megabytes, written dozens of times in an apply.
	spare []byte
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
	b.mu.Lock()
	data, err := b.fw.AppendEncode(b.spare[:0], s, b.Version)
	b.spare = nil
	b.mu.Unlock()
	if err != nil {
		return err
	}
	defer func() {
		b.mu.Lock()
		b.spare = data
		b.mu.Unlock()
	}()
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

	exists, same, err := b.checkStored(data, s)
	if err != nil || same {
		return err
	}

	tmp, err := b.writeTemp(data)
	if err != nil {
		return fmt.Errorf("writing state to %s: %w", b.path, err)
	}
	defer os.Remove(tmp) // fails harmlessly once renamed
	if exists {
		if err := b.backup(); err != nil {
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

// headSize is how much of a stored state checkStored reads to find its
// lineage and serial, which tack writes first.
const headSize = 64 << 10

// checkStored checks that s, encoded as data, may replace the stored
// state: it reports whether there is one, and whether it holds exactly
// data. Only a file of data's size can, so only such a file is read
// whole: an apply writes a large state many times.
func (b *Backend) checkStored(data []byte, s *state.State) (exists, same bool, err error) {
	f, err := os.Open(b.path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, false, nil
	}
	if err != nil {
		return false, false, fmt.Errorf("writing state to %s: %w", b.path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return true, false, fmt.Errorf("writing state to %s: %w", b.path, err)
	}
	if fi.Size() == int64(len(data)) {
		same, err := holds(f, data)
		if err != nil {
			return true, false, fmt.Errorf("writing state to %s: %w", b.path, err)
		}
		if same {
			return true, true, nil
		}
	}
	stored := make([]byte, min(fi.Size(), headSize))
	if _, err = f.ReadAt(stored, 0); err != nil {
		return true, false, fmt.Errorf("writing state to %s: %w", b.path, err)
	}
	lineage, serial, err := state.Identify(stored)
	if err != nil && int64(len(stored)) < fi.Size() {
		// The fields are not where tack puts them: read it all.
		if stored, err = io.ReadAll(io.NewSectionReader(f, 0, fi.Size())); err != nil {
			return true, false, fmt.Errorf("writing state to %s: %w", b.path, err)
		}
		lineage, serial, err = state.Identify(stored)
	}
	if err != nil {
		return true, false, fmt.Errorf("writing state: the state in %s cannot be read, so it is left as it is (move it away to start afresh): %w", b.path, err)
	}
	if err := state.CheckWrite(lineage, serial, s); err != nil {
		return true, false, fmt.Errorf("writing state to %s: %w", b.path, err)
	}
	return true, false, nil
}

// holds reports whether f, of data's size, holds exactly data. It reads
// f a piece at a time: the state is megabytes, and an apply that updates
// objects in place writes one of the same size after another.
func holds(f *os.File, data []byte) (bool, error) {
	piece := make([]byte, min(len(data), headSize))
	for off := 0; off < len(data); off += len(piece) {
		p := piece[:min(len(piece), len(data)-off)]
		if _, err := f.ReadAt(p, int64(off)); err != nil {
			return false, err
		}
		if !bytes.Equal(p, data[off:off+len(p)]) {
			return false, nil
		}
	}
	return true, nil
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

// backup makes PATH.backup the state file as it is now: a hard link to it
// where the file system allows, or else a synced copy, replacing the
// previous backup in one rename either way.
func (b *Backend) backup() error {
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
	old, err := os.ReadFile(b.path)
	if err != nil {
		return err
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
