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
	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1connect"
	"github.com/distlock/distlock/sdks/go/distlock"
)

// outcome is one finished call seen by a watch interceptor.
type outcome struct {
	procedure string
	err       error
}

// watch returns an option that reports every finished call on the returned channel. The
// channel is buffered generously; a test must keep reading it or stop making calls.
func watch() (distlock.Option, <-chan outcome) {
	ch := make(chan outcome, 1024)
	i := connect.UnaryInterceptorFunc(func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			res, err := next(ctx, req)
			ch <- outcome{req.Spec().Procedure, err}
			return res, err
		}
	})
	return distlock.WithConnectOptions(connect.WithInterceptors(i)), ch
}

// awaitCalls reads outcomes until n calls of procedure have finished with a code of
// code (0: success) and returns them.
func awaitCalls(t *testing.T, ch <-chan outcome, procedure string, code connect.Code, n int) {
	t.Helper()
	for seen := 0; seen < n; {
		select {
		case o := <-ch:
			if o.procedure != procedure {
				continue
			}
			if (code == 0 && o.err == nil) || (o.err != nil && connect.CodeOf(o.err) == code) {
				seen++
			}
		case <-t.Context().Done():
			t.Fatalf("the test ended before %d %s calls finished with code %v", n, procedure, code)
		}
	}
}

func TestWaitSucceedsWhenReleased(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	r := resource(t)
	holder := newLessor(t, serverURL)
	lease, err := holder.Acquire(ctx, r, driver.LeaseOptions{TTL: ttl})
	if err != nil {
		t.Fatalf("Acquire: %v", err)
	}

	seen, calls := watch()
	waiter := newLessor(t, serverURL, seen, distlock.WithCallWait(time.Second))
	got := make(chan driver.Lease, 1)
	failed := make(chan error, 1)
	go func() {
		l, err := waiter.Acquire(ctx, r, driver.LeaseOptions{TTL: ttl, Wait: time.Minute})
		if err != nil {
			failed <- err
			return
		}
		got <- l
	}()
	// One call that waited its second out and came back "aborted" proves the waiter is
	// in its loop of bounded calls; only then does the holder let go.
	awaitCalls(t, calls, distlockv1connect.LockServiceAcquireProcedure, connect.CodeAborted, 1)
	if err := holder.Release(ctx, lease); err != nil {
		t.Fatalf("Release: %v", err)
	}
	select {
	case err := <-failed:
		t.Fatalf("waiting Acquire: %v", err)
	case l := <-got:
		if l.Fence <= lease.Fence {
			t.Errorf("waiter's fence %d, want more than the holder's %d", l.Fence, lease.Fence)
		}
		if err := waiter.Release(ctx, l); err != nil {
			t.Errorf("waiter's Release: %v", err)
		}
	}
}

func TestRenewalKeepsLockAcrossTTLs(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("holds a lock for more than two TTLs (about 12s)")
	}
	ctx := t.Context()
	r := resource(t)
	seen, calls := watch()
	l := newLessor(t, serverURL, seen)
	lease, err := l.Acquire(ctx, r, driver.LeaseOptions{TTL: ttl})
	if err != nil {
		t.Fatalf("Acquire: %v", err)
	}
	lock := core.Hold(l, lease, nil)
	defer lock.Release(context.WithoutCancel(ctx))

	// Renewal runs about every TTL/3: seven renewals span more than two TTLs, after which
	// the lock would be long gone had nobody renewed it.
	awaitCalls(t, calls, distlockv1connect.LockServiceExtendProcedure, 0, 7)
	select {
	case <-lock.Lost:
		t.Fatal("Lost closed while renewal succeeded")
	default:
	}
	info, err := newLessor(t, serverURL).Info(ctx, r)
	if err != nil {
		t.Fatalf("Info: %v", err)
	}
	if info.FencingToken != lease.Fence {
		t.Errorf("holder's fence is %d, want still %d", info.FencingToken, lease.Fence)
	}
	if limit := info.LockTime.Add(2 * ttl); !info.ExpireTime.After(limit) {
		t.Errorf("expiry %v is not beyond two TTLs after the grant (%v): renewal did not push it", info.ExpireTime, limit)
	}
	if _, err := newLessor(t, serverURL).Acquire(ctx, r, driver.LeaseOptions{TTL: ttl}); !errors.Is(err, core.ErrAcquireTimeout) {
		t.Errorf("another Acquire: err = %v, want ErrAcquireTimeout", err)
	}
	if err := lock.Release(ctx); err != nil {
		t.Errorf("Release: %v", err)
	}
}

func TestLostWhenStolen(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	r := resource(t)
	c := newClient(t)
	lock, err := c.TryLock(ctx, serverURL, r, core.TTL(ttl))
	if err != nil {
		t.Fatalf("TryLock: %v", err)
	}
	// Another process that learnt the lease token releases it and takes the resource.
	other := newClient(t)
	if err := other.Release(ctx, serverURL, r, core.WithLeaseToken(lock.LeaseToken)); err != nil {
		t.Fatalf("Release by token: %v", err)
	}
	thief, err := other.TryLock(ctx, serverURL, r, core.TTL(ttl))
	if err != nil {
		t.Fatalf("thief's TryLock: %v", err)
	}
	defer thief.Release(context.WithoutCancel(ctx))
	if thief.FencingToken <= lock.FencingToken {
		t.Errorf("thief's fence %d, want more than %d", thief.FencingToken, lock.FencingToken)
	}
	// The next renewal finds the lease gone.
	select {
	case <-lock.Lost:
	case <-ctx.Done():
		t.Fatal("Lost never closed")
	}
	if err := lock.Release(ctx); !errors.Is(err, core.ErrNotHeld) {
		t.Errorf("Release of a lost lock: err = %v, want ErrNotHeld", err)
	}
	if err := c.Release(ctx, serverURL, r); !errors.Is(err, core.ErrNotHeld) {
		t.Errorf("client Release of a lost lock: err = %v, want ErrNotHeld", err)
	}
}

func TestLostWhenRenewalFailsUntilValidityEnds(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	r := resource(t)
	// A partition: once cut, every Extend fails as the service being unreachable does.
	var cut atomic.Bool
	partition := connect.UnaryInterceptorFunc(func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			if cut.Load() && req.Spec().Procedure == distlockv1connect.LockServiceExtendProcedure {
				return nil, connect.NewError(connect.CodeUnavailable, errors.New("partitioned"))
			}
			return next(ctx, req)
		}
	})
	l := newLessor(t, serverURL, distlock.WithConnectOptions(connect.WithInterceptors(partition)))
	lease, err := l.Acquire(ctx, r, driver.LeaseOptions{TTL: ttl})
	if err != nil {
		t.Fatalf("Acquire: %v", err)
	}
	cut.Store(true)
	lock := core.Hold(l, lease, nil)
	select {
	case <-lock.Lost:
	case <-ctx.Done():
		t.Fatal("Lost never closed")
	}
	if time.Now().Before(lease.Validity) {
		t.Errorf("Lost closed %v before the validity ended, while retries were still allowed", time.Until(lease.Validity))
	}
	// The service expires the unrenewed lease by itself: another holder gets it.
	lock2, err := newClient(t).TryLock(ctx, serverURL, r, core.TTL(ttl))
	if err != nil {
		t.Fatalf("TryLock after expiry: %v", err)
	}
	if err := lock2.Release(ctx); err != nil {
		t.Errorf("Release: %v", err)
	}
	lock.Release(ctx)
}

func TestLockGrantedAfterWaitLongerThanTTLIsKept(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("waits more than a TTL (about 8s)")
	}
	ctx := t.Context()
	r := resource(t)
	holder := newLessor(t, serverURL)
	lease, err := holder.Acquire(ctx, r, driver.LeaseOptions{TTL: ttl})
	if err != nil {
		t.Fatalf("Acquire: %v", err)
	}
	held := core.Hold(holder, lease, nil)

	// One call waits for the whole scenario, so the grant arrives more than a TTL after
	// the request was sent: send time + TTL is over by then.
	sent := make(chan struct{}, 1)
	onSend := connect.UnaryInterceptorFunc(func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			if req.Spec().Procedure == distlockv1connect.LockServiceAcquireProcedure {
				select {
				case sent <- struct{}{}:
				default:
				}
			}
			return next(ctx, req)
		}
	})
	seen, calls := watch()
	waiter := newLessor(t, serverURL, seen, distlock.WithCallWait(time.Minute),
		distlock.WithConnectOptions(connect.WithInterceptors(onSend)))
	got := make(chan driver.Lease, 1)
	go func() {
		l, err := waiter.Acquire(ctx, r, driver.LeaseOptions{TTL: ttl, Wait: time.Minute})
		if err != nil {
			t.Errorf("waiting Acquire: %v", err)
		}
		got <- l
	}()
	<-sent
	// The scenario itself, not synchronisation: the holder keeps the lock a while longer
	// than a TTL after the waiter asked.
	hold := time.NewTimer(ttl + time.Second)
	select {
	case <-hold.C:
	case <-ctx.Done():
		t.Fatal("test ended")
	}
	if err := held.Release(ctx); err != nil {
		t.Fatalf("Release: %v", err)
	}
	l := <-got
	if l.Token == "" {
		return
	}
	if !l.Validity.After(time.Now()) {
		t.Fatalf("the granted lease's validity ended %v ago", time.Since(l.Validity))
	}
	lock := core.Hold(waiter, l, nil)
	defer lock.Release(context.WithoutCancel(ctx))
	// It renews like any lock: the Extend that confirmed the grant, then a renewal,
	// succeed before anything closes Lost.
	for extends := 0; extends < 2; {
		select {
		case <-lock.Lost:
			t.Fatal("the lock granted after a long wait was lost")
		case o := <-calls:
			if o.procedure == distlockv1connect.LockServiceExtendProcedure && o.err == nil {
				extends++
			}
		case <-ctx.Done():
			t.Fatal("no renewal")
		}
	}
}
