package redlock

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/distlock/distlock/core/driver"
	"github.com/distlock/distlock/internal/embedredis"
)

// nextEvent returns the feed's next event as "kind resource owner/fence <- owner/fence".
func nextEvent(t *testing.T, f *driver.Feed) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ev, err := f.Next(ctx)
	if err != nil {
		t.Fatalf("Next: %v", err)
	}
	s := ev.Kind.String() + " " + ev.Resource
	if ev.Holder.FencingToken != 0 {
		s += " " + ev.Holder.Owner
	}
	if ev.Previous.FencingToken != 0 {
		s += " <- " + ev.Previous.Owner
	}
	return s
}

func wantNext(t *testing.T, f *driver.Feed, want string) {
	t.Helper()
	if got := nextEvent(t, f); got != want {
		t.Fatalf("got event %q, want %q", got, want)
	}
}

// wantChange expects the lock on resource to go from one holder to the next: a
// hand-over, or a release and a grant.
func wantChange(t *testing.T, f *driver.Feed, resource, from, to string) {
	t.Helper()
	got := nextEvent(t, f)
	if got == "handed_over "+resource+" "+to+" <- "+from {
		return
	}
	if got != "released "+resource+" <- "+from {
		t.Fatalf("got %q, want the lock to go from %s to %s", got, from, to)
	}
	wantNext(t, f, "granted "+resource+" "+to)
}

// TestWatchFollowsLocksOnRealRedis: on three redis-server nodes, a watch of a prefix
// gets the current state, then a grant, an extension, a release, a hand-over between
// two contenders of one Client and an expiry, in order, from keyspace notifications
// and the expiry timer, and it keeps the nodes' notification flags it found.
func TestWatchFollowsLocksOnRealRedis(t *testing.T) {
	watchFollowsLocks(t, realNodes(t, 3).Addrs())
}

// TestWatchFollowsLocksOnEmbedredis: the same on the embedded servers of the
// development default, whose keyspace notifications embedredis publishes. Keys that
// expire by the wall clock are not announced there: the expiry comes from the timer.
func TestWatchFollowsLocksOnEmbedredis(t *testing.T) {
	watchFollowsLocks(t, embedNodes(t, 3))
}

// embedNodes starts n embedredis servers that stop when the test ends.
func embedNodes(t *testing.T, n int) []string {
	t.Helper()
	addrs := make([]string, n)
	for i := range addrs {
		s, err := embedredis.Start("127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		addrs[i] = s.Addr()
	}
	return addrs
}

// TestWatchResyncsASlowWatcher: a watch that falls more than its buffer behind gets
// resync and a fresh state, not unbounded memory, while a watch that keeps up gets
// every change; on the embedded servers and on redis-server.
func TestWatchResyncsASlowWatcher(t *testing.T) {
	run := func(t *testing.T, addrs []string) {
		watcher := newClient(t, addrs)
		locker := newClient(t, addrs)
		ctx := ctxT(t)
		sel := driver.Selector{Name: "s/", Prefix: true}
		slow, err := watcher.Watch(ctx, sel, 1)
		if err != nil {
			t.Fatal(err)
		}
		defer slow.Close()
		keeping, err := watcher.Watch(ctx, sel, 64)
		if err != nil {
			t.Fatal(err)
		}
		defer keeping.Close()
		wantNext(t, slow, "synced ")
		wantNext(t, keeping, "synced ")
		for _, r := range []string{"s/x", "s/y", "s/z"} {
			mustAcquire(t, locker, r, driver.LeaseOptions{TTL: time.Minute, Owner: r[2:]})
		}
		// The hub hands each observation to every feed at once: once the watch that
		// keeps up has the three grants (in any order: order is per resource), the slow
		// one was offered at least two.
		var grants []string
		for range 3 {
			grants = append(grants, nextEvent(t, keeping))
		}
		slices.Sort(grants)
		if want := []string{"granted s/x x", "granted s/y y", "granted s/z z"}; !slices.Equal(grants, want) {
			t.Fatalf("the watch that keeps up got %q, want %q", grants, want)
		}
		wantNext(t, slow, "resync ")
		for _, r := range []string{"x", "y", "z"} {
			wantNext(t, slow, "current s/"+r+" "+r)
		}
		wantNext(t, slow, "synced ")
	}
	t.Run("embedredis", func(t *testing.T) { run(t, embedNodes(t, 3)) })
	t.Run("redis-server", func(t *testing.T) { run(t, realNodes(t, 3).Addrs()) })
}

func watchFollowsLocks(t *testing.T, addrs []string) {
	for _, a := range addrs {
		rdb := redis.NewClient(&redis.Options{Addr: a})
		if err := rdb.ConfigSet(context.Background(), "notify-keyspace-events", "Elh").Err(); err != nil {
			t.Fatal(err)
		}
		rdb.Close()
	}
	watcher := newClient(t, addrs)
	locker := newClient(t, addrs)
	ctx := ctxT(t)
	lo := func(owner string) driver.LeaseOptions { return driver.LeaseOptions{TTL: driver.MinTTL, Owner: owner} }
	before := mustAcquire(t, locker, "w/before", lo("early"))

	f, err := watcher.Watch(ctx, driver.Selector{Name: "w/", Prefix: true}, 64)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	wantNext(t, f, "current w/before early")
	wantNext(t, f, "synced ")
	for _, a := range addrs {
		rdb := redis.NewClient(&redis.Options{Addr: a})
		flags, err := rdb.ConfigGet(ctx, "notify-keyspace-events").Result()
		rdb.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got := flags["notify-keyspace-events"]; !strings.ContainsAny(got, "E") || !strings.Contains(got, "l") {
			t.Errorf("%s: flags %q lost the ones set before", a, got)
		}
	}
	if err := locker.Release(ctx, before); err != nil {
		t.Fatal(err)
	}
	wantNext(t, f, "released w/before <- early")

	a := mustAcquire(t, locker, "w/a", lo("alice"))
	wantNext(t, f, "granted w/a alice")
	if _, err := locker.Extend(ctx, a, 2*driver.MinTTL); err != nil {
		t.Fatal(err)
	}
	wantNext(t, f, "extended w/a alice")

	// Contenders of the same Client queue; a lease granted while they do is handed
	// over to the next one on release, in one step. A quorum read may or may not fall
	// between a node's release and grant, so either form of the change is right.
	contend := func(owner string, waiters int) <-chan driver.Lease {
		got := make(chan driver.Lease, 1)
		go func() {
			l, err := locker.Acquire(ctx, "w/a", driver.LeaseOptions{TTL: driver.MinTTL, Owner: owner, Wait: -1})
			if err != nil {
				t.Error(err)
			}
			got <- l
		}()
		waitFor(t, func() bool { return locker.Waiters() == waiters })
		return got
	}
	bobs := contend("bob", 1)
	carols := contend("carol", 2)
	if err := locker.Release(ctx, a); err != nil {
		t.Fatal(err)
	}
	wantChange(t, f, "w/a", "alice", "bob")
	bob := <-bobs
	if err := locker.Release(ctx, bob); err != nil {
		t.Fatal(err)
	}
	wantChange(t, f, "w/a", "bob", "carol")
	if err := locker.Release(ctx, <-carols); err != nil {
		t.Fatal(err)
	}
	wantNext(t, f, "released w/a <- carol")

	mustAcquire(t, locker, "w/short", lo("dan"))
	wantNext(t, f, "granted w/short dan")
	wantNext(t, f, "expired w/short <- dan") // after the 5 s TTL
	mustAcquire(t, locker, "elsewhere", lo("dave"))
	mustAcquire(t, locker, "w/last", lo("erin"))
	wantNext(t, f, "granted w/last erin")
}

// TestWatchEndsWithItsClient: Close ends the watches, and a closed Client cannot watch.
func TestWatchEndsWithItsClient(t *testing.T) {
	nodes := realNodes(t, 3)
	c, err := New(nodes.Addrs(), WithQuarantine(0))
	if err != nil {
		t.Fatal(err)
	}
	f, err := c.Watch(ctxT(t), driver.Selector{Name: "r"}, 8)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	wantNext(t, f, "synced ")
	c.Close()
	if _, err := f.Next(context.Background()); err == nil {
		t.Fatal("a watch outlived its Client")
	}
	if _, err := c.Watch(ctxT(t), driver.Selector{Name: "r"}, 8); err == nil {
		t.Fatal("a closed Client could watch")
	}
}

func TestResourceOfKey(t *testing.T) {
	for _, name := range []string{"a", "jobs/42", "ünï:{}*"} {
		k := keysFor("p*x", name)
		if got, ok := resourceOfKey("p*x", k.lock); !ok || got != name {
			t.Errorf("resourceOfKey(%q) = %q, %v", k.lock, got, ok)
		}
		if _, ok := resourceOfKey("p*x", k.waiters); ok {
			t.Errorf("a waiter key %q read as a lock key", k.waiters)
		}
	}
	if got := globEscape(`a*b?c[d]\`); got != `a\*b\?c\[d\]\\` {
		t.Errorf("globEscape: %s", got)
	}

}
