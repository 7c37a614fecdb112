package connectsvc

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/distlock/distlock/core/driver"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
)

// Acquire takes the lock on a resource, waiting at most the shortest of the request's
// wait, the server's maximum wait and (less a margin) the caller's deadline.
func (s *Service) Acquire(ctx context.Context, req *connect.Request[distlockv1.AcquireRequest]) (*connect.Response[distlockv1.AcquireResponse], error) {
	lease, err := s.acquire(ctx, req.Msg)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(grantResponse(lease)), nil
}

// acquire is Acquire for one request, of the unary RPC or of a Batch: validation,
// authorization, quotas, the waiters cap, the wait and its metrics. A grant whose caller
// left meanwhile is released here; one granted while the caller is still there is the
// caller's to deliver.
func (s *Service) acquire(ctx context.Context, m *distlockv1.AcquireRequest) (driver.Lease, error) {
	lo, err := s.cfg.acquireArgs(m)
	if err != nil {
		return driver.Lease{}, err
	}
	if err := s.authorize(ctx, VerbAcquire, m.GetResource()); err != nil {
		return driver.Lease{}, err
	}
	if lo.Owner, err = s.ownerFor(ctx, lo.Owner); err != nil {
		return driver.Lease{}, err
	}
	start := time.Now()
	deadline, hasDeadline := ctx.Deadline()
	lo.Wait = boundWait(deadline, hasDeadline, lo.Wait, start)

	if lo.Wait > 0 {
		n := s.waiting.Add(1)
		defer s.waiting.Add(-1)
		if n > s.cfg.maxWaiters {
			return driver.Lease{}, connect.NewError(connect.CodeResourceExhausted, fmt.Errorf(msgMaxWaiters, s.cfg.maxWaiters))
		}
	}
	end, err := s.quota.BeginAcquire(ctx, lo.TTL, len(lo.Data), lo.Wait > 0)
	if err != nil {
		return driver.Lease{}, err
	}
	var granted *driver.Lease
	defer func() { end(granted) }()
	waitCtx, cancel := s.waitContext(ctx)
	defer cancel(nil)
	if s.cfg.longWaitLog > 0 && lo.Wait >= s.cfg.longWaitLog {
		defer s.logLongWait(waitCtx, m.GetResource(), lo.Wait, start)()
	}

	lease, err := s.lessor.Acquire(waitCtx, m.GetResource(), lo)
	if err != nil {
		cerr := s.fail(waitCtx, "Acquire", err, msgNotFound)
		s.metrics.acquireWait.of(cerr).Observe(time.Since(start).Seconds())
		return driver.Lease{}, cerr
	}
	s.metrics.acquireWait.of(nil).Observe(time.Since(start).Seconds())
	if ctx.Err() != nil {
		// The caller is gone and will never learn the token: free the resource now
		// rather than block it for a whole TTL.
		s.releaseAbandoned(ctx, lease)
		return driver.Lease{}, connect.NewError(connect.CodeCanceled, ctx.Err())
	}
	granted = &lease
	holdGrant(ctx, lease)
	s.holds.granted(lease.Resource, lease.Token, start, lease.Validity)
	return lease, nil
}

// grantResponse is the wire form of a granted lease, for Acquire and Hold.
func grantResponse(lease driver.Lease) *distlockv1.AcquireResponse {
	return &distlockv1.AcquireResponse{
		Resource:     lease.Resource,
		LeaseToken:   lease.Token,
		FencingToken: lease.Fence,
		Ttl:          durationpb.New(lease.TTL),
		LockTime:     timestamppb.New(lease.LockTime),
		ExpireTime:   timestamppb.New(lease.Validity),
	}
}

// waitContext returns the context of a wait for a held lock, which a drain cancels with
// errDraining, and counts the wait in the waiters gauge until cancel is first called.
func (s *Service) waitContext(ctx context.Context) (context.Context, context.CancelCauseFunc) {
	s.metrics.waiters.Inc()
	waitCtx, cancel := context.WithCancelCause(ctx)
	stop := context.AfterFunc(s.drainCtx, func() { cancel(errDraining) })
	var once sync.Once
	return waitCtx, func(cause error) {
		once.Do(func() {
			stop()
			cancel(cause)
			s.metrics.waiters.Dec()
		})
	}
}

// abandonedReleaseTimeout bounds the release of a lease whose caller went away.
const abandonedReleaseTimeout = 5 * time.Second

func (s *Service) releaseAbandoned(ctx context.Context, lease driver.Lease) {
	s.metrics.abandoned.Inc()
	s.holds.released(lease.Resource, lease.Token, time.Now())
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), abandonedReleaseTimeout)
	defer cancel()
	err := s.lessor.Release(ctx, lease)
	if err == nil || errors.Is(err, driver.ErrNotHeld) {
		s.quota.Released(lease.Resource, lease.Token)
	}
	if err != nil {
		s.cfg.logger.Warn("releasing the lease of a caller that went away failed; it expires with its TTL",
			"resource", lease.Resource, "error", err.Error())
	}
}

// logLongWait logs a progress line every longWaitLog while an Acquire waits, and returns
// a function that stops it and waits for it to end.
func (s *Service) logLongWait(ctx context.Context, resource string, wait time.Duration, start time.Time) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(s.cfg.longWaitLog)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				s.cfg.logger.InfoContext(ctx, "acquire still waiting for a held lock",
					"resource", resource, "waited", time.Since(start).Round(time.Millisecond).String(),
					"wait", wait.String())
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}
