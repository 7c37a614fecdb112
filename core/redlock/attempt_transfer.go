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
// and transfer.lua set it), and transfer.lua reports a marker it finds. A Client
// counts, per resource, the hand-overs in a row that found one; after
// handOversWhileOthersWait of them the next Release of that chain is an ordinary one
// (claim), which deletes the key and the markers and announces the release on every
// marked node under one release id, so the other clients' waiters wake (they count the
// same id from a quorum of nodes: queue.go) and race the Client's own contenders for
// the free lock, as any processes do. The other client's waiter therefore waits at most
// that many local hand-overs (the one in flight aside) per race it loses, and each
// refusal marks the nodes again. Bounded chains rather than a yield at the first
// marker: a hand-over costs one round trip, a pass between processes a release, its
// announcement and an acquire; yielding at once made every hand-over of a key contended
// from several processes such a pass (distlock-4proc in bench/). Deciding in the
// Client, not per node, keeps the nodes' announcements of one release together: nodes
// whose markers were set by different refusals would otherwise each end the chain at
// another hand-over, and no release id would reach a quorum of announcements.
// TestTransfersDoNotStarveOtherClients shows the waiter served after a few local
// grants.
//
// When the transfer is not granted, the releasing token is gone wherever a node
// answered (the script replaced it); the attempt's cleanup deletes the new token's keys
// and, unlike an acquire's, announces the release where a marker shows a waiter; on the
// nodes that did not answer, release.lua then runs for the old token, so the release
// still released.
//
// transfer runs the attempt as the hand-over of a lease's lock (see "Hand-over") in
// place of release, that lease's release.lua call, and returns the attempt's outcome
// and, for each node, whether the lease's token was there (1) and the node's error, as
// release would, and whether a node reported the waiter marker. transfer.lua's ARGV[8]
// is release.lua's first argument (the old token); the cleanup of a failed transfer
// announces with release.lua's others.
func (a *attempt) transfer(release query) (out outcome, had []int64, marked bool, errs []error) {
	args := release.args()
	a.announce = args[1:]
	replies, errs := fanout(a.ctx, a.net, a.query(transferScript, args[0]), decodeAcquire)
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
		marked = marked || rep.marked
	}
	if !out.granted && len(unanswered) > 0 {
		// The old token may still hold these nodes: release it there.
		release.on = unanswered
		oks, rerrs := fanout(a.ctx, a.net, release, decodeInt)
		for _, i := range unanswered {
			had[i], errs[i] = oks[i], rerrs[i]
		}
	}
	return out, had, marked, errs
}
