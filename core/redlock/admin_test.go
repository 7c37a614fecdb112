package redlock

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/distlock/distlock/core/driver"
)

// listAll pages through prefix and counts how often each resource was listed.
func listAll(t testing.TB, c *Client, prefix string, size int) (map[string]driver.Listed, map[string]int, int) {
	t.Helper()
	got, seen := map[string]driver.Listed{}, map[string]int{}
	token, pages := "", 0
	for {
		page, err := c.List(ctxT(t), prefix, size, token)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(page.Locks) > size {
			t.Fatalf("a page of %d locks, asked for %d", len(page.Locks), size)
		}
		for _, l := range page.Locks {
			got[l.Resource] = l
			seen[l.Resource]++
		}
		if token = page.Next; token == "" {
			return got, seen, pages
		}
	}
}

func TestListOnRealRedis(t *testing.T) {
	cluster := realNodes(t, 3)
	c := newClient(t, cluster.Addrs())
	leases := map[string]driver.Lease{}
	for i := range 40 {
		name := fmt.Sprintf("jobs/%02d", i)
		if i%4 == 0 {
			name = fmt.Sprintf("other/%02d", i)
		}
		leases[name] = mustAcquire(t, c, name, driver.LeaseOptions{TTL: driver.MaxTTL, Owner: "o" + strconv.Itoa(i)})
	}
	// A lock key on one node only (a minority) is no lock.
	rdb := redis.NewClient(&redis.Options{Addr: cluster.Addrs()[2]})
	t.Cleanup(func() { rdb.Close() })
	stray := keysFor(c.cfg.keyPrefix, "jobs/stray")
	if err := rdb.Set(ctxT(t), stray.lock, lockValueOf(strings.Repeat("x", keyTokenLen), 7, ""), 0).Err(); err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{1, 7, 1000} {
		got, seen, pages := listAll(t, c, "jobs/", size)
		if len(got) != 30 {
			t.Errorf("size %d: listed %d locks, want 30", size, len(got))
		}
		for name, l := range got {
			want, ok := leases[name]
			switch {
			case !ok:
				t.Errorf("size %d: listed %q, not held", size, name)
			case seen[name] != 1:
				t.Errorf("size %d: %q listed %d times", size, name, seen[name])
			case l.FencingToken != want.Fence || l.Owner != want.Owner || !l.ExpireTime.After(want.LockTime) ||
				!l.LockTime.Equal(want.LockTime.Truncate(1e6)):
				t.Errorf("size %d: listed %+v, granted %+v", size, l, want)
			}
		}
		if size == 1 && pages < 30 {
			t.Errorf("pages of 1 lock: %d pages for 30 locks", pages)
		}
	}
	if _, err := c.List(ctxT(t), "other/", 10, "bogus"); !errors.Is(err, driver.ErrInvalidArgument) {
		t.Errorf("a bogus token: %v, want invalid argument", err)
	}
	page, err := c.List(ctxT(t), "jobs/", 1, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.List(ctxT(t), "other/", 1, page.Next); !errors.Is(err, driver.ErrInvalidArgument) {
		t.Errorf("another prefix's token: %v, want invalid argument", err)
	}
}

// TestListMatchesPrefixesOfAnyLength: the SCAN pattern covers the prefix's whole base64
// groups and decoding filters the rest, for prefixes of every length modulo 3.
func TestListMatchesPrefixesOfAnyLength(t *testing.T) {
	cluster := realNodes(t, 3)
	c := newClient(t, cluster.Addrs())
	for _, name := range []string{"abcdef", "abcdeg", "abd", "b"} {
		mustAcquire(t, c, name, lopts(driver.MinTTL))
	}
	for prefix, want := range map[string]int{"": 4, "a": 3, "ab": 3, "abc": 2, "abcd": 2, "abcdef": 1, "abd": 1, "x": 0} {
		if got, _, _ := listAll(t, c, prefix, 2); len(got) != want {
			t.Errorf("prefix %q: %d locks, want %d", prefix, len(got), want)
		}
	}
}

func TestForceReleaseOnRealRedis(t *testing.T) {
	cluster := realNodes(t, 3)
	c := newClient(t, cluster.Addrs())
	other := newClient(t, cluster.Addrs())
	old := mustAcquire(t, c, "stuck", driver.LeaseOptions{TTL: driver.MaxTTL, Owner: "nightly"})
	broken, err := other.ForceRelease(ctxT(t), "stuck")
	if err != nil {
		t.Fatal(err)
	}
	if broken.FencingToken != old.Fence || broken.Owner != "nightly" || broken.Advanced != old.Fence+1 {
		t.Errorf("broke %+v, holder %+v", broken, old)
	}
	if _, err := c.Extend(ctxT(t), old, driver.MinTTL); !errors.Is(err, driver.ErrNotHeld) {
		t.Errorf("old holder's Extend: %v, want not held", err)
	}
	next := mustAcquire(t, other, "stuck", lopts(driver.MinTTL))
	if next.Fence <= old.Fence+1 {
		t.Errorf("next grant's fencing token %d, broken %d: not advanced", next.Fence, old.Fence)
	}
	if err := c.Release(ctxT(t), old); !errors.Is(err, driver.ErrNotHeld) {
		t.Errorf("old holder's Release: %v, want not held", err)
	}
	if _, err := c.ForceRelease(ctxT(t), "free"); !errors.Is(err, driver.ErrNotHeld) {
		t.Errorf("a free resource: %v, want not held", err)
	}
}

// TestForceReleaseNeedsAQuorum: with two of three nodes down the break is unavailable
// and the lock is kept.
func TestForceReleaseNeedsAQuorum(t *testing.T) {
	cluster := realNodes(t, 3)
	c := newClient(t, cluster.Addrs())
	mustAcquire(t, c, "r", lopts(driver.MaxTTL))
	cluster.Nodes[1].Kill()
	cluster.Nodes[2].Kill()
	if _, err := c.ForceRelease(ctxT(t), "r"); !errors.Is(err, driver.ErrUnavailable) {
		t.Errorf("ForceRelease without a quorum: %v, want unavailable", err)
	}
}

// TestListSkipsANodeThatIsDown: with the first node down the other two are scanned, and
// every lock is still listed once.
func TestListSkipsANodeThatIsDown(t *testing.T) {
	cluster := realNodes(t, 3)
	c := newClient(t, cluster.Addrs())
	for i := range 5 {
		mustAcquire(t, c, fmt.Sprintf("r%d", i), lopts(driver.MaxTTL))
	}
	cluster.Nodes[0].Kill()
	for _, size := range []int{2, 100} {
		got, seen, _ := listAll(t, c, "", size)
		if len(got) != 5 {
			t.Errorf("size %d: listed %d locks, want 5", size, len(got))
		}
		for name, n := range seen {
			if n != 1 {
				t.Errorf("size %d: %q listed %d times", size, name, n)
			}
		}
	}
}

// TestHeldEarlierDecidesWhichScanReportsALock: a lock is reported by the first scanned
// node holding it; one that a later node found is not dropped because the node that
// scanned it failed to answer the read (neither page would report it then).
func TestHeldEarlierDecidesWhichScanReportsALock(t *testing.T) {
	held, free := listReply{values: []string{"v"}}, listReply{values: []string{""}}
	silent := listReply{} // did not answer the read
	for _, tc := range []struct {
		replies []listReply
		skipped uint64
		from    int
		want    bool
	}{
		{[]listReply{held, held, held}, 0, 0, false},
		{[]listReply{held, held, held}, 0, 1, true},
		{[]listReply{silent, held, held}, 0, 1, false},
		{[]listReply{silent, held, held}, 0, 0, false},
		{[]listReply{held, held, free}, 1, 1, false}, // node 0 was skipped by the scan
		{[]listReply{free, held, held}, 0, 1, false},
	} {
		if got := heldEarlier(tc.replies, tc.skipped, 0, tc.from); got != tc.want {
			t.Errorf("%+v: heldEarlier = %v, want %v", tc, got, tc.want)
		}
	}
}

// TestListCountsTheWaitersThisClientKnows: a lock's waiters are the Acquire calls of
// the listing Client that wait for it; another Client's are not known.
func TestListCountsTheWaitersThisClientKnows(t *testing.T) {
	cluster := realNodes(t, 3)
	holder, waiter := newClient(t, cluster.Addrs()), newClient(t, cluster.Addrs())
	mustAcquire(t, holder, "r", lopts(driver.MaxTTL))
	ctx, cancel := context.WithCancel(ctxT(t))
	done := make(chan error)
	go func() {
		_, err := waiter.Acquire(ctx, "r", driver.LeaseOptions{TTL: driver.MinTTL, Wait: -1})
		done <- err
	}()
	for waiter.Waiters() == 0 {
		time.Sleep(time.Millisecond)
	}
	page, err := waiter.List(ctxT(t), "", 0, "")
	if err != nil || len(page.Locks) != 1 || page.Locks[0].Waiters != 1 {
		t.Errorf("the waiting Client lists %+v, %v; want r with 1 waiter", page, err)
	}
	page, err = holder.List(ctxT(t), "", 0, "")
	if err != nil || len(page.Locks) != 1 || page.Locks[0].Waiters != 0 {
		t.Errorf("the holding Client lists %+v, %v; want r with no waiter it knows", page, err)
	}
	cancel()
	<-done
}
