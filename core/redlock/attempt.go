package redlock

import (
	"context"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/distlock/distlock/core/driver"
)

// drift is the allowance for clock drift between the client and the nodes: 1% of the
// TTL plus 2 ms, as in the published Redlock algorithm.
func drift(ttl time.Duration) time.Duration { return ttl/100 + 2*time.Millisecond }

// fenceKeyTTL is how long a fence counter hash outlives the last refresh of its expiry.
// Past it the counters restart from the node's clock, a day above every token issued
// from them (see fence.go).
const fenceKeyTTL = 24 * time.Hour

// outcome is the result of one acquire attempt.
type outcome struct {
	lease driver.Lease
	// err is set when the lock was not granted because fewer than a quorum of trusted
	// nodes answered: an *driver.UnavailableError.
	err error
	// granted is whether the lock was granted (lease is set).
	granted bool
	// contended: no quorum for anybody right now (votes split, or grants we had to give
	// back); retry soon. Otherwise another holder has a quorum.
	contended bool
	// wonHome: this attempt won the resource's home node (tie-breaker).
	wonHome bool
	// holderLeft is how long until enough of the holder's keys expire for a quorum to be
	// free, when another holder has the lock.
	holderLeft time.Duration
	// took is how long the attempt took.
	took time.Duration
}

// acquireReply is one node's answer to acquire.lua or transfer.lua.
type acquireReply struct {
	granted bool
	n       int64 // fence when granted, else the holder's PTTL in ms
	epoch   epochInfo
	holder  string // when refused: a fingerprint of the holder's token
	// Only from transfer.lua: yielded is set when the node did not grant because another
	// client waits there (n is then 0), had when the releasing token held the lock there.
	yielded bool
	had     bool
}

// attempt makes one Redlock acquire attempt over every node, and either returns a
// granted lease or cleans up what it took before returning.
func (c *Client) attempt(ctx context.Context, k keys, resource string, o driver.LeaseOptions) outcome {
	start := time.Now()
	token := newToken()
	keys, args := c.acquireArgs(k, o, start, token)
	replies, errs := fanout(c, ctx, c.cfg.nodeTimeoutFor(o.TTL), nil, acquireScript, keys, args, decodeAcquire)
	return c.settle(ctx, k, resource, o, start, token, replies, errs)
}

// acquireArgs returns the keys and arguments of acquire.lua for an attempt that started
// at start with token, followed by extra (transfer.lua's further arguments): one set
// for every node.
func (c *Client) acquireArgs(k keys, o driver.LeaseOptions, start time.Time, token string, extra ...any) ([]string, []any) {
	args := make([]any, 0, 8+len(extra))
	args = append(args, token, o.TTL.Milliseconds(), valueTail(start, o.Owner, o.Data), newToken(),
		c.cfg.quarantine.Microseconds(), fenceKeyTTL.Milliseconds(), k.fenceField, c.trustedEpochs.Load())
	return []string{k.lock, k.fence, c.epochKey, k.waiters}, append(args, extra...)
}

// decodeAcquire decodes a reply of acquire.lua or transfer.lua.
func decodeAcquire(cmd *redis.Cmd) (acquireReply, error) {
	v, err := cmd.Result()
	if err != nil {
		return acquireReply{}, err
	}
	status, x, e, err := decodeInts(v)
	if err != nil {
		return acquireReply{}, err
	}
	r := acquireReply{granted: status == 1, yielded: status == 2, n: x, epoch: e}
	arr, _ := v.([]any)
	switch {
	case r.yielded:
		r.had, r.n = x == 1, 0
	case len(arr) > 4 && r.granted:
		had, _ := arr[4].(int64)
		r.had = had == 1
	case len(arr) > 4:
		r.holder, _ = arr[4].(string)
	}
	return r, nil
}

// settle decides an attempt that started at start from the nodes' replies: it grants
// the lease (after the second round of fencing if the granting nodes disagreed), or
// cleans up what the token may have taken and tells the caller how to wait.
func (c *Client) settle(ctx context.Context, k keys, resource string, o driver.LeaseOptions, start time.Time,
	token string, replies []acquireReply, errs []error) outcome {
	timeout := c.cfg.nodeTimeoutFor(o.TTL)
	var (
		failed     map[string]error
		trusted    = make([]bool, len(c.nodes))
		grants     int
		answered   int
		held       map[string][]time.Duration // refusing nodes' PTTLs by holder
		fence      uint64
		tookAnyKey []int // nodes that may hold our key: granted, or no clear answer
	)
	for i, n := range c.nodes {
		r, err := replies[i], errs[i]
		if err != nil {
			failed = addFailure(failed, n.addr, err)
			tookAnyKey = append(tookAnyKey, i)
			continue
		}
		if r.granted {
			tookAnyKey = append(tookAnyKey, i)
			fence = max(fence, uint64(r.n))
		}
		if !c.trusted(n, r.epoch) {
			failed = addFailure(failed, n.addr, errQuarantined)
			continue
		}
		trusted[i] = true
		answered++
		switch {
		case r.granted:
			grants++
		case !r.yielded:
			if held == nil {
				held = map[string][]time.Duration{}
			}
			held[r.holder] = append(held[r.holder], time.Duration(max(r.n, 0))*time.Millisecond)
		}
	}
	home := homeNode(resource, len(c.nodes))
	out := outcome{wonHome: errs[home] == nil && replies[home].granted}

	if grants >= c.quorum {
		ok := c.confirmFence(ctx, k, token, fence, replies, trusted, timeout)
		validity := start.Add(o.TTL - drift(o.TTL))
		if ok && time.Now().Before(validity) {
			out.granted = true
			out.took = time.Since(start)
			out.lease = driver.Lease{
				Resource: resource,
				Token:    token,
				Fence:    fence,
				Owner:    o.Owner,
				LockTime: start.Truncate(time.Millisecond),
				Validity: validity,
				TTL:      o.TTL,
			}
			return out
		}
		out.contended = true
	}

	c.cleanup(ctx, k, token, tookAnyKey, timeout)
	out.took = time.Since(start)

	var holder []time.Duration
	for _, pttls := range held {
		if len(pttls) >= c.quorum {
			holder = pttls
		}
	}
	switch {
	case answered < c.quorum:
		out.err = c.unavailable(failed)
	case holder == nil:
		// Nobody else holds a quorum: votes split between contenders (whose keys go
		// when their attempts clean up, unannounced), or our grant came too late.
		out.contended = true
	default:
		// Another holder has a quorum; it loses it once all but quorum-1 of its keys
		// have expired.
		slices.Sort(holder)
		out.holderLeft = holder[len(holder)-c.quorum]
	}
	return out
}

// cleanup releases the keys a failed attempt may have set, on a context the caller
// cannot cancel, and waits for every node: a key left behind would block the resource
// for a whole TTL.
func (c *Client) cleanup(ctx context.Context, k keys, token string, which []int, timeout time.Duration) {
	if len(which) == 0 {
		return
	}
	keys, args := []string{k.lock, k.waiters}, []any{token, "", ""}
	fanout(c, ctx, timeout, which, releaseScript, keys, args, (*redis.Cmd).Int64)
}
