package connectsvc_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/alicebob/miniredis/v2"

	"github.com/distlock/distlock/core/driver"
	"github.com/distlock/distlock/core/redlock"
	"github.com/distlock/distlock/core/redlock/redistest"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
)

// loadedWait is the wait of acquires that are expected to be granted.
const loadedWait = 10 * time.Second

// TestBatchOverRedlock runs batches over Redlock, on miniredis and on three real
// redis-server processes: acquires, then extends and releases of their leases mixed
// with calls that fail, and a waiting acquire granted when its holder releases; every
// call gets its own result and nothing stays locked.
func TestBatchOverRedlock(t *testing.T) {
	// A long node timeout keeps a loaded machine (other tests, other processes) from
	// turning a slow node into a call that fails unavailable.
	redlockOver := func(t *testing.T, addrs []string) driver.Lessor {
		l, err := redlock.New(addrs, redlock.WithQuarantine(0), redlock.WithNodeTimeout(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		return l
	}
	backends := map[string]func(t *testing.T) driver.Lessor{
		"miniredis": func(t *testing.T) driver.Lessor {
			var addrs []string
			for range 3 {
				addrs = append(addrs, miniredis.RunT(t).Addr())
			}
			return redlockOver(t, addrs)
		},
		"redis-server": func(t *testing.T) driver.Lessor {
			return redlockOver(t, redistest.Start(t, 3).Addrs())
		},
	}
	for name, backend := range backends {
		t.Run(name, func(t *testing.T) {
			l := backend(t)
			e := newEnv(t, l)
			c := e.client(streamProtocols[0])
			ctx := context.Background()
			const n = 50
			calls := make([]*distlockv1.BatchCall, n)
			for i := range calls {
				// A wait lets an attempt that failed on a loaded machine (a node past
				// its timeout) try again, as it would for a real client.
				calls[i] = acquireCall(fmt.Sprint("redis/", i), loadedWait)
			}
			granted, _, err := batchResults(t, c, calls...)
			if err != nil {
				t.Fatal(err)
			}
			// Extend the even leases, release the odd ones; one release of a lease that
			// is not held and one acquire of a held resource fail on their own.
			calls = calls[:0]
			for i := range n {
				a := granted[uint32(i)].GetAcquire()
				if a == nil {
					t.Fatalf("call %d: %v", i, granted[uint32(i)])
				}
				if i%2 == 0 {
					calls = append(calls, extendCall(a.GetResource(), a.GetLeaseToken()))
				} else {
					calls = append(calls, releaseCall(a.GetResource(), a.GetLeaseToken()))
				}
			}
			calls = append(calls, releaseCall("redis/none", "not-a-lease"), acquireCall("redis/0", 0))
			results, _, err := batchResults(t, c, calls...)
			if err != nil {
				t.Fatal(err)
			}
			for i := range n {
				r := results[uint32(i)]
				if (i%2 == 0 && r.GetExtend() == nil) || (i%2 == 1 && r.GetRelease() == nil) {
					t.Fatalf("call %d: %v", i, r)
				}
			}
			wantCallError(t, results[n], connect.CodeNotFound, "")
			wantCallError(t, results[n+1], connect.CodeAborted, "")

			// A waiting acquire of redis/0 is granted once its holder releases it.
			ch, end := batch(t, ctx, c, acquireCall("redis/0", time.Minute))
			first := granted[0].GetAcquire()
			if _, err := c.Release(ctx, connect.NewRequest(&distlockv1.ReleaseRequest{Resource: "redis/0", LeaseToken: first.GetLeaseToken()})); err != nil {
				t.Fatal(err)
			}
			msgs, err := ended(t, ch, end)
			if err != nil {
				t.Fatal(err)
			}
			last := byIndex(t, 1, msgs...)[0].GetAcquire()
			if last.GetFencingToken() <= first.GetFencingToken() {
				t.Fatalf("the waiting acquire: %v, want a fence above %d", last, first.GetFencingToken())
			}
			calls = calls[:0]
			calls = append(calls, releaseCall("redis/0", last.GetLeaseToken()))
			for i := 2; i < n; i += 2 {
				calls = append(calls, releaseCall(fmt.Sprint("redis/", i), granted[uint32(i)].GetAcquire().GetLeaseToken()))
			}
			results, _, err = batchResults(t, c, calls...)
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range results {
				if r.GetRelease() == nil {
					t.Fatalf("final release %d: %v", i, r)
				}
			}
			for i := range n {
				if _, err := l.Info(ctx, fmt.Sprint("redis/", i)); !errors.Is(err, driver.ErrNotHeld) {
					t.Fatalf("redis/%d still locked: %v", i, err)
				}
			}
		})
	}
}
