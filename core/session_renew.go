package core

import (
	"cmp"
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/distlock/distlock/core/driver"
	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1policy"
)

// renew is the session's one renewal timer: every renewal period it renews every lock
// the session holds, until Close or the session's loss.
func (s *Session) renew() {
	defer close(s.renewed)
	period := distlockv1policy.RenewEvery(s.ttl)
	timer := time.NewTimer(period)
	defer timer.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-timer.C:
		}
		if reason := s.renewRound(); reason != nil {
			s.lost(reason)
			return
		}
		timer.Reset(period)
	}
}

// renewing is one lock of a renewal round and the last error its renewal met.
type renewing struct {
	sl    *sessionLock
	lease driver.Lease
	last  error
}

// renewRound renews every lock of the session once, as [Hold] renews one: each failed
// lock is retried with the renewal back-off until its validity ends, all of them in the
// same requests. It returns non-nil, why, when the round lost every lock it renewed
// because their validity ran out: the session is then lost.
func (s *Session) renewRound() error {
	var todo []*renewing
	for _, sl := range s.held() {
		todo = append(todo, &renewing{sl: sl, lease: sl.current()})
	}
	total, expired := len(todo), 0
	var lastExpired, roundLast error
	for n := 0; len(todo) > 0; n++ {
		// Leases past their validity are lost, with the last error renewal met.
		live := todo[:0]
		for _, r := range todo {
			if time.Now().Before(r.lease.Validity) {
				live = append(live, r)
				continue
			}
			// A lease that expired before its first attempt of the round had an answer
			// shares the round's latest failure.
			reason := cmp.Or(r.last, roundLast)
			if reason == nil {
				reason = fmt.Errorf("%w: the lease's validity ended before it could be renewed", ErrNotHeld)
			}
			r.sl.lose(reason)
			expired, lastExpired = expired+1, reason
		}
		todo = live
		if len(todo) == 0 {
			break
		}
		// One deadline for the request: the earliest validity. A lease with more left is
		// tried again in the next attempt if the request is cut.
		soonest := todo[0].lease.Validity
		for _, r := range todo[1:] {
			if r.lease.Validity.Before(soonest) {
				soonest = r.lease.Validity
			}
		}
		ctx, cancel := context.WithDeadline(s.ctx, soonest)
		next, errs := s.extendMany(ctx, todo)
		cancel()
		retry := todo[:0]
		for i, r := range todo {
			switch err := errs[i]; {
			case err == nil:
				r.sl.renewed(next[i])
			case renewalFinal(err) != nil:
				r.sl.lose(renewalFinal(err))
			default:
				// A call cut by the validity deadline says nothing about the service:
				// the reason stays the last answer it gave, as for a single lock.
				if r.last == nil || time.Now().Before(r.lease.Validity) {
					r.last, roundLast = err, err
				}
				retry = append(retry, r)
			}
		}
		todo = retry
		if len(todo) == 0 {
			break
		}
		t := time.NewTimer(renewPause(n, soonest))
		select {
		case <-s.stop:
			t.Stop()
			return nil // Close takes over: it releases the locks
		case <-t.C:
		}
	}
	if total > 0 && expired == total {
		return lastExpired
	}
	return nil
}

// extendMany extends each lease of todo by the session's TTL: in one call when the
// Lessor is a [driver.MultiExtender], else with concurrent Extend calls.
func (s *Session) extendMany(ctx context.Context, todo []*renewing) ([]driver.Lease, []error) {
	leases := make([]driver.Lease, len(todo))
	for i, r := range todo {
		leases[i] = r.lease
	}
	if m, ok := s.l.(driver.MultiExtender); ok {
		return m.ExtendMany(ctx, leases, s.ttl)
	}
	next, errs := make([]driver.Lease, len(leases)), make([]error, len(leases))
	var wg sync.WaitGroup
	for i := range leases {
		wg.Go(func() { next[i], errs[i] = s.l.Extend(ctx, leases[i], s.ttl) })
	}
	wg.Wait()
	return next, errs
}

// lost ends a session whose renewal could not keep its locks: every lock it still holds
// is reported lost with the same reason.
func (s *Session) lost(reason error) {
	if !s.end(reason) {
		return
	}
	for _, sl := range s.held() {
		sl.lose(reason)
	}
}
