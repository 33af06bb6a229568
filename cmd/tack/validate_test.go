package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/tackhq/tack/plugins/install"
)

// TestValidateFixtures runs tack validate over every fixture of bad input
// in config/testdata and compares what a user reads on stderr, rendered
// with snippets, with a golden file in testdata/validate-fixtures.
//
// validate checks provider-owned bodies only with the providers a lock
// file records, and a fixture must not get one in the repository. So the
// fixtures are copied to a scratch tree, each copy gets a lock file for
// the local provider built for the test, and the test runs from
// <scratch>/cmd/tack so that the paths users read in the golden files
// stay ../../config/testdata/…. Changing the working directory is why
// neither the test nor its subtests run in parallel.
func TestValidateFixtures(t *testing.T) {
	providers := buildProviders(t)
	goldenDir, err := filepath.Abs(filepath.Join("testdata", "validate-fixtures"))
	if err != nil {
		t.Fatal(err)
	}
	scratch := t.TempDir()
	if err := os.CopyFS(filepath.Join(scratch, "config", "testdata"), os.DirFS(filepath.Join("..", "..", "config", "testdata"))); err != nil {
		t.Fatal(err)
	}
	work := filepath.Join(scratch, "cmd", "tack")
	if err := os.MkdirAll(work, 0o755); err != nil {
		t.Fatal(err)
	}
	sum, err := install.HashFile(filepath.Join(providers, "tack-provider-local"))
	if err != nil {
		t.Fatal(err)
	}
	locks := &install.Locks{Providers: map[string]*install.LockedProvider{
		"tack/local": {Source: "tack/local", Version: version, Hashes: []string{install.HashString(sum)}},
	}}
	t.Chdir(work)

	var dirs []string
	for _, pattern := range []string{"load-*", "tree-bad-*", "refs-*", "schemas-bad-*", "locals-*", "eval-bad-*"} {
		found, err := filepath.Glob(filepath.Join("..", "..", "config", "testdata", pattern))
		if err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, found...)
	}
	if len(dirs) < 40 {
		t.Fatalf("found %d fixtures of bad input, want at least 40", len(dirs))
	}
	env := func(string) string { return "" }
	for _, dir := range dirs {
		name := filepath.Base(dir)
		if name == "load-full" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			if err := install.WriteLocks(filepath.Join(dir, install.LockFileName), locks); err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			status := run([]string{"validate", "-no-color", "-plugin-dir=" + providers, dir}, &stdout, &stderr, env)
			if status != 1 {
				t.Errorf("exit status %d, want 1 for bad input; stdout:\n%s", status, stdout.String())
			}
			got := stderr.String()
			golden(t, filepath.Join(goldenDir, name+".golden"), got)
		})
	}
}

// TestValidateExamples checks that the configurations under examples/,
// which newcomers copy and `make demo` runs, stay valid and formatted.
// tack validate runs with the providers built for the test, so that
// server_group, resource and data bodies are checked against their
// schemas too. Each example runs in a scratch copy, which gets the lock
// file that `tack init` would write.
func TestValidateExamples(t *testing.T) {
	t.Parallel()
	providers := buildProviders(t)
	// Only the AWS example needs the AWS provider, in a directory of its
	// own.
	awsDir := buildAWSProvider(t)
	locks := &install.Locks{Providers: map[string]*install.LockedProvider{}}
	for source, bin := range map[string]string{
		"tack/local": filepath.Join(providers, "tack-provider-local"),
		"tack/aws":   filepath.Join(awsDir, "tack-provider-aws"),
	} {
		sum, err := install.HashFile(bin)
		if err != nil {
			t.Fatal(err)
		}
		locks.Providers[source] = &install.LockedProvider{Source: source, Version: version, Hashes: []string{install.HashString(sum)}}
	}
	for _, name := range []string{"getting-started", "quickstart", "aws-red-black"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			src := filepath.Join("..", "..", "examples", name)
			files, err := filepath.Glob(filepath.Join(src, "*.tack.hcl"))
			if err != nil || len(files) == 0 {
				t.Fatalf("no *.tack.hcl in %s (%v)", src, err)
			}
			dir := t.TempDir()
			for _, f := range files {
				data, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if err := install.WriteLocks(filepath.Join(dir, install.LockFileName), locks); err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			status := run([]string{"validate", "-no-color", "-plugin-dir=" + providers, "-plugin-dir=" + awsDir, dir}, &stdout, &stderr, func(string) string { return "" })
			if status != 0 || stderr.Len() > 0 {
				t.Errorf("tack validate examples/%s: exit status %d, want 0 and no diagnostics; stderr:\n%s", name, status, stderr.String())
			}
			if got, want := stdout.String(), "The configuration is valid.\n"; got != want {
				t.Errorf("stdout = %q, want %q", got, want)
			}
			// Examples are copied: they should be in the canonical style.
			stdout.Reset()
			stderr.Reset()
			if status := run([]string{"fmt", "-check", "-diff", dir}, &stdout, &stderr, func(string) string { return "" }); status != 0 {
				t.Errorf("tack fmt -check examples/%s: exit status %d, want 0:\n%s%s", name, status, stdout.String(), stderr.String())
			}
		})
	}
}
