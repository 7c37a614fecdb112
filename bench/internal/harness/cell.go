package harness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"

	"github.com/distlock/distlock/bench/internal/contenders"
	"github.com/distlock/distlock/bench/internal/stats"
)

// Workload is the key pattern of a cell.
type Workload string

const (
	// Distinct gives each worker a key of its own: no contention, pure throughput.
	Distinct Workload = "distinct"
	// Hot makes every worker contend for one key in a closed loop: a worker that
	// released starts its next acquire at once, competing with those already waiting.
	Hot Workload = "hot"
	// Stampede makes every worker contend for one key in rounds: all workers start an
	// acquire at the same moment, each takes the lock once, and the next round begins
	// when all are done (see [stampede]). It needs two or more workers.
	Stampede Workload = "stampede"
)

// Workloads lists every workload, in the order the tables show them.
func Workloads() []Workload { return []Workload{Distinct, Hot, Stampede} }

// contended reports whether the workers of w share one key.
func (w Workload) contended() bool { return w == Hot || w == Stampede }

// CellSpec says what one cell measures and how long it may run.
type CellSpec struct {
	Workload    Workload
	Concurrency int
	// Rep numbers the repetition; it keeps key names unique across cells, so a key one
	// cell leaves behind cannot block the next.
	Rep int
	// Duration is how long workers start new pairs; MaxPairs caps the count.
	Duration time.Duration
	MaxPairs int
	// TTL is the lease TTL of every lock.
	TTL time.Duration
	// Grace bounds how long an acquire started before the end of Duration may still
	// wait, so a livelocked implementation cannot stall the run.
	Grace time.Duration
	// Stuck receives a goroutine dump when the cell is still running well after its
	// Grace: a hung implementation is a finding worth its stacks. Nil discards it.
	Stuck io.Writer
}

// stuckAfter is how long past Duration+Grace a cell may run before it is reported stuck.
const stuckAfter = 15 * time.Second

// CellResult is what one cell measured.
type CellResult struct {
	Impl string
	CellSpec
	// Pairs is how many acquire+release pairs completed; Failed how many acquires gave
	// up (deadline) or erred; FirstErr is one such error, for the report.
	Pairs, Failed int
	FirstErr      error
	// Elapsed runs from the first acquire to the last worker's end, stragglers included,
	// so a rate cannot be inflated by work finished after the nominal window.
	Elapsed time.Duration
	// P50 and P99 are the pair latencies: acquire start to release end.
	P50, P99 time.Duration
	// HandoffP50 and HandoffP99 are the times from a holder starting its release to the
	// next, already waiting, holder being granted; Handoffs counts the samples.
	HandoffP50, HandoffP99 time.Duration
	Handoffs               int
	// Served counts the workers that completed at least one pair: on a hot key an
	// unfair lock lets one worker re-take it while the others starve. MinPerWorker and
	// MaxPerWorker are the fewest and most pairs one worker completed.
	Served                     int
	MinPerWorker, MaxPerWorker int
	// RedisCPU is the CPU time the Redis nodes spent during the cell, summed; RedisScripts
	// the time they spent running Lua scripts (INFO commandstats, wall time around each
	// script, so on a busy machine a node descheduled mid-script counts the pause too).
	RedisCPU, RedisScripts time.Duration
	// LockKeysLeft counts lock keys found on the nodes after the cell; it must be 0.
	LockKeysLeft int
}

// HandoffsPerSec is how often the lock passed from one worker to another, already
// waiting one; on a hot key, pairs/s minus this is the rate of re-takes.
func (r CellResult) HandoffsPerSec() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Handoffs) / r.Elapsed.Seconds()
}

// PairsPerSec is the throughput of the cell.
func (r CellResult) PairsPerSec() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Pairs) / r.Elapsed.Seconds()
}

// RedisCPUPerPair is the Redis CPU time one pair cost, over all nodes.
func (r CellResult) RedisCPUPerPair() time.Duration {
	if r.Pairs == 0 {
		return 0
	}
	return r.RedisCPU / time.Duration(r.Pairs)
}

// RedisScriptsPerPair is the Lua script time (commands the scripts call included) one
// pair cost, over all nodes.
func (r CellResult) RedisScriptsPerPair() time.Duration {
	if r.Pairs == 0 {
		return 0
	}
	return r.RedisScripts / time.Duration(r.Pairs)
}

// key names the lock worker w takes in this cell.
func (s CellSpec) key(impl string, w int) string {
	if s.Workload.contended() {
		return fmt.Sprintf("bench:%s:%s:r%d:c%d", impl, s.Workload, s.Rep, s.Concurrency)
	}
	return fmt.Sprintf("bench:%s:d:r%d:c%d:w%d", impl, s.Rep, s.Concurrency, w)
}

// RunCell runs one cell: Concurrency workers each loop acquire → release on their key
// until Duration has passed or MaxPairs pairs were started; the workload paces them.
func RunCell(ctx context.Context, l contenders.Locker, s CellSpec) CellResult {
	res := CellResult{Impl: l.Name(), CellSpec: s}
	var (
		started   atomic.Int64
		lastRel   atomic.Int64 // ns since start at which the latest holder began releasing
		mu        sync.Mutex
		latencies []time.Duration
		handoffs  []time.Duration
		reported  int // workers that added their samples
		wg        sync.WaitGroup
	)
	start := time.Now()
	stopAt := start.Add(s.Duration)
	hardStop := stopAt.Add(s.Grace)
	lastRel.Store(-1)
	var pace pacer = closedLoop{stopAt}
	if s.Workload == Stampede {
		pace = newStampede(s.Concurrency, stopAt)
	}
	if s.Stuck != nil {
		watchdog := time.AfterFunc(time.Until(hardStop)+stuckAfter, func() {
			fmt.Fprintf(s.Stuck, "%s %s c=%d rep %d is still running %v after its deadline; goroutines:\n",
				l.Name(), s.Workload, s.Concurrency, s.Rep+1, stuckAfter)
			_ = pprof.Lookup("goroutine").WriteTo(s.Stuck, 1)
		})
		defer watchdog.Stop()
	}
	for w := range s.Concurrency {
		key := s.key(l.Name(), w)
		wg.Go(func() {
			// Samples stay per worker until the end, so recording costs no lock.
			var lat, hand []time.Duration
			var failed int
			var firstErr error
			defer pace.leave()
			for ctx.Err() == nil && pace.await() && started.Add(1) <= int64(s.MaxPairs) {
				t0 := time.Since(start)
				rel, err := l.Acquire(ctx, key, s.TTL, hardStop)
				if err != nil {
					failed++
					if firstErr == nil && !errors.Is(err, contenders.ErrNotAcquired) {
						firstErr = err
					}
					continue
				}
				tAcq := time.Since(start)
				if s.Workload.contended() {
					// Only a holder stores lastRel, just before releasing, and we were
					// granted after that release, so this reads the release we followed;
					// it is a handoff when it began after we started waiting.
					if r := lastRel.Load(); r >= 0 && time.Duration(r) > t0 {
						hand = append(hand, tAcq-time.Duration(r))
					}
					lastRel.Store(int64(time.Since(start)))
				}
				if err := rel(context.WithoutCancel(ctx)); err != nil {
					failed++
					if firstErr == nil {
						firstErr = fmt.Errorf("release: %w", err)
					}
					continue
				}
				lat = append(lat, time.Since(start)-t0)
			}
			mu.Lock()
			defer mu.Unlock()
			latencies = append(latencies, lat...)
			if len(lat) > 0 {
				res.Served++
			}
			if reported == 0 || len(lat) < res.MinPerWorker {
				res.MinPerWorker = len(lat)
			}
			res.MaxPerWorker = max(res.MaxPerWorker, len(lat))
			reported++
			handoffs = append(handoffs, hand...)
			res.Failed += failed
			if res.FirstErr == nil {
				res.FirstErr = firstErr
			}
		})
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	res.Pairs = len(latencies)
	res.P50 = stats.Percentile(latencies, 50)
	res.P99 = stats.Percentile(latencies, 99)
	res.Handoffs = len(handoffs)
	res.HandoffP50 = stats.Percentile(handoffs, 50)
	res.HandoffP99 = stats.Percentile(handoffs, 99)
	return res
}
