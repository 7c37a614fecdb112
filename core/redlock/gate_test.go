package redlock

import (
	"errors"
	"testing"
	"time"

	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
)

// TestQueuedWaiterSurvivesATimedOutOne: a contender whose own wait runs out while it is
// queued behind another contender of its Client must give up without taking the
// queue's gate, or it later steals the gate of the contender in front of it, whose
// Acquire then never returns.
func TestQueuedWaiterSurvivesATimedOutOne(t *testing.T) {
	t.Parallel()
	nodes := miniNodes(t, 3)
	x := newClient(t, miniAddrs(nodes))
	c := newClient(t, miniAddrs(nodes))
	held := mustAcquire(t, x, "gate", lopts(core.MinTTL))

	got := make(chan error, 1)
	go func() {
		l, err := c.Acquire(ctxT(t), "gate", driver.LeaseOptions{TTL: core.MinTTL, Wait: 30 * time.Second})
		if err == nil {
			err = c.Release(ctxT(t), l)
		}
		got <- err
	}()
	waitFor(t, func() bool { return c.Waiters() == 1 })

	// B queues behind A and its wait ends first.
	_, err := c.Acquire(ctxT(t), "gate", driver.LeaseOptions{TTL: core.MinTTL, Wait: 50 * time.Millisecond})
	if !errors.Is(err, core.ErrAcquireTimeout) {
		t.Fatalf("short waiter: %v, want an acquire timeout", err)
	}
	if err := x.Release(ctxT(t), held); err != nil {
		t.Fatal(err)
	}
	// A's own wait (30 s) bounds this: without the fix A never returns at all.
	select {
	case err := <-got:
		if err != nil {
			t.Fatalf("queued waiter: %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("queued waiter never returned")
	}
}
