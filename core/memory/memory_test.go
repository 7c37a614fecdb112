package memory_test

import (
	"context"
	"crypto/rand"
	"errors"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"go.uber.org/goleak"

	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
	"github.com/distlock/distlock/core/memory"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestNamedStoresAreSharedByName(t *testing.T) {
	ctx := context.Background()
	name := "memory://" + t.Name() + rand.Text() // named stores outlive the test
	a, err := driver.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := driver.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	other, err := driver.Open(name + "-other")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()

	lo := driver.LeaseOptions{TTL: core.MinTTL}
	lease, err := a.Acquire(ctx, "r", lo)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Acquire(ctx, "r", lo); !errors.Is(err, core.ErrAcquireTimeout) {
		t.Fatalf("second handle on the same name: got %v, want ErrAcquireTimeout", err)
	}
	otherLease, err := other.Acquire(ctx, "r", lo)
	if err != nil {
		t.Fatalf("a store of another name must be independent: %v", err)
	}
	defer other.Release(ctx, otherLease)
	// A lease outlives the handle that took it, as it outlives a Redis client.
	a.Close()
	if err := b.Release(ctx, lease); err != nil {
		t.Fatalf("release through another handle after Close: %v", err)
	}
}

func TestOpenRejectsEmptyName(t *testing.T) {
	if _, err := driver.Open("memory://"); !errors.Is(err, core.ErrInvalidArgument) {
		t.Fatalf("got %v, want ErrInvalidArgument", err)
	}
}

func TestLeaseExpiresByTheStoreClock(t *testing.T) {
	ctx := context.Background()
	clk := clockwork.NewFakeClockAt(time.Now())
	s := memory.New(memory.WithClock(clk))
	defer s.Close()
	lease, err := s.Acquire(ctx, "r", driver.LeaseOptions{TTL: core.MinTTL})
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx, "r")
	if err != nil {
		t.Fatal(err)
	}
	if !info.LockTime.Equal(clk.Now()) || !info.ExpireTime.Equal(clk.Now().Add(core.MinTTL)) {
		t.Fatalf("info times %v..%v are not the store clock's %v + %v", info.LockTime, info.ExpireTime, clk.Now(), core.MinTTL)
	}
	clk.Advance(core.MinTTL - time.Nanosecond)
	if _, err := s.Info(ctx, "r"); err != nil {
		t.Fatalf("held until its expiry: %v", err)
	}
	clk.Advance(time.Nanosecond)
	if _, err := s.Info(ctx, "r"); !errors.Is(err, core.ErrNotHeld) {
		t.Fatalf("at its expiry: got %v, want ErrNotHeld", err)
	}
	if _, err := s.Extend(ctx, lease, core.MinTTL); !errors.Is(err, core.ErrNotHeld) {
		t.Fatalf("extend after expiry: got %v, want ErrNotHeld", err)
	}
}

func TestOpenSharesTheStoreOfItsURL(t *testing.T) {
	ctx := context.Background()
	name := t.Name() + rand.Text()
	byName, err := memory.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer byName.Close()
	byURL, err := driver.Open("memory://" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer byURL.Close()
	lease, err := byName.Acquire(ctx, "r", driver.LeaseOptions{TTL: core.MinTTL})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := byURL.Acquire(ctx, "r", driver.LeaseOptions{TTL: core.MinTTL}); !errors.Is(err, driver.ErrAcquireTimeout) {
		t.Errorf("the URL's handle acquired a lock held through Open: %v", err)
	}
	if err := byURL.Release(ctx, lease); err != nil {
		t.Errorf("the URL's handle could not release Open's lease: %v", err)
	}
	if _, err := memory.Open(""); !errors.Is(err, driver.ErrInvalidArgument) {
		t.Errorf("Open(\"\") = %v, want ErrInvalidArgument", err)
	}
}
