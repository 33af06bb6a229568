package local

import (
	"fmt"
	"io/fs"
	"syscall"
)

// readRegular reads a regular file with its permission bits from one
// open, so the mode and bytes belong to the same file.
//
// It makes the system calls itself: os.Open first registers a file with
// the runtime's poller and, for a regular file, takes it back out, six of
// the ten calls a small file cost, and most of the time a refresh of one
// took. Opening without blocking means a named pipe at the path is
// refused rather than waited on.
func readRegular(name string) ([]byte, fs.FileMode, error) {
	fd, err := retryEINTR(func() (int, error) {
		return syscall.Open(name, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NONBLOCK, 0)
	})
	if err != nil {
		return nil, 0, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if _, err := retryEINTR(func() (int, error) { return 0, syscall.Fstat(fd, &st) }); err != nil {
		return nil, 0, &fs.PathError{Op: "stat", Path: name, Err: err}
	}
	if typ := st.Mode & syscall.S_IFMT; typ != syscall.S_IFREG {
		return nil, 0, fmt.Errorf("not a regular file (%s)", fileType(uint32(typ)))
	}
	perm := fs.FileMode(st.Mode) & fs.ModePerm
	// One byte more than the size, so that a file read whole needs only
	// the read that says it ended.
	data := make([]byte, 0, max(int(st.Size)+1, 512))
	for {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
		n, err := retryEINTR(func() (int, error) { return syscall.Read(fd, data[len(data):cap(data)]) })
		if err != nil {
			return nil, 0, &fs.PathError{Op: "read", Path: name, Err: err}
		}
		if n == 0 {
			return data, perm, nil
		}
		data = data[:len(data)+n]
	}
}

func retryEINTR(call func() (int, error)) (int, error) {
	for {
		n, err := call()
		if err != syscall.EINTR {
			return n, err
		}
	}
}

// fileType names the kind of file that is not a regular one, as
// fs.FileMode.Type prints it.
func fileType(typ uint32) fs.FileMode {
	switch typ {
	case syscall.S_IFDIR:
		return fs.ModeDir
	case syscall.S_IFLNK:
		return fs.ModeSymlink
	case syscall.S_IFIFO:
		return fs.ModeNamedPipe
	case syscall.S_IFSOCK:
		return fs.ModeSocket
	case syscall.S_IFBLK:
		return fs.ModeDevice
	case syscall.S_IFCHR:
		return fs.ModeDevice | fs.ModeCharDevice
	}
	return fs.ModeIrregular
}
