package redlock

// maxFanouts is how many fan-outs of one Client may be in flight at once; more wait to
// start. A fan-out's node timeout runs from its start, and a node answers a pipeline in
// order, about 10 µs a script: a burst larger than a node can answer within the node
// timeout (a session renewing 10,000 locks at once, each call to each node queued behind
// the others, with a 100 ms timeout for a 5 s TTL) went out as one pipeline that
// outran the deadline, and every call of it failed, the ones the node had answered with
// the others; each retry round did the same, and the session lost nearly all its locks.
// With at most maxFanouts in flight a node's queue holds at most that many calls (about
// 5 ms of node time), and a call's timeout starts when it can be sent, not while it
// waits behind thousands. Ordinary load stays below it: a fan-out per caller in flight.
const maxFanouts = 512

// admit waits until a fan-out may start; done must be called when it has ended. The
// wait is not cut by the caller's context: a release must still go out (see fanout),
// and the wait is bounded by the fan-outs in flight, each by its node timeout.
func (t *transport) admit() (done func()) {
	t.fanSlots <- struct{}{}
	return t.leave
}

func (t *transport) leave() { <-t.fanSlots }
