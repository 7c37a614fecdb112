package connectsvc

import (
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestGoroutinesAreReused: a goroutine that ran a function waits for the next one
// (it keeps the stack the previous one grew) and takes it, instead of ending. Each
// function after the first is handed over by a blocking send, which only an idle
// goroutine takes: one goroutine must serve all of them.
func TestGoroutinesAreReused(t *testing.T) {
	before := goleak.IgnoreCurrent()
	g := newGoroutines()
	for i := range 100 {
		done := make(chan struct{})
		f := func() { close(done) }
		if i == 0 {
			g.run(f)
		} else {
			select {
			case g.idle <- f:
			case <-time.After(10 * time.Second):
				t.Fatalf("function %d: no goroutine came back for it", i)
			}
		}
		<-done
	}
	if n := g.started.Load(); n != 1 {
		t.Errorf("%d goroutines started for 100 functions run one after another, want 1", n)
	}
	waitGone(t, before)
}

// TestGoroutinesNeverQueue: a function that blocks holds up no other; each gets a
// goroutine at once.
func TestGoroutinesNeverQueue(t *testing.T) {
	before := goleak.IgnoreCurrent()
	g := newGoroutines()
	release := make(chan struct{})
	var running sync.WaitGroup
	running.Add(50)
	for range 50 {
		g.run(func() {
			running.Done()
			<-release
		})
	}
	done := make(chan struct{})
	go func() { running.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("blocked functions held up the others")
	}
	if n := g.started.Load(); n != 50 {
		t.Errorf("%d goroutines started for 50 functions that block, want 50", n)
	}
	close(release)
	waitGone(t, before)
}

// waitGone checks that the goroutines started since before, idle now, end after
// goroutineIdle.
func waitGone(t *testing.T, before goleak.Option) {
	t.Helper()
	time.Sleep(3 * goroutineIdle)
	goleak.VerifyNone(t, before)
}
