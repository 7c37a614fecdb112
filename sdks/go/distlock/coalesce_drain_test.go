package distlock_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/distlock/distlock/core/driver"
	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1policy"
	"github.com/distlock/distlock/sdks/go/distlock"
)

// gatedHTTP carries a Lessor's requests to the real service, counting them by method,
// and holds its first Extend until open is closed: the calls made meanwhile queue up and
// then leave together in one Batch.
type gatedHTTP struct {
	client  *http.Client
	entered chan struct{}
	open    chan struct{}

	mu     sync.Mutex
	counts map[string]int
	gated  bool
}

func newGatedHTTP(t *testing.T) *gatedHTTP {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections) // after the Lessor's Close (cleanups run last first)
	return &gatedHTTP{client: &http.Client{Transport: tr}, entered: make(chan struct{}, 1),
		open: make(chan struct{}), counts: map[string]int{}}
}

func (g *gatedHTTP) Do(req *http.Request) (*http.Response, error) {
	method := req.URL.Path[strings.LastIndex(req.URL.Path, "/")+1:]
	g.mu.Lock()
	g.counts[method]++
	gate := method == "Extend" && !g.gated
	g.gated = g.gated || gate
	g.mu.Unlock()
	if gate {
		g.entered <- struct{}{}
		<-g.open
	}
	return g.client.Do(req)
}

func (g *gatedHTTP) count(method string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.counts[method]
}

// A Batch whose callers have all left is read to its end, and a grant that arrives in it
// is released by the client, not left held by nobody until its TTL.
func TestCoalescingReleasesAGrantInABatchAllItsCallersLeft(t *testing.T) {
	base := "go-coalesce-drain/" + time.Now().Format(time.RFC3339Nano)
	hot, other := base+"/hot", base+"/other"
	holder := newLessor(t, serverURL, distlock.WithoutCoalescing())
	held, err := holder.Acquire(t.Context(), hot, driver.LeaseOptions{TTL: ttl})
	if err != nil {
		t.Fatal(err)
	}
	g := newGatedHTTP(t)
	l := newLessor(t, serverURL, distlock.WithHTTPClient(g))
	gate := make(chan error, 1)
	go func() {
		_, err := l.Extend(context.Background(), driver.Lease{Resource: base + "/gate", Token: "t"}, ttl)
		gate <- err
	}()
	<-g.entered

	// One Batch: a waiter for the held lock, with the longest TTL so that only a release
	// can free it in time, and an acquire granted at once.
	ctx, leave := context.WithCancel(t.Context())
	waiter := make(chan error, 1)
	go func() {
		_, err := l.Acquire(ctx, hot, driver.LeaseOptions{TTL: distlockv1policy.MaxTTL, Wait: 20 * time.Second})
		waiter <- err
	}()
	granted := make(chan driver.Lease, 1)
	go func() {
		lease, err := l.Acquire(t.Context(), other, driver.LeaseOptions{TTL: ttl})
		if err != nil {
			t.Error(err)
		}
		granted <- lease
	}()
	waitQueued(t, l, 2)
	close(g.open)
	<-gate
	lease := <-granted
	if batches, calls := distlock.BatchCounts(l); batches != 1 || calls != 2 {
		t.Fatalf("%d Batches of %d calls, want 1 of 2", batches, calls)
	}
	leave() // the waiter leaves too: nobody waits on the Batch any more
	if err := <-waiter; err == nil {
		t.Fatal("the waiter that left got the lock")
	}

	// The service grants the waiting acquire on the stream: the client reads it and
	// releases the grant itself.
	if err := holder.Release(t.Context(), held); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); g.count("Release") == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the grant nobody waits for was not released by the client")
		}
	}
	// Free again, long before the lost grant's TTL could have freed it.
	third, err := holder.Acquire(t.Context(), hot, driver.LeaseOptions{TTL: ttl, Wait: 10 * time.Second})
	if err != nil {
		t.Fatalf("the lock stayed held: %v", err)
	}
	for _, r := range []struct {
		l     *distlock.Lessor
		lease driver.Lease
	}{{holder, third}, {l, lease}} {
		if err := r.l.Release(t.Context(), r.lease); err != nil {
			t.Error(err)
		}
	}
}
