package connectsvc

import (
	"context"
	"errors"
	"fmt"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
)

// Hold takes the lock and keeps it for the stream's lifetime; see the proto for the
// rules. Renewal is core.Hold's, the same code that renews an in-process lock, so the
// retry and loss rules are the client policy's; this handler only reports them.
func (s *Service) Hold(ctx context.Context, req *connect.Request[distlockv1.HoldRequest], stream *connect.ServerStream[distlockv1.HoldResponse]) error {
	lo, err := s.cfg.holdArgs(req.Msg)
	if err != nil {
		return err
	}
	if s.drainCtx.Err() != nil {
		// Its grace would end the hold soon: the client is better off on another replica.
		return connect.NewError(connect.CodeUnavailable, errors.New(msgDraining))
	}
	resource := req.Msg.GetResource()
	if err := s.authorize(ctx, VerbAcquire, resource); err != nil {
		return err
	}
	if lo.Owner, err = s.ownerFor(ctx, lo.Owner); err != nil {
		return err
	}
	end, err := s.quota.BeginAcquire(ctx, lo.TTL, len(lo.Data), lo.Wait > 0)
	if err != nil {
		return err
	}
	start := time.Now()
	lease, err := s.holdAcquire(ctx, resource, lo, stream)
	if err != nil {
		end(nil)
		return err
	}
	end(&lease)
	s.metrics.acquireWait.of(nil).Observe(time.Since(start).Seconds())
	if ctx.Err() != nil {
		s.releaseAbandoned(ctx, lease)
		return connect.NewError(connect.CodeCanceled, ctx.Err())
	}

	rl := &renewals{Lessor: s.lessor, renewed: make(chan driver.Lease, 1), quota: s.quota}
	lock := core.Hold(rl, lease, nil)
	s.holds.granted(lease.Resource, lease.Token, start, lease.Validity)
	defer func() {
		if held, ok := s.holds.released(lease.Resource, lease.Token, time.Now()); ok {
			s.metrics.holdTime.Observe(held.Seconds())
		}
		s.quota.Released(lease.Resource, lease.Token)
	}()
	// The client going away must release at once, whatever this goroutine is doing
	// (a Send blocked on a dead connection included), and also when this goroutine
	// sees it first (the ctx.Done case below returns; the deferred stop releases).
	defer afterDone(ctx, func() { s.releaseHeld(lock) })()

	if err := stream.Send(&distlockv1.HoldResponse{Event: &distlockv1.HoldResponse_Granted{Granted: grantResponse(lease)}}); err != nil {
		s.releaseHeld(lock)
		return err
	}
	for {
		select {
		case <-ctx.Done():
			return connect.NewError(connect.CodeCanceled, ctx.Err())
		case next := <-rl.renewed:
			if err := stream.Send(&distlockv1.HoldResponse{Event: &distlockv1.HoldResponse_Renewed{Renewed: &distlockv1.HoldRenewed{
				ExpireTime: timestamppb.New(next.Validity),
			}}}); err != nil {
				s.releaseHeld(lock)
				return err
			}
		case <-lock.Lost:
			// Tell the client first: it is waiting to stop its work. Then release, as
			// keys may remain after a renewal that failed for want of a quorum.
			err := s.holdLost(stream, lock.Err())
			s.releaseHeld(lock)
			return err
		case <-s.streams.graceOver():
			s.releaseHeld(lock)
			return sendLost(stream, distlockv1.HoldLost_REASON_SERVER_SHUTDOWN, msgDraining, connect.CodeUnavailable)
		}
	}
}

// holdAcquire makes one attempt and, while another holds the resource, reports the
// holder and waits for the lock, reporting the holder again every waitingEvery.
func (s *Service) holdAcquire(ctx context.Context, resource string, lo driver.LeaseOptions, stream *connect.ServerStream[distlockv1.HoldResponse]) (driver.Lease, error) {
	wait := lo.Wait
	lo.Wait = 0
	lease, err := s.lessor.Acquire(ctx, resource, lo)
	if err == nil || !errors.Is(err, driver.ErrAcquireTimeout) || wait == 0 || ctx.Err() != nil {
		if err != nil {
			return driver.Lease{}, s.fail(ctx, "Hold", err, msgNotFound)
		}
		return lease, nil
	}
	if n := s.waiting.Add(1); n > s.cfg.maxWaiters {
		s.waiting.Add(-1)
		return driver.Lease{}, connect.NewError(connect.CodeResourceExhausted, fmt.Errorf(msgMaxWaiters, s.cfg.maxWaiters))
	}
	defer s.waiting.Add(-1)
	waitCtx, cancel := s.waitContext(ctx)
	defer cancel(nil)

	type result struct {
		lease driver.Lease
		err   error
	}
	done := make(chan result, 1)
	lo.Wait = wait
	go func() {
		lease, err := s.lessor.Acquire(waitCtx, resource, lo)
		done <- result{lease, err}
	}()
	tick := time.NewTicker(s.cfg.holdWaitingEvery())
	defer tick.Stop()
	for first := true; ; first = false {
		if !first {
			select {
			case r := <-done:
				if r.err != nil {
					return driver.Lease{}, s.fail(waitCtx, "Hold", r.err, msgNotFound)
				}
				return r.lease, nil
			case <-tick.C:
			}
		}
		if err := s.sendWaiting(waitCtx, resource, stream); err != nil {
			cancel(err)
			if r := <-done; r.err == nil {
				s.releaseAbandoned(ctx, r.lease)
			}
			return driver.Lease{}, err
		}
	}
}

// sendWaiting reports the current holder, if there still is one.
func (s *Service) sendWaiting(ctx context.Context, resource string, stream *connect.ServerStream[distlockv1.HoldResponse]) error {
	info, err := s.lessor.Info(ctx, resource)
	if err != nil {
		return nil // freed meanwhile, or unknown: the wait goes on and says so next time
	}
	return stream.Send(&distlockv1.HoldResponse{Event: &distlockv1.HoldResponse_Waiting{Waiting: &distlockv1.HoldWaiting{
		Owner:        ownerLabel(info.Owner),
		FencingToken: info.FencingToken,
		ExpireTime:   timestamppb.New(info.ExpireTime),
	}}})
}

// holdLost reports why renewal ended and ends the stream with the matching code.
func (s *Service) holdLost(stream *connect.ServerStream[distlockv1.HoldResponse], reason error) error {
	if errors.Is(reason, driver.ErrNotHeld) {
		return sendLost(stream, distlockv1.HoldLost_REASON_NOT_HELD, msgNotFound, connect.CodeNotFound)
	}
	s.cfg.logger.Warn("a held lock was lost: renewal failed until its validity ended", "error", reason.Error())
	return sendLost(stream, distlockv1.HoldLost_REASON_UNAVAILABLE, msgUnavailable, connect.CodeUnavailable)
}

func sendLost(stream *connect.ServerStream[distlockv1.HoldResponse], reason distlockv1.HoldLost_Reason, msg string, code connect.Code) error {
	if err := stream.Send(&distlockv1.HoldResponse{Event: &distlockv1.HoldResponse_Lost{Lost: &distlockv1.HoldLost{
		Reason: reason, Message: msg,
	}}}); err != nil {
		return err
	}
	return connect.NewError(code, errors.New(msg))
}

// releaseHeld releases a held lock, on behalf of a client that is gone or a server that
// is leaving; a lock already lost has nothing to release.
func (s *Service) releaseHeld(lock core.Lock) {
	ctx, cancel := context.WithTimeout(context.Background(), abandonedReleaseTimeout)
	defer cancel()
	if err := lock.Release(ctx); err != nil && !errors.Is(err, driver.ErrNotHeld) {
		s.cfg.logger.Warn("releasing a held lock failed; it expires with its TTL",
			"resource", lock.Resource, "error", err.Error())
	}
}

// renewals is the service's lessor as core.Hold sees it: it also reports each renewed
// lease, the latest only, so that the stream can say so without slowing renewal.
type renewals struct {
	driver.Lessor
	renewed chan driver.Lease
	quota   Quota
}

func (r *renewals) Extend(ctx context.Context, lease driver.Lease, ttl time.Duration) (driver.Lease, error) {
	next, err := r.Lessor.Extend(ctx, lease, ttl)
	if err == nil {
		r.quota.Extended(next)
		select {
		case <-r.renewed:
		default:
		}
		r.renewed <- next
	}
	return next, err
}
