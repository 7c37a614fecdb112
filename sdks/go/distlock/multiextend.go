package distlock

import (
	"context"
	"sync"
	"time"

	"github.com/distlock/distlock/core/driver"
)

var _ driver.MultiExtender = (*Lessor)(nil)

// ExtendMany extends every lease to ttl in as few Batch requests as the client policy's
// limits allow (one for up to 10,000 small leases); see [driver.MultiExtender]. Each
// lease gets the result its own Extend would: the updated lease, or the error mapped as
// Extend maps it. It makes one attempt, like Extend; core.Session, which renews its locks
// with it, retries the failures. Without coalescing ([WithoutCoalescing]) or against a
// service that does not serve Batch, it makes concurrent Extend calls.
func (l *Lessor) ExtendMany(ctx context.Context, leases []driver.Lease, ttl time.Duration) ([]driver.Lease, []error) {
	next, errs := make([]driver.Lease, len(leases)), make([]error, len(leases))
	each := func(f func(i int)) {
		var wg sync.WaitGroup
		for i := range leases {
			if errs[i] == nil {
				wg.Go(func() { f(i) })
			}
		}
		wg.Wait()
	}
	for i, lease := range leases {
		if errs[i] = driver.ValidateLeaseRef(lease); errs[i] == nil {
			errs[i] = driver.ValidateTTL(ttl)
		}
	}
	if l.co == nil || l.co.unaryOnly.Load() {
		each(func(i int) { next[i], errs[i] = l.extend(ctx, leases[i], ttl) })
		return next, errs
	}
	if l.life.Err() != nil {
		for i := range errs {
			errs[i] = driver.ErrClosed
		}
		return next, errs
	}

	sent := time.Now()
	callCtx, cancel := context.WithTimeout(ctx, l.opts.callTimeout)
	defer cancel()
	calls := make([]*pending, len(leases))
	var queued []*pending
	for i, lease := range leases {
		if errs[i] == nil {
			calls[i] = newPending(callCtx, extendCall(lease, ttl))
			queued = append(queued, calls[i])
		}
	}
	// Sent at once, without waiting for an in-flight slot: renewals are due now.
	for len(queued) > 0 {
		batch, n := nextBatch(queued)
		queued = queued[n:]
		go l.sendBatch(batch, false)
	}
	each(func(i int) {
		r, err := l.await(ctx, callCtx, calls[i])
		if err != nil {
			errs[i] = err
			return
		}
		next[i] = extended(leases[i], ttl, sent, r.GetExtend())
	})
	return next, errs
}
