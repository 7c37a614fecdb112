package harness

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/distlock/distlock/bench/internal/contenders"
	"github.com/distlock/distlock/bench/internal/redisnodes"
	"github.com/distlock/distlock/bench/internal/stats"
	"github.com/distlock/distlock/core/driver"
)

// WaitersResult is one run of the waiters cell: Waiters goroutines of one process wait
// on one key that another lease of the same client holds; then the holder releases, and
// each waiter takes the lock, releases it, queues again and takes it a second time.
type WaitersResult struct {
	Waiters, Rep int
	// HeapPerWaiter and StackPerWaiter are the growth of this process's live heap and
	// of its goroutine stacks per waiter, measured while all of them wait.
	HeapPerWaiter, StackPerWaiter float64
	// RedisGrowth is the growth of used_memory on each node while all wait: the
	// waiters of one process queue in it and only one talks to Redis, so it should not
	// grow with their number.
	RedisGrowth []int64
	// Drain runs from the holder's release to the last waiter's first grant: the
	// first round is served in queue order, so it is the queue length times a hand-over.
	Drain time.Duration
	// Requeued summarises the waits of the second round, each from a waiter queueing
	// again (just after its first release) to its grant: a first-in-first-out lock
	// makes each about as long as one pass of the queue, so max/min stays near 1.
	Requeued stats.Spread
	// MaxDisplacement and MeanDisplacement say how many places a waiter of the second
	// round was served away from its place in the queue (0: first in, first out). Unlike
	// max/min they do not move with the pace of the hand-overs, which a busy machine
	// varies during a round.
	MaxDisplacement  int
	MeanDisplacement float64
	// Use is what the two rounds cost (Redis CPU and commands per hand-over).
	Use      Usage
	Failed   int
	FirstErr error
	// LockKeysLeft counts lock keys after the cell; it must be 0.
	LockKeysLeft int
}

// HandoffsPerSec is the rate of the two rounds' grants.
func (w WaitersResult) HandoffsPerSec() float64 {
	if w.Use.Elapsed <= 0 {
		return 0
	}
	return float64(2*w.Waiters-w.Failed) / w.Use.Elapsed.Seconds()
}

// waiterCounter is the core's count of Acquire calls waiting (redlock.Client.Waiters).
type waiterCounter interface{ Waiters() int }

// runWaiters runs the baseline and the full count in rotated order, Reps times each.
func runWaiters(ctx context.Context, nodes *redisnodes.Nodes, d *contenders.Distlock, cfg ScaleConfig) ([]WaitersResult, error) {
	counts := []int{cfg.BaseWaiters, cfg.Waiters}
	if cfg.BaseWaiters <= 0 {
		counts = counts[1:]
	}
	// A warm-up round, not reported: the client's first wait subscribes to the release
	// channel and grows its connection pools, which the first measured cell would
	// otherwise count as memory per waiter (400 KB per node on a fresh client).
	if _, err := waitersCell(ctx, nodes, d, 10, -1, cfg); err != nil {
		return nil, fmt.Errorf("warm-up: %w", err)
	}
	var out []WaitersResult
	for r := range cfg.Reps {
		for _, n := range Rotate(counts, r) {
			w, err := waitersCell(ctx, nodes, d, n, r, cfg)
			if err != nil {
				return out, err
			}
			out = append(out, w)
			fmt.Fprintf(cfg.Progress, "waiters %-6d rep %d: heap %.0f B + stack %.0f B per waiter, redis grew by %v B per node, drain %v, requeued waits %v–%v (max/min %.2f, served up to %d places out of queue order), failed %d%s\n",
				n, r+1, w.HeapPerWaiter, w.StackPerWaiter, w.RedisGrowth, w.Drain.Round(time.Millisecond),
				w.Requeued.Min.Round(time.Millisecond), w.Requeued.Max.Round(time.Millisecond), w.Requeued.MaxOverMin(), w.MaxDisplacement, w.Failed, errNote(w.FirstErr))
		}
	}
	return out, nil
}

// waitersDeadline bounds each waiter's two acquires: generous, as 10^4 waiters served
// one hand-over at a time on a loaded machine take seconds per round.
const waitersDeadline = 2 * time.Minute

func waitersCell(ctx context.Context, nodes *redisnodes.Nodes, d *contenders.Distlock, n, rep int, cfg ScaleConfig) (WaitersResult, error) {
	res := WaitersResult{Waiters: n, Rep: rep}
	l := d.Lessor()
	counter, ok := l.(waiterCounter)
	if !ok {
		return res, errors.New("the core does not count its waiters")
	}
	key := fmt.Sprintf("bench:waiters:n%d:r%d", n, rep)
	opts := driver.LeaseOptions{TTL: cfg.TTL, Wait: -1}

	m0 := settledMemStats()
	a, err := snap(ctx, nodes, scaleNodes)
	if err != nil {
		return res, err
	}
	holder, err := l.Acquire(ctx, key, driver.LeaseOptions{TTL: cfg.TTL})
	if err != nil {
		return res, err
	}

	wctx, cancel := context.WithTimeout(ctx, waitersDeadline)
	defer cancel()
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		lastFirst time.Time
		requeued  []time.Duration
		queuedAt  []time.Time
		grantAt   []time.Time
	)
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		res.Failed++
		if res.FirstErr == nil {
			res.FirstErr = err
		}
	}
	for range n {
		wg.Go(func() {
			lease, err := l.Acquire(wctx, key, opts)
			if err != nil {
				fail(err)
				return
			}
			granted := time.Now()
			err = l.Release(context.WithoutCancel(ctx), lease)
			mu.Lock()
			if granted.After(lastFirst) {
				lastFirst = granted
			}
			mu.Unlock()
			if err != nil {
				fail(err)
				return
			}
			t0 := time.Now()
			if lease, err = l.Acquire(wctx, key, opts); err != nil {
				fail(err)
				return
			}
			g := time.Now()
			if err := l.Release(context.WithoutCancel(ctx), lease); err != nil {
				fail(err)
			}
			mu.Lock()
			requeued = append(requeued, g.Sub(t0))
			queuedAt, grantAt = append(queuedAt, t0), append(grantAt, g)
			mu.Unlock()
		})
	}
	// Every waiter is counted by the core once it waits: queued behind the one that
	// talks to Redis for the key, or that one sleeping until the holder's release.
	werr := awaitWaiters(wctx, counter, n, func() int { mu.Lock(); defer mu.Unlock(); return res.Failed })
	if werr == nil {
		m1 := settledMemStats()
		res.HeapPerWaiter = (float64(m1.HeapAlloc) - float64(m0.HeapAlloc)) / float64(n)
		res.StackPerWaiter = (float64(m1.StackInuse) - float64(m0.StackInuse)) / float64(n)
		b, err := snap(ctx, nodes, scaleNodes)
		if werr = err; err == nil {
			res.RedisGrowth = b.since(a).Memory
		}
	}
	b, serr := snap(ctx, nodes, scaleNodes)
	released := time.Now() // before any waiter's grant: the holder still holds the key
	rerr := l.Release(context.WithoutCancel(ctx), holder)
	wg.Wait()
	c, cerr := snap(ctx, nodes, scaleNodes)
	if err := errors.Join(werr, serr, rerr, cerr); err != nil {
		return res, err
	}
	res.Use = c.since(b)
	if !lastFirst.IsZero() {
		res.Drain = lastFirst.Sub(released)
	}
	res.Requeued = stats.SpreadOf(requeued)
	res.MaxDisplacement, res.MeanDisplacement = stats.Displacement(queuedAt, grantAt)
	kc, err := nodes.Census(ctx, cfg.TTL)
	if err != nil {
		return res, err
	}
	if res.LockKeysLeft = kc.Lock; kc.Lock > 0 {
		err = nodes.DeleteLockKeys(ctx, cfg.TTL)
	}
	return res, err
}

// awaitWaiters returns once the core counts n waiters (less those that already failed),
// polling: the core offers a count, not a signal.
func awaitWaiters(ctx context.Context, c waiterCounter, n int, failed func() int) error {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for c.Waiters() < n-failed() {
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d of %d waiters waiting when the wait ended: %w", c.Waiters(), n-failed(), ctx.Err())
		case <-t.C:
		}
	}
	return nil
}

// settledMemStats collects garbage and reads the memory statistics. It collects twice:
// the stacks of goroutines that ended go back to the stack pool during one collection,
// and the pool's spans that became empty are freed at the next, so the second reading
// counts fewer stale stacks against the live goroutines.
func settledMemStats() runtime.MemStats {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m
}
