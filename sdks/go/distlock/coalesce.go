package distlock

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"
	"github.com/distlock/distlock/core/driver"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
)

// Coalescing: concurrent Acquire, Extend and Release calls of one Lessor share HTTP
// requests. The rule is smart batching, with no timer:
//
//   - a call that finds no call queued and fewer than maxInFlight requests awaiting their
//     first answer goes at once as its unary RPC, so a lone caller pays nothing;
//   - a call that finds them busy queues; when a request gets its first answer (or ends,
//     or the callers of all its calls that answer in one round trip have left: see
//     slot), the calls queued meanwhile leave together in one Batch, split by the client
//     policy's MaxBatchCalls and, by its BatchCallBytes estimate, MaxBatchBytes.
//
// The batches are therefore as large as the traffic makes them: under load, every call
// that arrived during one round trip to the service. An Acquire that asks the service to
// wait may sit at the service for its whole wait; a request made only of such calls
// therefore never counts as in flight, so that a release (say, the one those waiters
// wait for) never queues behind it. (A request that mixes them with other calls gets its
// first answer once those others are done: the service sends it then.)
//
// Each call's result is its unary RPC's: a Batch runs every call as its unary RPC would,
// the result is matched to its call by index, and the error is mapped as a unary call's.
// Retries, late-grant confirmation and validity stay in the callers (Acquire, Release),
// above this layer, and so does each call's deadline (its wait + the call timeout).
type coalescer struct {
	mu sync.Mutex
	// queue holds the calls waiting for a request; never empty while busy < maxInFlight.
	queue []*pending
	// busy counts the requests that hold an in-flight slot.
	busy int
	// maxInFlight is how many requests may await their first answer before calls queue.
	maxInFlight int
	// unaryOnly is set once the service answered Batch with unimplemented (an older
	// server): every call then goes as its unary RPC for the Lessor's life.
	unaryOnly atomic.Bool
	// batches counts the Batch requests sent and batched the calls they carried; for
	// tests and benchmarks.
	batches, batched atomic.Int64
}

// The states of a pending call.
const (
	pendingWaiting int32 = iota
	pendingDelivered
	pendingAbandoned // the caller's ctx ended first
)

// A pending call is one call queued for, or carried by, a Batch.
type pending struct {
	call     *distlockv1.BatchCall
	deadline time.Time // the caller's: its wait + the call timeout
	size     int       // the policy's estimate of its encoded size
	state    atomic.Int32
	done     chan outcome // buffered: the batch never blocks on a caller
	// slot is the in-flight slot of the Batch that carries it, once sent; left tells
	// that its caller's leaving was counted there (see slot.leave).
	slot atomic.Pointer[slot]
	left atomic.Bool
}

// An outcome is a pending call's result: the Batch's result for it, or the whole
// request's error, or fallback (the service does not serve Batch: send it alone).
type outcome struct {
	res      *distlockv1.BatchResult
	err      error
	fallback bool
}

// waits reports whether the call is an Acquire that asks the service to wait: its answer
// may take the whole wait.
func waits(c *distlockv1.BatchCall) bool {
	a := c.GetAcquire()
	return a != nil && a.GetWait().AsDuration() > 0
}

// submit runs one Acquire, Extend or Release call with ctx bounded by timeout, alone or
// in a Batch with the calls of other goroutines, and returns its unary response wrapped
// in a BatchResult (never an error result) or its error mapped to the contract.
func (l *Lessor) submit(parent context.Context, timeout time.Duration, bc *distlockv1.BatchCall) (*distlockv1.BatchResult, error) {
	c := l.co
	if c == nil || c.unaryOnly.Load() {
		return l.unary(parent, timeout, bc)
	}
	if l.life.Err() != nil {
		return nil, driver.ErrClosed
	}
	slow := waits(bc)
	c.mu.Lock()
	if len(c.queue) == 0 && c.busy < c.maxInFlight {
		if !slow {
			c.busy++
		}
		c.mu.Unlock()
		res, err := l.unary(parent, timeout, bc)
		if !slow {
			l.freeSlot()
		}
		return res, err
	}
	ctx, cancel := context.WithTimeout(parent, timeout)
	defer cancel()
	p := newPending(ctx, bc)
	c.queue = append(c.queue, p)
	c.mu.Unlock()
	return l.await(parent, ctx, p)
}

func newPending(ctx context.Context, bc *distlockv1.BatchCall) *pending {
	deadline, _ := ctx.Deadline()
	return &pending{call: bc, deadline: deadline, size: callBytes(bc), done: make(chan outcome, 1)}
}

// await waits for p's outcome until ctx (parent bounded by the call's timeout) ends, and
// returns it as submit does.
func (l *Lessor) await(parent, ctx context.Context, p *pending) (*distlockv1.BatchResult, error) {
	var o outcome
	select {
	case o = <-p.done:
	case <-ctx.Done():
		if p.state.CompareAndSwap(pendingWaiting, pendingAbandoned) {
			// A grant that arrives later is released by the batch (see deliver).
			if s := p.slot.Load(); s != nil {
				s.leave(l, p)
			}
			return nil, l.callError(parent, ctx, connect.NewError(ctxCode(ctx.Err()), ctx.Err()))
		}
		o = <-p.done
	}
	switch {
	case o.fallback:
		return l.unary(parent, time.Until(p.deadline), p.call)
	case o.err != nil:
		return nil, l.callError(parent, ctx, o.err)
	}
	if e := o.res.GetError(); e != nil {
		return nil, l.callError(parent, ctx, batchError(e))
	}
	return o.res, nil
}

// freeSlot ends a request's hold on its in-flight slot and sends the calls queued
// meanwhile, if any, in the next Batch, which takes the slot over.
func (l *Lessor) freeSlot() {
	c := l.co
	c.mu.Lock()
	defer c.mu.Unlock()
	c.busy--
	for len(c.queue) > 0 && c.busy < c.maxInFlight {
		if c.unaryOnly.Load() {
			for _, p := range c.queue {
				p.deliver(l, outcome{fallback: true})
			}
			c.queue = nil
			return
		}
		batch := c.take()
		if len(batch) == 0 {
			continue // every call taken had been abandoned
		}
		c.busy++ // given back at once if no call answers in one round trip (carry)
		if len(batch) == 1 {
			go l.sendAlone(batch[0], true)
		} else {
			go l.sendBatch(batch, true)
		}
	}
}

// take removes from the queue the calls of the next Batch (see nextBatch). Calls whose
// caller gave up are dropped: they were never sent, so nothing leaks.
func (c *coalescer) take() []*pending {
	batch, n := nextBatch(c.queue)
	c.queue = append(c.queue[:0:0], c.queue[n:]...)
	return batch
}

// nextBatch returns the calls of the first Batch of calls, at most MaxBatchCalls calls
// whose estimated sizes sum to at most MaxBatchBytes (one call at least), leaving out
// abandoned ones, and how many of calls it went through.
func nextBatch(calls []*pending) ([]*pending, int) {
	var batch []*pending
	bytes, n := 0, 0
	for ; n < len(calls); n++ {
		p := calls[n]
		if p.state.Load() == pendingAbandoned {
			continue
		}
		if len(batch) == batchMaxCalls || (len(batch) > 0 && bytes+p.size > batchMaxBytes) {
			break
		}
		batch = append(batch, p)
		bytes += p.size
	}
	return batch, n
}

// deliver hands o to the caller, unless the caller gave up: then a lease o grants is
// released, since nobody else knows of it.
func (p *pending) deliver(l *Lessor, o outcome) {
	if p.state.CompareAndSwap(pendingWaiting, pendingDelivered) {
		p.done <- o
		return
	}
	if p.state.Load() != pendingAbandoned {
		return
	}
	if a := o.res.GetAcquire(); a != nil && a.GetLeaseToken() != "" {
		go l.releaseOrphan(a)
	}
}

// releaseOrphan releases a lease granted to a caller that had given up, as a unary
// Acquire's server would when its stream ends: retried within the lease's TTL, ended
// by Close.
func (l *Lessor) releaseOrphan(a *distlockv1.AcquireResponse) {
	ttl := a.GetTtl().AsDuration()
	ctx, cancel := context.WithTimeout(l.life, ttl)
	defer cancel()
	_ = l.Release(ctx, driver.Lease{Resource: a.GetResource(), Token: a.GetLeaseToken(),
		Validity: time.Now().Add(ttl)})
}

// ctxCode is the Connect code a call cut by a context error fails with.
func ctxCode(err error) connect.Code {
	if errors.Is(err, context.DeadlineExceeded) {
		return connect.CodeDeadlineExceeded
	}
	return connect.CodeCanceled
}
