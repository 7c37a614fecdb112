package redlock

import (
	"context"
	"slices"
	"time"

	"github.com/distlock/distlock/core/driver"
)

// view is the majority's answer about a resource.
type view struct {
	v      value
	expire time.Time
	// settled: a quorum of nodes carry the holder's fencing token. A grant whose nodes
	// disagreed is not settled until its confirmation round (attempt_fence.go); watches
	// wait.
	settled bool
}

// look asks every node for the resource's lock and answers with the view of a quorum of
// trusted nodes, so that one stale or restarted node cannot decide. It returns
// [driver.ErrNotHeld] when no holder has a quorum and a [*driver.UnavailableError] when too
// few trusted nodes answered to tell. Like every fan-out's, its requests are not cut
// short by ctx.
func (c *Client) look(ctx context.Context, resource string) (view, error) {
	if err := driver.ValidateResource(resource); err != nil {
		return view{}, err
	}
	if c.closed.Load() {
		return view{}, driver.ErrClosed
	}
	k := keysFor(c.cfg.keyPrefix, resource)
	replies, errs := fanout(ctx, c.net, newQuery(readScript, c.cfg.nodeTimeoutFor(0), []string{k.lock, c.epochKey}),
		decodeRead)
	failed := map[string]error{}
	holders := map[string][]readReply{} // by token; "" = free
	answered := 0
	for i, n := range c.net.nodes {
		r, err := replies[i], errs[i]
		if err == nil {
			err = c.trust.check(i, r.epoch)
		}
		if err != nil {
			failed[n.addr] = err
			continue
		}
		answered++
		tok := ""
		if len(r.raw) >= keyTokenLen {
			tok = r.raw[:keyTokenLen]
		}
		holders[tok] = append(holders[tok], r)
	}
	for tok, rs := range holders {
		if tok != "" && len(rs) >= c.net.quorum {
			return quorumView(rs, c.net.quorum)
		}
	}
	if answered >= c.net.quorum {
		return view{}, driver.ErrNotHeld
	}
	return view{}, c.net.unavailable(failed)
}

// quorumView is the view of the lock that the nodes in rs, at least a quorum, hold for
// one token: the value with the highest fence (a confirm may not have reached them
// all), whether a quorum carries that fence, and its expiry when fewer than a quorum
// will still hold it.
func quorumView(rs []readReply, quorum int) (view, error) {
	var best view
	expires := make([]int64, 0, len(rs))
	fences := make([]uint64, 0, len(rs))
	for _, r := range rs {
		v, err := parseValue(r.raw)
		if err != nil {
			return view{}, err
		}
		if v.fence >= best.v.fence {
			best.v = v
		}
		expires = append(expires, r.expire)
		fences = append(fences, v.fence)
	}
	best.settled = countOf(fences, best.v.fence) >= quorum
	// The lock lasts while a quorum keeps it: until the quorum-th latest expiry.
	slices.Sort(expires)
	best.expire = time.UnixMilli(expires[len(expires)-quorum])
	return best, nil
}

// readReply is one node's answer to read.lua.
type readReply struct {
	raw    string
	expire int64 // Unix ms
	epoch  epochInfo
}

func decodeRead(v any) (readReply, error) {
	a, b, e, err := decodeReply(v)
	raw, ok1 := a.(string)
	expire, ok2 := b.(int64)
	if err == nil && (!ok1 || !ok2) {
		err = errBadValue
	}
	return readReply{raw: raw, expire: expire, epoch: e}, err
}

// Info describes the holder of resource as a quorum of nodes sees it: owner label, lock
// time (by the acquiring client's clock), expire time (when fewer than a quorum would
// still hold it if not extended, by the nodes' clocks) and fencing token. It returns
// [driver.ErrNotHeld] when the resource is free.
func (c *Client) Info(ctx context.Context, resource string) (driver.Info, error) {
	v, err := c.look(ctx, resource)
	if err != nil {
		return driver.Info{}, err
	}
	return driver.Info{
		LockTime:     v.v.lockTime,
		ExpireTime:   v.expire,
		Owner:        v.v.owner,
		FencingToken: v.v.fence,
	}, nil
}

// Read returns the payload of the lock on resource as a quorum of nodes sees it, or
// [driver.ErrNotHeld] when the resource is free. A lock without payload reads as nil.
func (c *Client) Read(ctx context.Context, resource string) ([]byte, error) {
	v, err := c.look(ctx, resource)
	if err != nil {
		return nil, err
	}
	return v.v.data, nil
}
