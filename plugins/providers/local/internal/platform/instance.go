package platform

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// group is a server group in the supervisor's model (guarded by its mu).
type group struct {
	spec         Group // as created, with capacity and traffic kept current
	nextInstance int
	destroying   bool
	// instances are the group's processes: running, being stopped
	// (Terminating), or exited and waiting to be replaced.
	instances []*instance
	// slots hold each slot's restart backoff.
	slots map[int]*slot
	// done is closed once a destroyed group's last process has stopped.
	done chan struct{}
}

// slot is one place of a group's capacity: a crash-looping command is
// restarted in the same slot with growing delays, as an Auto Scaling group
// backs off.
type slot struct {
	quickExits int
	notBefore  time.Time
	// lastExit says how the slot's previous instance ended, for the
	// health of its replacement until that one is up: a command that
	// crashes at start is mostly seen starting.
	lastExit string
}

func newGroup(spec Group) *group {
	return &group{spec: spec, slots: map[int]*slot{}, done: make(chan struct{})}
}

func (g *group) slot(i int) *slot {
	st := g.slots[i]
	if st == nil {
		st = &slot{}
		g.slots[i] = st
	}
	return st
}

// live is the instance serving slot i: running and not being stopped.
func (g *group) live(i int) *instance {
	for _, in := range g.instances {
		if in.Slot == i && !in.exited && !in.Terminating {
			return in
		}
	}
	return nil
}

// instance is one process. Its record and exit fields are guarded by the
// supervisor's mu; group, addr and the record's identity never change after
// creation, so the load balancers read them without it.
type instance struct {
	instanceRecord
	group string
	addr  string
	// inflight counts requests the load balancers sent it that have not
	// completed: draining waits for zero.
	inflight atomic.Int64

	// retiring is set once a goroutine is draining and stopping it. The
	// record's Terminating says the same to the next supervisor, which
	// must start its own.
	retiring   bool
	exited     bool
	exitReason string
	exitedAt   time.Time
	// done is closed when the process has exited.
	done chan struct{}
	// checks are its health checks by load balancer ID; "" is the
	// group's own.
	checks map[string]*checker
}

func newInstance(group string, rec instanceRecord) *instance {
	return &instance{
		instanceRecord: rec, group: group, addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(rec.Port)),
		done: make(chan struct{}), checks: map[string]*checker{},
	}
}

// Restart backoff: an instance that ran less than quickExit before it
// exited is restarted after a delay that doubles with each quick exit in a
// row, from backoffBase up to backoffMax.
const (
	quickExit   = 10 * time.Second
	backoffBase = 500 * time.Millisecond
	backoffMax  = 30 * time.Second
)

func backoff(quickExits int) time.Duration {
	if quickExits <= 1 {
		return 0
	}
	d := backoffBase << (quickExits - 2)
	if d > backoffMax || d <= 0 {
		return backoffMax
	}
	return d
}

// reconcile brings g to its desired capacity: it stops instances beyond
// it, draining them first, and starts one in every empty slot whose
// backoff has passed. Called with mu held.
func (s *Supervisor) reconcile(g *group, now time.Time) {
	if g.destroying {
		return
	}
	desired := int(g.spec.Capacity.Desired)
	serving := map[int]bool{}
	for _, in := range g.instances {
		if !in.exited && !in.Terminating {
			serving[in.Slot] = true
		}
	}
	var kept []*instance
	for _, in := range g.instances {
		switch {
		case in.exited && (in.Slot >= desired || serving[in.Slot]):
			// Nothing to report any more: the slot is gone or serving.
			s.dirty = true
			continue
		case !in.exited && !in.Terminating && in.Slot >= desired:
			s.retire(g, in)
		}
		kept = append(kept, in)
	}
	g.instances = kept
	for i := range desired {
		if g.live(i) != nil || now.Before(g.slot(i).notBefore) {
			continue
		}
		s.launch(g, i)
	}
}

// launch starts an instance of g in slot i. Called with mu held.
func (s *Supervisor) launch(g *group, i int) {
	id := fmt.Sprintf("%s-i%d", g.spec.Name, g.nextInstance)
	g.nextInstance++
	s.dirty = true
	// An exited instance of the slot has said what it had to say.
	g.instances = removeFunc(g.instances, func(in *instance) bool { return in.Slot == i && in.exited })

	rec := instanceRecord{ID: id, Slot: i, StartedAt: time.Now(), Log: filepath.Join(s.dir, logsDir, g.spec.Name, id+".log")}
	fail := func(err error) {
		in := newInstance(g.spec.Name, rec)
		in.exited, in.exitedAt, in.exitReason = true, time.Now(), "cannot start: "+err.Error()
		close(in.done)
		g.instances = append(g.instances, in)
		st := g.slot(i)
		st.lastExit = "the previous instance " + id + " " + in.exitReason
		st.quickExits++
		st.notBefore = time.Now().Add(max(backoff(st.quickExits), backoffBase))
		s.log.Printf("instance %s: %v", id, err)
	}
	port, err := s.freePort()
	if err != nil {
		fail(err)
		return
	}
	rec.Port = port
	cmd, err := s.command(g, rec)
	if err != nil {
		delete(s.ports, port)
		fail(err)
		return
	}
	err = cmd.Start()
	if f, ok := cmd.Stdout.(*os.File); ok {
		_ = f.Close()
	}
	if err != nil {
		delete(s.ports, port)
		fail(err)
		return
	}
	rec.PID = cmd.Process.Pid
	rec.StartTicks, _ = startTicks(rec.PID)
	in := newInstance(g.spec.Name, rec)
	g.instances = append(g.instances, in)
	s.log.Printf("started instance %s (pid %d, port %d)", id, rec.PID, port)
	// Not counted in bg: an instance outlives a supervisor told to stop.
	go func() {
		err := cmd.Wait()
		s.exited(in, exitReason(cmd.ProcessState, err))
	}()
	s.startChecks(g, in, false)
}

// command is the exec.Cmd of an instance: the group's argv in its
// directory, in a process group of its own (so that stopping it reaches
// whatever it starts), output appended to the instance's log file.
func (s *Supervisor) command(g *group, rec instanceRecord) (*exec.Cmd, error) {
	path, err := executable(g.spec.Command, g.spec.Dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(rec.Log), 0o755); err != nil {
		return nil, err
	}
	out, err := os.OpenFile(rec.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	env := append([]string(nil), s.env...)
	for _, k := range sortedKeys(g.spec.Env) {
		env = append(env, k+"="+g.spec.Env[k])
	}
	env = append(env,
		"PORT="+strconv.Itoa(rec.Port),
		"TACK_SERVER_GROUP="+g.spec.Name,
		"TACK_CLUSTER="+g.spec.Cluster.Name,
		"TACK_VERSION="+g.spec.Version,
		"TACK_INSTANCE_ID="+rec.ID,
		platformEnv+"="+s.dir,
	)
	return &exec.Cmd{
		Path: path, Args: g.spec.Command, Dir: g.spec.Dir, Env: env,
		Stdout: out, Stderr: out,
		SysProcAttr: &syscall.SysProcAttr{Setpgid: true},
	}, nil
}

// platformEnv marks every instance with the platform directory that
// started it, so that a supervisor can find processes its predecessor
// started but did not live to record.
const platformEnv = "TACK_LOCAL_PLATFORM"

// executable resolves argv[0] as the instance will run it: a path with a
// slash against dir, a bare name in PATH.
func executable(argv []string, dir string) (string, error) {
	if len(argv) == 0 || argv[0] == "" {
		return "", errors.New("the command is empty")
	}
	name := argv[0]
	if !strings.Contains(name, "/") {
		return exec.LookPath(name)
	}
	if !filepath.IsAbs(name) {
		name = filepath.Join(dir, name)
	}
	info, err := os.Stat(name)
	switch {
	case err != nil:
		return "", fmt.Errorf("%s: %w", name, errors.Unwrap(err))
	case info.IsDir():
		return "", fmt.Errorf("%s is a directory", name)
	case info.Mode().Perm()&0o111 == 0:
		return "", fmt.Errorf("%s is not executable", name)
	}
	return name, nil
}

// freePort asks the kernel for a free loopback port that no live instance
// holds. Called with mu held.
func (s *Supervisor) freePort() (int, error) {
	for range 20 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, fmt.Errorf("finding a free port: %w", err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		_ = ln.Close()
		if !s.ports[port] {
			s.ports[port] = true
			return port, nil
		}
	}
	return 0, errors.New("finding a free port: every port offered is in use")
}

// watchAdopted waits for an instance an earlier supervisor started: not
// our child, so it is polled.
func (s *Supervisor) watchAdopted(in *instance) {
	defer s.bg.Done()
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-s.stopping:
			return
		case <-t.C:
		}
		if !alive(in.PID, in.StartTicks) {
			s.exited(in, "exited (status unknown: an earlier supervisor started it)")
			return
		}
	}
}

// exited records that an instance's process ended. A stopped instance
// leaves its group; a crashed one stays, down with its reason, until the
// loop replaces it.
func (s *Supervisor) exited(in *instance, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if in.exited {
		return
	}
	now := time.Now()
	in.exited, in.exitedAt, in.exitReason = true, now, reason
	close(in.done)
	delete(s.ports, in.Port)
	s.stopChecks(in)
	s.dirty = true
	g := s.groups[in.group]
	if g == nil {
		return
	}
	if in.Terminating || g.destroying {
		g.instances = removeFunc(g.instances, func(x *instance) bool { return x == in })
		s.finishDestroy(g)
	} else {
		s.log.Printf("instance %s %s", in.ID, reason)
		st := g.slot(in.Slot)
		if now.Sub(in.StartedAt) < quickExit {
			st.quickExits++
		} else {
			st.quickExits = 1
		}
		st.notBefore = now.Add(backoff(st.quickExits))
		st.lastExit = "the previous instance " + in.ID + " " + reason
		if tail := lastLines(in.Log, 5); tail != "" {
			st.lastExit += "; its last output: " + tail
		}
	}
	s.rebuildFor(g)
	s.poke()
}

// retire takes an instance out of every load balancer's rotation, lets its
// in-flight requests finish (up to the drain timeout), then stops it.
// Called with mu held.
func (s *Supervisor) retire(g *group, in *instance) {
	if in.retiring || in.exited {
		return
	}
	in.retiring = true
	in.Terminating = true
	s.dirty = true
	s.stopChecks(in)
	s.rebuildFor(g)
	drain := s.drainTimeout(g)
	stop := g.spec.StopTimeout
	if stop <= 0 {
		stop = DefaultStopTimeout
	}
	// A supervisor told to stop abandons the drain: the state says the
	// instance is terminating, and the next supervisor finishes the job.
	go func() {
		deadline := time.Now().Add(drain)
		for in.inflight.Load() > 0 && time.Now().Before(deadline) {
			select {
			case <-in.done:
				return
			case <-s.stopping:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
		s.terminate(in, stop)
	}()
}

// terminate stops an instance's process group: SIGTERM, then SIGKILL if
// it has not exited after stop.
func (s *Supervisor) terminate(in *instance, stop time.Duration) {
	_ = unix.Kill(-in.PID, unix.SIGTERM)
	select {
	case <-in.done:
	case <-s.stopping:
		return
	case <-time.After(stop):
		_ = unix.Kill(-in.PID, unix.SIGKILL)
		select {
		case <-in.done:
		case <-time.After(5 * time.Second):
		}
	}
	// Whatever the command started and left behind in its group.
	_ = unix.Kill(-in.PID, unix.SIGKILL)
}

// drainTimeout is the longest drain timeout of g's load balancers.
func (s *Supervisor) drainTimeout(g *group) time.Duration {
	var d time.Duration
	for _, id := range g.spec.LoadBalancers {
		if lb := s.lbs[id]; lb != nil {
			t := lb.rec.DrainTimeout
			if t <= 0 {
				t = DefaultDrainTimeout
			}
			d = max(d, t)
		}
	}
	return d
}

// destroyLocked starts destroying g: every instance is retired, and the
// group leaves the model once the last has stopped. Called with mu held.
func (s *Supervisor) destroyLocked(g *group) {
	g.destroying = true
	s.dirty = true
	g.instances = removeFunc(g.instances, func(in *instance) bool { return in.exited })
	for _, in := range g.instances {
		s.retire(g, in)
	}
	s.finishDestroy(g)
}

// finishDestroy removes a destroyed group whose processes have all
// stopped. Called with mu held.
func (s *Supervisor) finishDestroy(g *group) {
	if !g.destroying || len(g.instances) > 0 || s.groups[g.spec.Name] != g {
		return
	}
	delete(s.groups, g.spec.Name)
	close(g.done)
	s.dirty = true
	s.log.Printf("destroyed server group %s", g.spec.Name)
}

func exitReason(ps *os.ProcessState, err error) string {
	if ps == nil {
		return "lost: " + err.Error()
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return "killed by signal " + ws.Signal().String()
	}
	return fmt.Sprintf("exited with status %d", ps.ExitCode())
}

// lastLines returns the last n non-empty lines of the file at name, each
// cut to a readable length, joined by " | ".
func lastLines(name string, n int) string {
	f, err := os.Open(name)
	if err != nil {
		return ""
	}
	defer f.Close()
	const tail = 4096
	if info, err := f.Stat(); err == nil && info.Size() > tail {
		_, _ = f.Seek(info.Size()-tail, io.SeekStart)
	}
	data, _ := io.ReadAll(io.LimitReader(f, tail))
	var lines []string
	for _, l := range bytes.Split(data, []byte("\n")) {
		if l := strings.TrimSpace(string(l)); l != "" {
			if len(l) > 160 {
				l = l[:160] + "…"
			}
			lines = append(lines, l)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

func removeFunc[T any](s []T, del func(T) bool) []T {
	out := s[:0]
	for _, v := range s {
		if !del(v) {
			out = append(out, v)
		}
	}
	clear(s[len(out):])
	return out
}
