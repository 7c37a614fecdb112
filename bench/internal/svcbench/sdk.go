package svcbench

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"

	"github.com/distlock/distlock/bench/internal/contenders"
	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/sdks/go/distlock"
)

// Names of the Go SDK rows (issue 14).
const (
	NameSDK      = "Go SDK (coalescing)"
	NameSDKUnary = "Go SDK (WithoutCoalescing)"
	NameRedsync  = "redsync"
	NameFloor    = "HTTP floor (net/http over the core)"
)

// sdkLocker takes locks through the Go SDK as a Go program does: core.OpenClient over
// the SDK's Lessor, TryLock with a context deadline, Release. Each lock is a core.Lock
// with its renewal goroutine, as users get. The HTTP transport is the SDK's own default
// one; an interceptor counts the requests it carries.
type sdkLocker struct {
	name    string
	service string
	c       *core.Client
	nodes   int
	counter *requestCounter
}

// requestCounter counts the SDK's RPCs, each one HTTP request (a Batch is one
// server-streaming call), so the report can give calls per request.
type requestCounter struct{ requests atomic.Int64 }

func (c *requestCounter) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, r connect.AnyRequest) (connect.AnyResponse, error) {
		c.requests.Add(1)
		return next(ctx, r)
	}
}

func (c *requestCounter) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return func(ctx context.Context, s connect.Spec) connect.StreamingClientConn {
		c.requests.Add(1)
		return next(ctx, s)
	}
}

func (c *requestCounter) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return next
}

func newSDKLocker(name, baseURL string, nodes int, opts ...distlock.Option) (*sdkLocker, error) {
	counter := &requestCounter{}
	l, err := distlock.New(baseURL, append(opts, distlock.WithConnectOptions(connect.WithInterceptors(counter)))...)
	if err != nil {
		return nil, err
	}
	return &sdkLocker{name: name, service: baseURL, c: core.OpenClient(baseURL, l), nodes: nodes, counter: counter}, nil
}

// Name implements [contenders.Locker].
func (s *sdkLocker) Name() string { return s.name }

// Nodes implements [contenders.Locker].
func (s *sdkLocker) Nodes() int { return s.nodes }

// Close implements [contenders.Locker].
func (s *sdkLocker) Close() error {
	return s.c.Close()
}

// Acquire implements [contenders.Locker].
func (s *sdkLocker) Acquire(ctx context.Context, key string, ttl time.Duration, deadline time.Time) (contenders.Release, error) {
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	lock, err := s.c.TryLock(ctx, s.service, key, core.TTL(ttl))
	if errors.Is(err, core.ErrAcquireTimeout) {
		return nil, errors.Join(contenders.ErrNotAcquired, err)
	}
	if err != nil {
		return nil, err
	}
	return contenders.Release(lock.Release), nil
}
