package redlock

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
)

// TestTrustedEpochList: an epoch id joins acquire.lua's list once a node's epoch with it
// is past the quarantine; a node that answers "listed" (age -1) counts only if the id is
// the one trusted for that node. Epochs created by one attempt share their id, so a node
// still in quarantine may find its id listed for another node: the id then leaves the
// list until that node is past the quarantine too, so its age is read again.
func TestTrustedEpochList(t *testing.T) {
	c, err := New([]string{"127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3"}, WithQuarantine(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	const n0, n1 = 0, 1
	step := func(n int, e epochInfo, trusted bool, list string) {
		t.Helper()
		if got := c.trust.check(n, e) == nil; got != trusted {
			t.Errorf("check(node %d, %+v) trusts: %v, want %v", n, e, got, trusted)
		}
		if got := c.trust.epochs(); got != list {
			t.Errorf("after check(node %d, %+v): list %q, want %q", n, e, got, list)
		}
	}
	step(n0, epochInfo{id: "K", age: 30 * time.Second}, false, " ")
	step(n0, epochInfo{id: "K", age: 2 * time.Minute}, true, " K ")
	step(n0, epochInfo{id: "K", age: -1}, true, " K ")
	// Node 1's epoch has the same id, and was not seen past the quarantine.
	step(n1, epochInfo{id: "K", age: -1}, false, " ")
	step(n1, epochInfo{id: "K", age: 30 * time.Second}, false, " ")
	step(n1, epochInfo{id: "K", age: 2 * time.Minute}, true, " K K ")
	step(n1, epochInfo{id: "K", age: -1}, true, " K K ")
	// Node 0 lost its data: its new epoch is measured, and a stale "listed" does not count.
	step(n0, epochInfo{id: "N", age: time.Second}, false, " K K ")
	step(n0, epochInfo{id: "K", age: -1}, true, " K K ") // a reply from before the loss
	step(n0, epochInfo{id: "N", age: -1}, false, " K K ")
}

// TestTrustedEpochSkipsTheClock: once the nodes' epochs are trusted, acquire.lua and
// transfer.lua do not read the node's clock (TIME) for them.
func TestTrustedEpochSkipsTheClock(t *testing.T) {
	cluster := realNodes(t, 1)
	c := newClient(t, cluster.Addrs(), WithQuarantine(time.Millisecond))
	hooks := hookScripts(c)
	rdb := c.net.nodes[0].rdb
	ctx := context.Background()
	waitFor(t, func() bool { // until the epoch is past the quarantine
		l, err := c.Acquire(ctxT(t), "clock", lopts(core.MinTTL))
		if err == nil {
			err = c.Release(ctxT(t), l)
		}
		return err == nil
	})
	if err := rdb.ConfigResetStat(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		l := mustAcquire(t, c, "clock", lopts(core.MinTTL))
		if err := c.Release(ctxT(t), l); err != nil {
			t.Fatal(err)
		}
	}
	ch := startChain(t, c, "clock", driver.LeaseOptions{TTL: core.MinTTL, Wait: -1})
	transfers := sent(hooks, transferScript)
	for range 3 {
		ch.next(nil)
	}
	ch.stop()
	if n := sent(hooks, transferScript) - transfers; n < 3 {
		t.Fatalf("%d hand-overs by transfer.lua, want at least 3", n)
	}
	stats, err := rdb.Info(ctx, "commandstats").Result()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stats, "cmdstat_evalsha:") {
		t.Fatalf("no script calls counted:\n%s", stats)
	}
	if strings.Contains(stats, "cmdstat_time:") {
		t.Errorf("a script read the clock of a trusted epoch:\n%s", stats)
	}
}
