package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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
// holds the providers shipped with tack, built for the run.
func TestCLI(t *testing.T) {
	t.Parallel()
	providers := buildProviders(t)
	testscript.Run(t, testscript.Params{
		Dir:           "testdata",
		UpdateScripts: *update,
		Setup: func(e *testscript.Env) error {
			e.Setenv("PROVIDERS", providers)
			return nil
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
		out, err := exec.Command("go", "build", "-o", filepath.Join(buildDir, "tack-provider-local"), "../tack-provider-local").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildDir
}
