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
	return options{callWait: DefaultCallWait, callTimeout: DefaultCallTimeout}
}

// WithHTTPClient sets the HTTP client that carries the calls, for example one with TLS
// settings or a proxy. The Lessor does not close its connections. Default: a client of
// the Lessor's own, speaking HTTP/1.1 (or HTTP/2 over TLS), whose idle connections
// [Lessor.Close] closes.
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

// headerInterceptor adds the configured headers to every request.
func headerInterceptor(header [][2]string) connect.Interceptor {
	return connect.UnaryInterceptorFunc(func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			for _, kv := range header {
				req.Header().Add(kv[0], kv[1])
			}
			return next(ctx, req)
		}
	})
}
