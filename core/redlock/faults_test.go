package redlock

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
)

// TestKillOneWhileHolding: with one of three redis-server processes killed, a held lock
// extends and releases, and the resource can be locked again.
func TestKillOneWhileHolding(t *testing.T) {
	cluster := realNodes(t, 3)
	c := newClient(t, cluster.Addrs())
	l := mustAcquire(t, c, "kill/holding", lopts(core.MinTTL))
	cluster.Nodes[0].Kill()
	l, err := c.Extend(ctxT(t), l, core.MinTTL)
	if err != nil {
		t.Fatalf("extend with one node down: %v", err)
	}
	if err := c.Release(ctxT(t), l); err != nil {
		t.Fatalf("release with one node down: %v", err)
	}
	again := mustAcquire(t, c, "kill/holding", lopts(core.MinTTL))
	if again.Fence <= l.Fence {
		t.Errorf("fence %d after %d", again.Fence, l.Fence)
	}
	if err := c.Release(ctxT(t), again); err != nil {
		t.Fatal(err)
	}
}

// TestKillOneWhileAcquiring: a node dies while a waiter waits; the release still wakes
// it and it gets the lock from the two remaining nodes.
func TestKillOneWhileAcquiring(t *testing.T) {
	cluster := realNodes(t, 3)
	holder := newClient(t, cluster.Addrs())
	waiter := newClient(t, cluster.Addrs())
	h := mustAcquire(t, holder, "kill/acquiring", lopts(time.Minute))
	got := make(chan error, 1)
	go func() {
		l, err := waiter.Acquire(ctxT(t), "kill/acquiring", driver.LeaseOptions{TTL: core.MinTTL, Wait: time.Minute})
		if err == nil && l.Fence <= h.Fence {
			err = errors.New("fence did not increase")
		}
		if err == nil {
			err = waiter.Release(ctxT(t), l)
		}
		got <- err
	}()
	waitFor(t, func() bool { return waiter.Waiters() == 1 })
	cluster.Nodes[1].Kill()
	if err := holder.Release(ctxT(t), h); err != nil {
		t.Fatalf("release with one node down: %v", err)
	}
	if err := <-got; err != nil {
		t.Fatalf("waiter: %v", err)
	}
}

// TestKillTwoIsUnavailable: with two of three nodes killed nothing is granted, and an
// unbounded wait ends with the unavailable error naming both nodes.
func TestKillTwoIsUnavailable(t *testing.T) {
	cluster := realNodes(t, 3)
	c := newClient(t, cluster.Addrs())
	cluster.Nodes[0].Kill()
	cluster.Nodes[2].Kill()
	_, err := c.Acquire(ctxT(t), "kill/two", driver.LeaseOptions{TTL: core.MinTTL, Wait: -1})
	var u *core.UnavailableError
	if !errors.As(err, &u) {
		t.Fatalf("acquire with 2 of 3 nodes down: %v, want unavailable", err)
	}
	if u.Failed[cluster.Nodes[0].Addr] == nil || u.Failed[cluster.Nodes[2].Addr] == nil || len(u.Failed) != 2 {
		t.Errorf("unavailable error names %v", u.Failed)
	}
	if _, err := c.Info(ctxT(t), "kill/two"); !errors.Is(err, core.ErrUnavailable) {
		t.Errorf("info with 2 of 3 nodes down: %v", err)
	}
}

// TestRestartWithoutDataNoDoubleGrant: a lock held on nodes {0, 1} (node 2 was down);
// node 0 restarts without its data and node 2 comes back empty. Another client must not
// get the lock from {0, 2}; once the quarantine is over and the forgotten lock expired,
// it gets it with a higher fencing token.
func TestRestartWithoutDataNoDoubleGrant(t *testing.T) {
	cluster := realNodes(t, 3)
	const quarantine = time.Second
	// Epochs must be older than the quarantine before the first grant.
	warm := newClient(t, cluster.Addrs())
	warm.Acquire(ctxT(t), "warm", lopts(core.MinTTL))
	a := newClient(t, cluster.Addrs(), WithQuarantine(quarantine))
	b := newClient(t, cluster.Addrs(), WithQuarantine(quarantine))

	cluster.Nodes[2].Kill()
	// Nodes 0 and 1 alone must grant, so both epochs must be past the quarantine. Waiting
	// for this grant (not for any quorum, which two of three nodes can form) keeps the
	// test right on a loaded machine, where the warm-up may not reach every node at once.
	var held driver.Lease
	waitFor(t, func() bool {
		var err error
		held, err = a.Acquire(ctxT(t), "restart/real", lopts(core.MinTTL))
		return err == nil
	})
	cluster.Nodes[0].Restart()
	cluster.Nodes[2].Restart()
	_, err := b.Acquire(ctxT(t), "restart/real", lopts(core.MinTTL))
	if err == nil {
		t.Fatal("a restarted node's vote granted a lock that is still held")
	}
	if !errors.Is(err, core.ErrUnavailable) {
		t.Fatalf("acquire during the quarantine: %v, want unavailable", err)
	}
	// The quarantine (1 s) ends before the held lock (5 s TTL, not renewed): b gets it
	// when that expires.
	var next driver.Lease
	waitFor(t, func() bool {
		next, err = b.Acquire(ctxT(t), "restart/real", driver.LeaseOptions{TTL: core.MinTTL, Wait: time.Second})
		return err == nil
	})
	if next.Fence <= held.Fence {
		t.Fatalf("token %d after a restart is not above the forgotten holder's %d", next.Fence, held.Fence)
	}
	if err := b.Release(ctxT(t), next); err != nil {
		t.Fatal(err)
	}
}

// TestHolderThatStopsRenewingLosesTheLock: a lease that is not extended expires after
// its TTL, and a waiter (woken by the expiry, not by a release) gets the lock with a
// higher fencing token.
func TestHolderThatStopsRenewingLosesTheLock(t *testing.T) {
	cluster := realNodes(t, 3)
	a := newClient(t, cluster.Addrs())
	b := newClient(t, cluster.Addrs())
	held := mustAcquire(t, a, "stale", lopts(core.MinTTL))
	next, err := b.Acquire(ctxT(t), "stale", driver.LeaseOptions{TTL: core.MinTTL, Wait: -1})
	if err != nil {
		t.Fatalf("waiter: %v", err)
	}
	if next.Fence <= held.Fence {
		t.Fatalf("token %d is not above the expired holder's %d", next.Fence, held.Fence)
	}
	if _, err := a.Extend(ctxT(t), held, core.MinTTL); !errors.Is(err, core.ErrNotHeld) {
		t.Errorf("extend of the expired lease: %v, want not held", err)
	}
	if err := a.Release(ctxT(t), held); !errors.Is(err, core.ErrNotHeld) {
		t.Errorf("release of the expired lease: %v, want not held", err)
	}
	if err := b.Release(ctxT(t), next); err != nil {
		t.Fatal(err)
	}
}

// waitFor polls cond until it holds, failing the test after a bound. It is for
// conditions nothing signals (a counter, the end of a quarantine), not a timing
// assertion.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatal("condition not reached within a minute")
		case <-tick.C:
		}
	}
}
