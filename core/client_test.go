package core_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
)

// service returns a memory:// URL unique to the test run: named stores outlive tests.
func service(t *testing.T) string { return "memory://" + t.Name() + rand.Text() }

func newClient(t *testing.T) *core.Client {
	c := core.NewClient()
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestClientTryLockInfoReadRelease(t *testing.T) {
	ctx := context.Background()
	c := newClient(t)
	svc := service(t)
	lock, err := c.TryLock(ctx, svc, "orders/42", core.Owner("worker-1"), core.Data([]byte("v1")))
	if err != nil {
		t.Fatal(err)
	}
	if lock.Resource != "orders/42" || lock.Owner != "worker-1" || lock.FencingToken == 0 || lock.LeaseToken == "" {
		t.Fatalf("lock %+v does not describe the grant", lock)
	}
	info, err := c.Info(ctx, svc, "orders/42")
	if err != nil {
		t.Fatal(err)
	}
	if info.Owner != "worker-1" || info.FencingToken != lock.FencingToken {
		t.Errorf("info %+v does not describe the holder", info)
	}
	if data, err := c.Read(ctx, svc, "orders/42"); err != nil || string(data) != "v1" {
		t.Errorf("read: %q, %v", data, err)
	}
	if err := c.Release(ctx, svc, "orders/42"); err != nil {
		t.Fatalf("release by resource: %v", err)
	}
	select {
	case <-lock.Lost:
	default:
		t.Error("Lost is open after Release")
	}
	if _, err := c.Info(ctx, svc, "orders/42"); !errors.Is(err, core.ErrNotHeld) {
		t.Errorf("info after release: %v, want ErrNotHeld", err)
	}
	if _, err := c.Read(ctx, svc, "orders/42"); !errors.Is(err, core.ErrNotHeld) {
		t.Errorf("read after release: %v, want ErrNotHeld", err)
	}
}

func TestClientReleaseNotHeld(t *testing.T) {
	ctx := context.Background()
	c := newClient(t)
	svc := service(t)
	if err := c.Release(ctx, svc, "never-locked"); !errors.Is(err, core.ErrNotHeld) {
		t.Errorf("release of a resource never locked: %v, want ErrNotHeld", err)
	}
	lock, err := c.TryLock(ctx, svc, "r")
	if err != nil {
		t.Fatal(err)
	}
	if err := lock.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Release(ctx, svc, "r"); !errors.Is(err, core.ErrNotHeld) {
		t.Errorf("release by resource after Lock.Release: %v, want ErrNotHeld", err)
	}
	if err := c.Release(ctx, svc, "r", core.WithLeaseToken(lock.LeaseToken)); !errors.Is(err, core.ErrNotHeld) {
		t.Errorf("release by a spent lease token: %v, want ErrNotHeld", err)
	}
}

func TestClientReleaseWithLeaseTokenOfAnotherClient(t *testing.T) {
	ctx := context.Background()
	holder, other := newClient(t), newClient(t)
	svc := service(t)
	lock, err := holder.TryLock(ctx, svc, "r")
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Release(ctx)
	if err := other.Release(ctx, svc, "r", core.WithLeaseToken("not-the-token")); !errors.Is(err, core.ErrNotHeld) {
		t.Errorf("release with a wrong token: %v, want ErrNotHeld", err)
	}
	if err := other.Release(ctx, svc, "r"); !errors.Is(err, core.ErrNotHeld) {
		t.Errorf("release by resource of a lock another client holds: %v, want ErrNotHeld", err)
	}
	if err := other.Release(ctx, svc, "r", core.WithLeaseToken(lock.LeaseToken)); err != nil {
		t.Fatalf("release with the holder's token: %v", err)
	}
	if _, err := other.Info(ctx, svc, "r"); !errors.Is(err, core.ErrNotHeld) {
		t.Errorf("info after release by token: %v, want ErrNotHeld", err)
	}
}

func TestClientReleaseWithOwnLeaseTokenStopsRenewal(t *testing.T) {
	ctx := context.Background()
	c := newClient(t)
	svc := service(t)
	lock, err := c.TryLock(ctx, svc, "r")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Release(ctx, svc, "r", core.WithLeaseToken(lock.LeaseToken)); err != nil {
		t.Fatal(err)
	}
	select {
	case <-lock.Lost: // the client's own lock ended, so its renewal stopped
	default:
		t.Error("Lost is open after releasing the client's own lease by token")
	}
}

func TestClientTryLockWaitsUntilContextDone(t *testing.T) {
	holder, waiter := newClient(t), newClient(t)
	svc := service(t)
	lock, err := holder.TryLock(context.Background(), svc, "r")
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Release(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = waiter.TryLock(ctx, svc, "r")
	if !errors.Is(err, core.ErrAcquireTimeout) || !errors.Is(err, core.LockAcquireTimeoutErr) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want an error matching ErrAcquireTimeout and DeadlineExceeded", err)
	}
}

func TestClientTryLockGetsLockOnRelease(t *testing.T) {
	ctx := context.Background()
	holder, waiter := newClient(t), newClient(t)
	svc := service(t)
	first, err := holder.TryLock(ctx, svc, "r")
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	var second core.Lock
	go func() {
		var err error
		second, err = waiter.TryLock(ctx, svc, "r")
		got <- err
	}()
	if err := first.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil {
		t.Fatal(err)
	}
	defer second.Release(ctx)
	if second.FencingToken <= first.FencingToken {
		t.Errorf("fencing token %d after %d", second.FencingToken, first.FencingToken)
	}
}

func TestClientCloseReleasesHeldLocks(t *testing.T) {
	ctx := context.Background()
	svc := service(t)
	c, observer := core.NewClient(), newClient(t)
	lock, err := c.TryLock(ctx, svc, "r")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-lock.Lost:
	default:
		t.Error("Lost is open after Close")
	}
	if _, err := observer.Info(ctx, svc, "r"); !errors.Is(err, core.ErrNotHeld) {
		t.Errorf("the lock is held after its client closed: %v", err)
	}
	if _, err := c.TryLock(ctx, svc, "other"); !errors.Is(err, core.ErrClosed) {
		t.Errorf("TryLock after Close: %v, want ErrClosed", err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestClientCloseEndsWaitingTryLock(t *testing.T) {
	ctx := context.Background()
	svc := service(t)
	holder := newClient(t)
	lock, err := holder.TryLock(ctx, svc, "r")
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Release(ctx)
	c := core.NewClient()
	if _, err := c.Info(ctx, svc, "r"); err != nil { // opens the service
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() {
		_, err := c.TryLock(ctx, svc, "r")
		got <- err
	}()
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-got; !errors.Is(err, core.ErrClosed) {
		t.Errorf("TryLock waiting when its client closed: %v, want ErrClosed", err)
	}
}

func TestClientCloseDuringGrantReleasesTheLock(t *testing.T) {
	granting := make(chan struct{})
	closed := make(chan struct{})
	f := &fakeLessor{closed: func() { close(closed) }}
	f.acquire = func(ctx context.Context, resource string, o driver.LeaseOptions) (driver.Lease, error) {
		close(granting)
		<-closed // the grant arrives only after Client.Close has run
		return newLease(o.TTL), nil
	}
	fakes.Store(t.Name(), f)
	defer fakes.Delete(t.Name())

	c := core.NewClient()
	got := make(chan error, 1)
	go func() {
		_, err := c.TryLock(context.Background(), "corefake://"+t.Name(), "r")
		got <- err
	}()
	<-granting
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-got; !errors.Is(err, core.ErrClosed) {
		t.Fatalf("TryLock granted during Close: %v, want ErrClosed", err)
	}
	if _, _, releases := f.calls(); len(releases) != 1 {
		t.Errorf("the lock granted during Close was released %d times, want 1", len(releases))
	}
}

func TestClientUnknownService(t *testing.T) {
	c := newClient(t)
	if _, err := c.TryLock(context.Background(), "nosuch://x", "r"); !errors.Is(err, core.ErrInvalidArgument) {
		t.Errorf("got %v, want ErrInvalidArgument", err)
	}
}

// TestClientConcurrentUse is for the race detector: many goroutines share a Client.
func TestClientConcurrentUse(t *testing.T) {
	ctx := context.Background()
	c := newClient(t)
	svc := service(t)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 8 {
		wg.Go(func() {
			for j := range 8 {
				r := fmt.Sprintf("r%d", (i+j)%3) // shared resources, so goroutines contend
				lock, err := c.TryLock(ctx, svc, r, core.Data([]byte{byte(i)}))
				if err != nil {
					errs <- err
					return
				}
				if _, err := c.Info(ctx, svc, r); err != nil {
					errs <- err
				}
				if _, err := c.Read(ctx, svc, r); err != nil {
					errs <- err
				}
				if err := lock.Release(ctx); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
