package redlock

import (
	"context"
	"encoding/base64"
	"time"

	"github.com/distlock/distlock/core/driver"
)

// validateLease checks what Extend and Release get from their caller. A token that this
// package cannot have issued is not invalid input but a lease that is not held.
func validateLease(l driver.Lease) error {
	if err := driver.ValidateLeaseRef(l); err != nil {
		return err
	}
	if b, err := base64.RawURLEncoding.DecodeString(l.Token); err != nil || len(b) != 16 || len(l.Token) != tokenLen {
		return driver.ErrNotHeld
	}
	return nil
}

// Extend resets the lease's TTL to ttl from now on every node that still holds it. It
// succeeds when a quorum of trusted nodes did; it returns [driver.ErrNotHeld] once so many
// nodes answered that they do not hold it that no quorum can, and a
// [*driver.UnavailableError] (worth retrying while the lease is valid) otherwise.
func (c *Client) Extend(ctx context.Context, lease driver.Lease, ttl time.Duration) (driver.Lease, error) {
	if err := driver.ValidateTTL(ttl); err != nil {
		return driver.Lease{}, err
	}
	if err := validateLease(lease); err != nil {
		return driver.Lease{}, err
	}
	if c.closed.Load() {
		return driver.Lease{}, driver.ErrClosed
	}
	k := keysFor(c.cfg.keyPrefix, lease.Resource)
	start := time.Now()
	timeout := c.cfg.nodeTimeoutFor(ttl)
	replies, errs := fanout(ctx, c.net, newQuery(extendScript, timeout, []string{k.lock, c.epochKey},
		keyToken(lease.Token), ttl.Milliseconds()), decodeExtend)
	failed := map[string]error{}
	extended, notHeld := 0, 0
	var fence uint64
	var have []int
	for i, n := range c.net.nodes {
		r, err := replies[i], errs[i]
		if err != nil {
			failed[n.addr] = err
			have = append(have, i)
			continue
		}
		if r.ok {
			have = append(have, i)
		}
		if err := c.trust.check(i, r.epoch); err != nil {
			failed[n.addr] = err
			continue
		}
		if r.ok {
			extended++
			fence = max(fence, uint64(r.fence))
		} else {
			notHeld++
		}
	}
	validity := start.Add(validFor(ttl))
	if extended >= c.net.quorum && time.Now().Before(validity) {
		c.queues.heldLocally(k.tag, lease.Token, validity)
		lease.Fence = fence
		lease.TTL = ttl
		lease.Validity = validity
		return lease, nil
	}
	if notHeld > len(c.net.nodes)-c.net.quorum {
		c.queues.forgetLocal(k.tag, lease.Token)
		// Lost for good: give back what is left so the next holder need not wait a TTL.
		lost := attempt{ctx: ctx, net: c.net, k: k, token: lease.Token, key: keyToken(lease.Token), timeout: timeout}
		lost.cleanup(have)
		return driver.Lease{}, driver.ErrNotHeld
	}
	return driver.Lease{}, c.net.unavailable(failed)
}

// extendReply is one node's answer to extend.lua.
type extendReply struct {
	ok    bool
	fence int64
	epoch epochInfo
}

func decodeExtend(v any) (extendReply, error) {
	ok, fence, e, err := decodeInts(v)
	return extendReply{ok: ok == 1, fence: fence, epoch: e}, err
}

// Release deletes the lease on every node and announces the resource free, or, when a
// contender of this Client waits for the resource, hands the lock over to it in the
// same round trip (see "Hand-over" in attempt_transfer.go). It returns nil once a
// quorum of nodes no longer has the lease and at least one deleted or replaced it,
// [driver.ErrNotHeld] when none did and the answers rule out that it was held, and a
// [*driver.UnavailableError] when too few nodes answered to tell (the lease then expires
// after its TTL at the latest; Release may be retried).
func (c *Client) Release(ctx context.Context, lease driver.Lease) error {
	if err := validateLease(lease); err != nil {
		return err
	}
	if c.closed.Load() {
		return driver.ErrClosed
	}
	k := keysFor(c.cfg.keyPrefix, lease.Resource)
	msg := k.tag + " " + newID() // the id lets listeners count nodes per release
	release := c.releaseQuery(k, lease, msg)
	var (
		oks  []int64
		errs []error
	)
	// A release's fan-out ends within its node timeout, or a grain later (transport_deadline.go).
	r := c.queues.claim(k.tag, lease.Token, release.timeout+deadlineGrain)
	if r != nil {
		var out outcome
		a := c.newAttempt(ctx, k, r.resource, r.o)
		var marked bool
		out, oks, marked, errs = a.transfer(release)
		c.queues.handedOver(k.tag, lease.Token, r, out, oks, marked)
	} else {
		oks, errs = fanout(ctx, c.net, release, decodeInt)
	}
	var failed map[string]error
	deleted, notHeld := 0, 0
	for i, n := range c.net.nodes {
		switch {
		case errs[i] != nil:
			failed = addFailure(failed, n.addr, errs[i])
		case oks[i] == 1:
			deleted++
		default:
			notHeld++
		}
	}
	known := c.queues.forgetLocal(k.tag, lease.Token)
	if (deleted > 0 || known) && r == nil {
		// Local waiters need not wait for the announcement to come back from Redis, nor,
		// when the lease was the local holder, for the end of its validity or of the
		// release (claim). (A transfer woke them itself.)
		c.queues.notify(k.tag)
	}
	switch {
	case deleted > 0 && deleted+notHeld >= c.net.quorum:
		return nil
	case deleted == 0 && (len(failed) == 0 || notHeld > len(c.net.nodes)-c.net.quorum):
		return driver.ErrNotHeld
	}
	// Too few nodes confirmed: the lease may still hold a quorum until its TTL.
	return c.net.unavailable(failed)
}

// releaseQuery is release.lua's call for lease, announcing the release with msg.
func (c *Client) releaseQuery(k keys, lease driver.Lease, msg string) query {
	return newQuery(releaseScript, c.cfg.nodeTimeoutFor(lease.TTL), []string{k.lock, k.waiters},
		keyToken(lease.Token), c.releaseChannel, msg)
}
