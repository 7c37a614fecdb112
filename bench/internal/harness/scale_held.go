package harness

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/distlock/distlock/bench/internal/contenders"
	"github.com/distlock/distlock/bench/internal/redisnodes"
	"github.com/distlock/distlock/bench/internal/stats"
	"github.com/distlock/distlock/core/driver"
	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1policy"
)

// HeldResult is the held-locks cell: the core keeps Locks leases on distinct keys while
// the usual distinct-keys pairs cell and an extend cell run beside them, compared with
// the same cells when none (or only the workers' own) are held.
type HeldResult struct {
	Locks int
	TTL   time.Duration
	// Load is what acquiring all the locks cost; LoadParts what each tenth of them
	// cost, in order, so a slowdown as the keyspace grows shows, and on which side.
	Load      Usage
	LoadParts []Usage
	// ClientHeapPerLock is the growth of the bench process's live heap per held lease
	// (the lease values the bench keeps, as an application would, plus the core's own
	// record of each lease it holds).
	ClientHeapPerLock float64
	// RedisPerLock and RedisLeftPerLock are used_memory growth per held lock on each
	// node, and what stays per lock once all are released (fence counters).
	RedisPerLock, RedisLeftPerLock []float64
	// Pairs cells, one per repetition: before loading, while held, after releasing.
	Before, Held, After []PairsRun
	// Extend cells, one per repetition: each worker extending its own one lease
	// (Concurrency held), and the workers extending the held leases in turn.
	ExtendBase, ExtendHeld []ExtendResult
	// Release is what releasing all the locks cost.
	Release Usage
	// HeldKeysLeft counts the lock keys the pairs cells left while the locks were held,
	// LockKeysLeft those after the release; both must be 0.
	HeldKeysLeft, LockKeysLeft int
}

// PairsRun is one pairs cell and what it cost.
type PairsRun struct {
	Cell CellResult
	Use  Usage
}

// ExtendResult is one extend cell: Concurrency workers extend leases for Duration.
type ExtendResult struct {
	Held     int // leases the workers take turns over
	Extends  int
	Failed   int
	FirstErr error
	P50, P99 time.Duration
	Use      Usage
}

// PerSec is the extend rate.
func (e ExtendResult) PerSec() float64 {
	if e.Use.Elapsed <= 0 {
		return 0
	}
	return float64(e.Extends) / e.Use.Elapsed.Seconds()
}

// ExtendsNeeded is the renewal traffic that keeps locks leases of ttl alive: each is
// extended once per renewal period of the client policy (TTL/3).
func ExtendsNeeded(locks int, ttl time.Duration) float64 {
	return float64(locks) / distlockv1policy.RenewEvery(ttl).Seconds()
}

// loadParts is how many parts the load is timed in.
const loadParts = 10

// PartLocks is how many locks part i of the load acquired.
func (h *HeldResult) PartLocks(i int) int {
	return h.Locks*(i+1)/loadParts - h.Locks*i/loadParts
}

func runHeld(ctx context.Context, nodes *redisnodes.Nodes, d *contenders.Distlock, cfg ScaleConfig) (*HeldResult, error) {
	res := &HeldResult{Locks: cfg.HeldLocks, TTL: cfg.HeldTTL}
	l := d.Lessor()
	pairs := func(r int, stage string, census bool) (PairsRun, error) {
		spec := CellSpec{Workload: Distinct, Concurrency: cfg.Concurrency, Rep: r, Duration: cfg.Duration,
			MaxPairs: cfg.MaxPairs, TTL: cfg.TTL, Grace: cfg.Grace, Stuck: cfg.Progress}
		c, u, err := pairCell(ctx, nodes, scaleNodes, d, spec, census)
		fmt.Fprintf(cfg.Progress, "held %-7s rep %d: %9.0f pairs/s p50 %-10v redis cpu/pair %-8v failed %d keys left %d%s\n",
			stage, r+1, c.PairsPerSec(), c.P50, c.RedisCPUPerPair(), c.Failed, c.LockKeysLeft, errNote(c.FirstErr))
		return PairsRun{c, u}, err
	}
	extends := func(leases []driver.Lease, stage string) (ExtendResult, error) {
		e, err := extendCell(ctx, nodes, l, leases, cfg)
		fmt.Fprintf(cfg.Progress, "held %-7s extends over %d leases: %9.0f extends/s, redis cpu/extend %v, failed %d%s\n",
			stage, e.Held, e.PerSec(), per(e.Use.TotalRedisCPU(), e.Extends), e.Failed, errNote(e.FirstErr))
		return e, err
	}

	// Baselines: nothing held but the extend workers' own leases.
	for r := range cfg.Reps {
		p, err := pairs(r, "before", true)
		if err != nil {
			return res, err
		}
		res.Before = append(res.Before, p)
		own, err := acquireAll(ctx, l, cfg.Concurrency, cfg.Concurrency, cfg.HeldTTL, func(i int) string {
			return fmt.Sprintf("bench:held:own:r%d:%d", r, i)
		})
		if err != nil {
			return res, err
		}
		e, err := extends(own, "base")
		res.ExtendBase = append(res.ExtendBase, e)
		if err := errors.Join(err, releaseAll(ctx, l, own, cfg.Concurrency)); err != nil {
			return res, err
		}
	}

	// Load: acquire every lock and keep it, a tenth at a time to see the rate's trend.
	m0 := settledMemStats()
	a, err := snap(ctx, nodes, scaleNodes)
	if err != nil {
		return res, err
	}
	leases := make([]driver.Lease, 0, cfg.HeldLocks)
	prev := a
	for part := range loadParts {
		n := cfg.HeldLocks*(part+1)/loadParts - len(leases)
		ls, err := acquireAll(ctx, l, n, cfg.Concurrency, cfg.HeldTTL, func(i int) string {
			return fmt.Sprintf("bench:held:%d", len(leases)+i)
		})
		leases = append(leases, ls...)
		if err != nil {
			return res, errors.Join(err, releaseAll(ctx, l, leases, cfg.Concurrency))
		}
		now, err := snap(ctx, nodes, scaleNodes)
		if err != nil {
			return res, errors.Join(err, releaseAll(ctx, l, leases, cfg.Concurrency))
		}
		u := now.since(prev)
		res.LoadParts = append(res.LoadParts, u)
		prev = now
		fmt.Fprintf(cfg.Progress, "held: %d locks held, the last %d at %.0f/s, redis cpu per acquire %v\n",
			len(leases), n, float64(n)/u.Elapsed.Seconds(), per(u.TotalRedisCPU(), n))
	}
	res.Load = prev.since(a)
	m1 := settledMemStats()
	res.ClientHeapPerLock = (float64(m1.HeapAlloc) - float64(m0.HeapAlloc)) / float64(cfg.HeldLocks)
	for _, m := range res.Load.Memory {
		res.RedisPerLock = append(res.RedisPerLock, float64(m)/float64(cfg.HeldLocks))
	}
	fmt.Fprintf(cfg.Progress, "held: %d locks acquired in %v (%.0f/s), redis bytes per lock per node %.0f\n",
		cfg.HeldLocks, res.Load.Elapsed.Round(time.Millisecond), float64(cfg.HeldLocks)/res.Load.Elapsed.Seconds(), res.RedisPerLock)

	// The same cells with every lock held.
	err = func() error {
		for r := range cfg.Reps {
			p, err := pairs(cfg.Reps+r, "held", false)
			if err != nil {
				return err
			}
			res.Held = append(res.Held, p)
			e, err := extends(leases, "held")
			res.ExtendHeld = append(res.ExtendHeld, e)
			if err != nil {
				return err
			}
		}
		// Nothing renewed the leases but the extend cells: had the first ones expired,
		// the figures would be of fewer locks than claimed. Nor could the census below
		// tell them from the pairs cells' keys once their TTL left fell under those's.
		for _, ls := range leases {
			if time.Until(ls.Validity) <= cfg.TTL {
				return fmt.Errorf("lease %s (nearly) expired during the cell: raise the held TTL above %v", ls.Resource, cfg.HeldTTL)
			}
		}
		// The pairs cells' keys are distinct per repetition, so what one left could not
		// disturb the next: count them all at once, a census of millions of keys.
		kc, err := nodes.Census(ctx, cfg.TTL)
		if err != nil {
			return err
		}
		res.HeldKeysLeft = kc.Lock
		fmt.Fprintf(cfg.Progress, "held: the pairs cells left %d lock keys\n", kc.Lock)
		return nil
	}()
	b, serr := snap(ctx, nodes, scaleNodes)
	rerr := releaseAll(ctx, l, leases, cfg.Concurrency)
	c, cerr := snap(ctx, nodes, scaleNodes)
	if err := errors.Join(err, serr, rerr, cerr); err != nil {
		return res, err
	}
	res.Release = c.since(b)
	left := c.since(a)
	for _, m := range left.Memory {
		res.RedisLeftPerLock = append(res.RedisLeftPerLock, float64(m)/float64(cfg.HeldLocks))
	}
	kc, err := nodes.Census(ctx, cfg.HeldTTL)
	if err != nil {
		return res, err
	}
	res.LockKeysLeft = kc.Lock
	fmt.Fprintf(cfg.Progress, "held: released in %v, lock keys left %d\n", res.Release.Elapsed.Round(time.Millisecond), kc.Lock)

	for r := range cfg.Reps {
		p, err := pairs(2*cfg.Reps+r, "after", true)
		if err != nil {
			return res, err
		}
		res.After = append(res.After, p)
	}
	return res, nil
}

// extendCell has cfg.Concurrency workers extend leases for cfg.Duration, worker w taking
// leases w, w+c, w+2c, … in turn and keeping each renewed lease.
func extendCell(ctx context.Context, nodes *redisnodes.Nodes, l driver.Lessor, leases []driver.Lease, cfg ScaleConfig) (ExtendResult, error) {
	res := ExtendResult{Held: len(leases)}
	c := min(cfg.Concurrency, len(leases))
	a, err := snap(ctx, nodes, scaleNodes)
	if err != nil {
		return res, err
	}
	stop := a.at.Add(cfg.Duration)
	lat := make([][]time.Duration, c)
	failed := make([]int, c)
	errs := make([]error, c)
	_ = forEach(c, c, func(w int) error {
		for i := w; ctx.Err() == nil && time.Now().Before(stop); i += c {
			if i >= len(leases) {
				i = w
			}
			t0 := time.Now()
			next, err := l.Extend(ctx, leases[i], leases[i].TTL)
			if err != nil {
				failed[w]++
				errs[w] = err
				continue
			}
			lat[w] = append(lat[w], time.Since(t0))
			leases[i] = next
		}
		return nil
	})
	b, err := snap(ctx, nodes, scaleNodes)
	if err != nil {
		return res, err
	}
	res.Use = b.since(a)
	var all []time.Duration
	for w := range c {
		all = append(all, lat[w]...)
		res.Failed += failed[w]
		if res.FirstErr == nil {
			res.FirstErr = errs[w]
		}
	}
	res.Extends = len(all)
	res.P50, res.P99 = stats.Percentile(all, 50), stats.Percentile(all, 99)
	return res, nil
}

// acquireAll takes n locks on the keys name(0..n-1) from c workers, each with the given
// TTL and a minute to get it (the keys are fresh: nobody holds them). On error it
// releases what it took.
func acquireAll(ctx context.Context, l driver.Lessor, n, c int, ttl time.Duration, name func(int) string) ([]driver.Lease, error) {
	leases := make([]driver.Lease, n)
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	err := forEach(n, c, func(i int) error {
		var err error
		leases[i], err = l.Acquire(ctx, name(i), driver.LeaseOptions{TTL: ttl, Wait: -1})
		return err
	})
	if err != nil {
		return nil, errors.Join(err, releaseAll(context.WithoutCancel(ctx), l, leases, c))
	}
	return leases, nil
}

// releaseAll releases every lease that was granted (zero leases are skipped).
func releaseAll(ctx context.Context, l driver.Lessor, leases []driver.Lease, c int) error {
	return forEach(len(leases), c, func(i int) error {
		if leases[i].Token == "" {
			return nil
		}
		return l.Release(context.WithoutCancel(ctx), leases[i])
	})
}
