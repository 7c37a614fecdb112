package redlock

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/distlock/distlock/core/driver"
)

// Waiting.
//
// Waiting is not polling. An acquire refused by a node leaves a waiter marker there
// (<prefix>:{<base64url of the resource>}:w, expiring a little after the holder's key);
// a release that finds the marker deletes it and publishes "<resource> <release id>" on
// one channel per node (<prefix>:released), so a release nobody waits for costs no
// message. Each Client subscribes once, on its first wait, and wakes its local waiters
// for that resource once N-quorum+1 nodes announced the same release, that is, once a
// quorum is free (a release in the same Client wakes them at once). A waiter was
// refused by a quorum of the holder's nodes, so enough of them carry the marker. The
// price of one channel per node is that every waiting client receives every announced
// release (only releases that somebody was refused by are announced), which is small
// next to the attempts such a release triggers anyway. Releases announced while a
// pub/sub connection is down are missed: waiters then fall back to the holder's
// remaining TTL (acquire.go).
//
// Contenders inside one Client queue per resource: only one of them (the holder of the
// queue's gate) talks to Redis about it at a time, and none while a lease of the same
// Client holds it (until that lease's release or the end of its validity), so local
// contenders never split votes among themselves and a hot key costs one request at a
// time per process.

// queues is the waiting layer of a Client: the queue of each resource its contenders
// wait for, and how many wait.
type queues struct {
	// need is how many nodes must announce a release before it frees a quorum:
	// N-quorum+1.
	need    int
	closing <-chan struct{} // closed when the Client closes, to end waits
	waiters atomic.Int64
	// handOvers counts the transfers that granted the lock (Client.HandOvers).
	handOvers atomic.Uint64

	mu    sync.Mutex
	byTag map[string]*queue // while someone acquires the resource
}

func newQueues(net *transport, closing <-chan struct{}) *queues {
	return &queues{need: len(net.nodes) - net.quorum + 1, closing: closing, byTag: map[string]*queue{}}
}

// closed reports whether the Client closed.
func (qs *queues) closed() bool { return isClosed(qs.closing) }

// isClosed reports whether ch is closed.
func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// queue is the per-resource state of the contenders inside one Client. Only the
// contender holding gate talks to Redis for the resource; the others wait for the gate.
// wake is closed (and replaced) when the resource is announced free.
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
	// (queue_handoff.go), oldest first: those waiting for the gate, and the gate's holder
	// while it waits for that lease.
	line []*recipient
	// othersWaited counts the hand-overs in a row that found another client's waiter
	// marker ("Fairness" in attempt_transfer.go).
	othersWaited int
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
func (qs *queues) enter(tag string) *queue {
	qs.mu.Lock()
	defer qs.mu.Unlock()
	q := qs.byTag[tag]
	if q == nil {
		q = &queue{gate: make(chan struct{}, 1), wake: make(chan struct{})}
		qs.byTag[tag] = q
	}
	q.refs++
	return q
}

// leave unregisters a contender; the last one removes the queue.
func (qs *queues) leave(tag string, q *queue) {
	qs.mu.Lock()
	defer qs.mu.Unlock()
	if q.refs--; q.refs == 0 {
		delete(qs.byTag, tag)
	}
}

// contenders is how many Acquire calls of this Client are in progress for the
// resource with this tag: those the replica knows to wait (List reports them).
func (qs *queues) contenders(tag string) int {
	qs.mu.Lock()
	defer qs.mu.Unlock()
	if q := qs.byTag[tag]; q != nil {
		return q.refs
	}
	return 0
}

// wakeChan returns the channel that the next announcement for q's resource closes, and
// until when a lease of this Client certainly holds the resource (zero: none known).
// Take it before an attempt, so a release between the attempt and the wait is not missed.
func (qs *queues) wakeChan(q *queue) (<-chan struct{}, time.Time) {
	qs.mu.Lock()
	defer qs.mu.Unlock()
	if q.localToken == "" {
		return q.wake, time.Time{}
	}
	return q.wake, q.localUntil
}

// heldLocally records that lease, of this Client, holds its resource until validity, for
// the contenders queued behind it.
func (qs *queues) heldLocally(tag, token string, validity time.Time) {
	qs.mu.Lock()
	defer qs.mu.Unlock()
	if q := qs.byTag[tag]; q != nil && (q.localToken == "" || q.localToken == token) {
		q.localToken, q.localUntil = token, validity
	}
}

// forgetLocal drops the record of a lease of this Client that ended, and reports
// whether there was one.
func (qs *queues) forgetLocal(tag, token string) bool {
	qs.mu.Lock()
	defer qs.mu.Unlock()
	if q := qs.byTag[tag]; q != nil && q.localToken == token {
		q.localToken, q.localUntil = "", time.Time{}
		return true
	}
	return false
}

// notify wakes the contenders waiting for the resource with this tag, if any. A
// release was announced, so a lease of this Client on it no longer holds it (only a
// holder's release is announced), even if it was released elsewhere with its token.
func (qs *queues) notify(tag string) {
	qs.mu.Lock()
	defer qs.mu.Unlock()
	if q := qs.byTag[tag]; q != nil {
		q.localToken, q.localUntil = "", time.Time{}
		close(q.wake)
		q.wake = make(chan struct{})
	}
}

// heard handles one node's announcement "<tag> <release id>" (queues is the
// transport's listener of the release channel). A release deletes the lock on every
// node; the resource is free for a quorum once N-quorum+1 of them did, so that is when
// local waiters wake.
func (qs *queues) heard(msg string) {
	tag, id, ok := strings.Cut(msg, " ")
	if !ok {
		return
	}
	qs.mu.Lock()
	q := qs.byTag[tag]
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
		wake = q.heard[i].nodes == qs.need
	}
	qs.mu.Unlock()
	if wake {
		qs.notify(tag)
	}
}

// sleep waits for d, a wake-up (wake or handed closed; either may be nil), the deadline
// (zero: none), ctx or Close, and reports whether the caller may attempt again. The
// caller counts in Waiters meanwhile.
func (qs *queues) sleep(ctx context.Context, d time.Duration, wake, handed <-chan struct{}, deadline time.Time) bool {
	qs.waiters.Add(1)
	defer qs.waiters.Add(-1)
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
	case <-qs.closing:
		return false
	case <-wake:
	case <-handed:
	case <-t.C:
	}
	// A wake-up ready together with ctx's end or Close may win the select: neither may
	// lead to another attempt (it could grant a lock to a caller that has left).
	return ctx.Err() == nil && !qs.closed() && (deadline.IsZero() || time.Now().Before(deadline))
}

// errHanded ends a wait for the gate when a release claimed the contender's offer.
var errHanded = errors.New("redlock: handed over")

// takeGate waits until this contender is the one of its Client that talks to Redis
// about the resource, or until handed is closed (errHanded). Only a nil error means the
// gate is taken: the caller must then give it back, and must not otherwise (it would
// take another contender's turn).
func (qs *queues) takeGate(ctx context.Context, q *queue, deadline time.Time, handed <-chan struct{}) error {
	select {
	case q.gate <- struct{}{}:
		return nil
	default:
	}
	qs.waiters.Add(1)
	defer qs.waiters.Add(-1)
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
	case <-qs.closing:
		return driver.ErrClosed
	case <-handed:
		return errHanded
	case <-expired:
		// The acquire's own wait ended while ctx is still live.
		return driver.ErrAcquireTimeout
	}
}
