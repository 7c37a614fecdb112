package redlock

import (
	"context"
	"errors"
	"time"

	"github.com/distlock/distlock/core/driver"
)

// maxUnavailable is how many attempts in a row may find fewer than a quorum of nodes
// before Acquire gives up with the [driver.UnavailableError] instead of waiting out its
// whole wait.
const maxUnavailable = 3

// Acquire takes the lock on resource, waiting up to o.Wait (negative: until ctx is done)
// while another holds it. See the package doc for the algorithm.
func (c *Client) Acquire(ctx context.Context, resource string, o driver.LeaseOptions) (driver.Lease, error) {
	if err := driver.ValidateResource(resource); err != nil {
		return driver.Lease{}, err
	}
	if err := driver.ValidateLease(o); err != nil {
		return driver.Lease{}, err
	}
	if c.closed.Load() {
		return driver.Lease{}, driver.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return driver.Lease{}, timeout(resource, err)
	}
	k := keysFor(c.cfg.keyPrefix, resource)
	if o.Wait == 0 {
		a := c.newAttempt(ctx, k, resource, o)
		out := a.acquire()
		switch {
		case out.granted:
			c.queues.heldLocally(k.tag, out.lease.Token, out.lease.Validity)
			return out.lease, nil
		case out.err != nil:
			return driver.Lease{}, out.err
		}
		return driver.Lease{}, timeout(resource, nil)
	}
	ct := c.contend(ctx, k, resource, o)
	defer ct.leave()
	if turn, lease, err := ct.queue(); !turn {
		return lease, err
	}
	return ct.wait()
}

// maxGiveWay bounds how long a contender gives way to a longer waiter of another client
// (contender.giveWay): an attempt slowed by a node that answered late says little about
// how long the other's attempt takes, and the courtesy must not cost a whole node timeout.
const maxGiveWay = 10 * time.Millisecond

// contender is an Acquire that may wait: its place in its resource's queue, its offer
// to the release of a lease of its Client that holds the resource, and its wait's end.
type contender struct {
	c        *Client
	ctx      context.Context
	k        keys
	resource string
	o        driver.LeaseOptions
	// deadline is the wait's own end (zero: none); the context's deadline ends it
	// through ctx.Done, so that the error then carries the context's error.
	deadline time.Time
	q        *queue
	began    time.Time  // when the Acquire began to wait
	turn     bool       // holds q's gate
	r        *recipient // the current offer to a local holder's release; nil: none
	// unavailable counts the attempts in a row that heard from fewer than a quorum.
	unavailable int
	// giveWay, when above 0, is how long the next attempt waits first: the last one
	// learnt that a contender of another client has waited longer (outcome.behind).
	giveWay time.Duration
}

func (c *Client) contend(ctx context.Context, k keys, resource string, o driver.LeaseOptions) contender {
	ct := contender{c: c, ctx: ctx, k: k, resource: resource, o: o, began: time.Now()}
	if o.Wait > 0 {
		ct.deadline = time.Now().Add(o.Wait)
	}
	c.net.listen(c.releaseChannel, c.queues)
	ct.q = c.queues.enter(k.tag)
	return ct
}

// leave gives back the contender's turn, if it has it, and its place in the queue.
func (ct *contender) leave() {
	if ct.turn {
		<-ct.q.gate
	}
	ct.c.queues.leave(ct.k.tag, ct.q)
}

// offer offers the contender to a local holder's release (queue_handoff.go).
func (ct *contender) offer() {
	ct.r = ct.c.queues.offer(ct.q, ct.ctx, ct.resource, ct.o, ct.deadline)
}

// stopOffer withdraws the current offer: see queues.stopOffer.
func (ct *contender) stopOffer() (outcome, bool) {
	out, claimed := ct.c.queues.stopOffer(ct.q, ct.r)
	ct.r = nil
	return out, claimed
}

// queue waits for the contender's turn to talk to Redis about the resource. While it
// waits, it is offered to the release of a local holder, which may hand it the lock.
// turn is false when the Acquire ends here, with lease or err; when it is true, the
// contender is still offered (a transfer, if one was made, is taken by wait).
func (ct *contender) queue() (turn bool, lease driver.Lease, err error) {
	for {
		ct.offer()
		err := ct.c.queues.takeGate(ct.ctx, ct.q, ct.deadline, ct.r.done)
		if err == nil {
			ct.turn = true
			return true, driver.Lease{}, nil
		}
		out, claimed := ct.stopOffer()
		switch {
		case claimed && out.granted:
			return false, out.lease, nil // handed over while queued; the gate was never ours
		case errors.Is(err, errHanded):
			continue // the transfer failed: queue again
		case ct.c.closed.Load():
			return false, driver.Lease{}, driver.ErrClosed
		case errors.Is(err, driver.ErrAcquireTimeout):
			return false, driver.Lease{}, timeout(ct.resource, nil)
		}
		return false, driver.Lease{}, timeout(ct.resource, err)
	}
}

// wait makes rounds until one grants the lock or the wait ends, sleeping between them
// as the last round's outcome advises.
func (ct *contender) wait() (driver.Lease, error) {
	for {
		out, wake, live := ct.round()
		switch {
		case !live:
			return driver.Lease{}, ct.ended(nil)
		case out.granted:
			ct.c.queues.heldLocally(ct.k.tag, out.lease.Token, out.lease.Validity)
			return out.lease, nil
		}
		d, err := ct.pause(out)
		if err != nil {
			return driver.Lease{}, err
		}
		if out.behind {
			// About the time the longer waiter's own attempt takes: it is woken by the
			// same release, at about the same moment.
			ct.giveWay = min(out.took, maxGiveWay)
		}
		if !ct.c.queues.sleep(ct.ctx, d, wake, nil, ct.deadline) {
			return driver.Lease{}, ct.ended(out.err)
		}
	}
}

// round is one try at the lock: while a lease of this Client holds the resource,
// asking Redis would only be refused, so the contender sleeps, offered to that lease's
// release (which hands the lock over or wakes it; its validity bounds the sleep); then
// it takes the hand-over if a release claimed its offer, or makes an attempt. It
// returns the outcome and the wake channel taken before it; live is false when the
// wait ended first.
func (ct *contender) round() (out outcome, wake <-chan struct{}, live bool) {
	qs := ct.c.queues
	for {
		wake, localUntil := qs.wakeChan(ct.q)
		// A contender whose context ended while it was between sleeps (woken just
		// before) must not attempt: the attempt would not see ctx and could grant the
		// lock to a caller that has left.
		live := !ct.c.closed.Load() && ct.ctx.Err() == nil
		if live && time.Now().Before(localUntil) {
			if ct.r == nil {
				ct.offer()
			}
			live = qs.sleep(ct.ctx, time.Until(localUntil), wake, ct.r.done, ct.deadline)
			if live && !isClosed(ct.r.done) {
				continue
			}
		}
		// Attempting, or giving up: the offer ends, unless a release claimed it first,
		// in which case the transfer is this round's attempt.
		claimed := false
		if ct.r != nil {
			out, claimed = ct.stopOffer()
		}
		switch {
		case claimed:
			// A failed transfer woke the waiters before telling us; we back off.
			wake, _ = qs.wakeChan(ct.q)
			return out, wake, true
		case !live:
			return outcome{}, nil, false
		}
		if d := ct.giveWay; d > 0 {
			ct.giveWay = 0
			if !qs.sleep(ct.ctx, d, nil, nil, ct.deadline) {
				return outcome{}, nil, false
			}
			continue
		}
		a := ct.c.newAttempt(ct.ctx, ct.k, ct.resource, ct.o)
		a.waited = time.Since(ct.began)
		return a.acquire(), wake, true
	}
}

// pause is how long to sleep after an attempt that was not granted, unless woken; an
// error ends the Acquire: too many attempts in a row heard from too few nodes.
func (ct *contender) pause(out outcome) (time.Duration, error) {
	switch {
	case out.err != nil:
		if ct.unavailable++; ct.unavailable >= maxUnavailable {
			return 0, out.err
		}
		return jitter(ct.c.cfg.nodeTimeoutFor(ct.o.TTL)), nil
	case out.contended:
		ct.unavailable = 0
		return splitBackoff(out), nil
	}
	ct.unavailable = 0
	// Woken by the release announcement, or, if it is missed, when the holder's keys
	// expire; the jitter spreads contenders of other processes.
	return out.holderLeft + jitter(out.holderLeft/50+time.Millisecond), nil
}

// ended is the error of an acquire whose wait ended without the lock. lastErr, the
// error of the last attempt if it failed, is the reason unless ctx ended the wait.
func (ct *contender) ended(lastErr error) error {
	switch {
	case ct.c.closed.Load():
		return driver.ErrClosed
	case lastErr != nil && ct.ctx.Err() == nil:
		return lastErr
	}
	return timeout(ct.resource, ct.ctx.Err())
}
