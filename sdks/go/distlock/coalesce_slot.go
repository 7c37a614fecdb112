package distlock

import "sync/atomic"

// A slot is a request's hold on one of the coalescer's in-flight slots: a Batch's, or a
// lone queued call's unary RPC (sendAlone). The request holds it
// until its first answer, which the service sends once every call that answers in one
// round trip is done, or until each of those calls has lost its caller (cancelled, or
// its deadline passed): a request that nobody waits for, at a service that does not
// answer, must not keep the calls queued behind it waiting until its own deadline.
// Those calls are still read to their end (sendBatch, sendAlone).
type slot struct {
	held   atomic.Bool
	prompt atomic.Int32 // calls that answer in one round trip, their callers still there
}

// carry returns the slot of a request carrying calls, held if held: given back at once
// when no call answers in one round trip (connect returns from a stream only with its
// first answer, and for such a request that may be a grant that waits for a release
// queued behind it), else when their callers have all left (see leave).
func carry(l *Lessor, calls []*pending, held bool) *slot {
	s := &slot{}
	s.held.Store(held)
	for _, p := range calls {
		if !waits(p.call) {
			s.prompt.Add(1)
		}
	}
	if s.prompt.Load() == 0 {
		s.free(l)
	}
	// A caller that leaves from now on is counted by its await or here, once.
	for _, p := range calls {
		p.slot.Store(s)
	}
	for _, p := range calls {
		if p.state.Load() == pendingAbandoned {
			s.leave(l, p)
		}
	}
	return s
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
