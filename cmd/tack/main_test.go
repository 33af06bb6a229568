package main

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
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

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
)

func buildProviders(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "tack-cli-providers-")
		if buildErr != nil {
			return
		}
		for bin, pkg := range map[string]string{
			"tack-provider-local":                            "../tack-provider-local",
			filepath.Join("examples", "tack-provider-hello"): "../../examples/provider-hello",
		} {
			out, err := exec.Command("go", "build", "-o", filepath.Join(buildDir, bin), pkg).CombinedOutput()
			if err != nil {
				buildErr = fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
				return
			}
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildDir
}
