package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/tackhq/tack/state"
	"github.com/tackhq/tack/state/local"
)

var update = flag.Bool("update", false, "rewrite the expected output in testdata/*.txt")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"tack": func() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, os.Getenv)) },
	})
}

// TestCLI runs the scripts in testdata: tack as a user runs it, in a
// scratch directory, checking exit codes, stdout and stderr. $PROVIDERS
// holds the providers shipped with tack, built for the run; $HELLO is
// examples/provider-hello built as a vendor's provider binary, and
// $PLATFORM is <os>_<arch> as provider directories name it.
func TestCLI(t *testing.T) {
	t.Parallel()
	providers := buildProviders(t)
	testscript.Run(t, testscript.Params{
		Dir:           "testdata",
		UpdateScripts: *update,
		Setup: func(e *testscript.Env) error {
			e.Setenv("PROVIDERS", providers)
			e.Setenv("HELLO", filepath.Join(providers, "examples", "tack-provider-hello"))
			e.Setenv("PLATFORM", runtime.GOOS+"_"+runtime.GOARCH)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// sha256 NAME FILE sets $NAME to the hex SHA-256 of FILE,
			// so that a script can check a lock file with cmpenv
			// without copying a checksum from tack's own output.
			"sha256": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 2 {
					ts.Fatalf("usage: sha256 NAME FILE")
				}
				data, err := os.ReadFile(ts.MkAbs(args[1]))
				ts.Check(err)
				sum := sha256.Sum256(data)
				ts.Setenv(args[0], hex.EncodeToString(sum[:]))
			},
			// status N PROG ARGS... runs PROG like exec, and passes when
			// it exits with status N (-detailed-exitcode's 2, say),
			// leaving its output for stdout and stderr to check.
			"status": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) < 2 {
					ts.Fatalf("usage: status N PROG [ARGS...]")
				}
				err := ts.Exec(args[1], args[2:]...)
				got := 0
				var ee *exec.ExitError
				switch {
				case errors.As(err, &ee):
					got = ee.ExitCode()
				case err != nil:
					ts.Fatalf("running %s: %v", args[1], err)
				}
				if fmt.Sprint(got) != args[0] {
					ts.Fatalf("%s exited with status %d, want %s", args[1], got, args[0])
				}
			},
			// holdlock STATEFILE takes the state lock as another tack
			// (this test process, not the tack under test) would, and
			// keeps it until releaselock.
			"holdlock": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 1 {
					ts.Fatalf("usage: holdlock STATEFILE")
				}
				b := local.New(ts.MkAbs(args[0]))
				info := state.NewLockInfo("apply", "ci@lockholder")
				id, err := b.Lock(context.Background(), info)
				ts.Check(err)
				ts.Setenv("LOCK_ID", id)
				heldLocks.Store(ts, func() error { return b.Unlock(context.Background(), id) })
			},
			// releaselock [AFTER] releases the lock holdlock took, at once
			// or AFTER a duration (in the background, for a command that
			// waits with -lock-timeout).
			"releaselock": func(ts *testscript.TestScript, neg bool, args []string) {
				v, ok := heldLocks.LoadAndDelete(ts)
				if neg || !ok || len(args) > 1 {
					ts.Fatalf("usage: releaselock [AFTER], after holdlock")
				}
				unlock := v.(func() error)
				if len(args) == 0 {
					ts.Check(unlock())
					return
				}
				d, err := time.ParseDuration(args[0])
				ts.Check(err)
				time.AfterFunc(d, func() { _ = unlock() })
			},
			// append FILE TEXT adds TEXT to the end of FILE: a provider
			// binary that changed after tack init recorded it. (An
			// executable still runs with bytes appended.)
			"append": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 2 {
					ts.Fatalf("usage: append FILE TEXT")
				}
				f, err := os.OpenFile(ts.MkAbs(args[0]), os.O_APPEND|os.O_WRONLY, 0)
				ts.Check(err)
				_, err = f.WriteString(args[1])
				ts.Check(err)
				ts.Check(f.Close())
			},
		},
	})
}

// heldLocks are the unlock functions of holdlock, per script.
var heldLocks sync.Map

// builds are the binaries built for this test binary, each set once,
// by name.
var builds sync.Map // string → *build

type build struct {
	once sync.Once
	dir  string
	err  error
}

// built builds the packages of bins (by path inside a new directory →
// package) into a directory of their own, once per test binary for each
// name, and returns the directory.
func built(t testing.TB, name string, bins map[string]string) string {
	t.Helper()
	v, _ := builds.LoadOrStore(name, &build{})
	b := v.(*build)
	b.once.Do(func() {
		b.dir, b.err = os.MkdirTemp("", "tack-cli-"+name+"-")
		if b.err != nil {
			return
		}
		for bin, pkg := range bins {
			if out, err := exec.Command("go", "build", "-o", filepath.Join(b.dir, bin), pkg).CombinedOutput(); err != nil {
				b.err = fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
				return
			}
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.dir
}

// buildProviders builds the providers shipped with tack, and
// examples/provider-hello as a vendor's, into one -plugin-dir.
func buildProviders(t testing.TB) string {
	t.Helper()
	return built(t, "providers", map[string]string{
		"tack-provider-local":                            "../tack-provider-local",
		filepath.Join("examples", "tack-provider-hello"): "../../examples/provider-hello",
	})
}

// buildAWSProvider builds tack-provider-aws into a directory of its own
// (a -plugin-dir for the tests that run the AWS provider): it is large,
// and the tests that do not need it should not wait for it.
func buildAWSProvider(t testing.TB) string {
	t.Helper()
	return built(t, "aws", map[string]string{"tack-provider-aws": "../tack-provider-aws"})
}

// golden compares got with the file testdata/NAME (or NAME, when it is
// absolute), or writes it there first under -update.
func golden(t testing.TB, name, got string) {
	t.Helper()
	path := name
	if !filepath.IsAbs(path) {
		path = filepath.Join("testdata", filepath.FromSlash(name))
	}
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading the golden file (run go test ./cmd/tack -run '%s' -update): %v", t.Name(), err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", name, diff)
	}
}
