package redlock

import (
	"context"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/distlock/distlock/core"
)

// Hand-over.
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
// Defined outcomes: a lease whose validity ended, one this Client does not know as
// the holder (released with a token from elsewhere), a contender whose context ended
// or whose wait is over, or a closed Client: a normal release, no transfer. Once
// Release claimed a contender, the transfer is that contender's attempt: it waits for
// the outcome (bounded by the node timeouts) whatever happens to its context
// meanwhile, as an attempt in flight does, and gets the lease if it was granted.

// recipient is a contender that waits behind a lease of its own Client, offered to
// that lease's Release to receive the lock by transfer.
type recipient struct {
	ctx      context.Context
	resource string
	o        core.LeaseOptions
	deadline time.Time     // the end of its wait; zero: none
	done     chan struct{} // closed once out is set
	out      outcome       // the transfer's outcome, as an attempt's
}

// offer puts a new recipient for a contender at the end of q's line.
func (qs *queues) offer(q *queue, ctx context.Context, resource string, o core.LeaseOptions, deadline time.Time) *recipient {
	r := &recipient{ctx: ctx, resource: resource, o: o, deadline: deadline, done: make(chan struct{})}
	qs.mu.Lock()
	q.line = append(q.line, r)
	qs.mu.Unlock()
	return r
}

// stopOffer takes r out of q's line. When a release claimed r first, it waits for the
// transfer (bounded by the node timeouts) and returns its outcome and true.
func (qs *queues) stopOffer(q *queue, r *recipient) (outcome, bool) {
	qs.mu.Lock()
	i := slices.Index(q.line, r)
	if i >= 0 {
		q.line = slices.Delete(q.line, i, i+1)
	}
	qs.mu.Unlock()
	if i >= 0 {
		return outcome{}, false
	}
	<-r.done
	return r.out, true
}

// claim takes the first recipient in line for the resource with this tag that may
// still be granted, if the lease with token is the local holder and still valid; nil
// otherwise. Recipients whose wait ended stay in line: they leave by themselves.
func (qs *queues) claim(tag, token string) *recipient {
	qs.mu.Lock()
	defer qs.mu.Unlock()
	q := qs.byTag[tag]
	now := time.Now()
	if q == nil || q.localToken != token || !now.Before(q.localUntil) || qs.closed() {
		return nil
	}
	i := slices.IndexFunc(q.line, func(r *recipient) bool {
		return r.ctx.Err() == nil && (r.deadline.IsZero() || now.Before(r.deadline))
	})
	if i < 0 {
		return nil
	}
	r := q.line[i]
	q.line = slices.Delete(q.line, i, i+1)
	return r
}

// transfer runs the attempt as the hand-over of a lease's lock (see "Hand-over") in
// place of release, that lease's release.lua call, and returns the attempt's outcome
// and, for each node, whether the lease's token was there (1) and the node's error, as
// release would. transfer.lua's ARGV[9..11] are release.lua's arguments.
func (a *attempt) transfer(release query) (out outcome, had []int64, errs []error) {
	replies, errs := fanout(a.net, a.query(transferScript, release.args...), decodeAcquire)
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
		oks, rerrs := fanout(a.net, release, (*redis.Cmd).Int64)
		for _, i := range unanswered {
			had[i], errs[i] = oks[i], rerrs[i]
		}
	}
	return out, had, errs
}

// handedOver records the end of the transfer of the lease with token (the old) to r,
// and then gives r the outcome. The local record changes first, so that r and the
// contender at the gate see the new holder, or, when the transfer failed, that the
// resource is free: the gate's holder, if it was not r, is woken as by a release (r
// itself backs off as after a contended attempt, with a wake channel taken after this
// one).
func (qs *queues) handedOver(tag, token string, r *recipient, out outcome, had []int64) {
	qs.mu.Lock()
	q := qs.byTag[tag] // r's contender holds a reference until it has the outcome
	switch {
	case out.granted:
		q.localToken, q.localUntil = out.lease.Token, out.lease.Validity
	case slices.Contains(had, 1): // as forgetLocal and notify after a release
		q.localToken, q.localUntil = "", time.Time{}
		close(q.wake)
		q.wake = make(chan struct{})
	case q.localToken == token: // as forgetLocal
		q.localToken, q.localUntil = "", time.Time{}
	}
	qs.mu.Unlock()
	r.out = out
	close(r.done)
}
