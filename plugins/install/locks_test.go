package install

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
)

const (
	hashA = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	hashB = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
)

func TestLocksBytes(t *testing.T) {
	t.Parallel()
	locks := &Locks{Providers: map[string]*LockedProvider{
		"vendor/hello": {Source: "vendor/hello", Version: "1.2.0", Hashes: []string{hashB}},
		"tack/local":   {Source: "tack/local", Version: "0.1.0", Constraints: "~> 0.1", Hashes: []string{hashB, hashA}},
	}}
	want := `# This file is maintained automatically by "tack init".
# Manual edits may be lost in future updates.

provider "tack/local" {
  version     = "0.1.0"
  constraints = "~> 0.1"
  hashes = [
    "` + hashA + `",
    "` + hashB + `",
  ]
}

provider "vendor/hello" {
  version = "1.2.0"
  hashes = [
    "` + hashB + `",
  ]
}
`
	got := string(locks.Bytes())
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Bytes (-want +got):\n%s", diff)
	}
	// What is written reads back as it was, hashes sorted.
	back, diags := ParseLocks([]byte(got), LockFileName)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	locks.Providers["tack/local"].Hashes = []string{hashA, hashB}
	if diff := cmp.Diff(locks, back); diff != "" {
		t.Errorf("ParseLocks(Bytes()) (-want +got):\n%s", diff)
	}
	// Nil and empty locks are the header alone.
	for _, l := range []*Locks{nil, {}} {
		if got := string(l.Bytes()); got != lockHeader {
			t.Errorf("empty locks: got %q, want the header alone", got)
		}
	}
}

func TestParseLocksErrors(t *testing.T) {
	t.Parallel()
	type diag struct {
		Summary string
		Line    int
	}
	tests := []struct {
		name, src string
		want      []diag
	}{
		{
			name: "syntax",
			src:  "provider \"tack/local\" {\n  version = \n}\n",
			want: []diag{{"Invalid expression", 2}},
		},
		{
			name: "missing version",
			src:  "provider \"tack/local\" {\n  hashes = []\n}\n",
			want: []diag{{"Missing required argument", 1}},
		},
		{
			name: "bad source",
			src:  "provider \"../etc\" {\n  version = \"1.0.0\"\n}\n",
			want: []diag{{"Invalid provider source in the lock file", 1}},
		},
		{
			name: "bad version",
			src:  "provider \"tack/local\" {\n  version = \"one\"\n}\n",
			want: []diag{{"Invalid version in the lock file", 2}},
		},
		{
			name: "version not a string",
			src:  "provider \"tack/local\" {\n  version = [1]\n}\n",
			want: []diag{{"Invalid value in the lock file", 2}},
		},
		{
			name: "bad constraint",
			src:  "provider \"tack/local\" {\n  version = \"1.0.0\"\n  constraints = \"about 1\"\n}\n",
			want: []diag{{"Invalid version constraint in the lock file", 3}},
		},
		{
			name: "bad hash",
			src:  "provider \"tack/local\" {\n  version = \"1.0.0\"\n  hashes = [\"md5:00\"]\n}\n",
			want: []diag{{"Invalid hashes in the lock file", 3}},
		},
		{
			name: "hashes not a list",
			src:  "provider \"tack/local\" {\n  version = \"1.0.0\"\n  hashes = \"" + hashA + "\"\n}\n",
			want: []diag{{"Invalid hashes in the lock file", 3}},
		},
		{
			name: "reference",
			src:  "provider \"tack/local\" {\n  version = var.v\n}\n",
			want: []diag{{"Variables not allowed", 2}},
		},
		{
			name: "duplicate",
			src:  "provider \"tack/local\" {\n  version = \"1.0.0\"\n}\nprovider \"tack/local\" {\n  version = \"1.0.0\"\n}\n",
			want: []diag{{"Duplicate provider in the lock file", 4}},
		},
		{
			name: "unknown block and attribute",
			src:  "module \"x\" {}\nprovider \"tack/local\" {\n  version = \"1.0.0\"\n  url = \"x\"\n}\n",
			want: []diag{{"Unsupported block type", 1}, {"Unsupported argument", 4}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, diags := ParseLocks([]byte(tt.src), LockFileName)
			var got []diag
			for _, d := range diags {
				if d.Severity != hcl.DiagError {
					continue
				}
				line := 0
				if d.Subject != nil {
					line = d.Subject.Start.Line
					if d.Subject.Filename != LockFileName {
						t.Errorf("diagnostic %q names file %q", d.Summary, d.Subject.Filename)
					}
				}
				got = append(got, diag{d.Summary, line})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("diagnostics (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadWriteLocks(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, LockFileName)

	got, diags := ReadLocks(path)
	if got != nil || diags != nil {
		t.Fatalf("ReadLocks of a missing file = %v, %v; want nil, nil", got, diags)
	}

	locks := &Locks{Providers: map[string]*LockedProvider{
		"tack/local": {Source: "tack/local", Version: "0.1.0", Hashes: []string{hashA}},
	}}
	if err := WriteLocks(path, locks); err != nil {
		t.Fatal(err)
	}
	got, diags = ReadLocks(path)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if diff := cmp.Diff(locks, got); diff != "" {
		t.Errorf("ReadLocks after WriteLocks (-want +got):\n%s", diff)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("the directory holds %d files, want the lock file alone", len(entries))
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o644 {
		t.Errorf("the lock file's mode is %v, want 0644", info.Mode().Perm())
	}

	if err := os.WriteFile(path, []byte("provider \"tack/local\" {"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, diags = ReadLocks(path)
	if !diags.HasErrors() || !strings.Contains(diags.Error(), LockFileName) {
		t.Errorf("ReadLocks of a truncated file: %v; want an error that names the file", diags)
	}
}

// FuzzParseLocks checks that no input makes the reader panic, and that a
// file it accepts is written back to a file that reads the same.
func FuzzParseLocks(f *testing.F) {
	f.Add([]byte(lockHeader))
	f.Add((&Locks{Providers: map[string]*LockedProvider{
		"tack/local": {Source: "tack/local", Version: "0.1.0", Constraints: "~> 0.1", Hashes: []string{hashA, hashB}},
	}}).Bytes())
	f.Add([]byte("provider \"a/b\" {\n version = \"1.0.0-beta+x\"\n hashes = []\n}\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		locks, diags := ParseLocks(src, LockFileName)
		if diags.HasErrors() {
			return
		}
		again, diags := ParseLocks(locks.Bytes(), LockFileName)
		if diags.HasErrors() {
			t.Fatalf("the written form of an accepted file does not parse: %v\n%s", diags, locks.Bytes())
		}
		if diff := cmp.Diff(locks, again); diff != "" {
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
	})
}
