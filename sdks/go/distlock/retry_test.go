package distlock_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"google.golang.org/protobuf/types/known/durationpb"
)

// failing returns a function that fails with unavailable n times, then runs ok.
func failing[Req, Res any](n int32, ok func() (*Res, error)) func(context.Context, *connect.Request[Req]) (*Res, error) {
	var calls atomic.Int32
	return func(context.Context, *connect.Request[Req]) (*Res, error) {
		if calls.Add(1) <= n {
			return nil, connect.NewError(connect.CodeUnavailable, errors.New("1 of 3 nodes answered"))
		}
		return ok()
	}
}

func grant() (*distlockv1.AcquireResponse, error) {
	return &distlockv1.AcquireResponse{Resource: "r", LeaseToken: "tok", FencingToken: 7, Ttl: durationpb.New(5 * time.Second)}, nil
}

func extended() (*distlockv1.ExtendResponse, error) {
	return &distlockv1.ExtendResponse{Ttl: durationpb.New(5 * time.Second), FencingToken: 7}, nil
}

func heldLease() driver.Lease {
	return driver.Lease{Resource: "r", Token: "tok", Fence: 7, TTL: 5 * time.Second, Validity: time.Now().Add(5 * time.Second)}
}

func TestExtendMakesOneCallOnUnavailable(t *testing.T) {
	f := &fakeService{extend: failing[distlockv1.ExtendRequest](1, extended)}
	l := newLessor(t, startFake(t, f))
	_, err := l.Extend(t.Context(), heldLease(), 5*time.Second)
	if !errors.Is(err, driver.ErrUnavailable) {
		t.Errorf("err = %v, want ErrUnavailable: renewal, not Extend, retries it", err)
	}
	if n := f.count("Extend"); n != 1 {
		t.Errorf("Extend called %d times, want 1", n)
	}
}

func TestExtendDoesNotRetryPastValidity(t *testing.T) {
	f := &fakeService{extend: failing[distlockv1.ExtendRequest](1000, extended)}
	l := newLessor(t, startFake(t, f))
	lease := heldLease()
	lease.Validity = time.Now() // already over: one attempt, then give up
	_, err := l.Extend(t.Context(), lease, 5*time.Second)
	if !errors.Is(err, core.ErrUnavailable) {
		t.Errorf("err = %v, want ErrUnavailable", err)
	}
	if n := f.count("Extend"); n != 1 {
		t.Errorf("Extend called %d times, want 1", n)
	}
}

func TestExtendDoesNotRetryNotHeld(t *testing.T) {
	f := &fakeService{extend: func(context.Context, *connect.Request[distlockv1.ExtendRequest]) (*distlockv1.ExtendResponse, error) {
		return nil, connect.NewError(connect.CodeNotFound, errors.New("lease not held"))
	}}
	l := newLessor(t, startFake(t, f))
	if _, err := l.Extend(t.Context(), heldLease(), 5*time.Second); !errors.Is(err, core.ErrNotHeld) {
		t.Errorf("err = %v, want ErrNotHeld", err)
	}
	if n := f.count("Extend"); n != 1 {
		t.Errorf("Extend called %d times, want 1", n)
	}
}

func TestReleaseRetriesUnavailableWithinValidity(t *testing.T) {
	f := &fakeService{release: func() func(context.Context, *connect.Request[distlockv1.ReleaseRequest]) error {
		g := failing[distlockv1.ReleaseRequest](2, func() (*struct{}, error) { return nil, nil })
		return func(ctx context.Context, r *connect.Request[distlockv1.ReleaseRequest]) error {
			_, err := g(ctx, r)
			return err
		}
	}()}
	l := newLessor(t, startFake(t, f))
	if err := l.Release(t.Context(), heldLease()); err != nil {
		t.Fatalf("Release: %v", err)
	}
	if n := f.count("Release"); n != 3 {
		t.Errorf("Release called %d times, want 3", n)
	}
}

func TestAcquireWithoutWaitMakesOneCall(t *testing.T) {
	f := &fakeService{acquire: failing[distlockv1.AcquireRequest](1000, grant)}
	l := newLessor(t, startFake(t, f))
	_, err := l.Acquire(t.Context(), "r", driver.LeaseOptions{TTL: 5 * time.Second})
	if !errors.Is(err, core.ErrUnavailable) {
		t.Errorf("err = %v, want ErrUnavailable", err)
	}
	if n := f.count("Acquire"); n != 1 {
		t.Errorf("Acquire called %d times, want 1", n)
	}
}

func TestAcquireUnavailableUntilContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	f := &fakeService{}
	// Cancel once the SDK has retried: the third call proves it kept trying.
	f.acquire = func(context.Context, *connect.Request[distlockv1.AcquireRequest]) (*distlockv1.AcquireResponse, error) {
		if f.count("Acquire") == 3 {
			cancel()
		}
		return nil, connect.NewError(connect.CodeUnavailable, errors.New("no quorum"))
	}
	l := newLessor(t, startFake(t, f))
	_, err := l.Acquire(ctx, "r", driver.LeaseOptions{TTL: 5 * time.Second, Wait: -1})
	if !errors.Is(err, core.ErrUnavailable) || !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want ErrUnavailable and context.Canceled", err)
	}
}
