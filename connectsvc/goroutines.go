package connectsvc

import (
	"sync/atomic"
	"time"
)

// goroutines runs functions each on a goroutine of its own, as `go f()` does, but on
// goroutines that, once done, wait a moment for the next function instead of ending. A
// batch call's goroutine grows its stack as deep as Redlock's fan-out and go-redis's
// pipeline go; a new goroutine per call grew it again, by copying, every time: 10 % of
// the CPU of the Go SDK's coalesced path (client and service, c=64). Nothing queues:
// a function that finds no idle goroutine gets a new one, so a call that waits (a
// waiting Acquire, a node timeout) holds up no other.
type goroutines struct {
	idle    chan func()
	started atomic.Int64 // goroutines started so far
}

// goroutineIdle is how long a goroutine waits for the next function. Under load the
// next batch comes within milliseconds; idle, the goroutines are gone well within the
// time leak checks allow.
const goroutineIdle = 100 * time.Millisecond

func newGoroutines() *goroutines { return &goroutines{idle: make(chan func())} }

// run runs f on an idle goroutine, or on a new one when none is idle.
func (g *goroutines) run(f func()) {
	select {
	case g.idle <- f:
	default:
		g.started.Add(1)
		go g.serve(f)
	}
}

func (g *goroutines) serve(f func()) {
	t := time.NewTimer(goroutineIdle)
	defer t.Stop()
	for {
		f()
		t.Reset(goroutineIdle)
		select {
		case f = <-g.idle:
		case <-t.C:
			return
		}
	}
}
