package redlock

import (
	"sync"
	"testing"
	"time"

	"github.com/distlock/distlock/core/driver"
)

// TestInterleavedAnnouncementsWake: the nodes' announcements of two quick releases
// arrive interleaved (one reader goroutine per node, in no set order); each release
// must still be counted on its own and wake the waiters once enough nodes announced it.
func TestInterleavedAnnouncementsWake(t *testing.T) {
	t.Parallel()
	c := newClient(t, miniAddrs(miniNodes(t, 3)))
	tag := keysFor(DefaultKeyPrefix, "interleaved").tag
	q := c.queues.enter(tag)
	defer c.queues.leave(tag, q)
	wake, _ := c.queues.wakeChan(q)
	for _, id := range []string{"first", "second", "first", "second"} {
		c.queues.heard(tag + " " + id)
	}
	select {
	case <-wake:
	default:
		t.Fatal("two releases, each announced by a quorum of nodes, woke nobody")
	}
}

// TestHotKeyAcrossClients: several Clients (as separate processes would be) contend for
// one key with a TTL far longer than their wait. Each release must wake the waiters of
// the other Clients; a waiter that missed it would sleep out the holder's TTL and time
// out.
func TestHotKeyAcrossClients(t *testing.T) {
	cluster := realNodes(t, 3)
	const (
		clients = 4
		perC    = 4
		rounds  = 15
	)
	o := driver.LeaseOptions{TTL: time.Minute, Wait: 15 * time.Second}
	var wg sync.WaitGroup
	errs := make(chan error, clients*perC)
	for range clients {
		c := newClient(t, cluster.Addrs(), WithNodeTimeout(time.Second))
		for range perC {
			wg.Go(func() {
				for range rounds {
					l, err := c.Acquire(ctxT(t), "hot", o)
					if err == nil {
						err = c.Release(ctxT(t), l)
					}
					if err != nil {
						errs <- err
						return
					}
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
