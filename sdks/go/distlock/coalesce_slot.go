package distlock

import "sync/atomic"

// A slot is a Batch's hold on one of the coalescer's in-flight slots. The Batch holds it
// until its first answer, which the service sends once every call that answers in one
// round trip is done, or until each of those calls has lost its caller (cancelled, or
// its deadline passed): a request that nobody waits for, at a service that does not
// answer, must not keep the calls queued behind it waiting until its own deadline.
// Those calls are still read to their end (sendBatch).
type slot struct {
	held   atomic.Bool
	prompt atomic.Int32 // calls that answer in one round trip, their callers still there
}

// free gives the slot back, once.
func (s *slot) free(l *Lessor) {
	if s.held.CompareAndSwap(true, false) {
		l.freeSlot()
	}
}

// leave counts p's caller gone, at most once per call, and frees the slot when no
// caller of a prompt call is left.
func (s *slot) leave(l *Lessor, p *pending) {
	if waits(p.call) || !p.left.CompareAndSwap(false, true) {
		return
	}
	if s.prompt.Add(-1) == 0 {
		s.free(l)
	}
}
