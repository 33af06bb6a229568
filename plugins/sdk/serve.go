package sdk

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/tackhq/tack/plugins/proto"
)

// ProtocolVersion is the version of the wire protocol in plugins/proto. A
// provider and the core must agree on it at the handshake.
const ProtocolVersion = 1

// PluginName is the name the provider is dispensed under in go-plugin.
const PluginName = "provider"

// Handshake is go-plugin's handshake between tack and a provider. The
// cookie only keeps a provider binary from doing anything surprising when a
// user runs it by hand; it is not a secret.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  ProtocolVersion,
	MagicCookieKey:   "TACK_PLUGIN_MAGIC_COOKIE",
	MagicCookieValue: "8c1f5e2a0b7d4396a1e0f3c2d9b84f6e7a5c3d1b0e9f8a7c",
}

// GRPCPlugin is the go-plugin glue for the provider service, used on both
// sides: a provider serves Impl; the core dispenses a [*GRPCClient].
type GRPCPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	// Impl is the provider, on the serving side.
	Impl ProviderServer
	// Logger receives the stack of a panic in Impl; nil discards it.
	Logger hclog.Logger
}

// GRPCServer registers the Provider service, and ServerGroups and Metrics
// when Impl implements them.
func (p *GRPCPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	RegisterGRPC(s, p.Impl, p.Logger)
	return nil
}

// GRPCClient returns a *GRPCClient over conn.
func (p *GRPCPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, conn *grpc.ClientConn) (any, error) {
	return NewGRPCClient(conn), nil
}

// RegisterGRPC registers impl's services on s: Provider always, and
// ServerGroups and Metrics when impl implements them. Most vendors call
// [Serve] instead; sdktest uses this to serve a provider in-process.
func RegisterGRPC(s grpc.ServiceRegistrar, impl ProviderServer, logger hclog.Logger) {
	srv := newGRPCServer(impl, logger)
	proto.RegisterProviderServer(s, srv)
	if _, ok := impl.(ServerGroups); ok {
		proto.RegisterServerGroupsServer(s, srv)
	}
	if _, ok := impl.(Metrics); ok {
		proto.RegisterMetricsServer(s, srv)
	}
}

// ReattachConfig tells the core how to reach a provider that is already
// running, for example under a debugger. [Serve] with -debug prints it as
// the value of TACK_REATTACH_PROVIDERS, a JSON object keyed by the
// provider's name.
type ReattachConfig struct {
	Protocol        string       `json:"protocol"`
	ProtocolVersion int          `json:"protocol_version"`
	Pid             int          `json:"pid"`
	Test            bool         `json:"test"`
	Addr            ReattachAddr `json:"addr"`
}

// ReattachAddr is a network address: Network "unix" or "tcp".
type ReattachAddr struct {
	Network string `json:"network"`
	String  string `json:"string"`
}

// Serve runs p as a provider plugin until the core hangs up. It is meant to
// be the whole of a provider's main. The provider logs to stderr as JSON,
// which tack shows under TACK_LOG.
//
// Run by hand with -debug, it serves without being launched by tack and
// prints the TACK_REATTACH_PROVIDERS value that makes tack attach to it, so
// it can run under a debugger; it stops on Ctrl-C.
func Serve(p ProviderServer) {
	debug := flag.Bool("debug", false, "serve for a debugger; print TACK_REATTACH_PROVIDERS and wait")
	flag.Parse()
	logger := hclog.New(&hclog.LoggerOptions{Level: hclog.Trace, Output: os.Stderr, JSONFormat: true})
	if !*debug {
		tlsConfig, err := serverTLS()
		if err != nil {
			logger.Error("cannot set up TLS with tack", "error", err)
			os.Exit(1)
		}
		plugin.Serve(&plugin.ServeConfig{
			HandshakeConfig: Handshake,
			Plugins:         plugin.PluginSet{PluginName: &GRPCPlugin{Impl: p, Logger: logger}},
			TLSProvider:     func() (*tls.Config, error) { return tlsConfig, nil },
			GRPCServer:      grpcServerFor,
			Logger:          logger,
		})
		return
	}
	if err := serveDebug(p); err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
}

func serveDebug(p ProviderServer) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	logger := hclog.New(&hclog.LoggerOptions{Level: hclog.Trace, Output: os.Stderr})
	reattach := make(chan *plugin.ReattachConfig)
	done := make(chan struct{})
	go func() {
		defer close(done)
		plugin.Serve(&plugin.ServeConfig{
			HandshakeConfig: Handshake,
			Plugins:         plugin.PluginSet{PluginName: &GRPCPlugin{Impl: p, Logger: logger}},
			GRPCServer:      plugin.DefaultGRPCServer,
			Logger:          logger,
			Test:            &plugin.ServeTestConfig{Context: ctx, ReattachConfigCh: reattach},
		})
	}()
	var rc *plugin.ReattachConfig
	select {
	case rc = <-reattach:
	case <-done:
		return fmt.Errorf("the provider stopped before it was ready")
	}
	name := "provider"
	if n, ok := p.(interface{ ProviderName() string }); ok {
		name = n.ProviderName()
	}
	b, err := json.Marshal(map[string]ReattachConfig{name: ToReattachConfig(rc)})
	if err != nil {
		return err
	}
	fmt.Printf("Provider %s is serving in debug mode (pid %d). To attach tack to it, set:\n\n\tTACK_REATTACH_PROVIDERS='%s'\n\nCtrl-C stops it.\n", name, rc.Pid, b)
	<-done
	return nil
}

// grpcServerFor makes the provider's gRPC server for go-plugin.
func grpcServerFor(opts []grpc.ServerOption) *grpc.Server {
	return grpc.NewServer(append(opts, GRPCServerOptions()...)...)
}

// Limits and windows of plugin connections. A plan sends a resource's
// state about three times (prior, proposed, config), so messages are
// allowed to be large, as Terraform allows 256 MiB.
const (
	maxMessageSize = 256 << 20
	windowSize     = 4 << 20
	// streamWorkers is more than the calls a core has in flight at once
	// (the planner runs 10 by default): a call that finds every worker
	// busy runs on a fresh goroutine, whose stack then grows again.
	streamWorkers = 32
)

// GRPCServerOptions are the options a provider's gRPC server runs with:
// large messages; stream workers that reuse goroutines (and their grown
// stacks) across calls instead of starting one per call; fixed window
// sizes, which turn off bandwidth-delay probing whose pings only cost time
// on a local socket.
func GRPCServerOptions() []grpc.ServerOption {
	return []grpc.ServerOption{
		grpc.MaxRecvMsgSize(maxMessageSize),
		grpc.MaxSendMsgSize(maxMessageSize),
		grpc.NumStreamWorkers(streamWorkers),
		grpc.InitialWindowSize(windowSize),
		grpc.InitialConnWindowSize(windowSize),
	}
}

// GRPCDialOptions are the options the core dials a provider with, to
// match [GRPCServerOptions], and an interceptor that carries the
// per-object calls on the Calls stream when the provider serves it. Each
// call returns fresh options, for one connection.
func GRPCDialOptions() []grpc.DialOption {
	return []grpc.DialOption{
		grpc.WithChainUnaryInterceptor(newCallMux().intercept),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMessageSize), grpc.MaxCallSendMsgSize(maxMessageSize)),
		grpc.WithInitialWindowSize(windowSize),
		grpc.WithInitialConnWindowSize(windowSize),
	}
}

// ToReattachConfig converts go-plugin's reattach configuration to tack's
// JSON form.
func ToReattachConfig(rc *plugin.ReattachConfig) ReattachConfig {
	return ReattachConfig{
		Protocol: string(rc.Protocol), ProtocolVersion: rc.ProtocolVersion, Pid: rc.Pid, Test: rc.Test,
		Addr: ReattachAddr{Network: rc.Addr.Network(), String: rc.Addr.String()},
	}
}

// PluginReattachConfig converts tack's JSON form to go-plugin's.
func (rc ReattachConfig) PluginReattachConfig() (*plugin.ReattachConfig, error) {
	var addr net.Addr
	var err error
	switch rc.Addr.Network {
	case "unix":
		addr, err = net.ResolveUnixAddr("unix", rc.Addr.String)
	case "tcp":
		addr, err = net.ResolveTCPAddr("tcp", rc.Addr.String)
	default:
		return nil, fmt.Errorf("unsupported network %q (want unix or tcp)", rc.Addr.Network)
	}
	if err != nil {
		return nil, err
	}
	if rc.Protocol != string(plugin.ProtocolGRPC) {
		return nil, fmt.Errorf("unsupported protocol %q (want grpc)", rc.Protocol)
	}
	return &plugin.ReattachConfig{
		Protocol: plugin.ProtocolGRPC, ProtocolVersion: rc.ProtocolVersion, Pid: rc.Pid, Test: rc.Test, Addr: addr,
	}, nil
}

// ProviderName is the provider's name, used to key its reattach
// configuration in debug mode.
func (p *Provider) ProviderName() string { return p.Name }
