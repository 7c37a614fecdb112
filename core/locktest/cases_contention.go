package locktest

import (
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/distlock/distlock/core/driver"
)

// Contention parameters: enough goroutines and rounds that overlapping holds would show,
// few enough to stay fast on two cores.
const (
	contenders = 16
	rounds     = 8
)

func (s *suite) contention(t *testing.T) {
	l := s.open(t)
	r := s.name(t, "r")
	var (
		inside   atomic.Int32 // holders inside the critical section now
		overlaps atomic.Int32
		counter  atomic.Int64 // updated by a deliberately non-atomic read, yield, write

		mu     sync.Mutex
		fences []uint64 // in the order the holds began
		errs   []error
		wg     sync.WaitGroup
	)
	for range contenders {
		wg.Go(func() {
			for range rounds {
				lease, err := l.Acquire(boundCtx(t), r, driver.LeaseOptions{TTL: ttl, Wait: -1})
				if err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
					return
				}
				if inside.Add(1) != 1 {
					overlaps.Add(1)
				}
				mu.Lock()
				fences = append(fences, lease.Fence)
				mu.Unlock()
				v := counter.Load()
				runtime.Gosched() // invite another "holder" to interleave
				counter.Store(v + 1)
				inside.Add(-1)
				if err := l.Release(boundCtx(t), lease); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("contenders failed: %v", errs)
	}
	if n := overlaps.Load(); n > 0 {
		t.Errorf("%d holds overlapped another", n)
	}
	if got := counter.Load(); got != contenders*rounds {
		t.Errorf("counter is %d after %d holds: updates were lost", got, contenders*rounds)
	}
	if !slices.IsSorted(fences) || len(slices.Compact(slices.Clone(fences))) != len(fences) {
		t.Errorf("fencing tokens do not strictly increase in the order of the holds: %v", fences)
	}
}
