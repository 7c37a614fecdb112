package redlock

import (
	"context"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/distlock/distlock/core/driver"
	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1policy"
)

// One attempt.
//
// An attempt sends acquire.lua (or, for a hand-over, transfer.lua: attempt_transfer.go)
// to every node in parallel, each request with its own timeout ([WithNodeTimeout];
// default TTL/50, within 100 ms and 1 s; up to a millisecond more, as requests that
// start within a millisecond share one deadline). The script sets the lock key with SET
// NX PX TTL when it is free and returns the node's next fencing token, or the holder's
// remaining TTL. The lock is granted when a quorum of N/2+1 trusted nodes (trust.go)
// set it and the grant is still valid: validity = start + TTL - drift, with drift = 1%
// of the TTL + 2 ms, so the time the attempt took is spent from it; a grant that
// arrives after its validity ended is a failure. The fencing token is settled over the
// granting quorum (attempt_fence.go).
//
// A failed attempt deletes what it set, on every node that granted or did not answer,
// and waits for every node: a key left behind would block the resource for a whole
// TTL. No answer is given before every node has replied or timed out, and calls to one
// node leave in order (transport.go), so a cleanup does not overtake the write it
// undoes. (A request that timed out inside a stalled server may still run after its
// cleanup; the key it sets then expires after the TTL.)

// validFor is how long a lease of the given TTL is trusted from its attempt's start: the
// client policy's validity, TTL minus the published Redlock algorithm's drift allowance
// (1% of the TTL plus 2 ms; proto/distlock/v1/policy.proto), the same rule every SDK
// applies to the service's grants.
func validFor(ttl time.Duration) time.Duration { return distlockv1policy.Validity(ttl) }

// fenceKeyTTL is how long a fence counter hash outlives the last refresh of its expiry.
// Past it the counters restart from the node's clock, a day above every token issued
// from them (see attempt_fence.go).
const fenceKeyTTL = 24 * time.Hour

// attempt is one try at a resource's lock for a new token: its identity (token, start,
// options) and the layers it asks (transport) and counts with (trust). Its methods run
// it, settle it from the replies, confirm its fence and clean up after it.
type attempt struct {
	// ctx is the operation's context: it gives the NodeTracer its parent and cuts
	// nothing short (see fanout).
	ctx      context.Context
	net      *transport
	trust    *trust
	epochKey string
	k        keys
	resource string
	o        driver.LeaseOptions
	start    time.Time
	token    string        // the lease's owner token
	key      string        // the same, as the lock value stores it (token.go)
	timeout  time.Duration // of each node's request
	// waited is how long the contender has waited for the lock (acquire.lua's ARGV[8]).
	waited time.Duration
	// announce, when set, are release.lua's channel and message for the cleanup of a
	// failed attempt: a failed hand-over frees a resource another client may wait for
	// (attempt_transfer.go). An acquire's cleanup stays silent: it would only wake
	// contenders into another split vote.
	announce []any
}

func (c *Client) newAttempt(ctx context.Context, k keys, resource string, o driver.LeaseOptions) attempt {
	token, key := newToken()
	return attempt{ctx: ctx, net: c.net, trust: c.trust, epochKey: c.epochKey, k: k, resource: resource, o: o,
		start: time.Now(), token: token, key: key, timeout: c.cfg.nodeTimeoutFor(o.TTL)}
}

// acquire runs the attempt with acquire.lua, and either returns a granted lease or
// cleans up what it took before returning.
func (a *attempt) acquire() outcome {
	replies, errs := fanout(a.ctx, a.net, a.query(acquireScript, a.waited.Microseconds()), decodeAcquire)
	return a.settle(replies, errs)
}

// query is the call of script (acquire.lua, or transfer.lua with its further arguments
// in extra) for this attempt: one set of keys and arguments for every node.
func (a *attempt) query(script *redis.Script, extra ...any) query {
	args := append([]any{a.key, a.o.TTL.Milliseconds(), valueTail(a.start, a.o.Owner, a.o.Data),
		a.trust.quarantine.Microseconds(), fenceKeyTTL.Milliseconds(), a.k.fenceField, a.trust.epochs()},
		extra...)
	return newQuery(script, a.timeout, []string{a.k.lock, a.k.fence, a.epochKey, a.k.waiters}, args...)
}

// ballot is what the replies to one attempt say, node by node.
type ballot struct {
	failed   map[string]error // why each node that did not count did not
	trusted  []bool           // by node: answered, with a trusted epoch
	grants   int              // trusted nodes that granted
	answered int              // trusted nodes that answered
	// first and behind count the refusing trusted nodes by whether this contender has
	// waited longest of those they refused.
	first, behind int
	fence         uint64 // the highest token granted
	// held gathers the refusing trusted nodes' PTTLs by holder.
	held map[string][]time.Duration
	// tookAnyKey lists the nodes that may hold our key: granted, or no clear answer.
	tookAnyKey []int
}

func (a *attempt) count(replies []acquireReply, errs []error) ballot {
	b := ballot{trusted: make([]bool, len(replies))}
	for i, r := range replies {
		addr := a.net.nodes[i].addr
		if errs[i] != nil {
			b.failed = addFailure(b.failed, addr, errs[i])
			b.tookAnyKey = append(b.tookAnyKey, i)
			continue
		}
		if r.granted {
			b.tookAnyKey = append(b.tookAnyKey, i)
			b.fence = max(b.fence, uint64(r.n))
		}
		if err := a.trust.check(i, r.epoch); err != nil {
			b.failed = addFailure(b.failed, addr, err)
			continue
		}
		b.trusted[i] = true
		b.answered++
		switch {
		case r.granted:
			b.grants++
		default:
			if r.first {
				b.first++
			} else {
				b.behind++
			}
			if b.held == nil {
				b.held = map[string][]time.Duration{}
			}
			b.held[r.holder] = append(b.held[r.holder], time.Duration(max(r.n, 0))*time.Millisecond)
		}
	}
	return b
}

// settle decides the attempt from the nodes' replies: it grants the lease (after the
// second round of fencing if the granting nodes disagreed), or cleans up what the
// token may have taken and tells the caller how to wait.
func (a *attempt) settle(replies []acquireReply, errs []error) outcome {
	b := a.count(replies, errs)
	home := homeNode(a.resource, len(replies))
	out := outcome{wonHome: errs[home] == nil && replies[home].granted, behind: b.behind > b.first}
	quorum := a.net.quorum
	if b.grants >= quorum {
		validity := a.start.Add(validFor(a.o.TTL))
		if a.confirm(b.fence, replies, b.trusted) && time.Now().Before(validity) {
			out.granted = true
			out.took = time.Since(a.start)
			out.lease = driver.Lease{
				Resource: a.resource,
				Token:    a.token,
				Fence:    b.fence,
				Owner:    a.o.Owner,
				LockTime: a.start.Truncate(time.Millisecond),
				Validity: validity,
				TTL:      a.o.TTL,
			}
			return out
		}
		out.contended = true
	}

	a.cleanup(b.tookAnyKey)
	out.took = time.Since(a.start)

	var holder []time.Duration
	for _, pttls := range b.held {
		if len(pttls) >= quorum {
			holder = pttls
		}
	}
	switch {
	case b.answered < quorum:
		out.err = a.net.unavailable(b.failed)
	case holder == nil:
		// Nobody else holds a quorum: votes split between contenders (whose keys go
		// when their attempts clean up, unannounced), or our grant came too late.
		out.contended = true
	default:
		// Another holder has a quorum; it loses it once all but quorum-1 of its keys
		// have expired.
		slices.Sort(holder)
		out.holderLeft = holder[len(holder)-quorum]
	}
	return out
}

// cleanup deletes the token's lock key on the nodes in which, and waits for every node:
// a key left behind would block the resource for a whole TTL. An acquire's cleanup does
// not announce it (that would only wake contenders into another split vote); a failed
// hand-over's does (announce).
func (a *attempt) cleanup(which []int) {
	if len(which) == 0 {
		return
	}
	announce := a.announce
	if announce == nil {
		announce = []any{"", ""}
	}
	q := newQuery(releaseScript, a.timeout, []string{a.k.lock, a.k.waiters}, append([]any{a.key}, announce...)...)
	q.on = which
	fanout(a.ctx, a.net, q, decodeInt)
}
