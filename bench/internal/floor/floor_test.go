package floor

import (
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/distlock/distlock/bench/internal/contenders"
	"github.com/distlock/distlock/core/memory"
	"github.com/distlock/distlock/core/redlock/redistest"
)

// TestMain lets Start run this test binary as a floor server.
func TestMain(m *testing.M) {
	ServeIfChild()
	os.Exit(m.Run())
}

func newLocker(t *testing.T) *Locker {
	t.Helper()
	srv := httptest.NewServer(Handler(memory.New()))
	t.Cleanup(srv.Close)
	l := NewLocker("floor", srv.URL, 1, 4)
	t.Cleanup(func() { l.Close() })
	return l
}

func TestWaiterGetsTheLockOnRelease(t *testing.T) {
	l := newLocker(t)
	ctx := context.Background()
	release, err := l.Acquire(ctx, "k", 10*time.Second, time.Now().Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() {
		r, err := l.Acquire(ctx, "k", 10*time.Second, time.Now().Add(10*time.Second))
		if err == nil {
			err = r(ctx)
		}
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("second acquire ended while the lock was held: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	if err := release(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil {
		t.Fatal(err)
	}
}

func TestAcquireGivesUpAtItsDeadline(t *testing.T) {
	l := newLocker(t)
	ctx := context.Background()
	if _, err := l.Acquire(ctx, "k", 10*time.Second, time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	_, err := l.Acquire(ctx, "k", 10*time.Second, time.Now().Add(50*time.Millisecond))
	if !errors.Is(err, contenders.ErrNotAcquired) {
		t.Fatalf("got %v, want ErrNotAcquired", err)
	}
}

func TestSecondReleaseFails(t *testing.T) {
	l := newLocker(t)
	ctx := context.Background()
	release, err := l.Acquire(ctx, "k", 10*time.Second, time.Now().Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if err := release(ctx); err != nil {
		t.Fatal(err)
	}
	if err := release(ctx); err == nil {
		t.Fatal("a second release of the same lease succeeded")
	}
}

// TestStartServesTheCoreOverRedis runs the floor as the bench does: a process of its own
// over real redis-server nodes, which locks there and exits when closed.
func TestStartServesTheCoreOverRedis(t *testing.T) {
	cluster := redistest.Start(t, 3)
	ctx := context.Background()
	p, err := Start(ctx, cluster.Addrs(), 1)
	if err != nil {
		t.Fatal(err)
	}
	l := NewLocker("floor", p.URL(), 3, 1)
	defer l.Close()
	release, err := l.Acquire(ctx, "k", 10*time.Second, time.Now().Add(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Acquire(ctx, "k", 10*time.Second, time.Now().Add(50*time.Millisecond)); !errors.Is(err, contenders.ErrNotAcquired) {
		t.Fatalf("second holder: got %v, want ErrNotAcquired", err)
	}
	if err := release(ctx); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
}
