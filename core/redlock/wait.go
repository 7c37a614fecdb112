package redlock

import (
	"context"
	"slices"
	"strings"
	"time"
)

// queue is the per-resource state of the contenders inside one Client. Only the
// contender holding gate talks to Redis for the resource; the others wait for the gate,
// so local contenders never split votes among themselves and a hot key costs one
// request at a time per process. wake is closed (and replaced) when the resource is
// announced free.
type queue struct {
	refs int
	gate chan struct{}
	wake chan struct{}
	// The latest releases announced and how many nodes announced each so far: waiters
	// wake once enough nodes are free for a quorum, not at the first node's announcement
	// (which would send them into an attempt that finds the lock still held). Each
	// release is counted on its own: the nodes' readers deliver in no set order, so the
	// announcements of two quick releases interleave.
	heard []heard
	// A lease of this Client on the resource, while one is known: contenders need not
	// ask Redis before it is released (which wakes them) or its validity ends.
	localToken string
	localUntil time.Time
	// The contenders that a release of that lease may hand the lock over to
	// (handoff.go), oldest first: those waiting for the gate, and the gate's holder
	// while it waits for that lease.
	line []*recipient
}

// heard counts the nodes that announced one release.
type heard struct {
	id    string
	nodes int
}

// maxHeard bounds the releases a queue keeps counting. Only one holder releases at a
// time, so announcements of more than a few releases are never in flight at once.
const maxHeard = 4

// enter registers a contender for tag and returns its queue.
func (c *Client) enter(tag string) *queue {
	c.mu.Lock()
	defer c.mu.Unlock()
	q := c.queues[tag]
	if q == nil {
		q = &queue{gate: make(chan struct{}, 1), wake: make(chan struct{})}
		c.queues[tag] = q
	}
	q.refs++
	return q
}

// leave unregisters a contender; the last one removes the queue.
func (c *Client) leave(tag string, q *queue) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if q.refs--; q.refs == 0 {
		delete(c.queues, tag)
	}
}

// wakeChan returns the channel that the next announcement for q's resource closes, and
// until when a lease of this Client certainly holds the resource (zero: none known).
// Take it before an attempt, so a release between the attempt and the wait is not missed.
func (c *Client) wakeChan(q *queue) (<-chan struct{}, time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if q.localToken == "" {
		return q.wake, time.Time{}
	}
	return q.wake, q.localUntil
}

// heldLocally records that lease, of this Client, holds its resource until validity, for
// the contenders queued behind it.
func (c *Client) heldLocally(tag, token string, validity time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if q := c.queues[tag]; q != nil && (q.localToken == "" || q.localToken == token) {
		q.localToken, q.localUntil = token, validity
	}
}

// forgetLocal drops the record of a lease of this Client that ended.
func (c *Client) forgetLocal(tag, token string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if q := c.queues[tag]; q != nil && q.localToken == token {
		q.localToken, q.localUntil = "", time.Time{}
	}
}

// notify wakes the contenders waiting for the resource with this tag, if any. A
// release was announced, so a lease of this Client on it no longer holds it (only a
// holder's release is announced), even if it was released elsewhere with its token.
func (c *Client) notify(tag string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if q := c.queues[tag]; q != nil {
		q.localToken, q.localUntil = "", time.Time{}
		close(q.wake)
		q.wake = make(chan struct{})
	}
}

// announced handles one node's announcement "<tag> <release id>". A release deletes
// the lock on every node; the resource is free for a quorum once N-quorum+1 of them did,
// so that is when local waiters wake.
func (c *Client) announced(msg string) {
	tag, id, ok := strings.Cut(msg, " ")
	if !ok {
		return
	}
	c.mu.Lock()
	q := c.queues[tag]
	wake := false
	if q != nil {
		i := slices.IndexFunc(q.heard, func(h heard) bool { return h.id == id })
		if i < 0 {
			if len(q.heard) == maxHeard {
				q.heard = slices.Delete(q.heard, 0, 1)
			}
			q.heard = append(q.heard, heard{id: id})
			i = len(q.heard) - 1
		}
		q.heard[i].nodes++
		wake = q.heard[i].nodes == len(c.nodes)-c.quorum+1
	}
	c.mu.Unlock()
	if wake {
		c.notify(tag)
	}
}

// sleep waits for d, a wake-up (wake or handed closed; either may be nil), the deadline
// (zero: none), ctx or Close, and reports whether the caller may attempt again. The
// caller counts in Waiters meanwhile.
func (c *Client) sleep(ctx context.Context, d time.Duration, wake, handed <-chan struct{}, deadline time.Time) bool {
	c.waiters.Add(1)
	defer c.waiters.Add(-1)
	if !deadline.IsZero() {
		d = min(d, time.Until(deadline))
	}
	if d <= 0 {
		return !deadline.IsZero() && time.Now().Before(deadline) && ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-c.closing:
		return false
	case <-wake:
	case <-handed:
	case <-t.C:
	}
	return deadline.IsZero() || time.Now().Before(deadline)
}

// subscribe starts, once, one reader per node of the release channel, which dispatches
// each announced release to the local waiters of its resource. One channel per node,
// rather than one per resource, costs a constant number of subscriptions and no
// SUBSCRIBE round trip per wait; the price is that every waiting client receives every
// announced release (only releases that somebody was refused by are announced), which
// is small next to the attempts such a release triggers anyway. go-redis re-subscribes
// after a lost connection; releases announced meanwhile are missed, and waiters then
// fall back to the holder's remaining TTL.
func (c *Client) subscribe() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.subs != nil || c.closed.Load() {
		return
	}
	for _, n := range c.nodes {
		ps := n.rdb.Subscribe(context.Background(), c.releaseChannel)
		c.subs = append(c.subs, ps)
		msgs := ps.Channel()
		c.wg.Go(func() {
			for m := range msgs {
				c.announced(m.Payload)
			}
		})
	}
}
