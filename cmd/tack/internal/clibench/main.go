// Command clibench measures the tack CLI as users run it: it builds tack
// and tack-provider-local, writes configurations of many local_file
// resources, runs `tack plan -out`, `tack apply` of that saved plan (the
// apply the target is for: a pipeline applies the plan its reviewer
// read), a no-change plan, and, in a second directory, `tack apply
// -auto-approve`, which plans and applies in one process; and prints a
// markdown table of medians against the targets tack aims for. `make
// bench` runs it after the Go benchmarks.
//
// Each run starts from a fresh scratch directory holding only the
// configuration and the lock file `tack init` wrote, so every apply
// creates every file. Scratch directories are made under $TMPDIR. Times are wall-clock times of the tack process.
// Peak RSS is ru_maxrss from wait4 (Linux: the larger of tack's own peak
// and that of the children it waited for, here the provider); the
// provider's own peak is read from /proc while it runs, so it is a close
// lower bound. The state size is that of tack.state.json after apply.
//
// -quick runs small configurations once, for a smoke test; its numbers
// are not compared with the targets. -baseline DIR runs another
// revision's binaries after each run of these and adds its medians and
// the ratio to the table: the machine's speed drifts from minute to
// minute, so a comparison is only fair run by run. Build a baseline with
// `git worktree add /tmp/base REV && (cd /tmp/base && go build -o bin/
// ./cmd/tack ./cmd/tack-provider-local)`.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

func main() {
	quick := flag.Bool("quick", false, "run small configurations once, to check that the workflow works (no targets)")
	runs := flag.Int("runs", 0, "runs of each scenario; 0 means 5 up to 1,000 resources and 3 above")
	only := flag.String("only", "", "run only these scenarios, named as the table names them, separated by commas")
	keep := flag.Bool("keep", false, "keep the scratch directories and print where they are")
	profile := flag.String("cpuprofile", "", "write a CPU profile of each step of the last run into this directory (TACK_CPUPROFILE)")
	baseline := flag.String("baseline", "", "a directory with tack and tack-provider-local of another revision, run after each run of these, to compare with")
	flag.Parse()

	if err := run(os.Stdout, options{quick: *quick, runs: *runs, only: *only, keep: *keep, profileDir: *profile, baseline: *baseline}); err != nil {
		fmt.Fprintln(os.Stderr, "clibench:", err)
		os.Exit(1)
	}
}

// options are the command line's choices.
type options struct {
	quick      bool
	runs       int
	only       string
	keep       bool
	profileDir string
	// baseline is a directory holding another revision's binaries.
	baseline string
	// progress receives a line per step as it completes; nil discards
	// them.
	progress io.Writer
}

func run(out io.Writer, opts options) error {
	ctx := context.Background()
	work, err := os.MkdirTemp("", "tack-clibench-")
	if err != nil {
		return err
	}
	if opts.keep {
		fmt.Fprintln(os.Stderr, "clibench: scratch directories under", work)
	} else {
		defer os.RemoveAll(work)
	}
	if opts.progress == nil {
		opts.progress = os.Stderr
	}
	if opts.profileDir != "" {
		if opts.profileDir, err = filepath.Abs(opts.profileDir); err != nil {
			return err
		}
		if err := os.MkdirAll(opts.profileDir, 0o755); err != nil {
			return err
		}
	}

	var chosen []scenario
	var names []string
	for _, sc := range scenarios(opts.quick) {
		names = append(names, sc.name)
		if opts.only == "" || slices.Contains(strings.Split(opts.only, ","), sc.name) {
			chosen = append(chosen, sc)
		}
	}
	if len(chosen) == 0 {
		return fmt.Errorf("-only %s names no scenario; they are %s", opts.only, strings.Join(names, ", "))
	}

	bins, err := build(ctx, filepath.Join(work, "bin"))
	if err != nil {
		return err
	}
	var baseline *binaries
	if opts.baseline != "" {
		b := binaries{tack: filepath.Join(opts.baseline, "tack"), provider: filepath.Join(opts.baseline, "tack-provider-local")}
		for _, f := range []string{b.tack, b.provider} {
			if _, err := os.Stat(f); err != nil {
				return fmt.Errorf("-baseline: %w", err)
			}
		}
		if b.tack, err = filepath.Abs(b.tack); err != nil {
			return err
		}
		baseline = &b
	}
	var results []*result
	for _, sc := range chosen {
		n := opts.runs
		if n <= 0 {
			n = 5
			if sc.resources > 1000 {
				n = 3
			}
			if opts.quick {
				n = 1
			}
		}
		res, err := bench(ctx, bins, baseline, filepath.Join(work, sc.name), sc, n, opts)
		if err != nil {
			return fmt.Errorf("%s: %w", sc.name, err)
		}
		results = append(results, res)
	}
	writeTable(out, results, !opts.quick)
	return nil
}

// binaries are the built tack and the provider beside it, where tack init
// finds it.
type binaries struct{ tack, provider string }

// build builds tack and tack-provider-local from the module that holds
// the current directory.
func build(ctx context.Context, dir string) (binaries, error) {
	root, err := moduleRoot(ctx)
	if err != nil {
		return binaries{}, err
	}
	b := binaries{tack: filepath.Join(dir, "tack"), provider: filepath.Join(dir, "tack-provider-local")}
	for out, pkg := range map[string]string{b.tack: "./cmd/tack", b.provider: "./cmd/tack-provider-local"} {
		cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
		cmd.Dir = root
		if msg, err := cmd.CombinedOutput(); err != nil {
			return binaries{}, fmt.Errorf("go build %s: %v\n%s", pkg, err, msg)
		}
	}
	return b, nil
}

func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("finding the module: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("run clibench inside the tack module")
	}
	return filepath.Dir(mod), nil
}
