//go:build !linux

package local

import "io/fs"

// linkNew reports false: unnamed files are Linux's, so files are written
// through a temporary name.
func linkNew(dir, name string, data []byte, mode fs.FileMode) (bool, error) { return false, nil }
