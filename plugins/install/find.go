package install

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// BinaryPrefix starts the file name of every provider binary.
const BinaryPrefix = "tack-provider-"

// Provider is one provider binary found.
type Provider struct {
	// Source is the provider's source address, "tack/local".
	Source string
	// Name is its local name, "local".
	Name string
	// Path is the binary.
	Path string
}

// Shipped lists the tack-provider-<name> executables in dirs, in order of
// name; when two directories hold the same name, the earlier directory
// wins. A directory that does not exist is skipped.
func Shipped(dirs ...string) ([]Provider, error) {
	seen := map[string]bool{}
	var out []Provider
	for _, dir := range dirs {
		entries, err := os.ReadDir(dir)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("looking for providers in %s: %w", dir, err)
		}
		for _, e := range entries {
			name, ok := strings.CutPrefix(e.Name(), BinaryPrefix)
			if !ok || name == "" || seen[name] {
				continue
			}
			path := filepath.Join(dir, e.Name())
			// Stat, not the entry's Lstat: a link counts by what it points at.
			info, err := os.Stat(path)
			if err != nil || info.IsDir() || info.Mode()&0o111 == 0 {
				continue
			}
			seen[name] = true
			out = append(out, Provider{Source: "tack/" + name, Name: name, Path: path})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
