package redlock

import (
	"context"
	"slices"
	"time"

	"github.com/distlock/distlock/core/driver"
)

// Hand-over, the Client's side: who is handed the lock. (The transfer itself, and why
// it is as safe as a release and an acquire, is in attempt_transfer.go.)
//
// Defined outcomes: a lease whose validity ended, one this Client does not know as
// the holder (released with a token from elsewhere), a contender whose context ended
// or whose wait is over, or a closed Client: a normal release, no transfer. Once
// Release claimed a contender, the transfer is that contender's attempt: it waits for
// the outcome (bounded by the node timeouts) whatever happens to its context
// meanwhile, as an attempt in flight does, and gets the lease if it was granted.

// handOversWhileOthersWait is how many hand-overs in a row may find another client's
// waiter marker before the chain ends with an ordinary release (see "Fairness" in
// attempt_transfer.go). Larger chains pass a hot key between processes less often
// (each pass costs a release, its announcement and an acquire, about three hand-overs)
// and make another process's waiter wait longer per race it loses: with 4 processes
// contending (distlock-4proc in bench/) 16 gave about twice the hand-overs a second of
// a yield at the first marker, and a lower p99 wait.
const handOversWhileOthersWait = 16

// recipient is a contender that waits behind a lease of its own Client, offered to
// that lease's Release to receive the lock by transfer.
type recipient struct {
	ctx      context.Context
	resource string
	o        driver.LeaseOptions
	deadline time.Time     // the end of its wait; zero: none
	done     chan struct{} // closed once out is set
	out      outcome       // the transfer's outcome, as an attempt's
}

// offer puts a new recipient for a contender at the end of q's line.
func (qs *queues) offer(q *queue, ctx context.Context, resource string, o driver.LeaseOptions, deadline time.Time) *recipient {
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
//
// When the lease with token is the local holder but its validity ended, its release is
// an ordinary one, and contenders that look at the queue meanwhile wait for its end
// (which wakes them: Release) for up to inFlight, the release's longest time, rather
// than make an attempt that the lease's keys, still there, would refuse: that attempt
// would leave a waiter marker and cost a second one once the release is announced.
func (qs *queues) claim(tag, token string, inFlight time.Duration) *recipient {
	qs.mu.Lock()
	defer qs.mu.Unlock()
	q := qs.byTag[tag]
	now := time.Now()
	if q == nil || q.localToken != token || qs.closed() {
		return nil
	}
	if q.othersWaited >= handOversWhileOthersWait {
		q.othersWaited = 0 // this release ends the chain: see "Fairness"
		return nil
	}
	if !now.Before(q.localUntil) {
		q.localUntil = now.Add(inFlight)
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

// handedOver records the end of the transfer of the lease with token (the old) to r,
// and whether a node reported another client's waiter (marked), and then gives r the
// outcome. The local record changes first, so that r and the contender at the gate see
// the new holder, or, when the transfer failed, that the resource is free: the gate's
// holder, if it was not r, is woken as by a release (r itself backs off as after a
// contended attempt, with a wake channel taken after this one).
func (qs *queues) handedOver(tag, token string, r *recipient, out outcome, had []int64, marked bool) {
	qs.mu.Lock()
	q := qs.byTag[tag] // r's contender holds a reference until it has the outcome
	switch {
	case out.granted:
		q.localToken, q.localUntil = out.lease.Token, out.lease.Validity
		qs.handOvers.Add(1)
		if marked {
			q.othersWaited++
		} else {
			q.othersWaited = 0
		}
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
