package redlock

// Hand-over: one attempt in place of a release and an acquire.
//
// When a lease is released while contenders of the same Client wait for its resource,
// Release hands the lock to the one first in line (the queue's line, in the order they
// began to wait) in one round trip instead of two (release, then the contender's
// acquire): transfer.lua runs on every node as acquire.lua for a new token in which a
// key held by the releasing token counts as free. Everything after the replies is the
// acquire's: the quorum of trusted granting nodes, validity measured from the
// transfer's start, the fencing rules (attempt_fence.go; a second round when the granting
// nodes disagree) and the cleanup of a failed attempt. So the new holder is granted
// exactly when release-then-acquire, with nobody else in between, could have granted
// it, and its token is higher than the previous holder's for the reason given in
// attempt_fence.go (the script seeds and increments the counter as acquire.lua does).
// The releasing holder gives up the lock when it calls Release, as before; it has no
// say in the new lease. Another client's holder is never replaced: a key held by a
// third token refuses the transfer there, as it refuses an acquire.
//
// Fairness: a chain of transfers never frees the key, so another client's waiter
// could starve. A waiter refused by a node leaves the waiter marker there (acquire.lua
// and transfer.lua set it), and transfer.lua yields on a node carrying the marker: it
// deletes the old key, announces the release as release.lua would, and does not take
// the key. A waiter of another client refused by a quorum marks a quorum, so the next
// release after its refusal leaves fewer than a quorum to transfer: the transfer fails,
// is cleaned up, and its contender backs off as after a contended attempt, until the
// announcement wakes it and the other client's waiter alike. At most one local
// hand-over (the one in flight) therefore follows a refusal of another client before
// the resource is free for a quorum; who takes it then is a race as between any two
// processes, and each refusal marks the nodes again. TestTransfersDoNotStarveOtherClients
// shows the waiter served after a few local grants, and never without the yield.
//
// When the transfer is not granted, the releasing token is gone wherever a node
// answered (the script replaced or deleted it); on the nodes that did not answer,
// release.lua then runs for it, so the release still released.
//
// transfer runs the attempt as the hand-over of a lease's lock (see "Hand-over") in
// place of release, that lease's release.lua call, and returns the attempt's outcome
// and, for each node, whether the lease's token was there (1) and the node's error, as
// release would. transfer.lua's ARGV[8..10] are release.lua's arguments.
func (a *attempt) transfer(release query) (out outcome, had []int64, errs []error) {
	replies, errs := fanout(a.ctx, a.net, a.query(transferScript, release.args()...), decodeAcquire)
	out = a.settle(replies, errs)

	had = make([]int64, len(replies))
	var unanswered []int
	for i, rep := range replies {
		switch {
		case errs[i] != nil:
			unanswered = append(unanswered, i)
		case rep.had:
			had[i] = 1
		}
	}
	if !out.granted && len(unanswered) > 0 {
		// The old token may still hold these nodes: release it there.
		release.on = unanswered
		oks, rerrs := fanout(a.ctx, a.net, release, decodeInt)
		for _, i := range unanswered {
			had[i], errs[i] = oks[i], rerrs[i]
		}
	}
	return out, had, errs
}
