package distlock

import (
	"context"
	"errors"
	"fmt"
	"time"

	"connectrpc.com/connect"
	"github.com/distlock/distlock/core/driver"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	policy "github.com/distlock/distlock/gen/go/distlock/v1/distlockv1policy"
	"google.golang.org/protobuf/types/known/durationpb"
)

// Acquire takes the lock on resource; see [driver.Lessor.Acquire]. A wait longer than one
// call's limit ([WithCallWait]) is split into several calls. While the service is
// unavailable it retries within the wait; with no wait (o.Wait == 0) it makes exactly
// one call. A service that does not answer at all (connection refused, unknown host) is
// tried for the client policy's UnreachableGiveUp (10s) from the start or its last
// answer, or until the wait ends if sooner: then the error matches
// [driver.ErrUnavailable] and names the URL and the cause.
//
// When ctx ends first, the error matches [driver.ErrAcquireTimeout] and ctx's error. A
// grant whose response was lost to that cancellation stays held on the service until
// its TTL runs out; to make that unlikely, each call asks for a wait that ends well
// before ctx's deadline.
func (l *Lessor) Acquire(ctx context.Context, resource string, o driver.LeaseOptions) (driver.Lease, error) {
	if err := driver.ValidateResource(resource); err != nil {
		return driver.Lease{}, err
	}
	if err := driver.ValidateLease(o); err != nil {
		return driver.Lease{}, err
	}
	start := time.Now()
	var end time.Time
	if o.Wait > 0 {
		end = start.Add(o.Wait)
	}
	// lastAnswer is when the service last answered anything, the start until it does.
	// A service that has not answered for the policy's UnreachableGiveUp (a wrong URL,
	// or one that vanished mid-wait) is given up on; a shorter silence is retried, as a
	// service restarting looks the same.
	lastAnswer := start
	failures, early := 0, 0 // consecutive transient failures, consecutive early answers
	// lastFailure is the transient error of the latest call, if it failed so: when ctx
	// ends while the service is unavailable, that is what the caller needs to hear.
	var lastFailure error
	ended := func() error {
		// Only the service's own "unavailable" explains the wait's end better than the
		// timeout error: a deadline_exceeded may be ctx's own deadline cutting the call,
		// and the seed API promises the timeout error then.
		if lastFailure != nil && errors.Is(lastFailure, driver.ErrUnavailable) {
			return errors.Join(lastFailure, ctx.Err())
		}
		return errors.Join(driver.ErrAcquireTimeout, ctx.Err())
	}
	for {
		if ctx.Err() != nil {
			return driver.Lease{}, ended()
		}
		wait := l.nextWait(ctx, o.Wait, end)
		asked := time.Now()
		lease, err := l.acquireOnce(ctx, resource, o, wait)
		if err == nil {
			return lease, nil
		}
		if ctx.Err() != nil {
			if errors.Is(err, driver.ErrUnavailable) { // the service's answer, not ctx's end
				lastFailure = err
			}
			return driver.Lease{}, ended()
		}
		if !isUnanswered(err) {
			lastAnswer = time.Now()
		}
		outOfWait := o.Wait == 0 || (o.Wait > 0 && !time.Now().Before(end))
		var pause time.Duration
		switch {
		case errors.Is(err, driver.ErrAcquireTimeout):
			if outOfWait {
				return driver.Lease{}, err
			}
			failures, lastFailure = 0, nil
			// The service waited as asked, or less if its own maximum is lower. An answer
			// much sooner than asked means it waits little or not at all: pace the calls.
			if time.Since(asked) < wait/policy.EarlyAnswerDivisor {
				pause = backoff(early)
				early++
			} else {
				early = 0
			}
		case transient(err):
			if outOfWait {
				return driver.Lease{}, err
			}
			pause = backoff(failures)
			failures, lastFailure = failures+1, err
		default:
			return driver.Lease{}, err
		}
		if pause > 0 {
			resume := time.Now().Add(pause)
			if o.Wait > 0 && !resume.Before(end) {
				return driver.Lease{}, err
			}
			if !resume.Before(lastAnswer.Add(policy.UnreachableGiveUp)) {
				return driver.Lease{}, err
			}
			if !sleep(ctx, pause) {
				return driver.Lease{}, ended()
			}
		}
	}
}

// nextWait is the wait the next Acquire call asks for: what is left of the caller's
// wait, at most one call's limit, and ending before ctx's deadline by a fifth of the
// time left (at most a second), so that the service's "not acquired" arrives before the
// deadline cuts the call off and no grant is lost in flight.
func (l *Lessor) nextWait(ctx context.Context, total time.Duration, end time.Time) time.Duration {
	if total == 0 {
		return 0
	}
	w := l.opts.callWait
	if total > 0 {
		w = min(w, time.Until(end))
	}
	if dl, ok := ctx.Deadline(); ok {
		left := time.Until(dl)
		w = min(w, left-min(left/5, time.Second))
	}
	return max(w, 0)
}

// acquireOnce makes one Acquire call that asks the service to wait up to wait.
func (l *Lessor) acquireOnce(ctx context.Context, resource string, o driver.LeaseOptions, wait time.Duration) (driver.Lease, error) {
	req := &distlockv1.AcquireRequest{
		Resource: resource,
		Ttl:      durationpb.New(o.TTL),
		Owner:    o.Owner,
		Data:     o.Data,
	}
	if wait > 0 {
		req.Wait = durationpb.New(wait)
	}
	sent := time.Now()
	r, err := l.submit(ctx, wait+l.opts.callTimeout, &distlockv1.BatchCall{Call: &distlockv1.BatchCall_Acquire{Acquire: req}})
	if err != nil {
		return driver.Lease{}, err
	}
	res := r.GetAcquire()
	ttl := grantedTTL(res.GetTtl(), o.TTL)
	lease := driver.Lease{
		Resource: resource,
		Token:    res.GetLeaseToken(),
		Fence:    res.GetFencingToken(),
		Owner:    o.Owner,
		TTL:      ttl,
		Validity: validUntil(sent, ttl),
	}
	if t := res.GetLockTime(); t != nil {
		lease.LockTime = t.AsTime()
	}
	if time.Since(sent) > policy.LateGrant(ttl) {
		return l.confirm(ctx, lease)
	}
	return lease, nil
}

// confirm re-anchors the validity of a lease whose grant came long after its request
// was sent, as after a wait. The key's TTL started when the service granted it, which
// may be anywhere between sending and receiving, so the only safe bound, send time plus
// TTL, would leave little or no validity; one Extend sent now gives a fresh bound. If
// the lease cannot be confirmed it is released and the failure counts as the service
// being unavailable, so Acquire tries again within its wait.
func (l *Lessor) confirm(ctx context.Context, lease driver.Lease) (driver.Lease, error) {
	next, err := l.extend(ctx, lease, lease.TTL)
	if err == nil {
		return next, nil
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), l.opts.callTimeout)
	defer cancel()
	_ = l.Release(rctx, lease) // best effort: the lease expires by itself otherwise
	// Unavailable by its Connect code too, which is what makes it transient.
	return driver.Lease{}, fromService(connect.NewError(connect.CodeUnavailable,
		fmt.Errorf("lock granted after a wait but not confirmed (%v)", err)))
}
