package platform

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Client is the provider's side of the platform. Every call that changes
// the platform starts a supervisor when none is running; calls that only
// read start one only when the platform has something to run, so that a
// plan against an empty platform leaves no process behind. A Client is
// safe for concurrent use.
type Client struct {
	dir     string
	command []string
	http    *http.Client
}

// maxSocketPath is the longest unix socket path every unix accepts
// (macOS's sun_path holds 104 bytes with the terminating NUL).
const maxSocketPath = 103

// NewClient returns a client of the platform in dir, which starts a
// supervisor by running command (argv; the supervisor must serve dir)
// detached from the caller: in a session of its own, with its output
// appended to supervisor.log in dir.
func NewClient(dir string, command []string) (*Client, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	sock := filepath.Join(dir, socketFile)
	if len(sock) > maxSocketPath {
		return nil, fmt.Errorf("the platform directory %s is too deep for a unix socket (%d bytes, at most %d); choose a shorter one", dir, len(sock), maxSocketPath)
	}
	return &Client{
		dir:     dir,
		command: command,
		http: &http.Client{Transport: &http.Transport{
			// A connection per call: the supervisor may have been
			// replaced since the last one.
			DisableKeepAlives: true,
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, "unix", sock)
			},
		}},
	}, nil
}

// Dir is the platform directory, absolute.
func (c *Client) Dir() string { return c.dir }

// errIdle says no supervisor runs and the platform manages nothing.
var errIdle = errors.New("the platform is empty")

// CreateGroup creates a server group and starts its instances; it answers
// once they are starting.
func (c *Client) CreateGroup(ctx context.Context, g Group) (Group, error) {
	var out Group
	err := c.call(ctx, "CreateGroup", createGroupRequest{Group: g}, &out, true)
	return out, err
}

// ListGroups returns the groups of a cluster ("" for every cluster),
// sorted by name, with their instance counts.
func (c *Client) ListGroups(ctx context.Context, cluster string) ([]Group, error) {
	var out listGroupsResponse
	err := c.call(ctx, "ListGroups", listGroupsRequest{Cluster: cluster}, &out, false)
	if errors.Is(err, errIdle) {
		return nil, nil
	}
	return out.Groups, err
}

// ResizeGroup changes a group's capacity in place.
func (c *Client) ResizeGroup(ctx context.Context, cluster, name string, capacity Capacity) error {
	return c.call(ctx, "ResizeGroup", resizeRequest{groupRef{cluster, name}, capacity}, &empty{}, true)
}

// SetTraffic enables, disables or weighs a group.
func (c *Client) SetTraffic(ctx context.Context, cluster, name string, t Traffic) error {
	return c.call(ctx, "SetTraffic", setTrafficRequest{groupRef{cluster, name}, t}, &empty{}, true)
}

// Health returns each instance of a group, ordered by slot.
func (c *Client) Health(ctx context.Context, cluster, name string) ([]InstanceHealth, error) {
	var out healthResponse
	err := c.call(ctx, "Health", groupRef{cluster, name}, &out, false)
	if errors.Is(err, errIdle) {
		return nil, errorf(CodeNotFound, "there is no server group %s in cluster %s", name, cluster)
	}
	return out.Instances, err
}

// DestroyGroup drains and stops a group's instances and forgets it; it
// answers once they have stopped. A group already gone is not an error.
func (c *Client) DestroyGroup(ctx context.Context, cluster, name string) error {
	err := c.call(ctx, "DestroyGroup", groupRef{cluster, name}, &empty{}, false)
	if errors.Is(err, errIdle) {
		return nil
	}
	return err
}

// PutLoadBalancer creates a load balancer, or changes the one with its ID
// in place, and returns it with the address it listens on.
func (c *Client) PutLoadBalancer(ctx context.Context, lb LoadBalancer) (LoadBalancer, error) {
	var out LoadBalancer
	err := c.call(ctx, "PutLoadBalancer", lb, &out, true)
	return out, err
}

// LoadBalancer returns the load balancer with id; an [Error] with
// [CodeNotFound] when there is none.
func (c *Client) LoadBalancer(ctx context.Context, id string) (LoadBalancer, error) {
	var out LoadBalancer
	err := c.call(ctx, "GetLoadBalancer", loadBalancerRef{ID: id}, &out, false)
	if errors.Is(err, errIdle) {
		return out, errorf(CodeNotFound, "there is no load balancer %q on this platform", id)
	}
	return out, err
}

// DeleteLoadBalancer stops a load balancer after its requests in flight;
// one already gone is not an error.
func (c *Client) DeleteLoadBalancer(ctx context.Context, id string) error {
	err := c.call(ctx, "DeleteLoadBalancer", loadBalancerRef{ID: id}, &empty{}, false)
	if errors.Is(err, errIdle) {
		return nil
	}
	return err
}

// Metrics returns what the load balancers counted for each group within
// [start, end), in the order asked; a group nothing was counted for has
// zeros.
func (c *Client) Metrics(ctx context.Context, groups []string, start, end time.Time) ([]GroupMetrics, error) {
	var out metricsResponse
	err := c.call(ctx, "Metrics", metricsRequest{Groups: groups, Start: start, End: end}, &out, false)
	if errors.Is(err, errIdle) {
		out.Groups = nil
		for _, name := range groups {
			out.Groups = append(out.Groups, newGroupMetrics(name))
		}
		return out.Groups, nil
	}
	return out.Groups, err
}

// call sends one operation, starting a supervisor when none answers
// (always when start, otherwise only when the platform has something to
// run; else it returns errIdle).
func (c *Client) call(ctx context.Context, op string, in, out any, start bool) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		err := c.post(ctx, op, body, out)
		if err == nil || !notServing(err) || attempt == 3 {
			return err
		}
		if !start {
			doc, err := readDocument(c.dir)
			if err != nil {
				return err
			}
			if doc.empty() {
				return errIdle
			}
		}
		// A supervisor that is dying may still hold its socket for a
		// moment: give it one before looking again.
		if err := sleep(ctx, time.Duration(attempt)*50*time.Millisecond); err != nil {
			return err
		}
		if err := c.start(ctx); err != nil {
			return err
		}
	}
}

func (c *Client) post(ctx context.Context, op string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://supervisor/v1/"+op, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("reading the supervisor's answer to %s: %w", op, err)
	}
	if resp.StatusCode != http.StatusOK {
		e := &Error{}
		if json.Unmarshal(data, e) != nil || e.Message == "" {
			return fmt.Errorf("the supervisor answered %s with %s: %s", op, resp.Status, strings.TrimSpace(string(data)))
		}
		return e
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("reading the supervisor's answer to %s: %w", op, err)
	}
	return nil
}

// notServing reports whether err means no supervisor answered the call:
// no socket, nobody listening on it, one shutting down, or one that died
// with the call in its hands (the connection reset or closed before an
// answer). Every operation is idempotent (creating the same group again
// is accepted, a load balancer is put by its id, sizes and traffic are
// absolute, destroying what is gone succeeds), so sending it again to a
// new supervisor is safe even when the dead one had carried it out.
func notServing(err error) bool {
	var e *Error
	if errors.As(err, &e) {
		return e.Code == CodeExiting
	}
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOENT) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// startTimeout bounds how long a call waits for a supervisor to serve.
const startTimeout = 15 * time.Second

// start makes sure a supervisor serves the platform: it waits for one
// that is starting or shutting down, and starts one when nobody holds the
// supervisor lock. Starters in every process take turns on start.lock.
func (c *Client) start(ctx context.Context) error {
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return fmt.Errorf("creating the platform directory: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	unlock, err := lockFileCtx(ctx, filepath.Join(c.dir, startLock))
	if err != nil {
		return fmt.Errorf("waiting to start the supervisor: %w", err)
	}
	defer unlock()
	for {
		if c.serving() {
			return nil
		}
		if free, err := lockFree(filepath.Join(c.dir, lockFile)); err != nil {
			return err
		} else if free {
			if err := c.spawn(ctx); err != nil {
				return err
			}
			continue
		}
		// A supervisor holds the lock: starting, or on its way out.
		if err := sleep(ctx, 20*time.Millisecond); err != nil {
			return c.startFailed(err)
		}
	}
}

// serving reports whether something accepts connections on the socket.
func (c *Client) serving() bool {
	conn, err := net.DialTimeout("unix", filepath.Join(c.dir, socketFile), time.Second)
	if err != nil {
		return false
	}
	_ = conn.Close()
	return true
}

// spawn starts a supervisor and waits until it serves or exits.
func (c *Client) spawn(ctx context.Context) error {
	if len(c.command) == 0 {
		return errors.New("no command to start the platform's supervisor with")
	}
	name := filepath.Join(c.dir, logFile)
	if info, err := os.Stat(name); err == nil && info.Size() > 1<<20 {
		_ = os.Rename(name, name+".1")
	}
	out, err := os.OpenFile(name, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer out.Close()
	cmd := exec.Command(c.command[0], c.command[1:]...)
	cmd.Dir = c.dir
	cmd.Stdout, cmd.Stderr = out, out
	// Its own session: no terminal's signals, and not in the process
	// group of tack or of the provider, so it outlives both.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting the platform's supervisor: %w", err)
	}
	exited := make(chan struct{})
	// Collect it when it exits, while this process still runs.
	go func() { _ = cmd.Wait(); close(exited) }()
	for {
		if c.serving() {
			return nil
		}
		select {
		case <-exited:
			// Another supervisor won the lock, or this one failed; the
			// caller looks again.
			if cmd.ProcessState != nil && cmd.ProcessState.ExitCode() != 0 {
				return c.startFailed(fmt.Errorf("the supervisor %s", cmd.ProcessState))
			}
			return nil
		case <-ctx.Done():
			return c.startFailed(ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// startFailed explains a supervisor that did not come up, quoting its log.
func (c *Client) startFailed(err error) error {
	name := filepath.Join(c.dir, logFile)
	if tail := lastLines(name, 5); tail != "" {
		return fmt.Errorf("the platform's supervisor did not start (%w); the end of %s: %s", err, name, tail)
	}
	return fmt.Errorf("the platform's supervisor did not start (%w); see %s", err, name)
}

// lockFileCtx takes an exclusive flock on name, polling until ctx is done.
func lockFileCtx(ctx context.Context, name string) (func(), error) {
	f, err := os.OpenFile(name, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return func() { _ = f.Close() }, nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) {
			_ = f.Close()
			return nil, err
		}
		if err := sleep(ctx, 10*time.Millisecond); err != nil {
			_ = f.Close()
			return nil, err
		}
	}
}

// lockFree reports whether nobody holds the flock on name.
func lockFree(name string) (bool, error) {
	f, err := os.OpenFile(name, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return false, err
	}
	defer f.Close()
	err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
	if errors.Is(err, unix.EWOULDBLOCK) {
		return false, nil
	}
	return err == nil, err
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
