package memory

import (
	"context"
	"errors"
	"time"

	"github.com/distlock/distlock/core"
)

// Acquire takes the lock on resource; see [core.Lessor.Acquire]. When the handle is
// closed while it waits, it returns [core.ErrClosed].
func (st *Store) Acquire(ctx context.Context, resource string, o core.LeaseOptions) (core.Lease, error) {
	if err := core.ValidateResource(resource); err != nil {
		return core.Lease{}, err
	}
	if err := core.ValidateLease(o); err != nil {
		return core.Lease{}, err
	}
	var waitEnd <-chan time.Time // nil (never) for a negative Wait
	if o.Wait > 0 {
		t := time.NewTimer(o.Wait)
		defer t.Stop()
		waitEnd = t.C
	}
	s := st.s
	for {
		if st.closed() {
			return core.Lease{}, core.ErrClosed
		}
		if err := ctx.Err(); err != nil {
			return core.Lease{}, errors.Join(core.ErrAcquireTimeout, err)
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
			return core.Lease{}, core.ErrAcquireTimeout
		}
		released := s.waitCh(resource)
		// The holder may also just expire; the store's clock says when.
		expiry := s.opts.clock.NewTimer(cur.expire.Sub(s.opts.clock.Now()))
		s.mu.Unlock()

		select {
		case <-released:
		case <-expiry.Chan():
		case <-waitEnd:
			expiry.Stop()
			return core.Lease{}, core.ErrAcquireTimeout
		case <-ctx.Done():
			expiry.Stop()
			return core.Lease{}, errors.Join(core.ErrAcquireTimeout, ctx.Err())
		case <-st.done:
			expiry.Stop()
			return core.Lease{}, core.ErrClosed
		}
		expiry.Stop()
	}
}
