package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/tackhq/tack/plugins/providers/local"
	"github.com/tackhq/tack/state"
)

// result is what the runs of one scenario measured: a sample per run for
// each metric, in seconds or bytes.
type result struct {
	sc      scenario
	samples [numMetrics][]float64
	// base is the baseline's runs, when there is one.
	base *result
}

// bench measures sc: init once per set of binaries, then for each run a
// fresh directory with the configuration and the lock file, planned into
// a saved plan, that plan applied, and planned again, as a pull
// request's pipeline does. With a baseline, each run of bins is followed
// by one of the baseline's, so that both see the machine as it is in
// that minute. Every step must do what a user expects of it, or bench
// fails: the numbers of a broken run mean nothing.
//
// The runs' directories stay until the whole bench ends: ext4 skips
// recently freed inodes when it allocates one, so deleting one run's ten
// thousand files just before the next run creates as many would add the
// bench's own clean-up to the apply it measures (a plain loop creating
// 10,000 files took 3.4 s of kernel time right after such a deletion,
// 0.7 s without one).
func bench(ctx context.Context, bins binaries, baseline *binaries, dir string, sc scenario, runs int, opts options) (*result, error) {
	tmpl, err := prepare(ctx, bins, filepath.Join(dir, "init"), sc)
	if err != nil {
		return nil, err
	}
	res := &result{sc: sc}
	var baseTmpl string
	if baseline != nil {
		if baseTmpl, err = prepare(ctx, *baseline, filepath.Join(dir, "baseline-init"), sc); err != nil {
			return nil, fmt.Errorf("baseline: %w", err)
		}
		res.base = &result{sc: sc}
	}
	for i := range runs {
		profile := func(step string) string {
			if opts.profileDir == "" || i != runs-1 {
				return ""
			}
			return filepath.Join(opts.profileDir, sc.name+"-"+step+".pprof")
		}
		if err := runOnce(ctx, bins, tmpl, filepath.Join(dir, fmt.Sprintf("run%d", i)), res, profile, opts); err != nil {
			return nil, err
		}
		if baseline != nil {
			noProfile := func(string) string { return "" }
			if err := runOnce(ctx, *baseline, baseTmpl, filepath.Join(dir, fmt.Sprintf("baseline-run%d", i)), res.base, noProfile, opts); err != nil {
				return nil, fmt.Errorf("baseline: %w", err)
			}
		}
		floor, err := writeFilesAlone(filepath.Join(dir, fmt.Sprintf("floor%d", i)), sc.resources)
		if err != nil {
			return nil, err
		}
		res.samples[diskFloor] = append(res.samples[diskFloor], floor.Seconds())
	}
	return res, nil
}

// prepare writes sc's configuration into dir and runs tack init there.
func prepare(ctx context.Context, bins binaries, dir string, sc scenario) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	if err := writeConfig(dir, sc); err != nil {
		return "", err
	}
	if s, err := runTack(ctx, bins, dir, "", "init", "-no-color", "-input=false"); err != nil || s.exit != 0 {
		return "", stepError("tack init", s, err)
	}
	return dir, nil
}

// runOnce runs the steps of one run in rdir, a copy of tmpl, and adds
// what it measured to res.
func runOnce(ctx context.Context, bins binaries, tmpl, rdir string, res *result, profile func(step string) string, opts options) error {
	sc := res.sc
	if err := copyDir(tmpl, rdir); err != nil {
		return err
	}
	plan, err := runTack(ctx, bins, rdir, profile("plan"), "plan", "-no-color", "-input=false", "-detailed-exitcode", "-out=bench.tackplan")
	if err != nil || plan.exit != 2 || !bytes.Contains(plan.stdout, fmt.Appendf(nil, "Plan: %d to add, 0 to change, 0 to replace, 0 to destroy.", sc.resources)) {
		return stepError("the first tack plan (want exit status 2 and every resource to add)", plan, err)
	}
	app, err := runTack(ctx, bins, rdir, profile("apply"), "apply", "-no-color", "-input=false", "bench.tackplan")
	if err != nil || app.exit != 0 || !bytes.Contains(app.stdout, fmt.Appendf(nil, "Apply complete! Resources: %d added, 0 changed, 0 destroyed.", sc.resources)) {
		return stepError("tack apply", app, err)
	}
	size, err := checkApplied(rdir, sc)
	if err != nil {
		return err
	}
	noop, err := runTack(ctx, bins, rdir, profile("noop"), "plan", "-no-color", "-input=false", "-detailed-exitcode")
	if err != nil || noop.exit != 0 {
		return stepError("the no-change tack plan (want exit status 0)", noop, err)
	}

	// The one-step apply plans and applies in one process, in a
	// directory of its own.
	adir := rdir + "-auto"
	if err := copyDir(tmpl, adir); err != nil {
		return err
	}
	auto, err := runTack(ctx, bins, adir, profile("apply-auto"), "apply", "-no-color", "-input=false", "-auto-approve")
	if err != nil || auto.exit != 0 || !bytes.Contains(auto.stdout, fmt.Appendf(nil, "Apply complete! Resources: %d added, 0 changed, 0 destroyed.", sc.resources)) {
		return stepError("tack apply -auto-approve", auto, err)
	}
	if _, err := checkApplied(adir, sc); err != nil {
		return err
	}

	steps := []sample{plan, app, noop, auto}
	res.samples[planCreate] = append(res.samples[planCreate], plan.wall.Seconds())
	res.samples[apply] = append(res.samples[apply], app.wall.Seconds())
	res.samples[applyAuto] = append(res.samples[applyAuto], auto.wall.Seconds())
	res.samples[planNoChange] = append(res.samples[planNoChange], noop.wall.Seconds())
	var rss, prss int64
	for _, s := range steps {
		rss, prss = max(rss, s.maxRSS), max(prss, s.providerRSS)
	}
	res.samples[rssTack] = append(res.samples[rssTack], float64(rss))
	res.samples[rssProvider] = append(res.samples[rssProvider], float64(prss))
	res.samples[stateSize] = append(res.samples[stateSize], float64(size))
	fmt.Fprintf(opts.progress, "clibench: %s %s: plan %.2fs, apply %.2fs, no-change plan %.2fs, apply -auto-approve %.2fs, peak RSS %d MiB (provider %d MiB), state %d bytes\n",
		sc.name, filepath.Base(rdir), plan.wall.Seconds(), app.wall.Seconds(), noop.wall.Seconds(), auto.wall.Seconds(), rss/mib, prss/mib, size)
	return nil
}

// writeFilesAlone creates n small files under dir/out with the local
// provider's own code, ten at a time, as the planner's default
// parallelism calls it, and returns how long that took: the part of an
// apply no change to tack can make faster.
func writeFilesAlone(dir string, n int) (time.Duration, error) {
	out := filepath.Join(dir, "out")
	if err := os.MkdirAll(out, 0o755); err != nil {
		return 0, err
	}
	next := make(chan int)
	errs := make(chan error, 10)
	start := time.Now()
	for range 10 {
		go func() {
			var first error
			for i := range next {
				if first != nil {
					continue
				}
				first = local.WriteNewFile(filepath.Join(out, fmt.Sprintf("f%d.txt", i)), fmt.Appendf(nil, "file %d\n", i), 0o644)
			}
			errs <- first
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	var err error
	for range 10 {
		err = errors.Join(err, <-errs)
	}
	return time.Since(start), err
}

// checkApplied checks what an apply left: a state that parses and
// records every resource, and every file. It returns the state's size.
func checkApplied(dir string, sc scenario) (int64, error) {
	data, err := os.ReadFile(filepath.Join(dir, "tack.state.json"))
	if err != nil {
		return 0, err
	}
	s, err := state.ReadFile(bytes.NewReader(data))
	if err != nil {
		return 0, fmt.Errorf("the state after apply: %w", err)
	}
	if got := len(s.AllResourceInstances()); got != sc.resources {
		return 0, fmt.Errorf("the state after apply records %d resources, want %d", got, sc.resources)
	}
	entries, err := os.ReadDir(filepath.Join(dir, "out"))
	if err != nil {
		return 0, err
	}
	if len(entries) != sc.resources {
		return 0, fmt.Errorf("apply wrote %d files, want %d", len(entries), sc.resources)
	}
	return int64(len(data)), nil
}

// sample is one run of tack.
type sample struct {
	exit   int
	wall   time.Duration
	maxRSS int64 // bytes: ru_maxrss of wait4
	// providerRSS is the largest VmHWM seen of tack's children while it
	// ran, in bytes.
	providerRSS    int64
	stdout, stderr []byte
}

func stepError(what string, s sample, err error) error {
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return fmt.Errorf("%s failed with exit status %d\n--- stdout (end)\n%s\n--- stderr\n%s", what, s.exit, tail(s.stdout, 2000), s.stderr)
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// runTack runs tack in dir and measures it. A non-zero exit status is
// not an error; failing to run is.
func runTack(ctx context.Context, bins binaries, dir, profile string, args ...string) (sample, error) {
	cmd := exec.CommandContext(ctx, bins.tack, args...)
	cmd.Dir = dir
	cmd.Env = append(cleanEnv(), "TACK_IN_AUTOMATION=1", "NO_COLOR=1")
	if profile != "" {
		cmd.Env = append(cmd.Env, "TACK_CPUPROFILE="+profile)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return sample{}, err
	}
	stop := watchChildren(cmd.Process.Pid)
	err := cmd.Wait()
	wall := time.Since(start)
	providerRSS := stop()
	s := sample{wall: wall, providerRSS: providerRSS, stdout: stdout.Bytes(), stderr: stderr.Bytes()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		s.exit = ee.ExitCode()
	case err != nil:
		return s, err
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		s.maxRSS = ru.Maxrss * 1024 // kilobytes on Linux
	}
	return s, nil
}

// cleanEnv is the environment without variables that would change what
// tack does or measure something else.
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "TACK_") {
			continue
		}
		out = append(out, kv)
	}
	return out
}

// watchChildren polls the peak RSS (VmHWM) of the children of pid until
// the returned function is called, which returns the largest seen, in
// bytes. Without /proc it returns 0. The peak of a child is read every
// 100 ms while it lives, so growth in its last moments may be missed;
// finding children means reading all of /proc, so that is done only
// while none is known or every half second.
func watchChildren(pid int) func() int64 {
	var (
		peak int64
		done = make(chan struct{})
		left = make(chan struct{})
	)
	go func() {
		defer close(left)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		var known []int
		for tick := 0; ; tick++ {
			select {
			case <-t.C:
			case <-done:
				return
			}
			if len(known) == 0 || tick%5 == 0 {
				known = children(pid)
			}
			live := known[:0]
			for _, child := range known {
				if hwm := vmHWM(child); hwm > 0 {
					peak = max(peak, hwm)
					live = append(live, child)
				}
			}
			known = live
		}
	}()
	return func() int64 {
		close(done)
		<-left
		return peak
	}
}

// children are the processes whose parent is pid, from /proc/*/stat.
func children(pid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid …; comm may hold spaces and parentheses.
		i := bytes.LastIndexByte(data, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(data[i+1:]))
		if len(f) > 1 && f[1] == strconv.Itoa(pid) {
			out = append(out, p)
		}
	}
	return out
}

// vmHWM is a process's peak resident set size, in bytes.
func vmHWM(pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				return 0
			}
			return kb * 1024
		}
	}
	return 0
}

// copyDir copies the directory tree src (regular files and
// directories) into a new directory dst.
func copyDir(src, dst string) error {
	return filepath.WalkDir(src, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		switch {
		case e.IsDir():
			return os.MkdirAll(to, 0o755)
		case !e.Type().IsRegular():
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(to, data, 0o644)
	})
}
