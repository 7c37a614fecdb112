package redlock

import (
	"testing"

	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
)

// TestWaiterWithoutAnnouncementUsesTheTTL: when no release is announced (the pub/sub
// connection was lost, or the holder's keys simply vanished), the waiter still gets the
// lock, at the latest when the holder's keys would have expired. Its timer is the only
// thing that can wake it here: it takes up to the 5 s TTL.
func TestWaiterWithoutAnnouncementUsesTheTTL(t *testing.T) {
	t.Parallel()
	nodes := miniNodes(t, 3)
	holder := newClient(t, miniAddrs(nodes))
	waiter := newClient(t, miniAddrs(nodes))
	mustAcquire(t, holder, "silent", lopts(core.MinTTL))
	got := make(chan error, 1)
	go func() {
		l, err := waiter.Acquire(ctxT(t), "silent", driver.LeaseOptions{TTL: core.MinTTL, Wait: -1})
		if err == nil {
			err = waiter.Release(ctxT(t), l)
		}
		got <- err
	}()
	waitFor(t, func() bool { return waiter.Waiters() == 1 })
	// miniredis's clock stands still, so the keys do not expire by themselves: delete
	// them, unannounced.
	for _, m := range nodes {
		m.Del(keysFor(DefaultKeyPrefix, "silent").lock)
	}
	if err := <-got; err != nil {
		t.Fatalf("waiter: %v", err)
	}
}
