package redlock

import (
	"testing"
	"time"

	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
)

// refusedAttempt makes one attempt on resource from c for a contender that has waited
// waited, which the lock's holder refuses, and returns its outcome.
func refusedAttempt(t *testing.T, c *Client, resource string, waited time.Duration) outcome {
	t.Helper()
	a := c.newAttempt(ctxT(t), keysFor(c.cfg.keyPrefix, resource), resource, lopts(core.MinTTL))
	a.waited = waited
	out := a.acquire()
	if out.granted || out.err != nil || out.contended {
		t.Fatalf("attempt: granted %v, err %v, contended %v; want refused by the holder", out.granted, out.err, out.contended)
	}
	return out
}

// TestRefusalsTellWhoWaitedLongest: the nodes keep, in the waiter marker, when the
// longest-waiting refused contender began to wait, and tell each refused contender
// whether that is it; a younger one is behind (and gives way after the next release).
func TestRefusalsTellWhoWaitedLongest(t *testing.T) {
	bothServers(t, func(t *testing.T, addrs []string) {
		holder := newClient(t, addrs)
		b := newClient(t, addrs)
		c := newClient(t, addrs)
		l := mustAcquire(t, holder, "order", lopts(core.MinTTL))
		if refusedAttempt(t, b, "order", 10*time.Second).behind {
			t.Error("the first contender refused is behind")
		}
		if !refusedAttempt(t, c, "order", time.Second).behind {
			t.Error("a contender that waited 1s is not behind one that waited 10s")
		}
		if refusedAttempt(t, b, "order", 11*time.Second).behind {
			t.Error("the longest waiter, refused again, is behind")
		}
		if refusedAttempt(t, c, "order", time.Minute).behind {
			t.Error("a contender that waited a minute is behind one that waited 11s")
		}
		if err := holder.Release(ctxT(t), l); err != nil {
			t.Fatal(err)
		}
		// The release took the marker: the next refusal starts afresh.
		l = mustAcquire(t, holder, "order", lopts(core.MinTTL))
		if refusedAttempt(t, b, "order", 0).behind {
			t.Error("after a release a new contender is behind the old marker")
		}
		if err := holder.Release(ctxT(t), l); err != nil {
			t.Fatal(err)
		}
		wantNoLockKeys(t, addrs)
	})
}

// TestContenderBehindGivesWayBeforeItsAttempt: a contender whose last refusal said it
// is behind waits before its next attempt (giveWay), and sends nothing if its wait
// ends meanwhile; without giveWay it attempts at once.
func TestContenderBehindGivesWayBeforeItsAttempt(t *testing.T) {
	addrs := miniAddrs(miniNodes(t, 3))
	c := newClient(t, addrs)
	hooks := hookScripts(c)
	o := driver.LeaseOptions{TTL: core.MinTTL, Wait: 50 * time.Millisecond}
	ct := c.contend(ctxT(t), keysFor(c.cfg.keyPrefix, "way"), "way", o)
	defer ct.leave()
	ct.giveWay = time.Minute // longer than the wait
	if _, _, live := ct.round(); live {
		t.Fatal("the wait ended while the contender gave way, yet it went on")
	}
	if n := sent(hooks, acquireScript); n != 0 {
		t.Fatalf("%d acquire.lua sent while giving way", n)
	}

	ct.deadline = time.Now().Add(time.Minute)
	out, _, live := ct.round()
	if !live || !out.granted {
		t.Fatalf("round without giveWay: live %v, granted %v; want the lock", live, out.granted)
	}
	if err := c.Release(ctxT(t), out.lease); err != nil {
		t.Fatal(err)
	}
	wantNoLockKeys(t, addrs)
}

// waitOnce runs a waiting Acquire's rounds on c for resource (held by another client)
// as if it had begun to wait at began, until its short wait ends, and returns its state.
func waitOnce(t *testing.T, c *Client, resource string, began time.Time) *contender {
	t.Helper()
	o := driver.LeaseOptions{TTL: core.MinTTL, Wait: 20 * time.Millisecond}
	ct := c.contend(ctxT(t), keysFor(c.cfg.keyPrefix, resource), resource, o)
	ct.began = began
	defer ct.leave()
	if _, err := ct.wait(); err == nil {
		t.Fatal("granted while held")
	}
	return &ct
}

// TestRefusedBehindGivesWayNextTime: a waiting Acquire refused while a contender of
// another client has waited longer gives way before its next attempt; the longest
// waiter does not.
func TestRefusedBehindGivesWayNextTime(t *testing.T) {
	addrs := miniAddrs(miniNodes(t, 3))
	holder := newClient(t, addrs)
	older := newClient(t, addrs)
	younger := newClient(t, addrs)
	l := mustAcquire(t, holder, "next", lopts(core.MinTTL))
	refusedAttempt(t, older, "next", 10*time.Second)
	if ct := waitOnce(t, younger, "next", time.Now()); ct.giveWay <= 0 {
		t.Error("a contender behind another client's longer waiter does not give way")
	}
	// The marker's oldest wait began 10 s ago; one that began a minute ago is first.
	if ct := waitOnce(t, older, "next", time.Now().Add(-time.Minute)); ct.giveWay != 0 {
		t.Errorf("the longest waiter gives way for %v", ct.giveWay)
	}
	if err := holder.Release(ctxT(t), l); err != nil {
		t.Fatal(err)
	}
	wantNoLockKeys(t, addrs)
}

// TestGiveWayIsBounded: a contender whose refused attempt was slow (a node answered
// late) gives way for at most maxGiveWay, not for as long as that attempt took.
func TestGiveWayIsBounded(t *testing.T) {
	addrs := miniAddrs(miniNodes(t, 3))
	holder := newClient(t, addrs)
	older := newClient(t, addrs)
	younger := newClient(t, addrs, WithNodeTimeout(time.Second))
	l := mustAcquire(t, holder, "slow", lopts(core.MinTTL))
	refusedAttempt(t, older, "slow", 10*time.Second)
	hooks := hookScripts(younger)
	let := hooks[0].hold(acquireScript)
	t.Cleanup(let)
	stop := make(chan struct{})
	defer close(stop)
	go func() { // the slow node: it answers 3 maxGiveWay after the attempt reached it
		for hooks[0].held.Load() == 0 {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
		}
		time.Sleep(3 * maxGiveWay)
		let()
	}()
	if ct := waitOnce(t, younger, "slow", time.Now()); ct.giveWay != maxGiveWay {
		t.Errorf("gave way for %v after a slow attempt, want the bound %v", ct.giveWay, maxGiveWay)
	}
	if err := holder.Release(ctxT(t), l); err != nil {
		t.Fatal(err)
	}
	wantNoLockKeys(t, addrs)
}
