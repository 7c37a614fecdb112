package distlock_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	policy "github.com/distlock/distlock/gen/go/distlock/v1/distlockv1policy"
	"github.com/distlock/distlock/sdks/go/distlock"
)

// heldElsewhere answers Acquire as a service does while another holds the lock: it
// waits as long as asked, then answers aborted.
func heldElsewhere(ctx context.Context, req *connect.Request[distlockv1.AcquireRequest]) (*distlockv1.AcquireResponse, error) {
	t := time.NewTimer(req.Msg.GetWait().AsDuration())
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
	return nil, connect.NewError(connect.CodeAborted, errors.New("held by another"))
}

func TestLongWaitIsSplitIntoBoundedCalls(t *testing.T) {
	t.Parallel()
	f := &fakeService{acquire: heldElsewhere}
	l := newLessor(t, startFake(t, f), distlock.WithCallWait(time.Second))
	_, err := l.Acquire(t.Context(), "r", driver.LeaseOptions{TTL: 5 * time.Second, Wait: 2 * time.Second})
	if !errors.Is(err, core.ErrAcquireTimeout) {
		t.Fatalf("err = %v, want ErrAcquireTimeout", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.acquires) < 2 {
		t.Fatalf("%d Acquire calls, want at least 2 for a 2s wait at 1s per call", len(f.acquires))
	}
	if got := f.acquires[0].GetWait().AsDuration(); got != time.Second {
		t.Errorf("first call waits %v, want the per-call limit 1s", got)
	}
	for i, req := range f.acquires {
		if got := req.GetWait().AsDuration(); got > time.Second || got <= 0 {
			t.Errorf("call %d waits %v, want within (0, 1s]", i, got)
		}
	}
}

func TestDeadlineEndsWaitAsTimeout(t *testing.T) {
	t.Parallel()
	f := &fakeService{acquire: heldElsewhere}
	l := newLessor(t, startFake(t, f))
	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	_, err := l.Acquire(ctx, "r", driver.LeaseOptions{TTL: 5 * time.Second, Wait: -1})
	if !errors.Is(err, core.ErrAcquireTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want ErrAcquireTimeout and DeadlineExceeded", err)
	}
	// How far before the deadline each call asks the service to give up is
	// TestNextWait's business; here: every call asked for a wait within the deadline.
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, req := range f.acquires {
		if got := req.GetWait().AsDuration(); got >= time.Second {
			t.Errorf("call %d waits %v, not less than the 1s deadline", i, got)
		}
	}
}

func TestNoWaitAsksForNone(t *testing.T) {
	f := &fakeService{acquire: heldElsewhere}
	l := newLessor(t, startFake(t, f))
	_, err := l.Acquire(t.Context(), "r", driver.LeaseOptions{TTL: 5 * time.Second})
	if !errors.Is(err, core.ErrAcquireTimeout) {
		t.Fatalf("err = %v, want ErrAcquireTimeout", err)
	}
	if n := f.count("Acquire"); n != 1 {
		t.Errorf("Acquire called %d times, want 1", n)
	}
	if w := f.acquires[0].GetWait(); w != nil {
		t.Errorf("wait sent = %v, want unset", w.AsDuration())
	}
}

// slowGrant grants after delay, as a service does when the lock frees during a wait.
func slowGrant(delay time.Duration) func(context.Context, *connect.Request[distlockv1.AcquireRequest]) (*distlockv1.AcquireResponse, error) {
	return func(ctx context.Context, req *connect.Request[distlockv1.AcquireRequest]) (*distlockv1.AcquireResponse, error) {
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return &distlockv1.AcquireResponse{Resource: req.Msg.GetResource(), LeaseToken: "late", FencingToken: 3, Ttl: req.Msg.GetTtl()}, nil
	}
}

// lateGrant is a delay after which a grant of a 5s TTL is late by the policy.
var lateGrant = policy.LateGrant(5*time.Second) + 200*time.Millisecond

func TestLateGrantIsConfirmedByExtend(t *testing.T) {
	t.Parallel()
	f := &fakeService{
		acquire: slowGrant(lateGrant),
		extend: func(_ context.Context, req *connect.Request[distlockv1.ExtendRequest]) (*distlockv1.ExtendResponse, error) {
			if req.Msg.GetLeaseToken() != "late" {
				return nil, connect.NewError(connect.CodeNotFound, nil)
			}
			return &distlockv1.ExtendResponse{Ttl: req.Msg.GetTtl(), FencingToken: 3}, nil
		},
	}
	l := newLessor(t, startFake(t, f))
	lease, err := l.Acquire(t.Context(), "r", driver.LeaseOptions{TTL: 5 * time.Second, Wait: time.Minute})
	if err != nil {
		t.Fatalf("Acquire: %v", err)
	}
	if n := f.count("Extend"); n != 1 {
		t.Errorf("Extend called %d times, want 1 to confirm the late grant", n)
	}
	if lease.Token != "late" || lease.Fence != 3 {
		t.Errorf("lease = %+v, want token late, fence 3", lease)
	}
}

func TestUnconfirmedLateGrantIsReleased(t *testing.T) {
	t.Parallel()
	f := &fakeService{
		acquire: slowGrant(lateGrant),
		extend: func(context.Context, *connect.Request[distlockv1.ExtendRequest]) (*distlockv1.ExtendResponse, error) {
			return nil, connect.NewError(connect.CodeUnavailable, errors.New("no quorum"))
		},
		release: func(context.Context, *connect.Request[distlockv1.ReleaseRequest]) error { return nil },
	}
	l := newLessor(t, startFake(t, f))
	_, err := l.Acquire(t.Context(), "r", driver.LeaseOptions{TTL: 5 * time.Second})
	if !errors.Is(err, core.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	if n := f.count("Release"); n != 1 {
		t.Errorf("Release called %d times, want 1: an unconfirmed grant must not be left held", n)
	}
}

func TestCloseEndsCallsInFlight(t *testing.T) {
	started := make(chan struct{})
	f := &fakeService{acquire: func(ctx context.Context, req *connect.Request[distlockv1.AcquireRequest]) (*distlockv1.AcquireResponse, error) {
		close(started)
		return heldElsewhere(ctx, req)
	}}
	l := newLessor(t, startFake(t, f))
	done := make(chan error)
	go func() {
		_, err := l.Acquire(context.Background(), "r", driver.LeaseOptions{TTL: 5 * time.Second, Wait: -1})
		done <- err
	}()
	<-started
	l.Close()
	if err := <-done; !errors.Is(err, core.ErrClosed) {
		t.Errorf("err = %v, want ErrClosed", err)
	}
	if _, err := l.Info(t.Context(), "r"); !errors.Is(err, core.ErrClosed) {
		t.Errorf("Info after Close: err = %v, want ErrClosed", err)
	}
}

func TestInvalidInputMakesNoCall(t *testing.T) {
	f := &fakeService{}
	l := newLessor(t, startFake(t, f))
	ctx := t.Context()
	ok := driver.LeaseOptions{TTL: 5 * time.Second}
	lease := driver.Lease{Resource: "r", Token: "tok", Validity: time.Now().Add(time.Minute)}
	tests := map[string]func() error{
		"empty resource":     func() error { _, err := l.Acquire(ctx, "", ok); return err },
		"long resource":      func() error { _, err := l.Acquire(ctx, strings.Repeat("r", core.MaxResourceLen+1), ok); return err },
		"non-UTF-8 resource": func() error { _, err := l.Acquire(ctx, "\xff", ok); return err },
		"short TTL":          func() error { _, err := l.Acquire(ctx, "r", driver.LeaseOptions{TTL: time.Second}); return err },
		"long TTL":           func() error { _, err := l.Acquire(ctx, "r", driver.LeaseOptions{TTL: time.Hour}); return err },
		"long owner": func() error {
			_, err := l.Acquire(ctx, "r", driver.LeaseOptions{TTL: 5 * time.Second, Owner: strings.Repeat("o", 257)})
			return err
		},
		"large payload": func() error {
			_, err := l.Acquire(ctx, "r", driver.LeaseOptions{TTL: 5 * time.Second, Data: make([]byte, core.MaxDataLen+1)})
			return err
		},
		"extend no token":     func() error { _, err := l.Extend(ctx, driver.Lease{Resource: "r"}, 5*time.Second); return err },
		"extend short TTL":    func() error { _, err := l.Extend(ctx, lease, time.Second); return err },
		"extend bad resource": func() error { _, err := l.Extend(ctx, driver.Lease{Token: "tok"}, 5*time.Second); return err },
		"release no token":    func() error { return l.Release(ctx, driver.Lease{Resource: "r"}) },
		"info bad resource":   func() error { _, err := l.Info(ctx, ""); return err },
		"read bad resource":   func() error { _, err := l.Read(ctx, "\xff"); return err },
	}
	for name, call := range tests {
		if err := call(); !errors.Is(err, core.ErrInvalidArgument) {
			t.Errorf("%s: err = %v, want ErrInvalidArgument", name, err)
		}
	}
	if n := f.total(); n != 0 {
		t.Errorf("%d calls reached the service, want none", n)
	}
}

func TestNewRejectsBadURLs(t *testing.T) {
	for _, url := range []string{"", "127.0.0.1:8080", "localhost:8080", "ftp://host", "http://", "http://host/?a=b", "http://host/#x", "http://%zz"} {
		if _, err := distlock.New(url); !errors.Is(err, core.ErrInvalidArgument) {
			t.Errorf("New(%q): err = %v, want ErrInvalidArgument", url, err)
		}
	}
}

func TestSchemesAreRegistered(t *testing.T) {
	for _, url := range []string{"http://127.0.0.1:1", "https://locks.example.com/prefix"} {
		l, err := driver.Open(url)
		if err != nil {
			t.Fatalf("driver.Open(%q): %v", url, err)
		}
		if _, ok := l.(*distlock.Lessor); !ok {
			t.Errorf("driver.Open(%q) = %T, want *distlock.Lessor", url, l)
		}
		l.Close()
	}
}

// TestContextEndAfterADeadlineExceededIsTheTimeoutError: a wait whose calls timed out
// (deadline_exceeded, no answer from the service) and whose context then ended returns
// the seed API's timeout error, not the call's deadline_exceeded (a fresh-clone run saw
// TestHeldLockIsNotGrantedAgain get it).
func TestContextEndAfterADeadlineExceededIsTheTimeoutError(t *testing.T) {
	f := &fakeService{acquire: func(ctx context.Context, _ *connect.Request[distlockv1.AcquireRequest]) (*distlockv1.AcquireResponse, error) {
		return nil, connect.NewError(connect.CodeDeadlineExceeded, errors.New("the call's own deadline"))
	}}
	l := newLessor(t, startFake(t, f))
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	_, err := l.Acquire(ctx, "r", driver.LeaseOptions{TTL: policy.MinTTL, Wait: -1})
	if !errors.Is(err, core.ErrAcquireTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want ErrAcquireTimeout and DeadlineExceeded", err)
	}
}
