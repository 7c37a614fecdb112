package connectsvc

import (
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestGoroutinesAreReused: functions run one after another take the goroutine the
// previous one ran on (it keeps the stack the previous one grew).
func TestGoroutinesAreReused(t *testing.T) {
	before := goleak.IgnoreCurrent()
	g := newGoroutines()
	for range 100 {
		done := make(chan struct{})
		g.run(func() { close(done) })
		<-done
		time.Sleep(time.Millisecond) // let the goroutine get back to waiting
	}
	if n := g.started.Load(); n > 5 {
		t.Errorf("%d goroutines started for 100 functions run one after another", n)
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
