package harness

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/distlock/distlock/bench/internal/contenders"
	"github.com/distlock/distlock/bench/internal/redisnodes"
)

// MemoryResult is the Redis memory one implementation spends on locks.
type MemoryResult struct {
	Impl  string
	Locks int
	// HeldPerLock is the growth of INFO used_memory per held lock, per node the
	// implementation writes to (a Redlock lock is stored once on each node).
	HeldPerLock float64
	// ResidualPerLock is what stays per lock after all were released (fence counters).
	ResidualPerLock float64
	// LockKeysLeft counts lock keys after the release; it must be 0.
	LockKeysLeft int
}

// memoryConcurrency is how many workers take and release the locks of the measurement.
const memoryConcurrency = 64

// MeasureMemory holds locks fresh locks at once and reads used_memory before and after.
// A warm-up round on other keys first grows the connection pools to the size the
// measurement uses, so their buffers are not billed to the locks.
func MeasureMemory(ctx context.Context, nodes *redisnodes.Nodes, l contenders.Locker, locks int, ttl time.Duration) (MemoryResult, error) {
	res := MemoryResult{Impl: l.Name(), Locks: locks}
	key := func(kind string, i int) string { return fmt.Sprintf("bench:%s:%s:%d", l.Name(), kind, i) }
	deadline := time.Now().Add(time.Minute)

	err := forEach(locks, memoryConcurrency, func(i int) error {
		rel, err := l.Acquire(ctx, key("mw", i), ttl, deadline)
		if err != nil {
			return err
		}
		return rel(ctx)
	})
	if err != nil {
		return res, fmt.Errorf("warm-up: %w", err)
	}

	before, err := usedMemory(ctx, nodes)
	if err != nil {
		return res, err
	}
	releases := make([]contenders.Release, locks)
	err = forEach(locks, memoryConcurrency, func(i int) error {
		rel, err := l.Acquire(ctx, key("m", i), ttl, deadline)
		releases[i] = rel
		return err
	})
	held, merr := usedMemory(ctx, nodes)
	rerr := forEach(locks, memoryConcurrency, func(i int) error {
		if releases[i] == nil {
			return nil
		}
		return releases[i](context.WithoutCancel(ctx))
	})
	if err != nil || merr != nil || rerr != nil {
		return res, fmt.Errorf("hold: %w; memory: %w; release: %w", err, merr, rerr)
	}
	after, err := usedMemory(ctx, nodes)
	if err != nil {
		return res, err
	}
	kc, err := nodes.Census(ctx, ttl)
	if err != nil {
		return res, err
	}
	res.LockKeysLeft = kc.Lock
	per := float64(locks * l.Nodes())
	res.HeldPerLock = float64(held-before) / per
	res.ResidualPerLock = float64(after-before) / per
	return res, nil
}

func usedMemory(ctx context.Context, nodes *redisnodes.Nodes) (int64, error) {
	var sum int64
	for i := range nodes.Len() {
		m, err := nodes.UsedMemory(ctx, i)
		if err != nil {
			return 0, err
		}
		sum += m
	}
	return sum, nil
}

// forEach calls f(0..n-1) from c workers and returns the first error.
func forEach(n, c int, f func(i int) error) error {
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
	)
	for range c {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := f(i); err != nil {
					once.Do(func() { firstErr = err })
				}
			}
		})
	}
	wg.Wait()
	return firstErr
}
