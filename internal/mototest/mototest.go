// Package mototest runs the moto server (a local imitation of AWS's APIs,
// https://github.com/getmoto/moto) for the tests of the AWS provider and of
// the CLI driving it: on a free loopback port, reset between tests,
// stopped by its process id. It lives at the module's root so that both
// plugins/providers/aws and cmd/tack may import it.
//
// The tests need it: when moto cannot be found they fail, saying how to
// get it, rather than skip and pass by doing nothing. TACK_MOTO_PYTHON
// names the Python that has moto installed; by default the python3 on
// PATH and the pyenv versions are tried.
package mototest

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Server is a running moto server.
type Server struct {
	// URL is its endpoint, "http://127.0.0.1:PORT", for every service.
	URL string
	cmd *exec.Cmd
	log *os.File
}

var (
	mu     sync.Mutex
	shared *Server
)

// Shared returns the test binary's moto server, starting it on first use;
// Stop (from TestMain) ends it. Tests that use it reset it first and so
// must not run in parallel with each other.
func Shared(tb testing.TB) *Server {
	tb.Helper()
	mu.Lock()
	defer mu.Unlock()
	if shared == nil {
		s, err := Start()
		if err != nil {
			tb.Fatal(err)
		}
		shared = s
	}
	shared.Reset(tb)
	return shared
}

// StopShared stops the shared server, if one was started.
func StopShared() {
	mu.Lock()
	defer mu.Unlock()
	if shared != nil {
		shared.Stop()
		shared = nil
	}
}

// Python finds a Python with moto installed.
func Python() (string, error) {
	candidates := []string{os.Getenv("TACK_MOTO_PYTHON"), "python3"}
	if home, err := os.UserHomeDir(); err == nil {
		found, _ := filepath.Glob(filepath.Join(home, ".pyenv", "versions", "3.*", "bin", "python3"))
		candidates = append(candidates, found...)
	}
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if err := exec.Command(c, "-c", "import moto.server").Run(); err == nil {
			return c, nil
		}
	}
	return "", fmt.Errorf("no Python with moto was found (tried %s): the AWS provider's tests need the moto server; install it with pip install 'moto[server]' or set TACK_MOTO_PYTHON to a Python that has it", strings.Join(candidates[1:], ", "))
}

// Start starts a moto server on a free loopback port and waits until it
// answers.
func Start() (*Server, error) {
	py, err := Python()
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	log, err := os.CreateTemp("", "moto-*.log")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(py, "-m", "moto.server", "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Stdout, cmd.Stderr = log, log
	// Its own process group, so that Stop ends any worker it forks.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		log.Close()
		return nil, fmt.Errorf("starting moto: %w", err)
	}
	s := &Server{URL: "http://127.0.0.1:" + strconv.Itoa(port), cmd: cmd, log: log}
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(s.URL + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			return s, nil
		}
		if time.Now().After(deadline) || cmd.ProcessState != nil {
			s.Stop()
			return nil, fmt.Errorf("moto did not answer on %s within a minute: %v\n%s", s.URL, err, tail(log.Name()))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Reset forgets everything the server holds, as a new one would.
func (s *Server) Reset(tb testing.TB) {
	tb.Helper()
	resp, err := http.Post(s.URL+"/moto-api/reset", "application/json", nil)
	if err != nil {
		tb.Fatalf("resetting moto: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("resetting moto: %s", resp.Status)
	}
}

// Stop ends the server and its process group.
func (s *Server) Stop() {
	if s.cmd.Process != nil {
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		_ = s.cmd.Wait()
	}
	s.log.Close()
	_ = os.Remove(s.log.Name())
}

// Env is the environment that makes the AWS SDK talk to the server with
// moto's fake credentials, whatever the machine's own are.
func (s *Server) Env() []string {
	return []string{
		"AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing", "AWS_SESSION_TOKEN=",
		"AWS_REGION=us-east-1", "AWS_PROFILE=", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_EC2_METADATA_DISABLED=true",
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// tail is the last lines of a log, for an error message.
func tail(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > 20 {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}
