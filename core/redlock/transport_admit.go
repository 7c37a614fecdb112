package redlock

import "sync/atomic"

// maxFanouts is how many fan-outs of one Client may wait for a quorum of their nodes at
// once; more wait to start. A fan-out's node timeout runs from its start, and a node
// answers a pipeline in order, about 10 µs a script: a burst larger than a node can
// answer within the node timeout (a session renewing 10,000 locks at once, with a 100 ms
// timeout for a 5 s TTL) went out as one pipeline that outran the deadline, and every
// call of it failed, the ones the node had answered with the others; each retry round
// did the same, and the session lost nearly all its locks. With at most maxFanouts
// admitted, the nodes of a quorum hold at most that many of them in their queues (about
// 5 ms of node time), and a call's timeout starts when it can be sent, not while it
// waits behind thousands. Ordinary load stays below it: a fan-out per caller in flight.
//
// A fan-out gives its admission back once a quorum of its calls are done with their
// nodes, not when it returns: a fan-out waits for every node, and with one node that
// never answers each would hold its admission for a whole node timeout, capping the
// Client at maxFanouts per node timeout where the other nodes still answer at once.
const maxFanouts = 512

// admit waits until a fan-out may start; the fan-out's slot then holds the admission.
// The wait is not cut by the caller's context (a release must still go out, see
// fanout) and is bounded by the admitted fan-outs, each by its node timeout.
func (t *transport) admit() { t.fanSlots <- struct{}{} }

// slot is a fan-out's admission, given back once need of its calls are done. fanout
// holds it before it starts any call.
type slot struct {
	slots    chan struct{} // the transport's fanSlots
	need     int32
	finished atomic.Int32
	gave     atomic.Bool
}

// hold takes the admission for a fan-out over n nodes: a quorum of them, or all n if
// fewer, give it back.
func (s *slot) hold(t *transport, n int) {
	s.slots, s.need = t.fanSlots, int32(min(t.quorum, n))
}

// finish counts one call done with its node (answered, failed or not sent).
func (s *slot) finish() {
	if s.finished.Add(1) == s.need {
		s.give()
	}
}

// give gives the admission back, once.
func (s *slot) give() {
	if s.gave.CompareAndSwap(false, true) {
		<-s.slots
	}
}
