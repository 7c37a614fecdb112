package redlock

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
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
		out := c.attempt(ctx, k, resource, o)
		switch {
		case out.granted:
			c.heldLocally(k.tag, out.lease.Token, out.lease.Validity)
			return out.lease, nil
		case out.err != nil:
			return driver.Lease{}, out.err
		}
		return driver.Lease{}, timeout(resource, nil)
	}

	// The wait's own end; the context's deadline ends it through ctx.Done, so that the
	// error then carries the context's error.
	var deadline time.Time
	if o.Wait > 0 {
		deadline = time.Now().Add(o.Wait)
	}
	c.subscribe()
	q := c.enter(k.tag)
	defer c.leave(k.tag, q)
	// While it waits for the gate, and while the gate's holder waits for a lease of this
	// Client, a contender is offered to that lease's release, which may hand it the lock
	// (handoff.go). r is the current offer, nil when there is none.
	var r *recipient
	for {
		r = c.offer(q, ctx, resource, o, deadline)
		err := c.takeGate(ctx, q, deadline, r.done)
		if err == nil {
			break // still offered: the transfer, if any, is taken below
		}
		out, claimed := c.stopOffer(q, r)
		r = nil
		switch {
		case claimed && out.granted:
			return out.lease, nil // handed over while queued; the gate was never ours
		case errors.Is(err, errHanded):
			continue // the transfer failed: queue again
		case c.closed.Load():
			return driver.Lease{}, driver.ErrClosed
		case errors.Is(err, driver.ErrAcquireTimeout):
			return driver.Lease{}, timeout(resource, nil)
		}
		return driver.Lease{}, timeout(resource, err)
	}
	defer func() { <-q.gate }()

	unavailable := 0
	for {
		wake, localUntil := c.wakeChan(q)
		live := !c.closed.Load()
		if live && time.Now().Before(localUntil) {
			// Another contender of this Client holds the lock: asking Redis would only
			// be refused. Its release hands the lock over or wakes us; its validity
			// bounds the wait.
			if r == nil {
				r = c.offer(q, ctx, resource, o, deadline)
			}
			live = c.sleep(ctx, time.Until(localUntil), wake, r.done, deadline)
			if live && !closed(r.done) {
				continue
			}
		}
		// Attempting, or giving up: the offer ends, unless a release claimed it first,
		// in which case the transfer is this round's attempt.
		var out outcome
		claimed := false
		if r != nil {
			out, claimed = c.stopOffer(q, r)
			r = nil
		}
		switch {
		case claimed:
			// A failed transfer woke the waiters before telling us; we back off.
			wake, _ = c.wakeChan(q)
		case !live:
			return driver.Lease{}, c.waitEnded(ctx, resource, nil)
		default:
			out = c.attempt(ctx, k, resource, o)
		}
		if out.granted {
			c.heldLocally(k.tag, out.lease.Token, out.lease.Validity)
			return out.lease, nil
		}
		var d time.Duration
		switch {
		case out.err != nil:
			if unavailable++; unavailable >= maxUnavailable {
				return driver.Lease{}, out.err
			}
			d = jitter(c.cfg.nodeTimeoutFor(o.TTL))
		case out.contended:
			unavailable = 0
			d = splitBackoff(out)
		default:
			unavailable = 0
			// Woken by the release announcement, or, if it is missed, when the holder's
			// keys expire; the jitter spreads contenders of other processes.
			d = out.holderLeft + jitter(out.holderLeft/50+time.Millisecond)
		}
		if !c.sleep(ctx, d, wake, nil, deadline) {
			return driver.Lease{}, c.waitEnded(ctx, resource, out.err)
		}
	}
}

// closed reports whether ch is closed.
func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// waitEnded is the error of an acquire whose wait ended without the lock. lastErr, the
// error of the last attempt if it failed, is the reason unless ctx ended the wait.
func (c *Client) waitEnded(ctx context.Context, resource string, lastErr error) error {
	switch {
	case c.closed.Load():
		return driver.ErrClosed
	case lastErr != nil && ctx.Err() == nil:
		return lastErr
	}
	return timeout(resource, ctx.Err())
}

// errHanded ends a wait for the gate when a release claimed the contender's offer.
var errHanded = errors.New("redlock: handed over")

// takeGate waits until this contender is the one of its Client that talks to Redis
// about the resource, or until handed is closed (errHanded). Only a nil error means the
// gate is taken: the caller must then give it back, and must not otherwise (it would
// take another contender's turn).
func (c *Client) takeGate(ctx context.Context, q *queue, deadline time.Time, handed <-chan struct{}) error {
	select {
	case q.gate <- struct{}{}:
		return nil
	default:
	}
	c.waiters.Add(1)
	defer c.waiters.Add(-1)
	var expired <-chan time.Time
	if !deadline.IsZero() {
		t := time.NewTimer(time.Until(deadline))
		defer t.Stop()
		expired = t.C
	}
	select {
	case q.gate <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-c.closing:
		return driver.ErrClosed
	case <-handed:
		return errHanded
	case <-expired:
		// The acquire's own wait ended while ctx is still live.
		return driver.ErrAcquireTimeout
	}
}

// splitBackoff is the pause after an attempt in which nobody got a quorum. Contenders
// of different processes must not retry in lockstep, or they split the votes again:
// the one that won the resource's home node retries first, the others after it.
func splitBackoff(out outcome) time.Duration {
	unit := max(out.took, time.Millisecond)
	if out.wonHome {
		return jitter(unit)
	}
	return 2*unit + jitter(4*unit)
}

// jitter returns a uniformly random duration in [0, d).
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return rand.N(d)
}

// timeout is the error of an acquire that ended without the lock; cause, when the
// context ended it, is joined so errors.Is sees both.
func timeout(resource string, cause error) error {
	err := fmt.Errorf("%w: resource %q is held by another", driver.ErrAcquireTimeout, resource)
	if cause != nil {
		return errors.Join(err, cause)
	}
	return err
}
