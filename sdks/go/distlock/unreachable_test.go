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

// The waits that end an acquire of an unreachable service are conformance cases
// (unreachable-service-fails, -gives-up); a context's deadline is Go's own.
func TestUnreachableServiceEndsAtDeadline(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	_, err := newLessor(t, refused).Acquire(ctx, "r", driver.LeaseOptions{TTL: ttl, Wait: -1})
	checkUnreachable(t, "Acquire with a 1s deadline", err)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Acquire with a 1s deadline: err = %v, want DeadlineExceeded too", err)
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
