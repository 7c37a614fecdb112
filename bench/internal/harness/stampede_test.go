package harness

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/distlock/distlock/bench/internal/contenders"
)

// chanLocker is an in-process lock per key (a one-slot channel), so the pacing of a
// cell can be tested without Redis. With round set, it checks the stampede's barrier:
// the i-th acquire (from 0) may begin only after the (i/round)*round pairs of earlier
// rounds were released.
type chanLocker struct {
	round int

	mu              sync.Mutex
	slots           map[string]chan struct{}
	begun, released int
	early           int
}

func (l *chanLocker) slot(key string) chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.slots == nil {
		l.slots = map[string]chan struct{}{}
	}
	if l.slots[key] == nil {
		l.slots[key] = make(chan struct{}, 1)
	}
	return l.slots[key]
}

func (l *chanLocker) Name() string { return "chan" }
func (l *chanLocker) Nodes() int   { return 1 }
func (l *chanLocker) Close() error { return nil }

func (l *chanLocker) Acquire(ctx context.Context, key string, _ time.Duration, deadline time.Time) (contenders.Release, error) {
	s := l.slot(key)
	l.mu.Lock()
	if l.round > 0 && l.released < l.begun/l.round*l.round {
		l.early++
	}
	l.begun++
	l.mu.Unlock()
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	select {
	case s <- struct{}{}:
		return func(context.Context) error {
			l.mu.Lock()
			l.released++
			l.mu.Unlock()
			<-s
			return nil
		}, nil
	case <-ctx.Done():
		return nil, contenders.ErrNotAcquired
	}
}

// TestStampedeRounds checks the stampede's promise: every worker takes the lock exactly
// once per round, so all workers end with the same count, and no round begins before
// every pair of the previous one ended.
func TestStampedeRounds(t *testing.T) {
	const workers = 8
	l := &chanLocker{round: workers}
	res := RunCell(context.Background(), l, CellSpec{Workload: Stampede, Concurrency: workers,
		Duration: 50 * time.Millisecond, MaxPairs: 1 << 30, TTL: time.Second, Grace: time.Second})
	if res.Failed != 0 || res.FirstErr != nil {
		t.Fatalf("%d failed, first error %v", res.Failed, res.FirstErr)
	}
	if res.MinPerWorker == 0 || res.MinPerWorker != res.MaxPerWorker {
		t.Errorf("pairs per worker %d–%d: want the same count (≥ 1) for every worker", res.MinPerWorker, res.MaxPerWorker)
	}
	if res.Pairs != workers*res.MinPerWorker {
		t.Errorf("%d pairs, want %d workers × %d rounds", res.Pairs, workers, res.MinPerWorker)
	}
	if l.early != 0 {
		t.Errorf("%d acquires began before the previous round ended", l.early)
	}
}

// TestClosedLoopIsNotPaced is the control of TestStampedeRounds: in the hot closed loop
// a worker starts again at once, so acquires do begin before the others' round ended
// (the check above can fail).
func TestClosedLoopIsNotPaced(t *testing.T) {
	l := &chanLocker{round: 8}
	RunCell(context.Background(), l, CellSpec{Workload: Hot, Concurrency: 8,
		Duration: 50 * time.Millisecond, MaxPairs: 1 << 30, TTL: time.Second, Grace: time.Second})
	if l.early == 0 {
		t.Error("no acquire began early in the closed loop: the barrier check cannot tell the workloads apart")
	}
}

// TestStampedePairBudget checks that a worker leaving early (the cell's pair budget ran
// out mid-round) does not leave the others waiting for it.
func TestStampedePairBudget(t *testing.T) {
	res := RunCell(context.Background(), &chanLocker{}, CellSpec{Workload: Stampede, Concurrency: 4,
		Duration: time.Hour, MaxPairs: 10, TTL: time.Second, Grace: time.Second})
	if res.Pairs != 10 {
		t.Errorf("%d pairs, want the budget of 10", res.Pairs)
	}
}

// stuckLocker never grants its first acquire (it returns when the context ends) and
// grants every other one at once. stuck is closed once the first acquire has begun and
// all the others have released: the other workers of a stampede round are then done
// with it, waiting for the stuck one.
type stuckLocker struct {
	others int

	mu              sync.Mutex
	begun, released int
	stuck           chan struct{}
}

func (l *stuckLocker) Name() string { return "stuck" }
func (l *stuckLocker) Nodes() int   { return 1 }
func (l *stuckLocker) Close() error { return nil }

func (l *stuckLocker) Acquire(ctx context.Context, _ string, _ time.Duration, deadline time.Time) (contenders.Release, error) {
	l.mu.Lock()
	l.begun++
	first := l.begun == 1
	l.signalLocked()
	l.mu.Unlock()
	if first {
		ctx, cancel := context.WithDeadline(ctx, deadline)
		defer cancel()
		<-ctx.Done()
		return nil, contenders.ErrNotAcquired
	}
	return func(context.Context) error {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.released++
		l.signalLocked()
		return nil
	}, nil
}

// signalLocked closes stuck when the first round is in that state; later rounds, which
// only a cancel lets begin, have more acquires begun.
func (l *stuckLocker) signalLocked() {
	if l.begun == l.others+1 && l.released == l.others {
		close(l.stuck)
	}
}

// TestStampedeCancel checks that a cancelled run ends while workers wait for a round:
// here one worker is stuck in its acquire until the cancel, and the others wait for it
// at the barrier.
func TestStampedeCancel(t *testing.T) {
	const workers = 4
	ctx, cancel := context.WithCancel(context.Background())
	l := &stuckLocker{others: workers - 1, stuck: make(chan struct{})}
	done := make(chan CellResult)
	go func() {
		done <- RunCell(ctx, l, CellSpec{Workload: Stampede, Concurrency: workers, Duration: time.Hour,
			MaxPairs: 1 << 30, TTL: time.Second, Grace: time.Hour})
	}()
	<-l.stuck
	cancel()
	<-done
}
