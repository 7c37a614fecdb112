package redlock

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
)

// TestFencingAfterANodeMissedIncrements: a node that was down while others issued
// tokens comes back behind; tokens keep increasing, and when the granting nodes
// disagree the chosen token is written back to them.
func TestFencingAfterANodeMissedIncrements(t *testing.T) {
	nodes := miniNodes(t, 3)
	c := newClient(t, miniAddrs(nodes))
	const r = "fence/missed"
	k := keysFor(DefaultKeyPrefix, r)
	var last uint64
	grant := func() driver.Lease {
		t.Helper()
		l := mustAcquire(t, c, r, lopts(core.MinTTL))
		if l.Fence <= last {
			t.Fatalf("fencing token %d after %d", l.Fence, last)
		}
		last = l.Fence
		return l
	}
	release := func(l driver.Lease) {
		t.Helper()
		if err := c.Release(ctxT(t), l); err != nil {
			t.Fatal(err)
		}
	}
	release(grant())

	nodes[2].Close() // misses the next increments
	for range 5 {
		release(grant())
	}
	if err := nodes[2].Restart(); err != nil {
		t.Fatal(err)
	}
	behind := nodes[2].HGet(k.fence, k.fenceField)
	nodes[0].Close() // the next quorum is {1, 2}: 2 is behind, 1 is not
	l := grant()
	for _, i := range []int{1, 2} {
		got := nodes[i].HGet(k.fence, k.fenceField)
		if got != strconv.FormatUint(l.Fence, 10) {
			t.Errorf("node %d counter %s after the grant of %d (node 2 was at %s): not written back", i, got, l.Fence, behind)
		}
	}
	if info, err := c.Info(ctxT(t), r); err != nil || info.FencingToken != l.Fence {
		t.Errorf("info after write-back: %+v, %v; want fence %d", info, err, l.Fence)
	}
	release(l)
	if err := nodes[0].Restart(); err != nil {
		t.Fatal(err)
	}
	// A counter raised behind our back (another client's write-back) is honoured.
	raised := last + 1000
	nodes[1].HSet(k.fence, k.fenceField, strconv.FormatUint(raised, 10))
	if l := grant(); l.Fence <= raised {
		t.Errorf("token %d ignores a counter of %d on a quorum node", l.Fence, raised)
	}
}

// restartScenario locks r on nodes {0, 1} while node 2 is down, then makes node 0 lose
// its data and brings node 2 back empty: nodes 0 and 2 together form a quorum that has
// never heard of the lock. It returns the first lease.
func restartScenario(t *testing.T, nodes []*miniredis.Miniredis, a *Client, r string) driver.Lease {
	t.Helper()
	nodes[2].Close()
	held := mustAcquire(t, a, r, lopts(time.Minute))
	if err := nodes[2].Restart(); err != nil {
		t.Fatal(err)
	}
	nodes[0].FlushAll()
	nodes[2].FlushAll()
	return held
}

// TestRestartedNodesAreQuarantined: nodes that lost their data do not count toward a
// quorum until the quarantine has passed, so the lock they forgot is not granted twice;
// afterwards they count again, and the next token is above the forgotten one.
func TestRestartedNodesAreQuarantined(t *testing.T) {
	nodes := miniNodes(t, 3)
	start := time.Now()
	const quarantine = time.Minute
	var logs bytes.Buffer
	a := newClient(t, miniAddrs(nodes), WithQuarantine(quarantine), WithLogger(newDebugLogger(&logs)))
	b := newClient(t, miniAddrs(nodes), WithQuarantine(quarantine))
	const r = "restart/quarantine"

	// A fresh cluster is quarantined once: nothing is granted.
	_, err := a.Acquire(ctxT(t), "fresh", lopts(core.MinTTL))
	var unavailable *core.UnavailableError
	if !errors.As(err, &unavailable) || len(unavailable.Failed) != 3 {
		t.Fatalf("acquire on a fresh cluster under quarantine: %v, want unavailable naming 3 nodes", err)
	}
	for _, m := range nodes {
		m.SetTime(start.Add(quarantine))
	}

	held := restartScenario(t, nodes, a, r)
	// a saw the nodes' epochs before they lost their data; its next look says so.
	a.Info(ctxT(t), r)
	if !strings.Contains(logs.String(), "node lost its data") {
		t.Errorf("no warning about the restarted nodes in the log:\n%s", logs.String())
	}
	_, err = b.Acquire(ctxT(t), r, lopts(core.MinTTL))
	if !errors.As(err, &unavailable) || unavailable.Failed[nodes[0].Addr()] == nil || unavailable.Failed[nodes[2].Addr()] == nil {
		t.Fatalf("acquire while the lock is held on node 1 and nodes 0 and 2 are quarantined: %v", err)
	}
	if info, err := b.Info(ctxT(t), r); !errors.As(err, &unavailable) {
		t.Errorf("info with one trusted node: %+v, %v; want unavailable", info, err)
	}

	// After the quarantine (as long as the longest TTL) the forgotten lock has expired.
	for _, m := range nodes {
		m.FastForward(time.Minute)
		m.SetTime(start.Add(2*quarantine + time.Second))
	}
	next := mustAcquire(t, b, r, lopts(core.MinTTL))
	if next.Fence <= held.Fence {
		t.Fatalf("token %d after a restart is not above the forgotten holder's %d", next.Fence, held.Fence)
	}
}

// TestWithoutQuarantineARestartGrantsTwice shows what the quarantine prevents: with it
// off, the same restart lets a second client take a lock that is still held.
func TestWithoutQuarantineARestartGrantsTwice(t *testing.T) {
	nodes := miniNodes(t, 3)
	a := newClient(t, miniAddrs(nodes))
	b := newClient(t, miniAddrs(nodes))
	restartScenario(t, nodes, a, "restart/none")
	if _, err := b.Acquire(ctxT(t), "restart/none", lopts(core.MinTTL)); err != nil {
		t.Fatalf("the unsafe scenario did not reproduce: %v", err)
	}
}

// TestUnavailableIsPromptAndNamesNodes: with two of three nodes down, even an unbounded
// wait ends with an unavailable error that names them.
func TestUnavailableIsPromptAndNamesNodes(t *testing.T) {
	nodes := miniNodes(t, 3)
	var hooked []string
	hook := make(chan string, 64)
	c := newClient(t, miniAddrs(nodes), WithNodeErrorHook(func(node string, err error) { hook <- node }))
	down0, down1 := nodes[0].Addr(), nodes[1].Addr()
	nodes[0].Close()
	nodes[1].Close()
	ctx, cancel := context.WithTimeout(ctxT(t), time.Minute)
	defer cancel()
	_, err := c.Acquire(ctx, "down", driver.LeaseOptions{TTL: core.MinTTL, Wait: -1})
	var u *core.UnavailableError
	if !errors.As(err, &u) || !errors.Is(err, core.ErrUnavailable) {
		t.Fatalf("acquire with 2 of 3 nodes down: %v", err)
	}
	if ctx.Err() != nil {
		t.Fatal("the unavailable error came only when the context ended")
	}
	if u.Failed[down0] == nil || u.Failed[down1] == nil || len(u.Failed) != 2 || u.Quorum != 2 || u.Total != 3 {
		t.Errorf("unavailable error %+v does not name exactly the two nodes", u)
	}
	for len(hook) > 0 {
		hooked = append(hooked, <-hook)
	}
	if len(hooked) == 0 {
		t.Error("the node error hook saw no error")
	}
	for _, n := range hooked {
		if n != down0 && n != down1 {
			t.Errorf("hook reported healthy node %s", n)
		}
	}
	if keys := nodes[2].Keys(); len(lockKeys(keys)) != 0 {
		t.Errorf("failed attempts left lock keys: %v", keys)
	}
}

// TestFenceHashExpiryRefresh: acquire.lua and transfer.lua refresh the expiry of a
// fence counter hash when they seed a counter and when a counter reaches a multiple of
// 64, not on every grant; the lock value carries the token exactly (as Info reports it).
func TestFenceHashExpiryRefresh(t *testing.T) {
	const r = "fence/refresh"
	t.Run("acquire.lua", func(t *testing.T) {
		c := newClient(t, realNodes(t, 1).Addrs())
		testFenceHashExpiryRefresh(t, c, r, func(before func()) uint64 {
			before()
			l := mustAcquire(t, c, r, lopts(core.MinTTL))
			wantFence(t, c, r, l.Fence)
			if err := c.Release(ctxT(t), l); err != nil {
				t.Fatal(err)
			}
			return l.Fence
		})
	})
	t.Run("transfer.lua", func(t *testing.T) {
		c := newClient(t, realNodes(t, 1).Addrs())
		hooks := hookScripts(c)
		ch := startChain(t, c, r, driver.LeaseOptions{TTL: core.MinTTL, Wait: -1})
		defer ch.stop()
		testFenceHashExpiryRefresh(t, c, r, func(before func()) uint64 {
			n := sent(hooks, transferScript)
			l := ch.next(before)
			if sent(hooks, transferScript) != n+1 {
				t.Fatal("the lock was not handed over by transfer.lua")
			}
			wantFence(t, c, r, l.Fence)
			return l.Fence
		})
	})
}

// testFenceHashExpiryRefresh checks the fence hash's expiry after each token that issue
// has a script grant on c's one node; issue calls before right before that script runs.
func testFenceHashExpiryRefresh(t *testing.T, c *Client, r string, issue func(before func()) uint64) {
	rdb := c.net.nodes[0].rdb
	ctx := context.Background()
	k := keysFor(DefaultKeyPrefix, r)
	pttl := func() time.Duration {
		t.Helper()
		d, err := rdb.PTTL(ctx, k.fence).Result()
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	const aged = time.Hour // an expiry set by hand, far below fenceKeyTTL
	age := func() {
		if err := rdb.PExpire(ctx, k.fence, aged).Err(); err != nil {
			t.Error(err)
		}
	}
	// The counter is gone (with its hash): the script seeds it.
	issue(func() {
		if err := rdb.HDel(ctx, k.fence, k.fenceField).Err(); err != nil {
			t.Error(err)
		}
	})
	if d := pttl(); d <= aged {
		t.Fatalf("seeding the counter left the hash's expiry at %v, want about %v", d, fenceKeyTTL)
	}
	// Until both were seen: a token that kept the aged expiry, and a multiple of 64
	// that refreshed it. 128 tokens hold both.
	kept, refreshed := 0, false
	for i := 0; i < 128 && (kept == 0 || !refreshed); i++ {
		fence := issue(age)
		d := pttl()
		if fence%64 == 0 {
			if d <= aged {
				t.Fatalf("token %d (a multiple of 64) left the expiry at %v", fence, d)
			}
			refreshed = true
			continue
		}
		if d > aged {
			t.Fatalf("token %d refreshed the expiry (%v)", fence, d)
		}
		kept++
	}
	if !refreshed || kept == 0 {
		t.Fatalf("128 tokens: %d kept the expiry, refreshed: %v", kept, refreshed)
	}
}

// wantFence fails the test unless Info reports fence as r's fencing token.
func wantFence(t *testing.T, c *Client, r string, fence uint64) {
	t.Helper()
	if info, err := c.Info(ctxT(t), r); err != nil || info.FencingToken != fence {
		t.Fatalf("info: %+v, %v; want fence %d", info, err, fence)
	}
}
