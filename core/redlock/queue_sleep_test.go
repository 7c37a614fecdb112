package redlock

import (
	"context"
	"testing"
	"time"
)

// TestSleepEndsWithItsContext: a wake-up that is ready when the context has ended (a
// release announced just after the caller cancelled) must not send the contender into
// another attempt; select alone picks either case at random.
func TestSleepEndsWithItsContext(t *testing.T) {
	qs := &queues{closing: make(chan struct{}), byTag: map[string]*queue{}}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	woken := make(chan struct{})
	close(woken)
	for i := range 200 {
		if qs.sleep(ctx, time.Minute, woken, nil, time.Time{}) {
			t.Fatalf("sleep %d: woken after its context ended, reports the caller may attempt", i)
		}
	}
}

// TestSleepEndsWithClose: the same when the Client closes.
func TestSleepEndsWithClose(t *testing.T) {
	closing := make(chan struct{})
	close(closing)
	qs := &queues{closing: closing, byTag: map[string]*queue{}}
	woken := make(chan struct{})
	close(woken)
	for i := range 200 {
		if qs.sleep(context.Background(), time.Minute, woken, nil, time.Time{}) {
			t.Fatalf("sleep %d: woken after Close, reports the caller may attempt", i)
		}
	}
}

// TestRoundDoesNotAttemptForAnEndedContext: a contender that comes round to attempt (no
// local holder to sleep on) after its context ended gives up without a script sent. It
// happened when a wake-up came just before the caller cancelled: the sleep said
// "attempt", the next round found the lock released, and the attempt granted the lock
// to a caller that had left (TestCancelledContenderIsNotHandedTheLock, once in CI).
func TestRoundDoesNotAttemptForAnEndedContext(t *testing.T) {
	addrs := miniAddrs(miniNodes(t, 3))
	c := newClient(t, addrs)
	hooks := hookScripts(c)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ct := c.contend(ctx, keysFor(c.cfg.keyPrefix, "left"), "left", lopts(time.Second))
	defer ct.leave()
	out, _, live := ct.round()
	if live || out.granted {
		t.Fatalf("round for an ended context: live %v, granted %v; want neither", live, out.granted)
	}
	if n := sent(hooks, acquireScript); n != 0 {
		t.Fatalf("%d acquire.lua sent for an ended context", n)
	}
	wantNoLockKeys(t, addrs)
}
