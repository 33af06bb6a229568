package client

import (
	"bufio"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/go-hclog"
	"github.com/zclconf/go-cty/cty"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/tackhq/tack/plugins/sdk"
)

func TestPanicInVendorCodeIsADiagnosticAndTheProviderKeepsServing(t *testing.T) {
	t.Parallel()
	var log syncBuffer
	p := launchTest(t, "panic", Opts{Logger: hclog.New(&hclog.LoggerOptions{Output: &log, Level: hclog.Error})})
	var resp sdk.ApplyResourceChangeResponse
	within(t, 5*time.Second, "ApplyResourceChange", func() { resp = createThing(t.Context(), p, "a") })
	if !resp.Diagnostics.HasErrors() {
		t.Fatalf("a panicking Create returned no error diagnostic")
	}
	d := resp.Diagnostics[0]
	if d.Summary != "Provider panicked" || !strings.Contains(d.Detail, "the thing exploded") || !strings.Contains(d.Detail, "ApplyResourceChange") {
		t.Errorf("diagnostic does not say what panicked where: %v", d)
	}
	if !resp.NewState.IsNull() {
		t.Errorf("a failed create left a state: %#v", resp.NewState)
	}
	// The provider is still there for the next call.
	if diags := p.ValidateResourceConfig(t.Context(), sdk.ValidateResourceConfigRequest{
		TypeName: "test_thing",
		Config:   cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal("b"), "id": cty.NullVal(cty.String)}),
	}).Diagnostics; diags.HasErrors() {
		t.Errorf("the provider did not keep serving after a panic: %v", diags.Err())
	}
	if p.Exited() {
		t.Errorf("the provider process exited after a recovered panic")
	}
	// The stack, for the provider's authors, is in tack's log.
	_ = p.Close()
	if got := log.String(); !strings.Contains(got, "provider panicked") || !strings.Contains(got, "main_test.go") {
		t.Errorf("the provider's log does not hold the panic's stack:\n%s", got)
	}
}

func TestProviderThatDiesMidCallGivesADiagnosticQuotingIt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		behaviour   string
		wantSummary string
		wantQuoted  []string
	}{
		{"crash", "Provider tack/test-crash crashed", []string{"panic: the thing exploded on another goroutine", "[WARN] about to fail: preparing the thing"}},
		{"exit", "Provider tack/test-exit exited", []string{"fatal: lost the connection to the thing"}},
	}
	for _, tt := range tests {
		t.Run(tt.behaviour, func(t *testing.T) {
			t.Parallel()
			p := launchTest(t, tt.behaviour, Opts{})
			var resp sdk.ApplyResourceChangeResponse
			within(t, 5*time.Second, "ApplyResourceChange on a dying provider", func() { resp = createThing(t.Context(), p, "a") })
			if len(resp.Diagnostics) != 1 {
				t.Fatalf("got %d diagnostics, want 1: %v", len(resp.Diagnostics), resp.Diagnostics)
			}
			d := resp.Diagnostics[0]
			if d.Severity != sdk.Error || d.Summary != tt.wantSummary {
				t.Errorf("diagnostic = %s %q, want error %q", d.Severity, d.Summary, tt.wantSummary)
			}
			for _, q := range tt.wantQuoted {
				if !strings.Contains(d.Detail, q) {
					t.Errorf("the detail does not quote %q:\n%s", q, d.Detail)
				}
			}
			if !strings.Contains(d.Detail, "ApplyResourceChange") {
				t.Errorf("the detail does not name the call:\n%s", d.Detail)
			}
			if !p.Exited() {
				t.Errorf("the provider process is still running")
			}
			// A later call fails fast with the same explanation, rather
			// than hanging on a dead process.
			within(t, 5*time.Second, "a call after the crash", func() {
				if diags := p.ValidateResourceConfig(t.Context(), sdk.ValidateResourceConfigRequest{TypeName: "test_thing", Config: cty.NullVal(cty.DynamicPseudoType)}).Diagnostics; !diags.HasErrors() {
					t.Errorf("a call to a dead provider succeeded")
				}
			})
		})
	}
}

func TestNoCallOutlivesItsContext(t *testing.T) {
	t.Parallel()
	p := launchTest(t, "hang", Opts{})
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	var resp sdk.ApplyResourceChangeResponse
	within(t, 5*time.Second, "a hanging call with a deadline", func() { resp = createThing(ctx, p, "a") })
	if !resp.Diagnostics.HasErrors() {
		t.Fatalf("a call past its deadline succeeded")
	}
	if got := resp.Diagnostics[0].Summary; got != "Provider call timed out" {
		t.Errorf("summary = %q, want %q", got, "Provider call timed out")
	}
}

func TestStopCancelsCallsInFlight(t *testing.T) {
	t.Parallel()
	p := launchTest(t, "wait", Opts{})
	busy, cancelBusy := context.WithCancel(t.Context())
	defer cancelBusy()
	result := make(chan sdk.ApplyResourceChangeResponse, 1)
	go func() { result <- createThing(busy, p, "b") }()
	within(t, 5*time.Second, "Stop", func() {
		if err := p.Stop(t.Context()); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	select {
	case r := <-result:
		if !r.Diagnostics.HasErrors() || r.Diagnostics[0].Summary != "Cancelled" {
			t.Errorf("the call in flight was not cancelled by Stop: %v", r.Diagnostics)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("Stop did not cancel the call in flight")
	}
}

func TestChecksum(t *testing.T) {
	t.Parallel()
	self, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	good := sha256.Sum256(self)
	bad := sha256.Sum256([]byte("another binary"))

	t.Run("matching checksum runs", func(t *testing.T) {
		t.Parallel()
		p := launchTest(t, "ok", Opts{SHA256: good[:]})
		if resp := createThing(t.Context(), p, "a"); resp.Diagnostics.HasErrors() {
			t.Fatalf("create: %v", resp.Diagnostics.Err())
		}
	})
	t.Run("different checksum is refused before it runs", func(t *testing.T) {
		t.Parallel()
		marker := filepath.Join(t.TempDir(), "started")
		_, err := Launch(t.Context(), Opts{
			Name: "tack/test", Path: os.Args[0], SHA256: bad[:],
			Env: []string{providerEnv + "=ok", "TACK_CLIENT_TEST_MARKER=" + marker},
		})
		if !errors.Is(err, ErrChecksumMismatch) {
			t.Fatalf("Launch error = %v, want ErrChecksumMismatch", err)
		}
		if !strings.Contains(err.Error(), "tack init") {
			t.Errorf("the error does not say how to recover: %v", err)
		}
		if _, statErr := os.Stat(marker); !errors.Is(statErr, os.ErrNotExist) {
			t.Errorf("the refused binary ran (marker: %v)", statErr)
		}
	})
}

func TestLaunchFailureSaysWhy(t *testing.T) {
	t.Parallel()
	_, err := Launch(t.Context(), Opts{Name: "tack/missing", Path: filepath.Join(t.TempDir(), "no-such-provider")})
	if err == nil || !strings.Contains(err.Error(), "tack/missing") {
		t.Fatalf("Launch of a missing binary: %v, want an error naming the provider", err)
	}
}

func TestReattach(t *testing.T) {
	t.Parallel()
	// Start the provider as a user would under a debugger: by hand, with
	// -debug, reading the TACK_REATTACH_PROVIDERS line it prints.
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	cmd := execProvider(ctx, "ok", "-debug")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); _ = cmd.Wait() }()
	value := readReattachLine(t, stdout)

	configs, err := ParseReattach(value)
	if err != nil {
		t.Fatalf("ParseReattach(%s): %v", value, err)
	}
	rc, ok := configs["test"]
	if !ok {
		t.Fatalf("the printed configuration has no provider \"test\": %s", value)
	}
	if rc.Pid != cmd.Process.Pid {
		t.Errorf("reattach pid = %d, want %d", rc.Pid, cmd.Process.Pid)
	}
	p, err := Launch(t.Context(), Opts{Name: "tack/test", Reattach: rc})
	if err != nil {
		t.Fatalf("Launch with Reattach: %v", err)
	}
	resp := createThing(t.Context(), p, "dbg")
	if resp.Diagnostics.HasErrors() {
		t.Fatalf("create through a reattached provider: %v", resp.Diagnostics.Err())
	}
	if got := resp.NewState.GetAttr("id").AsString(); got != "thing-dbg" {
		t.Errorf("id = %q, want thing-dbg", got)
	}
	_ = p.Close()
	// Closing tack's side leaves the debugged provider running: a second
	// session attaches to the same process.
	again, err := Launch(t.Context(), Opts{Name: "tack/test", Reattach: rc})
	if err != nil {
		t.Fatalf("reattaching after Close: %v", err)
	}
	defer again.Close()
	if resp := createThing(t.Context(), again, "dbg2"); resp.Diagnostics.HasErrors() {
		t.Fatalf("the provider did not survive the first session's Close: %v", resp.Diagnostics.Err())
	}
	// When the user ends the debugged provider, both sessions notice.
	cancel()
	_ = cmd.Wait()
	within(t, 5*time.Second, "noticing the provider exited", func() {
		for !p.Exited() || !again.Exited() {
			time.Sleep(50 * time.Millisecond) // go-plugin polls the pid each second; there is no event to wait on
		}
	})
}

// execProvider prepares the test binary to run as the named test provider.
func execProvider(ctx context.Context, behaviour string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = append(os.Environ(), providerEnv+"="+behaviour)
	return cmd
}

// readReattachLine reads a provider's -debug banner up to the
// TACK_REATTACH_PROVIDERS line and returns its value.
func readReattachLine(t *testing.T, r io.Reader) string {
	t.Helper()
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if v, ok := strings.CutPrefix(line, "TACK_REATTACH_PROVIDERS="); ok {
			return strings.Trim(v, "'")
		}
	}
	t.Fatalf("the provider printed no TACK_REATTACH_PROVIDERS line (%v)", sc.Err())
	return ""
}

func TestParseReattachErrors(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"not json":      `{`,
		"bad network":   `{"x":{"protocol":"grpc","protocol_version":1,"addr":{"network":"udp","string":"1.2.3.4:5"}}}`,
		"bad protocol":  `{"x":{"protocol":"netrpc","protocol_version":1,"addr":{"network":"unix","string":"/tmp/x"}}}`,
		"missing value": `{"x":null}`,
	}
	for name, value := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if _, err := ParseReattach(value); err == nil || !strings.Contains(err.Error(), "TACK_REATTACH_PROVIDERS") {
				t.Errorf("ParseReattach(%s) = %v, want an error naming TACK_REATTACH_PROVIDERS", value, err)
			}
		})
	}
}

func TestOutputTailRendersLogsAndKeepsThePanicStart(t *testing.T) {
	t.Parallel()
	o := newOutputTail()
	w := o.stream()
	input := `{"@level":"info","@message":"configured","@module":"x","region":"local"}` + "\n" +
		"plain line\n" +
		"panic: boom\n\ngoroutine 7 [running]:\nmain.f()\n"
	// Any chunking of the stream gives the same lines.
	// Another stream's unfinished line does not run into this one's.
	other := o.stream()
	_, _ = io.WriteString(other, "progress: 50%")
	for _, chunk := range strings.SplitAfter(input, "o") {
		_, _ = io.WriteString(w, chunk)
	}
	for i := 0; i < 100; i++ {
		_, _ = io.WriteString(w, "\tmore stack\n")
	}
	got := o.snapshot()
	want := Output{
		Tail:  []string{"[INFO] configured region=local", "plain line"},
		Panic: append([]string{"panic: boom", "", "goroutine 7 [running]:", "main.f()"}, repeat("\tmore stack", panicLines-4)...),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func TestTheConnectionAcceptsOnlyTheCore(t *testing.T) {
	t.Parallel()
	p := launchTest(t, "env", Opts{})
	rc := p.plugin.ReattachConfig()
	if rc == nil {
		t.Fatalf("no address for the launched provider")
	}
	// A stranger on the socket, without TLS or with a certificate of its
	// own, gets nothing from the provider.
	other, _, err := newMTLS()
	if err != nil {
		t.Fatal(err)
	}
	other.InsecureSkipVerify = true
	for name, creds := range map[string]credentials.TransportCredentials{
		"plaintext":         insecure.NewCredentials(),
		"other certificate": credentials.NewTLS(other),
	} {
		conn, err := grpc.NewClient("unix:"+rc.Addr.String(), grpc.WithTransportCredentials(creds))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		resp := sdk.NewGRPCClient(conn).GetSchema(ctx)
		cancel()
		_ = conn.Close()
		if !resp.Diagnostics.HasErrors() {
			t.Errorf("%s: a client that is not the core was served", name)
		}
	}
	// The key material never reaches what the provider runs.
	resp := createThing(t.Context(), p, "a")
	if resp.Diagnostics.HasErrors() {
		t.Fatal(resp.Diagnostics.Err())
	}
	if got := resp.NewState.GetAttr("id").AsString(); got != "tls-env-unset" {
		t.Errorf("inside the provider, %s was still set (id %q)", sdk.TLSEnv, got)
	}
}

// syncBuffer is a log destination safe for go-plugin's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestProviderLogsReachTacksLogAtItsLevel(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		level hclog.Level
		want  bool
	}{{hclog.Debug, true}, {hclog.Warn, false}} {
		t.Run(tt.level.String(), func(t *testing.T) {
			t.Parallel()
			var buf syncBuffer
			logger := hclog.New(&hclog.LoggerOptions{Output: &buf, Level: tt.level})
			p := launchTest(t, "ok", Opts{Logger: logger})
			if resp := createThing(t.Context(), p, "logged"); resp.Diagnostics.HasErrors() {
				t.Fatal(resp.Diagnostics.Err())
			}
			// The provider's stderr is read asynchronously; closing the
			// provider waits until it has all been read.
			_ = p.Close()
			got := strings.Contains(buf.String(), "created the thing") && strings.Contains(buf.String(), "name=logged")
			if got != tt.want {
				t.Errorf("at level %s the provider's info line was logged: %t, want %t; log:\n%s", tt.level, got, tt.want, buf.String())
			}
		})
	}
}

func TestLaunchHonoursItsContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	var err error
	within(t, 5*time.Second, "Launch of a provider that never completes the handshake", func() {
		_, err = Launch(ctx, Opts{Name: "tack/never-ready", Path: os.Args[0], Env: []string{providerEnv + "=never-ready"}})
	})
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "tack/never-ready") {
		t.Errorf("Launch = %v, want a deadline error naming the provider", err)
	}
}

// Opts.Env and the TLS material win over tack's own environment, even when
// it holds the same names (a stale TACK_PLUGIN_TLS from a parent tack).
func TestOptsEnvOverridesTacksEnvironment(t *testing.T) {
	t.Setenv(sdk.TLSEnv, "stale")
	t.Setenv("TACK_TEST_VALUE", "from tack's environment")
	p := launchTest(t, "echo", Opts{Env: []string{"TACK_TEST_VALUE=from Opts.Env"}})
	resp := createThing(t.Context(), p, "a")
	if resp.Diagnostics.HasErrors() {
		t.Fatal(resp.Diagnostics.Err())
	}
	if got := resp.NewState.GetAttr("id").AsString(); got != "from Opts.Env" {
		t.Errorf("the provider saw TACK_TEST_VALUE=%q, want the value from Opts.Env", got)
	}
}
