package local

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"

	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/plugins/sdk"
)

// This file holds the disk operations and value checks that the local_file
// resource and data source share.

// pathAttr is where diagnostics about the file itself point.
var pathAttr = cty.GetAttrPath("path")

// writeFileAtomic replaces name with data and mode so that a reader sees
// either the old file or the whole new one, never a partial write: the
// bytes go to a temporary file in the same directory, get their mode
// (explicitly, so the umask does not narrow it), and are renamed over
// name. Missing parent directories are created with 0755.
//
// Neither the file nor the directory is synced: a local_file is not made
// durable, as Terraform's is not, and an fsync per file made applying ten
// thousand of them take ten seconds instead of one. If the machine loses
// power before the kernel writes the file back, the next plan reads it as
// drift and writes it again. tack's own state stays synced (the state
// backend's job), so what tack recorded is never lost.
//
// Like readRegular, it makes the system calls itself: four for a file
// whose directory exists and whose mode the umask leaves alone (open,
// write, close, rename), where os.CreateTemp, Chmod and MkdirAll made
// seven.
//
// A file that is expected to be new (fresh) is first written as an
// unnamed file linked in once whole (see linkNew), where the system can.
func writeFileAtomic(name string, data []byte, mode fs.FileMode, fresh bool) (err error) {
	dir, base := filepath.Dir(name), filepath.Base(name)
	if fresh {
		if done, err := linkNew(dir, name, data, mode); done || err != nil {
			return err
		}
	}
	fd, tmp, err := createTemp(dir, base, mode)
	if errors.Is(err, fs.ErrNotExist) {
		// The directory is missing: make it, once.
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		fd, tmp, err = createTemp(dir, base, mode)
	}
	if err != nil {
		return err
	}
	defer func() {
		if fd >= 0 {
			_ = syscall.Close(fd)
		}
		if err != nil {
			_ = syscall.Unlink(tmp)
		}
	}()
	if err := writeAll(fd, data, mode); err != nil {
		return &fs.PathError{Op: "write", Path: tmp, Err: err}
	}
	closeErr := syscall.Close(fd)
	fd = -1
	if closeErr != nil {
		return &fs.PathError{Op: "close", Path: tmp, Err: closeErr}
	}
	if err := syscall.Rename(tmp, name); err != nil {
		return &os.LinkError{Op: "rename", Old: tmp, New: name, Err: err}
	}
	return nil
}

// writeAll writes data to fd, and gives it mode when the umask narrowed
// the mode it was created with.
func writeAll(fd int, data []byte, mode fs.FileMode) error {
	for rest := data; len(rest) > 0; {
		n, err := retryEINTR(func() (int, error) { return syscall.Write(fd, rest) })
		if err != nil {
			return err
		}
		rest = rest[n:]
	}
	if mode.Perm()&umask != 0 {
		if _, err := retryEINTR(func() (int, error) { return 0, syscall.Fchmod(fd, uint32(mode.Perm())) }); err != nil {
			return err
		}
	}
	return nil
}

// umask is the process's file mode creation mask, read once at start,
// before anything else creates files (setting it is the only way to read
// it).
var umask = func() fs.FileMode {
	m := syscall.Umask(0)
	syscall.Umask(m)
	return fs.FileMode(m)
}()

// createTemp creates a new file in dir, named after base, for writing
// with mode (less the umask), and returns its descriptor and name.
func createTemp(dir, base string, mode fs.FileMode) (int, string, error) {
	for range 10000 {
		tmp := filepath.Join(dir, "."+base+".tack-"+strconv.FormatUint(uint64(rand.Uint32()), 10))
		fd, err := retryEINTR(func() (int, error) {
			return syscall.Open(tmp, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_EXCL|syscall.O_CLOEXEC, uint32(mode.Perm()))
		})
		if err == syscall.EEXIST {
			continue
		}
		if err != nil {
			return -1, "", &fs.PathError{Op: "create", Path: tmp, Err: err}
		}
		return fd, tmp, nil
	}
	return -1, "", &fs.PathError{Op: "create", Path: filepath.Join(dir, "."+base+".tack-*"), Err: fs.ErrExist}
}

// WriteNewFile writes data with mode to name as local_file creates a
// file. clibench times it to show what the disk alone costs of an apply
// that creates files.
func WriteNewFile(name string, data []byte, mode fs.FileMode) error {
	return writeFileAtomic(name, data, mode, true)
}

// sha256Hex is the lower-case hex SHA-256 of b, as the sha256 attribute
// and `sha256sum` show it.
func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

var modePattern = regexp.MustCompile(`^0?[0-7]{3}$`)

// parseMode parses a file_permission value: three octal digits, optionally
// after a leading zero ("644", "0644").
func parseMode(s string) (fs.FileMode, bool) {
	if !modePattern.MatchString(s) {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 8, 32)
	if err != nil {
		return 0, false
	}
	return fs.FileMode(n), true
}

// formatMode is how a mode read from disk is recorded: "0644".
func formatMode(m fs.FileMode) string {
	return fmt.Sprintf("%04o", uint32(m.Perm()))
}

func validateMode(path cty.Path, v cty.Value) sdk.Diagnostics {
	if _, ok := parseMode(v.AsString()); ok {
		return nil
	}
	return sdk.Diagnostics{sdk.AttributeErrorf(path, "Invalid file permission",
		"%q is not an octal file mode. Write three octal digits with an optional leading zero, such as \"0644\" (owner may write, everyone may read) or \"0600\" (only the owner may read and write); setuid, setgid and sticky bits are not supported.",
		v.AsString())}
}
