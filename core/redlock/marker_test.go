package redlock

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/distlock/distlock/core"
)

// TestReleaseAnnouncesOnlyWhenWaitedFor: a release that nobody was refused by stays
// silent (every Client would otherwise receive every release), and one that a refused
// acquire marked is announced, and consumes the mark.
func TestReleaseAnnouncesOnlyWhenWaitedFor(t *testing.T) {
	t.Parallel()
	nodes := miniNodes(t, 3)
	c := newClient(t, miniAddrs(nodes))
	other := newClient(t, miniAddrs(nodes))
	rdb := redis.NewClient(&redis.Options{Addr: nodes[0].Addr()})
	t.Cleanup(func() { rdb.Close() })
	ctx := context.Background()
	sub := rdb.Subscribe(ctx, releaseChannel(DefaultKeyPrefix))
	t.Cleanup(func() { sub.Close() })
	if _, err := sub.Receive(ctx); err != nil { // the subscription confirmation
		t.Fatal(err)
	}
	k := keysFor(DefaultKeyPrefix, "marked")
	// The node handles one command at a time, so the sentinel published after a release
	// arrives after anything that release published.
	next := func() string {
		t.Helper()
		if err := rdb.Publish(ctx, releaseChannel(DefaultKeyPrefix), "sentinel").Err(); err != nil {
			t.Fatal(err)
		}
		m, err := sub.ReceiveMessage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return m.Payload
	}

	l := mustAcquire(t, c, "marked", lopts(core.MinTTL))
	if err := c.Release(ctxT(t), l); err != nil {
		t.Fatal(err)
	}
	if got := next(); got != "sentinel" {
		t.Fatalf("release nobody waited for announced %q", got)
	}

	l = mustAcquire(t, c, "marked", lopts(core.MinTTL))
	if _, err := other.Acquire(ctxT(t), "marked", lopts(core.MinTTL)); err == nil {
		t.Fatal("second holder granted")
	}
	if !nodes[0].Exists(k.waiters) {
		t.Fatal("refused acquire left no waiter marker")
	}
	if err := c.Release(ctxT(t), l); err != nil {
		t.Fatal(err)
	}
	if got := next(); got == "sentinel" {
		t.Fatal("release of a lock somebody was refused by was not announced")
	}
	if nodes[0].Exists(k.waiters) {
		t.Error("release left the waiter marker behind")
	}
	if got := next(); got != "sentinel" {
		t.Fatalf("a second message %q for one release", got)
	}
}
