package local

import (
	"os"
	"path/filepath"
	"testing"
)

// A new file in a directory that exists is linked in whole, where the
// system can, and gets the mode asked for.
func TestLinkNew(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	name := filepath.Join(dir, "new.txt")
	done, err := linkNew(dir, name, []byte("whole"), 0o666)
	if err != nil {
		t.Fatal(err)
	}
	if !done {
		t.Fatal("the new file was not linked in: this Linux file system should take unnamed files (O_TMPFILE)")
	}
	data, _ := os.ReadFile(name)
	fi, err := os.Stat(name)
	if err != nil || string(data) != "whole" || fi.Mode().Perm() != 0o666 {
		t.Errorf("read %q, mode %v (%v)", data, fi.Mode(), err)
	}
	// An existing file is left alone, for the caller to replace.
	if done, err := linkNew(dir, name, []byte("again"), 0o644); done || err != nil {
		t.Errorf("linking over an existing file: %v, %v", done, err)
	}
	if data, _ := os.ReadFile(name); string(data) != "whole" {
		t.Errorf("the existing file changed to %q", data)
	}
}
