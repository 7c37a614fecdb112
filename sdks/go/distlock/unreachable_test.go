package distlock_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1connect"
	"github.com/distlock/distlock/sdks/go/distlock"
)

// refused is a URL where nothing listens: port 1 on loopback refuses connections.
const refused = "http://127.0.0.1:1"

// checkUnreachable checks that err is the service being unavailable, named by its URL
// and with the cause.
func checkUnreachable(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, core.ErrUnavailable) || connect.CodeOf(err) != connect.CodeUnavailable {
		t.Errorf("%s: err = %v, want ErrUnavailable with code unavailable", what, err)
	}
	if msg := err.Error(); !strings.Contains(msg, refused) || !strings.Contains(msg, "connection refused") {
		t.Errorf("%s: %q does not name the URL %s and the cause", what, msg, refused)
	}
}

func TestUnreachableServiceIsUnavailable(t *testing.T) {
	t.Parallel()
	l := newLessor(t, refused)
	_, err := l.Info(t.Context(), "r")
	checkUnreachable(t, "Info", err)
	_, err = l.Acquire(t.Context(), "r", driver.LeaseOptions{TTL: ttl})
	checkUnreachable(t, "Acquire without a wait", err)
	_, err = l.Hold(t.Context(), "r", driver.LeaseOptions{TTL: ttl})
	checkUnreachable(t, "Hold", err)
}

// TestUnreachableServiceEndsEndlessWait is decision 9 of sdks/POLICY.md: a service that
// never answers is retried, but an endless wait does not make an endless acquire.
func TestUnreachableServiceEndsEndlessWait(t *testing.T) {
	t.Parallel()
	seen, calls := watch()
	l := newLessor(t, refused, seen)
	_, err := l.Acquire(t.Context(), "r", driver.LeaseOptions{TTL: ttl, Wait: -1})
	checkUnreachable(t, "Acquire with an endless wait", err)
	if n := countCalls(calls, distlockv1connect.LockServiceAcquireProcedure); n < 2 {
		t.Errorf("%d Acquire calls, want retries", n)
	}
}

func TestUnreachableServiceEndsShortWait(t *testing.T) {
	t.Parallel()
	_, err := newLessor(t, refused).Acquire(t.Context(), "r", driver.LeaseOptions{TTL: ttl, Wait: time.Second})
	checkUnreachable(t, "Acquire with a 1s wait", err)
	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	_, err = newLessor(t, refused).Acquire(ctx, "r", driver.LeaseOptions{TTL: ttl, Wait: -1})
	checkUnreachable(t, "Acquire with a 1s deadline", err)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Acquire with a 1s deadline: err = %v, want DeadlineExceeded too", err)
	}
}

// countCalls counts the calls of procedure that have finished, without waiting.
func countCalls(ch <-chan outcome, procedure string) int {
	n := 0
	for {
		select {
		case o := <-ch:
			if o.procedure == procedure {
				n++
			}
		default:
			return n
		}
	}
}

// TestUnansweredCallKeepsItsCode: a call the service never answers ends at its wait
// plus the call timeout as deadline_exceeded, named by the URL, and is not mistaken for
// the service being unavailable.
func TestUnansweredCallKeepsItsCode(t *testing.T) {
	t.Parallel()
	// The handler ignores its context (the service would answer deadline_exceeded when
	// the client's timeout header runs out): it hangs until the test ends.
	hang := make(chan struct{})
	f := &fakeService{acquire: func(context.Context, *connect.Request[distlockv1.AcquireRequest]) (*distlockv1.AcquireResponse, error) {
		<-hang
		return nil, connect.NewError(connect.CodeUnavailable, nil)
	}}
	url := startFake(t, f)
	t.Cleanup(func() { close(hang) }) // before the server's Close, which waits for handlers
	l := newLessor(t, url, distlock.WithCallTimeout(time.Second))
	_, err := l.Acquire(t.Context(), "r", driver.LeaseOptions{TTL: ttl, Wait: time.Second})
	if connect.CodeOf(err) != connect.CodeDeadlineExceeded || !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, core.ErrUnavailable) {
		t.Errorf("err = %v, want deadline_exceeded and not ErrUnavailable", err)
	}
	if err != nil && !strings.Contains(err.Error(), url) {
		t.Errorf("%q does not name the URL %s", err, url)
	}
}

// TestServiceThatStopsAnsweringEndsEndlessWait: the give-up counts from the service's
// last answer, so a service that answered and then vanished mid-wait is given up on too.
func TestServiceThatStopsAnsweringEndsEndlessWait(t *testing.T) {
	t.Parallel()
	// After its first answer, every call fails on this side as a refused connection does.
	var calls atomic.Int32
	vanish := connect.UnaryInterceptorFunc(func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			if calls.Add(1) > 1 {
				return nil, connect.NewError(connect.CodeUnavailable, errors.New("connection refused"))
			}
			return next(ctx, req)
		}
	})
	url := startFake(t, &fakeService{acquire: heldElsewhere})
	l := newLessor(t, url, distlock.WithCallWait(time.Second), distlock.WithConnectOptions(connect.WithInterceptors(vanish)))
	// The deadline only keeps a failing test from hanging.
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	_, err := l.Acquire(ctx, "r", driver.LeaseOptions{TTL: ttl, Wait: -1})
	if !errors.Is(err, core.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) || !strings.Contains(fmt.Sprint(err), url) {
		t.Errorf("err = %v, want ErrUnavailable naming %s before the test's deadline", err, url)
	}
	if n := calls.Load(); n < 3 {
		t.Errorf("%d calls, want the answered one and retries of the silence", n)
	}
}
