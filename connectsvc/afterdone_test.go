package connectsvc

import (
	"context"
	"testing"
	"time"
)

// The goroutine that sees ctx end and calls stop at once (the Hold handler leaving on
// its client's departure) must not lose f: with context.AfterFunc alone, stop often wins
// the race against the cancellation's propagation, the more so when ctx has other
// children to cancel first (a request's context has several).
func TestAfterDoneRunsWhenStoppedRightAfterDone(t *testing.T) {
	const runs = 2000
	ran := make(chan int, 2*runs)
	for i := range runs {
		ctx, cancel := context.WithCancel(context.Background())
		for range 50 {
			context.AfterFunc(ctx, func() {})
		}
		stop := afterDone(ctx, func() { ran <- i })
		go cancel()
		<-ctx.Done()
		stop()
	}
	seen := make([]bool, runs)
	for range runs {
		select {
		case i := <-ran:
			if seen[i] {
				t.Fatalf("run %d: f ran twice", i)
			}
			seen[i] = true
		case <-time.After(10 * time.Second):
			t.Fatalf("f never ran in %d of %d runs", runs-countTrue(seen), runs)
		}
	}
	select {
	case i := <-ran:
		t.Fatalf("run %d: f ran twice", i)
	case <-time.After(10 * time.Millisecond):
	}
}

func countTrue(bs []bool) (n int) {
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

func TestAfterDoneStoppedBeforeDoneNeverRuns(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{}, 1)
	stop := afterDone(ctx, func() { ran <- struct{}{} })
	stop()
	cancel()
	select {
	case <-ran:
		t.Fatal("f ran although stop came before ctx ended")
	case <-time.After(20 * time.Millisecond):
	}
}
