package local_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/state"
	"github.com/tackhq/tack/state/backendtest"
	"github.com/tackhq/tack/state/local"
)

// The test binary doubles as a second tack process: started with
// TACK_LOCAL_TEST_CHILD set, it does what the variable says with the
// state at TACK_LOCAL_TEST_PATH instead of running tests, and reports on
// stdout, one line per step, so the parent waits for conditions rather
// than sleeping.
const childEnv = "TACK_LOCAL_TEST_CHILD"

func TestMain(m *testing.M) {
	if what := os.Getenv(childEnv); what != "" {
		child(what, os.Getenv("TACK_LOCAL_TEST_PATH"))
		return
	}
	os.Exit(m.Run())
}

func child(what, path string) {
	ctx := context.Background()
	b := local.New(path)
	switch what {
	case "lock":
		// Take the lock, say so, and hold it until killed.
		info := state.NewLockInfo("apply", "child@test")
		info.Version = "0.1.0"
		id, err := b.Lock(ctx, info)
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println(id)
		select {}
	case "write":
		// Write ever newer states, reporting each serial once written.
		s := state.New()
		for i := 0; ; i++ {
			s.Serial++
			s.Outputs["n"] = &state.Output{Value: cty.NumberIntVal(int64(i))}
			s.Outputs["padding"] = &state.Output{Value: cty.StringVal(strings.Repeat("x", 1<<16))}
			if err := b.Write(ctx, s); err != nil {
				fmt.Println("error:", err)
				os.Exit(1)
			}
			fmt.Println(s.Serial)
		}
	}
	os.Exit(2)
}

// startChild starts the test binary as a child doing what, and returns it
// with its output lines.
func startChild(t *testing.T, what, path string) (*exec.Cmd, *bufio.Scanner) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+what, "TACK_LOCAL_TEST_PATH="+path)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return cmd, bufio.NewScanner(out)
}

func kill(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
}

func newPath(t *testing.T) string {
	return filepath.Join(t.TempDir(), local.DefaultPath)
}

func TestConformance(t *testing.T) {
	t.Parallel()
	backendtest.Run(t, func(t *testing.T) func() state.Backend {
		path := newPath(t)
		return func() state.Backend {
			b := local.New(path)
			b.Version = "0.1.0"
			return b
		}
	})
}

func sample(serial uint64, greeting string) *state.State {
	s := state.New()
	s.Lineage = "4c1e2a9e-5b0f-4f7e-9d7a-0d3c2b1a0f99"
	s.Serial = serial
	s.Outputs["greeting"] = &state.Output{Value: cty.StringVal(greeting)}
	return s
}

func TestWriteKeepsBackup(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := newPath(t)
	b := local.New(path)
	b.Version = "0.1.0"
	if err := b.Write(ctx, sample(1, "hello")); err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(path)
	if _, err := os.Stat(path + ".backup"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a first write left a backup: %v", err)
	}
	if err := b.Write(ctx, sample(2, "bonjour")); err != nil {
		t.Fatal(err)
	}
	backup, err := os.ReadFile(path + ".backup")
	if err != nil || !bytes.Equal(backup, first) {
		t.Errorf("backup after the second write is not the first state (%v):\n%s", err, backup)
	}
	if err := b.Write(ctx, sample(3, "hola")); err != nil {
		t.Fatal(err)
	}
	backup, _ = os.ReadFile(path + ".backup")
	if s, err := state.ReadFile(bytes.NewReader(backup)); err != nil || s.Serial != 2 {
		t.Errorf("backup after the third write: %v, %v; want serial 2", s, err)
	}

	// A state holds secrets: only its owner may read it, or its backup.
	for _, p := range []string{path, path + ".backup"} {
		fi, err := os.Stat(p)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v (%v), want 0600", p, fi.Mode(), err)
		}
	}
	// Nothing else is left in the directory.
	entries, _ := os.ReadDir(filepath.Dir(path))
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{local.DefaultPath, local.DefaultPath + ".backup"}; !slices.Equal(names, want) {
		t.Errorf("directory holds %v, want %v", names, want)
	}
}

func TestWriteRefusesUnreadableStoredState(t *testing.T) {
	t.Parallel()
	for name, content := range map[string]string{
		"damaged": `{"format_version": 1, "lineage": `,
		"newer":   `{"format_version": 3, "lineage": "x", "serial": 1}`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path := newPath(t)
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			err := local.New(path).Write(t.Context(), sample(5, "x"))
			if err == nil || !strings.Contains(err.Error(), "cannot be read, so it is left as it is") {
				t.Errorf("error %v", err)
			}
			if got, _ := os.ReadFile(path); string(got) != content {
				t.Errorf("the stored file was changed to %s", got)
			}
		})
	}
}

// Write reads only the head of a large stored state, where tack puts the
// lineage and serial; a file edited by hand may have them anywhere, and
// is checked all the same.
func TestWriteChecksLargeStoredState(t *testing.T) {
	t.Parallel()
	big := func(serial uint64) *state.State {
		s := sample(serial, "hello")
		s.Outputs["padding"] = &state.Output{Value: cty.StringVal(strings.Repeat("x", 200_000))}
		return s
	}
	for _, tc := range []struct {
		name string
		// edit rewrites the stored file, as a person might.
		edit func(data []byte) []byte
	}{
		{"as written", func(data []byte) []byte { return data }},
		{"lineage and serial last", func(data []byte) []byte {
			var head, rest []string
			for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n}\n"), "\n") {
				if strings.HasPrefix(line, `  "lineage"`) || strings.HasPrefix(line, `  "serial"`) {
					head = append(head, strings.TrimSuffix(line, ","))
				} else {
					rest = append(rest, line)
				}
			}
			return []byte(strings.Join(rest, "\n") + ",\n  " + strings.Join(head, ",\n  ") + "\n}\n")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			path := newPath(t)
			b := local.New(path)
			if err := b.Write(ctx, big(5)); err != nil {
				t.Fatal(err)
			}
			data, _ := os.ReadFile(path)
			if err := os.WriteFile(path, tc.edit(data), 0o600); err != nil {
				t.Fatal(err)
			}
			if s, err := b.Read(ctx); err != nil || s.Serial != 5 {
				t.Fatalf("the edited state reads as %v, %v", s, err)
			}
			if err := b.Write(ctx, big(4)); !errors.Is(err, state.ErrSerialBackwards) {
				t.Errorf("writing serial 4 over 5: %v, want a conflict", err)
			}
			other := big(6)
			other.Lineage = "00000000-0000-4000-8000-000000000000"
			if err := b.Write(ctx, other); !errors.Is(err, state.ErrLineageMismatch) {
				t.Errorf("writing another lineage: %v, want a conflict", err)
			}
			if err := b.Write(ctx, big(6)); err != nil {
				t.Errorf("writing serial 6 over 5: %v", err)
			}
		})
	}
}

func TestReadErrorNamesFile(t *testing.T) {
	t.Parallel()
	path := newPath(t)
	if err := os.WriteFile(path, []byte(`{"format_version": 3}`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := local.New(path).Read(t.Context())
	if !errors.Is(err, state.ErrNewerFormat) || !strings.Contains(err.Error(), path) {
		t.Errorf("error %v, want ErrNewerFormat naming %s", err, path)
	}
}

// A lock file left by a holder that died (SIGKILL, a power cut) does not
// keep the state locked: no process holds its flock.
func TestStaleLockFileIsTakenOver(t *testing.T) {
	t.Parallel()
	path := newPath(t)
	stale := `{"id":"dead-id","operation":"apply","who":"ghost@gone","version":"0.1.0","path":"x","created":"2025-01-01T00:00:00Z"}`
	if err := os.WriteFile(path+".lock.info", []byte(stale), 0o600); err != nil {
		t.Fatal(err)
	}
	b := local.New(path)
	info := state.NewLockInfo("plan", "me@here")
	id, err := b.Lock(t.Context(), info)
	if err != nil {
		t.Fatalf("Lock over a stale lock file: %v", err)
	}
	_, err = local.New(path).Lock(t.Context(), state.NewLockInfo("plan", "other@there"))
	var le *state.LockedError
	if !errors.As(err, &le) || le.Info.ID != id || le.Info.Who != "me@here" {
		t.Errorf("after the takeover: error %v, want the new holder", err)
	}
	if err := b.Unlock(t.Context(), "dead-id"); !errors.As(err, &le) {
		t.Errorf("unlocking with the dead holder's ID: %v", err)
	}
}

func TestLockHeldByAnotherProcess(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := newPath(t)
	cmd, out := startChild(t, "lock", path)
	if !out.Scan() || strings.HasPrefix(out.Text(), "error:") {
		t.Fatalf("the child did not take the lock: %q %v", out.Text(), out.Err())
	}
	childID := out.Text()

	b := local.New(path)
	_, err := b.Lock(ctx, state.NewLockInfo("plan", "parent@test"))
	var le *state.LockedError
	if !errors.As(err, &le) || le.Info.ID != childID || le.Info.Who != "child@test" || le.Info.Operation != "apply" || le.Info.Path != path {
		t.Fatalf("error %v, want a LockedError naming the child (ID %s)", err, childID)
	}
	if err := b.Unlock(ctx, "wrong-id"); !errors.As(err, &le) || le.Info.ID != childID {
		t.Errorf("Unlock with a wrong ID: %v, want a LockedError naming the child", err)
	}

	// SIGKILL: the child cannot clean up, its lock file stays behind, and
	// yet the lock is free.
	kill(t, cmd)
	if _, err := os.Stat(path + ".lock.info"); err != nil {
		t.Fatalf("the killed child's lock file is gone (%v): this test no longer tests a stale lock", err)
	}
	id, err := b.Lock(ctx, state.NewLockInfo("plan", "parent@test"))
	if err != nil {
		t.Fatalf("Lock after the holder was killed: %v", err)
	}
	if err := b.Unlock(ctx, id); err != nil {
		t.Fatal(err)
	}
}

// `tack force-unlock ID` frees a lock held by a live process that the user
// knows to be stuck.
func TestForceUnlockLiveHolder(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := newPath(t)
	_, out := startChild(t, "lock", path)
	if !out.Scan() || strings.HasPrefix(out.Text(), "error:") {
		t.Fatalf("the child did not take the lock: %q %v", out.Text(), out.Err())
	}
	b := local.New(path)
	if err := b.Unlock(ctx, out.Text()); err != nil {
		t.Fatalf("force-unlocking the child's lock: %v", err)
	}
	id, err := b.Lock(ctx, state.NewLockInfo("plan", "parent@test"))
	if err != nil {
		t.Fatalf("Lock after force-unlock: %v", err)
	}
	if err := b.Unlock(ctx, id); err != nil {
		t.Fatal(err)
	}
}

// A writer killed at any moment leaves a state that reads, and that holds
// every write it reported done.
func TestKilledWriterLeavesReadableState(t *testing.T) {
	t.Parallel()
	path := newPath(t)
	for round := range 5 {
		cmd, out := startChild(t, "write", path)
		// Let it write a varying number of times, then kill it wherever it
		// is: between writes, in the middle of one, during the rename.
		var last uint64
		for range 3 + round*7 {
			if !out.Scan() {
				t.Fatalf("the writer stopped: %v", out.Err())
			}
			n, err := strconv.ParseUint(out.Text(), 10, 64)
			if err != nil {
				t.Fatalf("the writer said %q", out.Text())
			}
			last = n
		}
		kill(t, cmd)
		s, err := local.New(path).Read(t.Context())
		if err != nil {
			t.Fatalf("round %d: the state does not read after the writer was killed: %v", round, err)
		}
		if s.Serial < last {
			t.Fatalf("round %d: stored serial %d, but the writer had reported %d written", round, s.Serial, last)
		}
		// The next round's writer starts a new lineage.
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
	}
}

// After Ctrl-C, tack saves the state with a context that is already
// cancelled: the write must still happen.
func TestWriteWithCancelledContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel()
	<-ctx.Done()
	path := newPath(t)
	if err := local.New(path).Write(ctx, sample(1, "x")); err != nil {
		t.Fatal(err)
	}
	if s, err := local.New(path).Read(t.Context()); err != nil || s.Serial != 1 {
		t.Errorf("read back: %v, %v", s, err)
	}
}

// Writing the very state stored again does nothing, however large it is;
// one of the same size and serial that differs only far into the file is
// another state, refused as one whose serial did not move.
func TestWriteSameSizeState(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := newPath(t)
	b := local.New(path)
	padded := func(last string) *state.State {
		s := sample(5, "hello")
		s.Outputs["padding"] = &state.Output{Value: cty.StringVal(strings.Repeat("x", 300_000) + last)}
		return s
	}
	if err := b.Write(ctx, padded("a")); err != nil {
		t.Fatal(err)
	}
	stored, _ := os.ReadFile(path)
	if err := b.Write(ctx, padded("a")); err != nil {
		t.Errorf("writing the stored state again: %v", err)
	}
	if _, err := os.Stat(path + ".backup"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("writing the stored state again made a backup: %v", err)
	}
	if err := b.Write(ctx, padded("b")); !errors.Is(err, state.ErrSerialBackwards) {
		t.Errorf("writing another state of the same size and serial: %v, want a conflict", err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, stored) {
		t.Error("the stored state changed")
	}
}
