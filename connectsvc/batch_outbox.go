package connectsvc

import (
	"context"
	"sync"

	"github.com/distlock/distlock/core/driver"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
)

// batchOutbox holds the results of a batch's calls between the calls that complete them
// and the sender that streams them. Its lock is taken once per result and once per
// message, never across a call or a Send.
type batchOutbox struct {
	mu     sync.Mutex
	ready  []*distlockv1.BatchResult // completed, not yet taken by the sender
	grants []driver.Lease            // the leases granted by the Acquires in ready
	quick  int                       // calls that cannot wait and have not completed
	taken  bool                      // the sender took a first message
	gone   bool                      // nothing can be delivered any more
	wake   chan struct{}             // signalled when ready grows (capacity 1)
	// calls counts the goroutines running calls; Batch waits for them before it returns.
	calls sync.WaitGroup
}

func newBatchOutbox(calls []*distlockv1.BatchCall) *batchOutbox {
	o := &batchOutbox{wake: make(chan struct{}, 1)}
	for _, c := range calls {
		if !mayWait(c) {
			o.quick++
		}
	}
	return o
}

// mayWait tells the calls that may wait for a held lock, for up to the wait cap, from
// those that end after one attempt.
func mayWait(c *distlockv1.BatchCall) bool {
	a := c.GetAcquire()
	return a != nil && a.GetWait().AsDuration() > 0
}

// put hands over a call's result and, for a grant, its lease. It reports false when the
// result can no longer be delivered: the caller then releases the lease.
func (o *batchOutbox) put(r *distlockv1.BatchResult, lease *driver.Lease, quick bool) bool {
	o.mu.Lock()
	if o.gone {
		o.mu.Unlock()
		return false
	}
	o.ready = append(o.ready, r)
	if lease != nil {
		o.grants = append(o.grants, *lease)
	}
	if quick {
		o.quick--
	}
	o.mu.Unlock()
	select {
	case o.wake <- struct{}{}:
	default:
	}
	return true
}

// next waits for the results of the next message and returns them with the leases they
// grant. The first message waits until every call that cannot wait has completed; later
// ones go as soon as one result is there. The sender passes back the slices of its
// previous message (sent by then) for reuse. It fails only when ctx is done.
func (o *batchOutbox) next(ctx context.Context, spare []*distlockv1.BatchResult, spareGrants []driver.Lease) ([]*distlockv1.BatchResult, []driver.Lease, error) {
	for {
		o.mu.Lock()
		if len(o.ready) > 0 && (o.taken || o.quick == 0) {
			results, grants := o.ready, o.grants
			o.ready, o.grants = spare[:0], spareGrants[:0]
			o.taken = true
			o.mu.Unlock()
			return results, grants, nil
		}
		o.mu.Unlock()
		select {
		case <-o.wake:
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		}
	}
}

// close marks the results undeliverable and returns the leases granted by those not
// taken: the caller releases them, and calls that complete later release their own.
func (o *batchOutbox) close() []driver.Lease {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.gone = true
	grants := o.grants
	o.ready, o.grants = nil, nil
	return grants
}
