package client

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/tackhq/tack/plugins/sdk"
)

// ErrChecksumMismatch is returned by [Launch] when the provider binary's
// sha256 differs from the expected one; the binary was not run.
var ErrChecksumMismatch = errors.New("provider binary checksum does not match")

// Opts says which provider to launch or attach to and how.
type Opts struct {
	// Name is the provider's address for messages, "tack/local".
	Name string
	// Path is the provider binary. Ignored when Reattach is set.
	Path string
	// Args are passed to the binary.
	Args []string
	// Env is added to the binary's environment (tack's own environment is
	// inherited).
	Env []string
	// SHA256 is the checksum the binary must have; nil skips the check.
	SHA256 []byte
	// Reattach connects to a provider already running (started with
	// -debug, usually under a debugger) instead of launching one.
	Reattach *sdk.ReattachConfig
	// Logger receives the provider's log lines and go-plugin's own; nil
	// discards them. Its level filters what the provider's lines show.
	Logger hclog.Logger
	// StartTimeout bounds launch and handshake; zero means 30s.
	StartTimeout time.Duration
}

// Provider is a running provider plugin. It implements
// [sdk.ProviderServer]; Close ends it. Safe for concurrent use.
type Provider struct {
	*sdk.GRPCClient
	name       string
	plugin     *plugin.Client
	reattached bool
	// killDuringStart ends the process while Launch waits for it.
	killDuringStart func()
	output          *outputTail
}

var _ sdk.ProviderServer = (*Provider)(nil)

// Launch starts (or attaches to) a provider, completes the handshake and
// fetches its schemas, within ctx and Opts.StartTimeout. On error nothing
// is left running.
func Launch(ctx context.Context, opts Opts) (*Provider, error) {
	name := opts.Name
	if name == "" {
		name = opts.Path
	}
	logger := opts.Logger
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	p := &Provider{name: name, output: newOutputTail(), killDuringStart: func() {}}
	cfg := &plugin.ClientConfig{
		HandshakeConfig:  sdk.Handshake,
		Plugins:          plugin.PluginSet{sdk.PluginName: &sdk.GRPCPlugin{}},
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		Logger:           logger.Named(name),
		// A provider's fd 2 (where the Go runtime writes a panic) arrives
		// on Stderr; what it writes to os.Stderr and os.Stdout after
		// Serve is relayed by go-plugin over gRPC to SyncStderr and
		// SyncStdout. Both are kept to quote if it dies.
		Stderr:          p.output.stream(),
		SyncStderr:      p.output.stream(),
		SyncStdout:      p.output.stream(),
		StartTimeout:    opts.StartTimeout,
		GRPCDialOptions: append(sdk.GRPCDialOptions(), grpc.WithUnaryInterceptor(p.intercept)),
	}
	if cfg.StartTimeout == 0 {
		cfg.StartTimeout = 30 * time.Second
	}
	if opts.Reattach != nil {
		rc, err := opts.Reattach.PluginReattachConfig()
		if err != nil {
			return nil, fmt.Errorf("attaching to provider %s: %w", name, err)
		}
		cfg.Reattach = rc
		p.reattached = true
	} else {
		tlsConfig, material, err := newMTLS()
		if err != nil {
			return nil, fmt.Errorf("launching provider %s: making its TLS keys: %w", name, err)
		}
		// The process can be ended only while it starts: afterwards
		// Close ends it.
		procCtx, kill := context.WithCancel(context.Background())
		p.killDuringStart = kill
		cmd := exec.CommandContext(procCtx, opts.Path, opts.Args...)
		cmd.Env = append(append(cmd.Environ(), opts.Env...), sdk.TLSEnv+"="+string(material))
		cfg.Cmd = cmd
		// cmd.Env already holds tack's environment; without this go-plugin
		// appends it again, and the later copy would override Opts.Env
		// and the TLS material.
		cfg.SkipHostEnv = true
		cfg.TLSConfig = tlsConfig
		if opts.SHA256 != nil {
			cfg.SecureConfig = &plugin.SecureConfig{Checksum: opts.SHA256, Hash: sha256.New()}
		}
	}
	p.plugin = plugin.NewClient(cfg)
	if err := p.start(ctx); err != nil {
		p.plugin.Kill()
		return nil, err
	}
	return p, nil
}

func (p *Provider) start(ctx context.Context) error {
	// go-plugin's start waits for the handshake without a context; ending
	// the process is what makes it return early.
	stop := context.AfterFunc(ctx, p.killDuringStart)
	rpc, err := p.plugin.Client()
	stop()
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("launching provider %s: %w", p.name, ctx.Err())
	}
	if err != nil {
		if errors.Is(err, plugin.ErrChecksumsDoNotMatch) {
			return fmt.Errorf("launching provider %s: %w; the binary was not run. If you upgraded it on purpose, run tack init again to record the new checksum", p.name, ErrChecksumMismatch)
		}
		return fmt.Errorf("launching provider %s: %w%s", p.name, err, p.output.quote())
	}
	raw, err := rpc.Dispense(sdk.PluginName)
	if err != nil {
		return fmt.Errorf("launching provider %s: %w", p.name, err)
	}
	gc, ok := raw.(*sdk.GRPCClient)
	if !ok {
		return fmt.Errorf("launching provider %s: the plugin dispensed %T, not a provider", p.name, raw)
	}
	p.GRPCClient = gc
	if _, diags := gc.Schemas(ctx); diags.HasErrors() {
		return fmt.Errorf("provider %s: reading its schemas: %w", p.name, diags.Err())
	}
	return nil
}

// Name is the provider's address as given in Opts.
func (p *Provider) Name() string { return p.name }

// ServerGroups returns the provider's server group service when it hosts
// clusters.
func (p *Provider) ServerGroups(ctx context.Context) (sdk.ServerGroups, bool) {
	s, _ := p.Schemas(ctx)
	if s == nil || !s.Capabilities.ServerGroups {
		return nil, false
	}
	return p.GRPCClient, true
}

// Metrics returns the provider's metrics service when it serves one.
func (p *Provider) Metrics(ctx context.Context) (sdk.Metrics, bool) {
	s, _ := p.Schemas(ctx)
	if s == nil || !s.Capabilities.Metrics {
		return nil, false
	}
	return p.GRPCClient, true
}

// Close ends the provider: gracefully, then by force after two seconds. A
// provider attached through Reattach is left running.
func (p *Provider) Close() error {
	if p.reattached {
		// go-plugin leaves a provider started for debugging alone, and
		// with it the connection. Close only the connection: the plugin
		// client's own Close would shut the provider down.
		rpc, err := p.plugin.Client()
		if err != nil {
			return nil
		}
		if gc, ok := rpc.(*plugin.GRPCClient); ok {
			return gc.Conn.Close()
		}
		return nil
	}
	p.plugin.Kill()
	return nil
}

// Exited reports whether the provider process has ended.
func (p *Provider) Exited() bool { return p.plugin.Exited() }

// exitWait bounds how long a failed call waits for the provider process to
// end, to tell a crash from a transient transport error.
const exitWait = 2 * time.Second

// intercept turns a call that failed because the provider went away into
// a [ProviderExitedError] naming the provider and quoting its last words.
func (p *Provider) intercept(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	err := invoker(ctx, method, req, reply, cc, opts...)
	if err == nil || ctx.Err() != nil {
		return err
	}
	if st, ok := status.FromError(err); ok && st.Code() != codes.Unavailable && st.Code() != codes.Internal && st.Code() != codes.Unknown {
		return err
	}
	if !p.waitExited(ctx) {
		return err
	}
	return &ProviderExitedError{Provider: p.name, Method: shortMethod(method), Output: p.output.snapshot(), Err: err}
}

// waitExited waits briefly for the process to end and reports whether it
// did. It polls because go-plugin offers no exit notification.
func (p *Provider) waitExited(ctx context.Context) bool {
	deadline := time.NewTimer(exitWait)
	defer deadline.Stop()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !p.plugin.Exited() {
		select {
		case <-ctx.Done():
			return false
		case <-deadline.C:
			return false
		case <-tick.C:
		}
	}
	return true
}

func shortMethod(full string) string {
	for i := len(full) - 1; i >= 0; i-- {
		if full[i] == '/' {
			return full[i+1:]
		}
	}
	return full
}

// ProviderExitedError is a call that failed because the provider process
// ended during it. It is also an [sdk.CallError], so the call's response
// carries it as a diagnostic.
type ProviderExitedError struct {
	Provider string
	Method   string
	Output   Output
	Err      error
}

func (e *ProviderExitedError) Error() string {
	return fmt.Sprintf("provider %s %s during %s: %v", e.Provider, e.Output.verb(), e.Method, e.Err)
}

func (e *ProviderExitedError) Unwrap() error { return e.Err }

// Diagnostic describes the crash for the user.
func (e *ProviderExitedError) Diagnostic() sdk.Diagnostic {
	detail := fmt.Sprintf("The provider %s %s while handling %s, so the call's outcome is unknown. This is a bug in the provider; please report it to its authors with the output below.", e.Provider, e.Output.verb(), e.Method)
	detail += e.Output.render()
	return sdk.Diagnostic{Severity: sdk.Error, Summary: fmt.Sprintf("Provider %s %s", e.Provider, e.Output.verb()), Detail: detail}
}

// ParseReattach parses the value of TACK_REATTACH_PROVIDERS: a JSON object
// from provider name to [sdk.ReattachConfig], as a provider started with
// -debug prints it.
func ParseReattach(value string) (map[string]*sdk.ReattachConfig, error) {
	var m map[string]*sdk.ReattachConfig
	if err := json.Unmarshal([]byte(value), &m); err != nil {
		return nil, fmt.Errorf("TACK_REATTACH_PROVIDERS is not a JSON object of provider names to reattach configurations: %w", err)
	}
	for name, rc := range m {
		if rc == nil {
			return nil, fmt.Errorf("TACK_REATTACH_PROVIDERS: provider %q has no configuration", name)
		}
		if _, err := rc.PluginReattachConfig(); err != nil {
			return nil, fmt.Errorf("TACK_REATTACH_PROVIDERS: provider %q: %w", name, err)
		}
	}
	return m, nil
}
