package distlock

import (
	"context"
	"time"

	"connectrpc.com/connect"
	policy "github.com/distlock/distlock/gen/go/distlock/v1/distlockv1policy"
)

// An Option configures a [Lessor] made by [New].
type Option func(*options)

type options struct {
	httpClient  connect.HTTPClient
	connectOpts []connect.ClientOption
	header      [][2]string
	callWait    time.Duration
	callTimeout time.Duration
	token       TokenSource // nil: no Authorization header
	tokenErr    error       // what is wrong with WithToken's token, reported by New
	// noCoalescing sends every call as its unary RPC (WithoutCoalescing).
	noCoalescing bool
	// maxInFlight is how many requests may await their first answer before calls
	// queue for a Batch (see coalescer).
	maxInFlight int
}

// Defaults of the options: the client policy's, which every SDK shares. They are also
// stated in each option's documentation.
const (
	// DefaultCallWait is the longest wait one Acquire call asks the service for.
	DefaultCallWait = policy.MaxWaitPerCall
	// DefaultCallTimeout is how long one call may take beyond the wait it asks for.
	DefaultCallTimeout = policy.CallTimeout
)

func defaultOptions() options {
	return options{callWait: DefaultCallWait, callTimeout: DefaultCallTimeout, maxInFlight: 1}
}

// WithHTTPClient sets the HTTP client that carries the calls, for example one with TLS
// settings or a proxy. The Lessor does not close its connections. Default: a client of
// the Lessor's own, speaking HTTP/1.1 (or HTTP/2 over TLS), which keeps up to 100 idle
// connections to the service (net/http's default keeps 2) and whose idle connections
// [Lessor.Close] closes. A client of your own under many concurrent calls wants the same.
func WithHTTPClient(c connect.HTTPClient) Option {
	return func(o *options) { o.httpClient = c }
}

// WithConnectOptions passes options to the Connect client, for example
// connect.WithGRPC() to speak gRPC, connect.WithProtoJSON() to send JSON, or
// connect.WithInterceptors(...). Default: the Connect protocol with binary protobuf.
func WithConnectOptions(opts ...connect.ClientOption) Option {
	return func(o *options) { o.connectOpts = append(o.connectOpts, opts...) }
}

// WithHeader adds an HTTP header to every call. For the credentials of a service started
// with --auth use [WithToken] or [WithTokenSource], whose Authorization header replaces
// one given here. Default: none.
func WithHeader(key, value string) Option {
	return func(o *options) { o.header = append(o.header, [2]string{key, value}) }
}

// WithCallWait sets the longest wait one Acquire call asks the service for; a longer
// wait is split into several calls, so that no single request outlives the proxies and
// load balancers on its way. Values below one second are raised to one second. Default
// [DefaultCallWait] (30s).
func WithCallWait(d time.Duration) Option {
	return func(o *options) { o.callWait = max(d, time.Second) }
}

// WithCallTimeout sets how long one call may take beyond the wait it asks for, after
// which it is abandoned and counted as the service being unavailable. Values below one
// second are raised to one second. Default [DefaultCallTimeout] (10s).
func WithCallTimeout(d time.Duration) Option {
	return func(o *options) { o.callTimeout = max(d, time.Second) }
}

// WithoutCoalescing sends every Acquire, Extend and Release as its own unary RPC. By
// default, calls that other goroutines make while one request is awaiting its answer
// queue and leave together in one Batch request (a lone call still goes alone, with no
// added delay), which saves CPU on both sides when many goroutines share a Lessor. Turn
// it off to see each call as its own request in proxies and traces. Results and errors
// are the same either way; against a service that does not serve Batch the Lessor falls
// back to unary calls by itself.
func WithoutCoalescing() Option {
	return func(o *options) { o.noCoalescing = true }
}

// headerInterceptor adds the configured headers to every request, unary or stream (a
// Batch, a Hold, a Watch).
type headerInterceptor [][2]string

func (h headerInterceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		for _, kv := range h {
			req.Header().Add(kv[0], kv[1])
		}
		return next(ctx, req)
	}
}

func (h headerInterceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return func(ctx context.Context, spec connect.Spec) connect.StreamingClientConn {
		conn := next(ctx, spec)
		for _, kv := range h {
			conn.RequestHeader().Add(kv[0], kv[1])
		}
		return conn
	}
}

func (h headerInterceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return next
}
