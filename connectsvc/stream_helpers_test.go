package connectsvc_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/distlock/distlock/core/driver"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1connect"
)

// streamProtocols are the protocols whose clients stream a response: all but the GET
// forms, which exist only for unary calls without side effects. Connect and gRPC-Web
// stream over HTTP/1.1 as well as HTTP/2; only a client limited to unary calls cannot,
// and it keeps Acquire, Extend and Release.
var streamProtocols = func() []protocol {
	var out []protocol
	for _, p := range protocols {
		if !p.get {
			out = append(out, p)
		}
	}
	return out
}()

// Watch lets the spy pass watches through to a backend that can watch.
func (s *spy) Watch(ctx context.Context, sel driver.Selector, buffer int) (*driver.Feed, error) {
	if err := s.record("Watch"); err != nil {
		return nil, err
	}
	w, ok := s.Lessor.(driver.Watcher)
	if !ok {
		return nil, errors.New("the spied lessor cannot watch")
	}
	return w.Watch(ctx, sel, buffer)
}

// stepTimeout bounds each wait for an event, so that a bug fails the test instead of
// hanging it; it is not a timing assertion.
const stepTimeout = 20 * time.Second

// events reads a stream into a channel; the channel closes with the stream, whose end
// error is then in *end.
func events[T any](t *testing.T, s *connect.ServerStreamForClient[T]) (<-chan *T, *error) {
	t.Helper()
	ch := make(chan *T, 64)
	var end error
	go func() {
		defer close(ch)
		for s.Receive() {
			ch <- s.Msg()
		}
		end = s.Err()
	}()
	return ch, &end
}

// next returns the next message, failing the test if the stream ends or stalls.
func next[T any](t *testing.T, ch <-chan *T) *T {
	t.Helper()
	select {
	case m, ok := <-ch:
		if !ok {
			t.Fatal("the stream ended early")
		}
		return m
	case <-time.After(stepTimeout):
		t.Fatal("no message within the step timeout")
	}
	return nil
}

// ended waits for the stream's end and returns its error.
func ended[T any](t *testing.T, ch <-chan *T, end *error) (rest []*T, err error) {
	t.Helper()
	timeout := time.After(stepTimeout)
	for {
		select {
		case m, ok := <-ch:
			if !ok {
				return rest, *end
			}
			rest = append(rest, m)
		case <-timeout:
			t.Fatal("the stream did not end within the step timeout")
		}
	}
}

// opened fails the test if a stream could not open, closes it when the test ends and
// returns its events.
func opened[T any](t *testing.T, s *connect.ServerStreamForClient[T], err error) (<-chan *T, *error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return events(t, s)
}

// hold opens a Hold stream and returns its events.
func hold(t *testing.T, ctx context.Context, c distlockv1connect.LockServiceClient, req *distlockv1.HoldRequest) (<-chan *distlockv1.HoldResponse, *error) {
	t.Helper()
	s, err := c.Hold(ctx, connect.NewRequest(req))
	return opened(t, s, err)
}

// watch opens a Watch stream and returns its events.
func watch(t *testing.T, ctx context.Context, c distlockv1connect.LockServiceClient, req *distlockv1.WatchRequest) (<-chan *distlockv1.WatchResponse, *error) {
	t.Helper()
	s, err := c.Watch(ctx, connect.NewRequest(req))
	return opened(t, s, err)
}
