package memory_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
	"github.com/distlock/distlock/core/memory"
)

func nextKind(t *testing.T, f *driver.Feed) driver.WatchKind {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ev, err := f.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return ev.Kind
}

// TestWatchHearsExpiryWithoutACall: the store's clock passing a watched lease's expiry
// is an event by itself; nothing has to look at the resource.
func TestWatchHearsExpiryWithoutACall(t *testing.T) {
	clk := clockwork.NewFakeClockAt(time.Now())
	s := memory.New(memory.WithClock(clk))
	defer s.Close()
	ctx := context.Background()
	if _, err := s.Acquire(ctx, "r", driver.LeaseOptions{TTL: core.MinTTL}); err != nil {
		t.Fatal(err)
	}
	f, err := s.Watch(ctx, driver.Selector{Name: "r"}, 8)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if k1, k2 := nextKind(t, f), nextKind(t, f); k1 != driver.WatchCurrent || k2 != driver.WatchSynced {
		t.Fatalf("state: %v %v", k1, k2)
	}
	clk.Advance(core.MinTTL)
	if k := nextKind(t, f); k != driver.WatchExpired {
		t.Fatalf("after the expiry: %v, want expired", k)
	}
}

// TestWatchEndsWithItsHandle: closing the handle ends its watches, as it ends its waits;
// a closed handle cannot watch.
func TestWatchEndsWithItsHandle(t *testing.T) {
	s := memory.New()
	f, err := s.Watch(context.Background(), driver.Selector{Prefix: true}, 8)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	nextKind(t, f)
	s.Close()
	if _, err := f.Next(context.Background()); !errors.Is(err, driver.ErrClosed) {
		t.Fatalf("Next after Close: %v, want ErrClosed", err)
	}
	if _, err := s.Watch(context.Background(), driver.Selector{Name: "r"}, 8); !errors.Is(err, driver.ErrClosed) {
		t.Fatalf("Watch after Close: %v, want ErrClosed", err)
	}
}
