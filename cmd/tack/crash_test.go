package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tackhq/tack/state"
)

var crashSeed = flag.Uint64("crash.seed", 0, "seed of TestCrashDuringApply's kill times; 0 picks one (the test logs it)")

const (
	crashResources = 200
	crashKills     = 20
)

// TestCrashDuringApply kills tack apply with SIGKILL at random moments of
// a 200-resource apply, as an out-of-memory killer or a lost session
// would, and checks what a user needs afterwards: the state file, if
// any, reads; nothing it records is missing; every file on disk is
// recorded or planned to be created again; the lock of the dead apply
// does not block the next run; and at most two more applies converge to
// a plan with no changes and every file as configured.
func TestCrashDuringApply(t *testing.T) {
	if testing.Short() {
		t.Skip("builds tack and runs some 80 commands")
	}
	t.Parallel()
	c := &crashRun{tack: buildTack(t), providers: buildProviders(t)}
	c.template = c.initialized(t)

	// One whole apply first, to know how long one takes.
	dir := c.scratch(t)
	start := time.Now()
	if out, status := c.run(t, dir, "apply", "-auto-approve"); status != 0 {
		t.Fatalf("an uninterrupted apply failed with status %d:\n%s", status, out)
	}
	whole := time.Since(start)

	seed := *crashSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("an uninterrupted apply takes %v; kill times from seed %d (-crash.seed=%d repeats them)", whole.Round(time.Millisecond), seed, seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	delays := make([]time.Duration, crashKills)
	for i := range delays {
		delays[i] = time.Duration(rng.Int64N(int64(whole)))
	}
	for i, delay := range delays {
		t.Run(fmt.Sprintf("kill%02d-after-%dms", i, delay.Milliseconds()), func(t *testing.T) {
			t.Parallel()
			c.crashAndRecover(t, delay)
		})
	}
}

type crashRun struct {
	tack, providers string
	// template holds the configuration and the lock file tack init
	// wrote for it.
	template string
}

// scratch is a new directory with the configuration, initialized.
func (c *crashRun) scratch(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir(c.template)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(c.template, e.Name()))
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, e.Name()), data, 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// initialized is a new directory with the configuration, and the lock
// file of tack init.
func (c *crashRun) initialized(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for f := range 4 {
		var b strings.Builder
		for i := f; i < crashResources; i += 4 {
			fmt.Fprintf(&b, "resource \"local_file\" \"f%d\" {\n  path    = \"out/f%d.txt\"\n  content = %q\n}\n\n", i, i, crashContent(i))
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("files%d.tack.hcl", f)), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if out, status := c.run(t, dir, "init"); status != 0 {
		t.Fatalf("tack init failed with status %d:\n%s", status, out)
	}
	return dir
}

func crashContent(i int) string { return fmt.Sprintf("file %d\n", i) }

// command is tack with args in dir, in a process group of its own so that
// the providers it starts can be found and ended with it.
func (c *crashRun) command(dir string, args ...string) *exec.Cmd {
	cmd := exec.Command(c.tack, append(args, "-plugin-dir="+c.providers, "-no-color", "-input=false")...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TACK_IN_AUTOMATION=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd
}

// run runs tack to the end and returns its output and exit status.
func (c *crashRun) run(t *testing.T, dir string, args ...string) (string, int) {
	t.Helper()
	cmd := c.command(dir, args...)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return string(out), ee.ExitCode()
	case err != nil:
		t.Fatalf("running tack %s: %v", strings.Join(args, " "), err)
	}
	return string(out), 0
}

var willBeCreated = regexp.MustCompile(`(?m)^  # local_file\.f(\d+) will be created$`)

func (c *crashRun) crashAndRecover(t *testing.T, delay time.Duration) {
	dir := c.scratch(t)

	// SIGKILL tack alone, as the kernel's out-of-memory killer would; its
	// provider, orphaned, is killed next, as the end of the session
	// would. Neither gets to clean up.
	cmd := c.command(dir, "apply", "-auto-approve")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(delay, func() { _ = cmd.Process.Signal(syscall.SIGKILL) })
	err := cmd.Wait()
	killed := !timer.Stop()
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	if !killed && err != nil {
		t.Fatalf("the apply failed before it was killed: %v\n%s", err, out.String())
	}

	recorded := c.checkState(t, dir, "after the kill")
	var onDisk []int
	for i := range crashResources {
		data, err := os.ReadFile(filepath.Join(dir, "out", fmt.Sprintf("f%d.txt", i)))
		switch {
		case errors.Is(err, os.ErrNotExist):
			if recorded[i] {
				t.Errorf("local_file.f%d is recorded, but its file is missing", i)
			}
			continue
		case err != nil:
			t.Fatal(err)
		case string(data) != crashContent(i):
			// Files are written whole, by rename: never partly.
			t.Errorf("out/f%d.txt holds %q, want %q", i, data, crashContent(i))
		}
		onDisk = append(onDisk, i)
	}

	// The next plan runs (the dead apply's lock does not block it) and
	// creates, over what is there, every file the state does not record.
	plan, status := c.run(t, dir, "plan", "-detailed-exitcode")
	if status != 0 && status != 2 {
		t.Fatalf("the plan after the kill failed with status %d:\n%s", status, plan)
	}
	planned := map[int]bool{}
	for _, m := range willBeCreated.FindAllStringSubmatch(plan, -1) {
		i, _ := strconv.Atoi(m[1])
		planned[i] = true
	}
	for _, i := range onDisk {
		if !recorded[i] && !planned[i] {
			t.Errorf("out/f%d.txt is on disk, but neither recorded nor planned to be created", i)
		}
	}
	for i := range crashResources {
		if recorded[i] == planned[i] {
			t.Errorf("local_file.f%d: recorded %v, planned to be created %v; want exactly one", i, recorded[i], planned[i])
		}
	}
	t.Logf("killed %v in: %d files on disk, %d recorded, %d to create", delay, len(onDisk), len(recorded), len(planned))

	// At most two applies converge.
	converged := false
	for attempt := 1; attempt <= 2 && !converged; attempt++ {
		if out, status := c.run(t, dir, "apply", "-auto-approve"); status != 0 {
			t.Fatalf("apply %d after the kill failed with status %d:\n%s", attempt, status, out)
		}
		out, status := c.run(t, dir, "plan", "-detailed-exitcode")
		switch status {
		case 0:
			converged = true
		case 2:
		default:
			t.Fatalf("the plan after apply %d failed with status %d:\n%s", attempt, status, out)
		}
	}
	if !converged {
		t.Fatal("two applies after the kill did not converge to a plan with no changes")
	}
	if got := c.checkState(t, dir, "once converged"); len(got) != crashResources {
		t.Errorf("the converged state records %d resources, want %d", len(got), crashResources)
	}
	for i := range crashResources {
		if data, err := os.ReadFile(filepath.Join(dir, "out", fmt.Sprintf("f%d.txt", i))); err != nil || string(data) != crashContent(i) {
			t.Errorf("out/f%d.txt once converged: %q, %v", i, data, err)
		}
	}
}

// checkState reads the state file, which must parse if it exists, and
// returns the indexes of the local_file resources it records.
func (c *crashRun) checkState(t *testing.T, dir, when string) map[int]bool {
	t.Helper()
	recorded := map[int]bool{}
	f, err := os.Open(filepath.Join(dir, "tack.state.json"))
	if errors.Is(err, os.ErrNotExist) {
		return recorded
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := state.ReadFile(f)
	if err != nil {
		t.Fatalf("the state %s does not read: %v", when, err)
	}
	for _, addr := range s.AllResourceInstances() {
		name := addr.Resource.Resource.Name
		i, err := strconv.Atoi(strings.TrimPrefix(name, "f"))
		if addr.Resource.Resource.Type != "local_file" || err != nil || !strings.HasPrefix(name, "f") {
			t.Errorf("the state %s records %s, which the configuration never had", when, addr)
			continue
		}
		recorded[i] = true
	}
	return recorded
}

// buildTack builds this command as a binary, for tests that run it as a
// separate process (to kill it, say).
func buildTack(t testing.TB) string {
	t.Helper()
	return filepath.Join(built(t, "tack", map[string]string{"tack": "."}), "tack")
}
