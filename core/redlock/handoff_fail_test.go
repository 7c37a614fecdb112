package redlock

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
)

// TestClaimOnlyWhatMayBeGranted: a release hands the lock over only while its lease is
// the Client's known, still valid holder and the Client is open, and only to the oldest
// contender in line whose context and wait are still live.
func TestClaimOnlyWhatMayBeGranted(t *testing.T) {
	t.Parallel()
	c := newClient(t, miniAddrs(miniNodes(t, 3)))
	tag := keysFor(DefaultKeyPrefix, "claim").tag
	q := c.queues.enter(tag)
	defer c.queues.leave(tag, q)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	o := lopts(core.MinTTL)
	past := time.Now().Add(-time.Second)
	gone := c.queues.offer(q, cancelled, "claim", o, time.Time{})
	over := c.queues.offer(q, context.Background(), "claim", o, past)
	live := c.queues.offer(q, context.Background(), "claim", o, time.Time{})
	later := c.queues.offer(q, context.Background(), "claim", o, time.Time{})

	setLocal := func(token string, until time.Time) {
		c.queues.mu.Lock()
		q.localToken, q.localUntil = token, until
		c.queues.mu.Unlock()
	}
	setLocal("holder", past)
	if r := c.queues.claim(tag, "holder", time.Second); r != nil {
		t.Error("a lease past its validity was handed over")
	}
	setLocal("holder", time.Now().Add(time.Minute))
	if r := c.queues.claim(tag, "another", time.Second); r != nil {
		t.Error("a lease the Client does not know as the holder was handed over")
	}
	if r := c.queues.claim(tag, "holder", time.Second); r != live {
		t.Fatal("the lock was not handed to the oldest live contender")
	}
	if _, claimed := c.queues.stopOffer(q, gone); claimed {
		t.Error("a contender whose context ended was claimed")
	}
	if _, claimed := c.queues.stopOffer(q, over); claimed {
		t.Error("a contender whose wait is over was claimed")
	}
	c.Close()
	if r := c.queues.claim(tag, "holder", time.Second); r != nil {
		t.Error("a closed Client handed the lock over")
	}
	if _, claimed := c.queues.stopOffer(q, later); claimed {
		t.Error("a later contender was claimed")
	}
}

// queueTwo takes resource on c and queues two contenders behind it; it returns the
// lease handed to the first of them while the second waits behind it, offered to its
// release, and the second's result.
func queueTwo(t *testing.T, ctx context.Context, c *Client, resource string) (driver.Lease, <-chan acquired) {
	t.Helper()
	keepQueue(t, c, resource)
	held := mustAcquire(t, c, resource, lopts(core.MinTTL))
	first := queueBehind(t, ctxT(t), c, resource, driver.LeaseOptions{TTL: core.MinTTL, Wait: -1})
	next := queueBehind(t, ctx, c, resource, driver.LeaseOptions{TTL: core.MinTTL, Wait: -1})
	if err := c.Release(ctxT(t), held); err != nil {
		t.Fatal(err)
	}
	got := <-first
	if got.err != nil {
		t.Fatal(got.err)
	}
	return got.lease, next
}

// TestExpiredLeaseIsReleasedNotHandedOver: a release of a lease whose validity ended
// (its keys may be gone) is an ordinary release; the contender then acquires, with one
// attempt: it sleeps until the release wakes it.
func TestExpiredLeaseIsReleasedNotHandedOver(t *testing.T) {
	t.Parallel()
	addrs := miniAddrs(miniNodes(t, 3))
	c := newClient(t, addrs)
	q := keepQueue(t, c, "expired")
	held := mustAcquire(t, c, "expired", lopts(core.MinTTL))
	// The contender takes the free gate and sleeps, offered to held's release, until
	// held's validity ends: Waiters counts it only there. (Had it looked at the record
	// after the change below, it would have attempted at once, as it should when no
	// release comes: that race made the count flaky when the test expired the record of
	// a lease handed over while the contender was still taking the gate.)
	next := queueBehind(t, ctxT(t), c, "expired", driver.LeaseOptions{TTL: core.MinTTL, Wait: -1})
	hooks := hookScripts(c)
	c.queues.mu.Lock()
	q.localUntil = time.Now() // as if it ran out
	c.queues.mu.Unlock()
	if err := c.Release(ctxT(t), held); err != nil {
		t.Fatal(err)
	}
	got := <-next
	if got.err != nil {
		t.Fatal(got.err)
	}
	if n := sent(hooks, transferScript); n != 0 {
		t.Errorf("%d transfers for an expired lease", n)
	}
	if a, r := sent(hooks, acquireScript), sent(hooks, releaseScript); a != 3 || r != 3 {
		t.Errorf("%d acquires and %d releases, want one attempt of 3 and one release of 3", a, r)
	}
	if err := c.Release(ctxT(t), got.lease); err != nil {
		t.Fatal(err)
	}
	wantNoLockKeys(t, addrs)
}

// TestContenderWaitsForAnExpiredLeasesRelease: a contender that comes while the
// release of its Client's lease is in flight, after the lease's validity ended, waits
// for the release instead of making an attempt the lease's keys would refuse (and a
// second one after the release woke it).
func TestContenderWaitsForAnExpiredLeasesRelease(t *testing.T) {
	t.Parallel()
	addrs := miniAddrs(miniNodes(t, 3))
	// The release waits in the hooks below: its node timeout must outlast the test's steps.
	c := newClient(t, addrs, WithNodeTimeout(10*time.Second))
	q := keepQueue(t, c, "inflight")
	held := mustAcquire(t, c, "inflight", lopts(core.MinTTL))
	hooks := hookScripts(c)
	var resume []func()
	for _, h := range hooks {
		resume = append(resume, h.hold(releaseScript))
	}
	c.queues.mu.Lock()
	q.localUntil = time.Now() // as if it ran out
	c.queues.mu.Unlock()
	released := make(chan error, 1)
	go func() { released <- c.Release(ctxT(t), held) }()
	waitFor(t, func() bool {
		n := 0
		for _, h := range hooks {
			n += int(h.held.Load())
		}
		return n == len(hooks)
	})
	next := queueBehind(t, ctxT(t), c, "inflight", driver.LeaseOptions{TTL: core.MinTTL, Wait: -1})
	if n := sent(hooks, acquireScript); n != 0 {
		t.Errorf("%d acquire.lua sent while the release was in flight", n)
	}
	for _, f := range resume {
		f()
	}
	if err := <-released; err != nil {
		t.Fatal(err)
	}
	got := <-next
	if got.err != nil {
		t.Fatal(got.err)
	}
	if n := sent(hooks, acquireScript); n != len(addrs) {
		t.Errorf("%d acquire.lua sent, want one attempt of %d", n, len(addrs))
	}
	if err := c.Release(ctxT(t), got.lease); err != nil {
		t.Fatal(err)
	}
	wantNoLockKeys(t, addrs)
}

// TestCancelledContenderIsNotHandedTheLock: a contender whose context ended before the
// release is skipped: the release is an ordinary one, and the contender's Acquire ends
// with its context's error.
func TestCancelledContenderIsNotHandedTheLock(t *testing.T) {
	t.Parallel()
	addrs := miniAddrs(miniNodes(t, 3))
	c := newClient(t, addrs)
	ctx, cancel := context.WithCancel(ctxT(t))
	held, next := queueTwo(t, ctx, c, "cancelled")
	hooks := hookScripts(c)
	cancel()
	if err := c.Release(ctxT(t), held); err != nil {
		t.Fatal(err)
	}
	if got := <-next; !errors.Is(got.err, context.Canceled) {
		t.Errorf("cancelled contender: %+v, want its context's error", got)
	}
	if n := sent(hooks, transferScript); n != 0 {
		t.Errorf("%d transfers to a cancelled contender", n)
	}
	wantNoLockKeys(t, addrs)
}

// failingTransfer takes resource on c and queues two contenders behind it (queueTwo),
// and sets the release's transfer up to fail: node 1 fails transfer.lua, and a third
// token holds node 2, as if the lease had expired there and another client had taken
// it. It returns the lease, the second contender's result, c's script hooks, and free,
// which deletes the third token's key.
func failingTransfer(t *testing.T, c *Client, addrs []string, resource string) (held driver.Lease, next <-chan acquired, hooks []*scriptHook, free func()) {
	t.Helper()
	held, next = queueTwo(t, ctxT(t), c, resource)
	hooks = hookScripts(c)
	hooks[1].fail(transferScript)
	_, other := newToken()
	rdb := redis.NewClient(&redis.Options{Addr: addrs[2], Protocol: 2})
	t.Cleanup(func() { rdb.Close() })
	lock := keysFor(DefaultKeyPrefix, resource).lock
	if err := rdb.Set(context.Background(), lock, lockValueOf(other, 1, ""), time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	return held, next, hooks, func() {
		t.Helper()
		if err := rdb.Del(context.Background(), lock).Err(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestFailedTransferReleasesAndFallsBack: a transfer that does not reach a quorum (here
// node 2 is held by a third token and the transfer fails on node 1) is cleaned up as a
// failed acquire, the old token is released where the transfer did not answer, and the
// contender acquires normally once the nodes are free.
func TestFailedTransferReleasesAndFallsBack(t *testing.T) {
	bothServers(t, func(t *testing.T, addrs []string) {
		c := newClient(t, addrs)
		held, next, hooks, free := failingTransfer(t, c, addrs, "fails")
		if err := c.Release(ctxT(t), held); err != nil {
			t.Fatalf("release: %v", err)
		}
		if n := sent(hooks, transferScript); n != 3 {
			t.Fatalf("%d transfer calls, want one per node", n)
		}
		for i := range 2 {
			if v := lockValue(t, addrs[i], "fails"); len(v) >= keyTokenLen && v[:keyTokenLen] == keyToken(held.Token) {
				t.Errorf("node %d still holds the released token", i)
			}
		}
		if n := hooks[1].count(releaseScript); n == 0 {
			t.Error("the old token was not released on the node where the transfer failed")
		}
		free()
		got := <-next
		if got.err != nil {
			t.Fatalf("contender: %v", got.err)
		}
		if got.lease.Fence <= held.Fence {
			t.Errorf("fence %d after %d", got.lease.Fence, held.Fence)
		}
		if err := c.Release(ctxT(t), got.lease); err != nil {
			t.Fatal(err)
		}
		wantNoLockKeys(t, addrs)
	})
}

// holdTransfers holds back each node's transfers until the function returned for the
// node is called, which the test's end also does.
func holdTransfers(t *testing.T, hooks []*scriptHook) []func() {
	var lets []func()
	for _, h := range hooks {
		let := h.hold(transferScript)
		t.Cleanup(let)
		lets = append(lets, let)
	}
	return lets
}

// TestContenderCancelledDuringTransferGetsTheLease: once a release claimed a contender,
// the transfer is that contender's attempt: it waits for the outcome although its
// context ends meanwhile, and gets the lease (as with an attempt in flight), so the
// lock is neither orphaned nor granted to nobody.
func TestContenderCancelledDuringTransferGetsTheLease(t *testing.T) {
	t.Parallel()
	addrs := miniAddrs(miniNodes(t, 3))
	c := newClient(t, addrs)
	ctx, cancel := context.WithCancel(ctxT(t))
	defer cancel()
	held, next := queueTwo(t, ctx, c, "claimed")
	hooks := hookScripts(c)
	lets := holdTransfers(t, hooks)
	released := make(chan error, 1)
	go func() { released <- c.Release(ctxT(t), held) }()
	waitFor(t, func() bool { return hooks[0].held.Load() == 1 })
	cancel()
	for _, let := range lets {
		let()
	}
	if err := <-released; err != nil {
		t.Fatalf("release: %v", err)
	}
	got := <-next
	if got.err != nil {
		t.Fatalf("contender cancelled during its transfer: %v, want the lease", got.err)
	}
	if err := c.Release(ctxT(t), got.lease); err != nil {
		t.Fatal(err)
	}
	wantNoLockKeys(t, addrs)
}

// TestCloseDuringTransfer: Close while a transfer is in flight ends it (its requests
// fail), the release reports the nodes unavailable (the lease then expires after its
// TTL, as Close does not release), and the contender's Acquire ends with ErrClosed.
func TestCloseDuringTransfer(t *testing.T) {
	t.Parallel()
	c, err := New(miniAddrs(miniNodes(t, 3)), WithQuarantine(0))
	if err != nil {
		t.Fatal(err)
	}
	held, next := queueTwo(t, ctxT(t), c, "closing")
	hooks := hookScripts(c)
	lets := holdTransfers(t, hooks)
	released := make(chan error, 1)
	go func() { released <- c.Release(ctxT(t), held) }()
	waitFor(t, func() bool {
		return hooks[0].held.Load() == 1 && hooks[1].held.Load() == 1 && hooks[2].held.Load() == 1
	})
	closed := make(chan error, 1)
	go func() { closed <- c.Close() }()
	// Close shuts the nodes one after the other, each once its requests in flight are
	// done: each transfer goes on only after its node's connections are closed.
	for i, let := range lets {
		waitFor(t, func() bool { return errors.Is(c.net.nodes[i].rdb.Ping(context.Background()).Err(), redis.ErrClosed) })
		let()
	}
	if err := <-released; !errors.Is(err, core.ErrUnavailable) {
		t.Errorf("release cut short by Close: %v, want unavailable", err)
	}
	if got := <-next; !errors.Is(got.err, core.ErrClosed) {
		t.Errorf("contender: %+v, want ErrClosed", got)
	}
	if err := <-closed; err != nil {
		t.Errorf("close: %v", err)
	}
}

// TestExtendRacingTransfer: an Extend of the releasing lease that races its hand-over
// either extends it before the transfer or finds it gone; the new holder keeps the lock
// either way (a renewal's clean-up of the old token does not touch the new one).
func TestExtendRacingTransfer(t *testing.T) {
	t.Parallel()
	addrs := miniAddrs(miniNodes(t, 3))
	c := newClient(t, addrs)
	for i := range 10 {
		resource := "race/" + string(rune('a'+i))
		held, next := queueTwo(t, ctxT(t), c, resource)
		extended := make(chan error, 1)
		go func() {
			_, err := c.Extend(ctxT(t), held, core.MinTTL)
			extended <- err
		}()
		if err := c.Release(ctxT(t), held); err != nil {
			t.Fatalf("release: %v", err)
		}
		got := <-next
		if got.err != nil {
			t.Fatalf("contender: %v", got.err)
		}
		if err := <-extended; err != nil && !errors.Is(err, core.ErrNotHeld) {
			t.Errorf("extend racing the hand-over: %v", err)
		}
		info, err := c.Info(ctxT(t), resource)
		if err != nil || info.FencingToken != got.lease.Fence {
			t.Fatalf("after the race the lock is %+v, %v; want the new holder's", info, err)
		}
		if err := c.Release(ctxT(t), got.lease); err != nil {
			t.Fatal(err)
		}
	}
	wantNoLockKeys(t, addrs)
}
