package distlock_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
	"github.com/distlock/distlock/core/redlock/redistest"
)

// redlockServer starts `distlock serve` over three real redis-server nodes (fresh, so
// without the quarantine a restarted node gets).
func redlockServer(t *testing.T) string {
	t.Helper()
	cluster := redistest.Start(t, 3)
	return startServer(t, "--lock-service", "redis://"+strings.Join(cluster.Addrs(), ",")+"?quarantine=0s")
}

// TestForceReleaseMakesTheHolderLoseItsLock: a lock held through the Go SDK on three
// real redis-server nodes is broken by another client; the holder's renewal hears
// not_found, so it reports the lock lost with the NotHeld reason, and the next grant's
// fencing token is advanced past the broken one + 1.
func TestForceReleaseMakesTheHolderLoseItsLock(t *testing.T) {
	url := redlockServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := core.NewClient()
	defer c.Close()
	lock, err := c.TryLock(ctx, url, "nightly", core.TTL(driver.MinTTL), core.Owner("cron"))
	if err != nil {
		t.Fatal(err)
	}
	admin := newLessor(t, url)
	broken, err := admin.ForceRelease(ctx, "nightly", "the nightly job is stuck")
	if err != nil {
		t.Fatal(err)
	}
	if broken.Owner != "cron" || broken.FencingToken != lock.FencingToken || broken.Advanced <= lock.FencingToken {
		t.Errorf("broke %+v, holder's fencing token %d", broken, lock.FencingToken)
	}
	select {
	case <-lock.Lost:
	case <-ctx.Done():
		t.Fatal("the holder never saw its lock lost")
	}
	if err := lock.Err(); !errors.Is(err, core.ErrNotHeld) {
		t.Errorf("loss reason %v, want not held (not_found)", err)
	}
	next, err := admin.Acquire(ctx, "nightly", driver.LeaseOptions{TTL: driver.MinTTL})
	if err != nil {
		t.Fatal(err)
	}
	if next.Fence <= lock.FencingToken+1 {
		t.Errorf("next grant's fencing token %d, broken %d: not advanced", next.Fence, lock.FencingToken)
	}
	if _, err := admin.ForceRelease(ctx, "free", "why"); !errors.Is(err, driver.ErrNotHeld) {
		t.Errorf("a free resource: %v, want not held", err)
	}
	if _, err := admin.ForceRelease(ctx, "nightly", ""); !errors.Is(err, driver.ErrInvalidArgument) {
		t.Errorf("no reason: %v, want invalid argument", err)
	}
}

// TestListThroughTheService pages through held locks on three real redis-server nodes.
func TestListThroughTheService(t *testing.T) {
	l := newLessor(t, redlockServer(t))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	fences := map[string]uint64{}
	for i := range 5 {
		lease, err := l.Acquire(ctx, fmt.Sprintf("jobs/%d", i), driver.LeaseOptions{TTL: driver.MinTTL, Owner: "w"})
		if err != nil {
			t.Fatal(err)
		}
		fences[lease.Resource] = lease.Fence
	}
	page, err := l.List(ctx, "jobs/", 2, "")
	if err != nil || len(page.Locks) > 2 || page.Next == "" {
		t.Fatalf("first page %+v, %v", page, err)
	}
	seen := 0
	for lk, err := range l.Locks(ctx, "jobs/") {
		if err != nil {
			t.Fatal(err)
		}
		if fences[lk.Resource] != lk.FencingToken || lk.Owner != "w" || !lk.ExpireTime.After(time.Now()) {
			t.Errorf("listed %+v", lk)
		}
		seen++
	}
	if seen != 5 {
		t.Errorf("listed %d locks, want 5", seen)
	}
	if _, err := l.List(ctx, "jobs/", 2, "bogus"); !errors.Is(err, driver.ErrInvalidArgument) {
		t.Errorf("a bogus token: %v, want invalid argument", err)
	}
}
