package harness

import (
	"sync"
	"time"
)

// A pacer decides when a worker may start its next pair. await blocks until it may and
// reports false when the worker should stop; leave tells the pacer a worker stopped for
// a reason of its own (context, pair budget), so nobody waits for it.
type pacer interface {
	await() bool
	leave()
}

// closedLoop lets every worker start its next pair as soon as its last one ended, until
// the cell's window closes: the releasing worker competes with the waiting ones at once.
type closedLoop struct{ stopAt time.Time }

func (p closedLoop) await() bool { return time.Now().Before(p.stopAt) }
func (closedLoop) leave()        {}

// stampede starts all workers together, round after round: a round begins once every
// worker has finished its pair of the previous one, and no round begins after stopAt.
// Nobody can re-take the lock it just released, so every pair of a round is a
// handoff between contenders that all arrived at the same moment, as when many
// processes wake on the same event.
type stampede struct {
	stopAt time.Time

	mu      sync.Mutex
	workers int           // workers still taking part
	waiting int           // workers waiting for the next round
	start   chan struct{} // closed when the next round begins
	over    bool          // set, before start is closed, when no round follows
}

func newStampede(workers int, stopAt time.Time) *stampede {
	return &stampede{stopAt: stopAt, workers: workers, start: make(chan struct{})}
}

func (s *stampede) await() bool {
	s.mu.Lock()
	if s.over {
		s.mu.Unlock()
		return false
	}
	start := s.start
	s.waiting++
	s.releaseIfAllWaiting()
	s.mu.Unlock()
	<-start
	// over cannot change again before this worker arrives for the next round, so it
	// still says what the closing of start meant.
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.over
}

func (s *stampede) leave() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.workers--
	s.releaseIfAllWaiting()
}

// releaseIfAllWaiting begins the next round (or ends the run) once every remaining
// worker waits for it. s.mu is held.
func (s *stampede) releaseIfAllWaiting() {
	if s.waiting == 0 || s.waiting < s.workers {
		return
	}
	s.waiting = 0
	if !time.Now().Before(s.stopAt) {
		s.over = true
	}
	close(s.start)
	s.start = make(chan struct{})
}
