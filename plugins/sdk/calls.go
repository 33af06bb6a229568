package sdk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	protobuf "google.golang.org/protobuf/proto"

	"github.com/tackhq/tack/plugins/proto"
)

// This file carries the per-object calls of the Provider service on one
// Calls stream (see tack.proto): the core's side is a unary interceptor,
// so every caller, and every interceptor outside it, still sees a unary
// call; the provider's side runs each call through the same handler a
// unary call reaches.

// muxedMethods are the calls made once per object, the ones worth
// carrying on the stream. The rest are made once per run and stay unary.
var muxedMethods = map[string]bool{
	proto.Provider_ValidateResourceConfig_FullMethodName: true,
	proto.Provider_PlanResourceChange_FullMethodName:     true,
	proto.Provider_ApplyResourceChange_FullMethodName:    true,
	proto.Provider_ReadResource_FullMethodName:           true,
	proto.Provider_ReadDataSource_FullMethodName:         true,
	proto.Provider_ImportResourceState_FullMethodName:    true,
	proto.Provider_UpgradeResourceState_FullMethodName:   true,
}

// maxBatchBytes bounds the requests of one CallBatch and the responses of
// one ResultBatch, so that batching never makes a message too large for
// the connection; a single call larger than this goes on its own (a
// request as a unary call).
const maxBatchBytes = 1 << 20

// callMux is the core's side of one connection's Calls stream. It waits
// for GetSchema to say the provider serves Calls, opens the stream on the
// first call after that, and from then on sends each per-object call in
// a batch (see [batcher]); one goroutine hands each result to its caller.
// If the stream fails, the calls waiting on it fail with its error and
// later calls go unary again.
type callMux struct {
	mu      sync.Mutex
	enabled bool
	cc      *grpc.ClientConn
	stream  grpc.BidiStreamingClient[proto.CallBatch, proto.ResultBatch]
	err     error // why the stream ended; set once
	nextID  uint64
	pending map[uint64]chan *proto.CallResult
	out     *batcher[*proto.Call]
}

func newCallMux() *callMux {
	return &callMux{pending: map[uint64]chan *proto.CallResult{}}
}

// intercept is the mux as a unary client interceptor.
func (m *callMux) intercept(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	if method == proto.Provider_GetSchema_FullMethodName {
		err := invoker(ctx, method, req, reply, cc, opts...)
		if r, ok := reply.(*proto.GetSchema_Response); ok && err == nil && r.GetCapabilities().GetCalls() {
			m.mu.Lock()
			m.enabled = true
			m.mu.Unlock()
		}
		return err
	}
	if !muxedMethods[method] {
		return invoker(ctx, method, req, reply, cc, opts...)
	}
	if _, ok := ctx.Deadline(); ok {
		// The stream carries no deadlines.
		return invoker(ctx, method, req, reply, cc, opts...)
	}
	msg, ok := req.(protobuf.Message)
	if !ok {
		return invoker(ctx, method, req, reply, cc, opts...)
	}
	body, err := protobuf.Marshal(msg)
	if err != nil || len(body) > maxBatchBytes {
		return invoker(ctx, method, req, reply, cc, opts...)
	}
	if err := ctx.Err(); err != nil {
		// As a unary call, one already cancelled is not sent.
		return status.FromContextError(err).Err()
	}
	id, result, ok := m.send(cc, method, body)
	if !ok {
		return invoker(ctx, method, req, reply, cc, opts...)
	}
	var res *proto.CallResult
	open := true
	select {
	case res, open = <-result:
	case <-ctx.Done():
		if !m.cancel(id) {
			// The result came as the caller gave up: what the
			// provider did is not thrown away.
			res, open = <-result
			break
		}
		return status.FromContextError(ctx.Err()).Err()
	}
	if !open {
		err := m.streamErr()
		if status.Code(err) == codes.Unimplemented {
			// The provider advertised Calls but does not serve it.
			return invoker(ctx, method, req, reply, cc, opts...)
		}
		return err
	}
	if res.Code != uint32(codes.OK) {
		return status.Error(codes.Code(res.Code), res.Message)
	}
	if err := protobuf.Unmarshal(res.Response, reply.(protobuf.Message)); err != nil {
		return status.Errorf(codes.Internal, "decoding the %s response: %v", method, err)
	}
	return nil
}

// send sends a call, opening the stream if it is not open yet. It
// reports false when the call must go unary: the provider does not serve
// Calls, the stream failed, or cc is not the connection the stream is on.
func (m *callMux) send(cc *grpc.ClientConn, method string, body []byte) (uint64, chan *proto.CallResult, bool) {
	out, id, result, ok := m.register(cc)
	if ok {
		out.add(&proto.Call{Id: id, Method: method, Request: body})
	}
	return id, result, ok
}

// register gives a call its ID and the channel its result will come on.
func (m *callMux) register(cc *grpc.ClientConn) (*batcher[*proto.Call], uint64, chan *proto.CallResult, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.enabled || m.err != nil || (m.cc != nil && m.cc != cc) {
		return nil, 0, nil, false
	}
	if m.stream == nil {
		// The stream lives as long as the connection: closing the
		// connection ends it, and with it the receiving goroutine.
		stream, err := proto.NewProviderClient(cc).Calls(context.Background())
		if err != nil {
			m.err = err
			return nil, 0, nil, false
		}
		m.cc, m.stream = cc, stream
		m.out = &batcher[*proto.Call]{
			size: func(c *proto.Call) int { return len(c.Request) },
			// A failed send ends the stream; receiveLoop learns why
			// from Recv and fails the waiting calls.
			send: func(calls []*proto.Call) error { return stream.Send(&proto.CallBatch{Calls: calls}) },
		}
		go m.receiveLoop()
	}
	m.nextID++
	result := make(chan *proto.CallResult, 1)
	m.pending[m.nextID] = result
	return m.out, m.nextID, result, true
}

// cancel tells the provider the caller of id no longer waits. It
// reports false when it is too late: the result was handed over already,
// or the stream ended and the result channel was closed.
func (m *callMux) cancel(id uint64) bool {
	m.mu.Lock()
	if _, ok := m.pending[id]; !ok {
		m.mu.Unlock()
		return false
	}
	delete(m.pending, id)
	out := m.out
	m.mu.Unlock()
	out.add(&proto.Call{Id: id, Cancel: true})
	return true
}

func (m *callMux) streamErr() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.err
}

// receiveLoop hands each result to its caller until the stream ends, then
// fails every call still waiting with the stream's error.
func (m *callMux) receiveLoop() {
	for {
		batch, err := m.stream.Recv()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = status.Error(codes.Unavailable, "the provider ended the Calls stream")
			}
			m.mu.Lock()
			m.err = err
			for id, result := range m.pending {
				close(result)
				delete(m.pending, id)
			}
			m.mu.Unlock()
			return
		}
		m.mu.Lock()
		for _, res := range batch.Results {
			if result, ok := m.pending[res.Id]; ok {
				delete(m.pending, res.Id)
				result <- res
			}
		}
		m.mu.Unlock()
	}
}

// callHandlers are the unary handlers of the Provider service by full
// method name, for the provider's side of Calls.
var callHandlers = func() map[string]grpc.MethodHandler {
	out := map[string]grpc.MethodHandler{}
	for _, md := range proto.Provider_ServiceDesc.Methods {
		out["/"+proto.Provider_ServiceDesc.ServiceName+"/"+md.MethodName] = md.Handler
	}
	return out
}()

// Calls serves the Calls stream: each call runs on a worker through the
// handler its unary twin runs, and its result goes back in a batch (see
// [batcher]) with those that finish while another batch is being sent.
func (s *grpcServer) Calls(stream proto.Provider_CallsServer) error {
	out := &batcher[*proto.CallResult]{
		size: func(r *proto.CallResult) int { return len(r.Response) },
		// A failed send means the core is gone: nobody waits for the
		// results any more.
		send: func(results []*proto.CallResult) error { return stream.Send(&proto.ResultBatch{Results: results}) },
	}

	// Workers run the calls: goroutines that live as long as the stream
	// keep the stacks the calls grew, where a goroutine per call grew
	// one anew each time, a twentieth of the provider's time.
	work := make(chan func())
	for range streamWorkers {
		go func() {
			for run := range work {
				run()
			}
		}()
	}
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		running = map[uint64]context.CancelFunc{}
	)
	var err error
	for {
		var batch *proto.CallBatch
		batch, err = stream.Recv()
		if err != nil {
			break
		}
		for _, c := range batch.Calls {
			if c.Cancel {
				mu.Lock()
				if cancel, ok := running[c.Id]; ok {
					cancel()
				}
				mu.Unlock()
				continue
			}
			ctx, cancel := context.WithCancel(stream.Context())
			mu.Lock()
			running[c.Id] = cancel
			mu.Unlock()
			wg.Add(1)
			run := func() {
				defer wg.Done()
				res := s.call(ctx, c)
				mu.Lock()
				delete(running, c.Id)
				mu.Unlock()
				cancel()
				out.add(res)
			}
			select {
			case work <- run:
			default:
				// Every worker is busy: the call must not wait for one.
				go run()
			}
		}
	}
	close(work)
	// The core closed the stream, or the connection went: what still
	// runs is cancelled, as unary calls are when their callers go.
	mu.Lock()
	for _, cancel := range running {
		cancel()
	}
	mu.Unlock()
	// Every worker sent its result, or left it to the one sending,
	// before it was done: nothing is sent after Calls returns.
	wg.Wait()
	if errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

// call runs one call and encodes its result.
func (s *grpcServer) call(ctx context.Context, c *proto.Call) *proto.CallResult {
	handler, ok := callHandlers[c.Method]
	if !ok {
		return &proto.CallResult{Id: c.Id, Code: uint32(codes.Unimplemented), Message: fmt.Sprintf("unknown method %s", c.Method)}
	}
	decode := func(v any) error { return protobuf.Unmarshal(c.Request, v.(protobuf.Message)) }
	resp, err := handler(s, ctx, decode, nil)
	if err != nil {
		st := status.Convert(err)
		return &proto.CallResult{Id: c.Id, Code: uint32(st.Code()), Message: st.Message()}
	}
	body, err := protobuf.Marshal(resp.(protobuf.Message))
	switch {
	case err != nil:
		return &proto.CallResult{Id: c.Id, Code: uint32(codes.Internal), Message: fmt.Sprintf("encoding the %s response: %v", c.Method, err)}
	case len(body) > maxMessageSize-maxBatchBytes:
		return &proto.CallResult{Id: c.Id, Code: uint32(codes.ResourceExhausted), Message: fmt.Sprintf("the %s response is %d bytes, more than the %d a message may hold", c.Method, len(body), maxMessageSize)}
	}
	return &proto.CallResult{Id: c.Id, Response: body}
}

// batcher sends items that many goroutines produce, in batches of at
// most maxBatchBytes (or one larger item). The goroutine that adds an
// item sends it, unless another is sending, which then sends it too,
// after its own batch: nothing waits for a sending goroutine to wake up,
// which on a call's way out and its result's way back were two of the
// hand-overs a round trip pays for, and items added while a batch is on
// its way go together in the next.
type batcher[T any] struct {
	size func(T) int
	send func([]T) error

	mu    sync.Mutex
	items []T
	// sending is held by the goroutine sending; failed is set, under
	// it, once a send failed, and later batches are dropped.
	sending sync.Mutex
	failed  bool
}

func (b *batcher[T]) add(item T) {
	b.mu.Lock()
	b.items = append(b.items, item)
	b.mu.Unlock()
	b.flush()
}

// flush sends what is waiting, unless another goroutine is sending. The
// sender looks again after it stops: an item added after its last look
// and before it stopped found it still sending.
func (b *batcher[T]) flush() {
	for b.sending.TryLock() {
		for batch := b.take(); len(batch) > 0; batch = b.take() {
			if !b.failed && b.send(batch) != nil {
				b.failed = true
			}
		}
		b.sending.Unlock()
		b.mu.Lock()
		more := len(b.items) > 0
		b.mu.Unlock()
		if !more {
			return
		}
	}
}

// take removes and returns the next batch.
func (b *batcher[T]) take() []T {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, size := 0, 0
	for n < len(b.items) && (n == 0 || size+b.size(b.items[n]) <= maxBatchBytes) {
		size += b.size(b.items[n])
		n++
	}
	batch := b.items[:n:n]
	b.items = b.items[n:]
	if len(b.items) == 0 {
		b.items = nil
	}
	return batch
}
