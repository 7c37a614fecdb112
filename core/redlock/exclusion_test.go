package redlock

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
)

// TestMutualExclusion: 16 goroutines, each with its own Client (as separate processes
// would be), contend for one resource and do a deliberately non-atomic
// read-sleep-write on a shared counter. No update may be lost, no two may hold at once,
// fencing tokens must strictly increase in the order of holding, and no lock key may be
// left behind.
func TestMutualExclusion(t *testing.T) {
	bothServers(t, func(t *testing.T, addrs []string) {
		var clients []*Client
		for range 16 {
			// A generous node timeout: on a loaded machine a request that times out may
			// still set its key after the cleanup, which then expires only after its TTL.
			clients = append(clients, newClient(t, addrs, WithNodeTimeout(time.Second)))
		}
		checkExclusion(t, addrs, clients, 1, 8, "exclusive", 200*time.Microsecond)
	})
}

// bothServers runs test against three miniredis servers and three redis-server
// processes.
func bothServers(t *testing.T, test func(t *testing.T, addrs []string)) {
	t.Run("miniredis", func(t *testing.T) { test(t, miniAddrs(miniNodes(t, 3))) })
	t.Run("redis-server", func(t *testing.T) { test(t, realNodes(t, 3).Addrs()) })
}

// checkExclusion runs workers goroutines on each of clients (Clients of the nodes at
// addrs), each taking resource rounds times and doing a read-sleep(hold)-write on a
// shared counter under the lock. No update may be lost, no two may hold at once,
// fencing tokens must strictly increase in the order of holding, and no lock key may be
// left behind.
func checkExclusion(t *testing.T, addrs []string, clients []*Client, workers, rounds int, resource string, hold time.Duration) {
	t.Helper()
	var (
		counter int // guarded by the distributed lock only
		holders atomic.Int32
		overlap atomic.Int32
		fences  []uint64 // appended under the lock, so in holding order
		wg      sync.WaitGroup
		errs    = make(chan error, len(clients)*workers)
	)
	for _, c := range clients {
		for range workers {
			wg.Go(func() {
				for range rounds {
					l, err := c.Acquire(ctxT(t), resource, driver.LeaseOptions{TTL: core.MinTTL, Wait: -1})
					if err != nil {
						errs <- err
						return
					}
					if holders.Add(1) != 1 {
						overlap.Add(1)
					}
					v := counter
					time.Sleep(hold) // widen the race window on purpose
					counter = v + 1
					fences = append(fences, l.Fence)
					holders.Add(-1)
					if err := c.Release(ctxT(t), l); err != nil {
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
		t.Fatal(err)
	}
	if overlap.Load() != 0 {
		t.Errorf("%d overlapping holds", overlap.Load())
	}
	if want := len(clients) * workers * rounds; counter != want {
		t.Errorf("counter %d, want %d: updates were lost", counter, want)
	}
	for i := 1; i < len(fences); i++ {
		if fences[i] <= fences[i-1] {
			t.Fatalf("fencing token %d after %d", fences[i], fences[i-1])
		}
	}
	wantNoLockKeys(t, addrs)
}

// wantNoLockKeys fails the test when any node still has a lock key: every grant was
// released and every failed attempt cleaned up.
func wantNoLockKeys(t *testing.T, addrs []string) {
	t.Helper()
	for _, a := range addrs {
		rdb := redis.NewClient(&redis.Options{Addr: a, Protocol: 2})
		keys, err := rdb.Keys(context.Background(), DefaultKeyPrefix+":{*}:l").Result()
		rdb.Close()
		if err != nil {
			t.Fatalf("%s: %v", a, err)
		}
		if len(keys) != 0 {
			t.Errorf("%s: %d lock keys left: %v", a, len(keys), keys)
		}
	}
}
