package redlock

import (
	"context"

	"github.com/distlock/distlock/core/driver"
)

var _ driver.ForceReleaser = (*Client)(nil)

// ForceRelease breaks the lock on resource whatever its token; see [driver.ForceReleaser].
// It reads the holder a quorum agrees on, then on every node deletes that holder's key
// (break.lua; a key of another token, granted meanwhile, is kept) and raises the fence
// counter to at least the broken token + 1. It succeeds once a quorum ran the script:
// any later grant's quorum shares a node with it, whose counter makes the grant's token
// exceed the broken one + 1. Too few answers is a [*driver.UnavailableError]; the break
// may then be retried, as it is idempotent.
func (c *Client) ForceRelease(ctx context.Context, resource string) (driver.Broken, error) {
	v, err := c.look(ctx, resource)
	if err != nil {
		return driver.Broken{}, err
	}
	k := keysFor(c.cfg.keyPrefix, resource)
	msg := k.tag + " " + newID()
	replies, errs := fanout(ctx, c.net, newQuery(breakScript, c.cfg.nodeTimeoutFor(0), []string{k.lock, k.waiters, k.fence},
		v.v.token, v.v.fence, k.fenceField, fenceKeyTTL.Milliseconds(), c.releaseChannel, msg), decodeIntSlice)
	var failed map[string]error
	ran := 0
	for i, n := range c.net.nodes {
		if errs[i] == nil && len(replies[i]) != 2 {
			errs[i] = errBadValue
		}
		if errs[i] != nil {
			failed = addFailure(failed, n.addr, errs[i])
			continue
		}
		ran++
	}
	// Local contenders need not wait for the announcement, nor trust a lease of this
	// Client that no longer holds the resource.
	c.queues.notify(k.tag)
	if ran < c.net.quorum {
		return driver.Broken{}, c.net.unavailable(failed)
	}
	return driver.Broken{
		Info:     driver.Info{LockTime: v.v.lockTime, ExpireTime: v.expire, Owner: v.v.owner, FencingToken: v.v.fence},
		Advanced: v.v.fence + 1,
	}, nil
}
