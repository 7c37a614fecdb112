package distlock_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/distlock/distlock/core/driver"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1connect"
	"github.com/distlock/distlock/sdks/go/distlock"
)

// holdFaults is a client interceptor that plays a faulty path to the service for Hold
// streams: the first fail calls end with that code as the service's answer (no request
// leaves the client), and with silent set the granted streams' renewed events are
// swallowed, as a connection that went dead without a reset delivers nothing.
type holdFaults struct {
	fail   atomic.Int32
	code   connect.Code
	silent bool
	calls  atomic.Int32 // Hold calls made
}

func (f *holdFaults) option() distlock.Option {
	return distlock.WithConnectOptions(connect.WithInterceptors(f))
}

func (f *holdFaults) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc { return next }

func (f *holdFaults) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return next
}

func (f *holdFaults) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return func(ctx context.Context, spec connect.Spec) connect.StreamingClientConn {
		if spec.Procedure != distlockv1connect.LockServiceHoldProcedure {
			return next(ctx, spec)
		}
		f.calls.Add(1)
		if f.fail.Add(-1) >= 0 {
			return &failedConn{spec: spec, err: connect.NewWireError(f.code, errors.New("injected by the test"))}
		}
		conn := next(ctx, spec)
		if f.silent {
			return &silentConn{StreamingClientConn: conn}
		}
		return conn
	}
}

// failedConn is a Hold call the service answered with err before any event.
type failedConn struct {
	spec connect.Spec
	err  error
}

func (c *failedConn) Spec() connect.Spec           { return c.spec }
func (c *failedConn) Peer() connect.Peer           { return connect.Peer{} }
func (c *failedConn) Send(any) error               { return nil }
func (c *failedConn) RequestHeader() http.Header   { return http.Header{} }
func (c *failedConn) CloseRequest() error          { return nil }
func (c *failedConn) Receive(any) error            { return c.err }
func (c *failedConn) ResponseHeader() http.Header  { return http.Header{} }
func (c *failedConn) ResponseTrailer() http.Header { return http.Header{} }
func (c *failedConn) CloseResponse() error         { return nil }

// silentConn drops a Hold stream's renewed events.
type silentConn struct{ connect.StreamingClientConn }

func (c *silentConn) Receive(msg any) error {
	for {
		if err := c.StreamingClientConn.Receive(msg); err != nil {
			return err
		}
		if m, ok := msg.(*distlockv1.HoldResponse); !ok || m.GetRenewed() == nil {
			return nil
		}
	}
}

// TestHoldRetriesTransientFailuresBeforeTheGrant: a Hold with a wait opens a new stream
// after an unavailable answer, as Acquire calls again, and is granted.
func TestHoldRetriesTransientFailuresBeforeTheGrant(t *testing.T) {
	f := &holdFaults{code: connect.CodeUnavailable}
	f.fail.Store(2)
	l := newLessor(t, serverURL, f.option())
	h, err := l.Hold(t.Context(), resource(t), driver.LeaseOptions{TTL: ttl, Wait: time.Minute})
	if err != nil {
		t.Fatalf("Hold after two unavailable answers: %v", err)
	}
	defer h.Release(context.Background())
	if n := f.calls.Load(); n != 3 {
		t.Fatalf("%d Hold calls, want 3 (two failed, one granted)", n)
	}
}

// TestHoldFailsAtOnceWhenRetryCannotHelp: with no wait a Hold makes one attempt, and a
// code that is not transient ends it at once even with a wait.
func TestHoldFailsAtOnceWhenRetryCannotHelp(t *testing.T) {
	for _, tc := range []struct {
		name string
		code connect.Code
		wait time.Duration
		want error
	}{
		{"unavailable-no-wait", connect.CodeUnavailable, 0, driver.ErrUnavailable},
		{"permission-denied-with-wait", connect.CodePermissionDenied, time.Minute, distlock.ErrPermissionDenied},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &holdFaults{code: tc.code}
			f.fail.Store(2)
			l := newLessor(t, serverURL, f.option())
			_, err := l.Hold(t.Context(), resource(t), driver.LeaseOptions{TTL: ttl, Wait: tc.wait})
			if !errors.Is(err, tc.want) {
				t.Fatalf("Hold: %v, want %v", err, tc.want)
			}
			if n := f.calls.Load(); n != 1 {
				t.Fatalf("%d Hold calls, want 1", n)
			}
		})
	}
}

// TestHoldReportsASilentServiceLost: a held lock whose stream delivers no word of it for
// its validity (the connection went dead without a reset) is reported lost with
// unavailable, and its stream is ended, so the service releases it.
func TestHoldReportsASilentServiceLost(t *testing.T) {
	f := &holdFaults{silent: true}
	l := newLessor(t, serverURL, f.option())
	r := resource(t)
	h, err := l.Hold(t.Context(), r, driver.LeaseOptions{TTL: ttl})
	if err != nil {
		t.Fatal(err)
	}
	if err := awaitLost(t, h); !errors.Is(err, driver.ErrUnavailable) || !strings.Contains(err.Error(), "no word") {
		t.Fatalf("loss reason %v, want ErrUnavailable for the silence", err)
	}
	if err := h.Release(context.Background()); !errors.Is(err, driver.ErrNotHeld) {
		t.Fatalf("Release after the loss: %v, want ErrNotHeld", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), streamStep)
	defer cancel()
	other := newLessor(t, serverURL)
	lease, err := other.Acquire(ctx, r, driver.LeaseOptions{TTL: ttl, Wait: streamStep})
	if err != nil {
		t.Fatalf("the silent hold's lock was not freed: %v", err)
	}
	_ = other.Release(ctx, lease)
}
