package local

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// A file whose directories do not exist yet is written with them, with
// exactly the mode asked for whatever the umask, and leaves no temporary
// file behind; writing it again replaces it, even when it was expected
// to be new.
func TestWriteFileAtomic(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	name := filepath.Join(dir, "a", "b", "c.txt")
	for _, want := range []struct {
		data  string
		mode  fs.FileMode
		fresh bool
	}{{"first", 0o666, true}, {"second, longer", 0o600, false}, {"third", 0o640, true}} {
		if err := writeFileAtomic(name, []byte(want.data), want.mode, want.fresh); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(name)
		fi, serr := os.Stat(name)
		if err != nil || serr != nil || string(data) != want.data || fi.Mode().Perm() != want.mode {
			t.Errorf("wrote %q with %v: read %q (%v), mode %v (%v)", want.data, want.mode, data, err, fi.Mode(), serr)
		}
		entries, _ := os.ReadDir(filepath.Dir(name))
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		if !slices.Equal(names, []string{"c.txt"}) {
			t.Errorf("the directory holds %v, want only c.txt", names)
		}
	}
	for _, d := range []string{filepath.Join(dir, "a"), filepath.Join(dir, "a", "b")} {
		if fi, err := os.Stat(d); err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o755&^umask {
			t.Errorf("%s: %v (%v), want a directory with mode %v", d, fi.Mode(), err, 0o755&^umask)
		}
	}
}
