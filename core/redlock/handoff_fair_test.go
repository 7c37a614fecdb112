package redlock

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
)

// markWaiting sets resource's waiter marker on each node, as another client's refused
// acquire would.
func markWaiting(t *testing.T, addrs []string, resource string) {
	t.Helper()
	k := keysFor(DefaultKeyPrefix, resource)
	for _, addr := range addrs {
		rdb := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2})
		err := rdb.Set(context.Background(), k.waiters, "1", time.Minute).Err()
		rdb.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestMarkedChainEndsWithARelease: while another client's waiter marker is on the
// nodes, a Client hands its lock over handOversWhileOthersWait times in a row and then
// releases it the ordinary way, which deletes the markers (and announces the release);
// hand-overs that find no marker do not count towards that bound.
func TestMarkedChainEndsWithARelease(t *testing.T) {
	t.Parallel()
	nodes := miniNodes(t, 3)
	addrs := miniAddrs(nodes)
	c := newClient(t, addrs)
	const resource = "fair"
	ch := startChain(t, c, resource, driver.LeaseOptions{TTL: core.MinTTL, Wait: -1})
	hooks := hookScripts(c)

	for range 2 * handOversWhileOthersWait {
		ch.next(nil)
	}
	if tr, rel := sent(hooks, transferScript), sent(hooks, releaseScript); tr != 2*handOversWhileOthersWait*len(addrs) || rel != 0 {
		t.Fatalf("without a marker: %d transfer.lua and %d release.lua, want only transfers (%d)", tr, rel, 2*handOversWhileOthersWait*len(addrs))
	}

	markWaiting(t, addrs, resource)
	before := sent(hooks, transferScript)
	for range handOversWhileOthersWait {
		ch.next(nil)
	}
	if n := sent(hooks, transferScript) - before; n != handOversWhileOthersWait*len(addrs) {
		t.Fatalf("%d transfer.lua while marked, want %d hand-overs", n, handOversWhileOthersWait)
	}
	ch.next(nil) // the chain's end: an ordinary release, then the contender's acquire
	if n := sent(hooks, transferScript) - before; n != handOversWhileOthersWait*len(addrs) {
		t.Errorf("the %dth marked release was handed over too", handOversWhileOthersWait+1)
	}
	if n := sent(hooks, releaseScript); n != len(addrs) {
		t.Errorf("%d release.lua, want one release at the chain's end", n)
	}
	k := keysFor(DefaultKeyPrefix, resource)
	for i, n := range nodes {
		if n.Exists(k.waiters) {
			t.Errorf("node %d kept the waiter marker after the chain's end", i)
		}
	}

	// The count starts again: the next release, with no marker, is a hand-over.
	before = sent(hooks, transferScript)
	ch.next(nil)
	if n := sent(hooks, transferScript) - before; n != len(addrs) {
		t.Errorf("%d transfer.lua after the chain's end, want a hand-over", n)
	}
	ch.stop()
	wantNoLockKeys(t, addrs)
}

// TestFailedTransferAnnounces: a transfer that does not reach a quorum frees the
// resource, so where another client's waiter marker shows somebody waits, its cleanup
// announces the release as release.lua would (under the release's id, as the old
// token's release on the node that did not answer does), and that waiter wakes; an
// acquire's cleanup stays silent.
func TestFailedTransferAnnounces(t *testing.T) {
	bothServers(t, func(t *testing.T, addrs []string) {
		c := newClient(t, addrs)
		const resource = "fails-marked"
		// The transfer gets node 0 alone.
		held, next, _, free := failingTransfer(t, c, addrs, resource)
		markWaiting(t, addrs, resource)
		var subs []*redis.PubSub
		for _, addr := range addrs[:2] {
			rdb := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2})
			t.Cleanup(func() { rdb.Close() })
			sub := rdb.Subscribe(context.Background(), c.releaseChannel)
			t.Cleanup(func() { sub.Close() })
			if _, err := sub.Receive(context.Background()); err != nil {
				t.Fatal(err)
			}
			subs = append(subs, sub)
		}

		if err := c.Release(ctxT(t), held); err != nil {
			t.Fatalf("release: %v", err)
		}
		var ids []string
		for i, sub := range subs {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			m, err := sub.ReceiveMessage(ctx)
			cancel()
			if err != nil {
				t.Fatalf("node %d announced no release: %v", i, err)
			}
			ids = append(ids, m.Payload)
		}
		if ids[0] != ids[1] {
			t.Errorf("the nodes announced %q and %q, want one release id", ids[0], ids[1])
		}

		free()
		got := <-next
		if got.err != nil {
			t.Fatalf("contender: %v", got.err)
		}
		if err := c.Release(ctxT(t), got.lease); err != nil {
			t.Fatal(err)
		}
		wantNoLockKeys(t, addrs)
	})
}
