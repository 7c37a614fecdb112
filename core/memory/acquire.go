package memory

import (
	"context"
	"errors"
	"time"

	"github.com/distlock/distlock/core/driver"
)

// Acquire takes the lock on resource; see [driver.Lessor.Acquire]. When the handle is
// closed while it waits, it returns [driver.ErrClosed].
func (st *Store) Acquire(ctx context.Context, resource string, o driver.LeaseOptions) (driver.Lease, error) {
	if err := driver.ValidateResource(resource); err != nil {
		return driver.Lease{}, err
	}
	if err := driver.ValidateLease(o); err != nil {
		return driver.Lease{}, err
	}
	var waitEnd <-chan time.Time // nil (never) for a negative Wait
	if o.Wait > 0 {
		t := time.NewTimer(o.Wait)
		defer t.Stop()
		waitEnd = t.C
	}
	s := st.s
	waiting := false // counted in s.waiting, until Acquire returns
	for {
		if st.closed() {
			return driver.Lease{}, driver.ErrClosed
		}
		if err := ctx.Err(); err != nil {
			return driver.Lease{}, errors.Join(driver.ErrAcquireTimeout, err)
		}
		s.mu.Lock()
		cur := s.live(resource)
		if cur == nil {
			lease := s.grant(resource, o)
			s.mu.Unlock()
			return lease, nil
		}
		if o.Wait == 0 {
			s.mu.Unlock()
			return driver.Lease{}, driver.ErrAcquireTimeout
		}
		released := s.waitCh(resource)
		// The holder may also just expire; the store's clock says when.
		expiry := s.opts.clock.NewTimer(cur.expire.Sub(s.opts.clock.Now()))
		if !waiting {
			waiting = true
			s.waiting[resource]++
			defer s.unwait(resource)
		}
		s.mu.Unlock()

		select {
		case <-released:
		case <-expiry.Chan():
		case <-waitEnd:
			expiry.Stop()
			return driver.Lease{}, driver.ErrAcquireTimeout
		case <-ctx.Done():
			expiry.Stop()
			return driver.Lease{}, errors.Join(driver.ErrAcquireTimeout, ctx.Err())
		case <-st.done:
			expiry.Stop()
			return driver.Lease{}, driver.ErrClosed
		}
		expiry.Stop()
	}
}
