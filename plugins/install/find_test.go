package install

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestShipped(t *testing.T) {
	t.Parallel()
	first, second := t.TempDir(), t.TempDir()
	write := func(dir, name string, mode os.FileMode) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"), mode); err != nil {
			t.Fatal(err)
		}
	}
	write(first, "tack-provider-local", 0o755)
	write(first, "tack-provider-notes.txt.bak", 0o644) // not executable
	write(first, "tack", 0o755)                        // not a provider
	write(second, "tack-provider-local", 0o755)        // shadowed by the first directory
	write(second, "tack-provider-aws", 0o755)
	if err := os.Mkdir(filepath.Join(second, "tack-provider-dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	// A link to a provider counts; a dangling one does not.
	if err := os.Symlink(filepath.Join(second, "tack-provider-aws"), filepath.Join(second, "tack-provider-linked")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(second, "missing"), filepath.Join(second, "tack-provider-dangling")); err != nil {
		t.Fatal(err)
	}

	got, err := Shipped(first, filepath.Join(first, "missing"), second)
	if err != nil {
		t.Fatal(err)
	}
	want := []Provider{
		{Source: "tack/aws", Name: "aws", Path: filepath.Join(second, "tack-provider-aws")},
		{Source: "tack/linked", Name: "linked", Path: filepath.Join(second, "tack-provider-linked")},
		{Source: "tack/local", Name: "local", Path: filepath.Join(first, "tack-provider-local")},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Shipped (-want +got):\n%s", diff)
	}
}

// A plugin directory that holds the tack binary beside the providers
// (bin/, as make build lays it out) has a file where the tack/ namespace
// directory would be: it holds no versioned provider, and is no error.
func TestVersionedDirBesideTackBinary(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "tack"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	got, _, err := versionedDir("tack/local", PluginDir, root, Opts{})
	if err != nil || len(got) != 0 {
		t.Errorf("versionedDir beside a tack binary = %v, %v; want nothing and no error", got, err)
	}
}
