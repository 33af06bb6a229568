package sdk_test

import (
	"context"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/tackhq/tack/plugins/proto"
	"github.com/tackhq/tack/plugins/sdk"
)

// methodCounter counts the calls a gRPC server receives, by full method
// name: unary calls, and streams opened.
type methodCounter struct {
	mu    sync.Mutex
	calls map[string]int
}

func (c *methodCounter) add(method string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.calls == nil {
		c.calls = map[string]int{}
	}
	c.calls[method]++
}

func (c *methodCounter) count(method string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[method]
}

// serveCounted serves srv over gRPC on a loopback port as a provider does,
// and returns the core's client for it, dialled as the core dials, and the
// server's count of the calls it received.
func serveCounted(t *testing.T, srv proto.ProviderServer) (*sdk.GRPCClient, *methodCounter) {
	t.Helper()
	counter := &methodCounter{}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer(append(sdk.GRPCServerOptions(),
		grpc.ChainUnaryInterceptor(func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
			counter.add(info.FullMethod)
			return handler(ctx, req)
		}),
		grpc.ChainStreamInterceptor(func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
			counter.add(info.FullMethod)
			return handler(srv, ss)
		}))...)
	proto.RegisterProviderServer(s, srv)
	go func() { _ = s.Serve(lis) }()
	conn, err := grpc.NewClient("passthrough:///"+lis.Addr().String(),
		append(sdk.GRPCDialOptions(), grpc.WithTransportCredentials(insecure.NewCredentials()))...)
	if err != nil {
		s.Stop()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = conn.Close()
		s.Stop()
	})
	return sdk.NewGRPCClient(conn), counter
}

// planMany plans n things at once, each with its own name, and checks
// that each caller got the plan of its own thing.
func planMany(t *testing.T, c *sdk.GRPCClient, n int) {
	t.Helper()
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			name := fmt.Sprintf("thing-%d", i)
			config := thing(map[string]cty.Value{"name": cty.StringVal(name)})
			resp := c.PlanResourceChange(t.Context(), sdk.PlanResourceChangeRequest{
				TypeName: "test_thing", PriorState: cty.NullVal(thingType), ProposedNewState: config, Config: config,
			})
			if resp.Diagnostics.HasErrors() {
				t.Errorf("planning %s: %v", name, resp.Diagnostics)
				return
			}
			if got := resp.PlannedState.GetAttr("name"); !got.RawEquals(cty.StringVal(name)) {
				t.Errorf("planning %s got the plan of %#v", name, got)
			}
		})
	}
	wg.Wait()
}

// A provider built with the SDK serves Calls, and the core sends its
// per-object calls there, many at once, each answered to its own caller;
// calls made once per run stay unary.
func TestCallsCarryPerObjectCalls(t *testing.T) {
	t.Parallel()
	c, counter := serveCounted(t, sdk.NewProtoServer(&sdk.Provider{Name: "test", Resources: map[string]*sdk.Resource{"test_thing": thingResource()}}))
	if d := c.GetSchema(t.Context()).Diagnostics; d.HasErrors() {
		t.Fatal(d.Err())
	}
	planMany(t, c, 200)
	if got := counter.count(proto.Provider_PlanResourceChange_FullMethodName); got != 0 {
		t.Errorf("%d PlanResourceChange calls arrived unary, want all 200 on the Calls stream", got)
	}
	if got := counter.count(proto.Provider_Calls_FullMethodName); got != 1 {
		t.Errorf("%d Calls streams opened, want 1", got)
	}
	if got := counter.count(proto.Provider_GetSchema_FullMethodName); got != 1 {
		t.Errorf("%d GetSchema calls arrived unary, want 1", got)
	}
}

// withoutCalls serves a provider as one that predates Calls, or one that
// advertises it and does not serve it.
type withoutCalls struct {
	proto.ProviderServer
	advertise bool
}

func (w withoutCalls) GetSchema(ctx context.Context, req *proto.GetSchema_Request) (*proto.GetSchema_Response, error) {
	resp, err := w.ProviderServer.GetSchema(ctx, req)
	if resp != nil && resp.Capabilities != nil {
		resp.Capabilities.Calls = w.advertise
	}
	return resp, err
}

func (withoutCalls) Calls(proto.Provider_CallsServer) error {
	return status.Error(codes.Unimplemented, "method Calls not implemented")
}

// A provider that does not serve Calls gets every call unary, and every
// call works, whether it says so or not.
func TestCallsFallBackToUnary(t *testing.T) {
	t.Parallel()
	for _, advertise := range []bool{false, true} {
		t.Run(fmt.Sprintf("advertised=%v", advertise), func(t *testing.T) {
			t.Parallel()
			srv := sdk.NewProtoServer(&sdk.Provider{Name: "test", Resources: map[string]*sdk.Resource{"test_thing": thingResource()}})
			c, counter := serveCounted(t, withoutCalls{ProviderServer: srv, advertise: advertise})
			if d := c.GetSchema(t.Context()).Diagnostics; d.HasErrors() {
				t.Fatal(d.Err())
			}
			planMany(t, c, 20)
			// Calls that raced the stream's failure went unary again;
			// after it, all do.
			planMany(t, c, 20)
			if got := counter.count(proto.Provider_PlanResourceChange_FullMethodName); got != 40 {
				t.Errorf("%d PlanResourceChange calls arrived unary, want all 40", got)
			}
		})
	}
}

// A caller that stops waiting gets a cancellation at once, and the call
// in the provider sees its context cancelled, as with a unary call.
func TestCallsCancelTheProvidersCall(t *testing.T) {
	t.Parallel()
	started := make(chan struct{})
	cancelled := make(chan error, 1)
	r := thingResource()
	r.Create = func(ctx context.Context, _ any, _ *sdk.Data) sdk.Diagnostics {
		close(started)
		<-ctx.Done()
		cancelled <- ctx.Err()
		return nil
	}
	c, counter := serveCounted(t, sdk.NewProtoServer(&sdk.Provider{Name: "test", Resources: map[string]*sdk.Resource{"test_thing": r}}))
	if d := c.GetSchema(t.Context()).Diagnostics; d.HasErrors() {
		t.Fatal(d.Err())
	}
	ctx, cancel := context.WithCancel(t.Context())
	result := make(chan sdk.ApplyResourceChangeResponse, 1)
	go func() {
		planned := thing(map[string]cty.Value{"id": unknownString, "arn": unknownString, "name": cty.StringVal("a"), "port": cty.NumberIntVal(80), "zone": unknownString})
		result <- c.ApplyResourceChange(ctx, sdk.ApplyResourceChangeRequest{
			TypeName: "test_thing", PriorState: cty.NullVal(thingType), PlannedState: planned,
			Config: thing(map[string]cty.Value{"name": cty.StringVal("a")}),
		})
	}()
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("the create never reached the provider")
	}
	cancel()
	select {
	case resp := <-result:
		if !resp.Diagnostics.HasErrors() || resp.Diagnostics[0].Summary != "Provider call cancelled" {
			t.Errorf("the cancelled caller got %v, want the error \"Provider call cancelled\"", resp.Diagnostics)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the caller still waits after its context was cancelled")
	}
	select {
	case err := <-cancelled:
		if err != context.Canceled {
			t.Errorf("the provider's call ended with %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the provider's call was not cancelled")
	}
	if got := counter.count(proto.Provider_ApplyResourceChange_FullMethodName); got != 0 {
		t.Errorf("the apply went unary (%d calls), not on the Calls stream", got)
	}
}
