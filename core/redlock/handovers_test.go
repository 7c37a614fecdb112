package redlock

import (
	"testing"

	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
)

// TestHandOversAreCounted: a release that a contender of the same Client waits behind
// hands the lock over and counts one; a release nobody waits for counts none.
func TestHandOversAreCounted(t *testing.T) {
	bothServers(t, func(t *testing.T, addrs []string) {
		c := newClient(t, addrs)
		keepQueue(t, c, "handovers")
		held := mustAcquire(t, c, "handovers", lopts(core.MinTTL))
		next := queueBehind(t, ctxT(t), c, "handovers", driver.LeaseOptions{TTL: core.MinTTL, Wait: -1})
		if n := c.HandOvers(); n != 0 {
			t.Fatalf("%d hand-overs before any release", n)
		}
		if err := c.Release(ctxT(t), held); err != nil {
			t.Fatal(err)
		}
		got := <-next
		if got.err != nil {
			t.Fatal(got.err)
		}
		if n := c.HandOvers(); n != 1 {
			t.Fatalf("%d hand-overs after a release to a waiting contender, want 1", n)
		}
		if err := c.Release(ctxT(t), got.lease); err != nil {
			t.Fatal(err)
		}
		if n := c.HandOvers(); n != 1 {
			t.Fatalf("%d hand-overs after a release nobody waited for, want still 1", n)
		}
	})
}
