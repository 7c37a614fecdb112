package connectsvc

import (
	"context"
	"errors"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/distlock/distlock/core/driver"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
)

// Extend resets a held lease's TTL. It does not change the fencing token.
func (s *Service) Extend(ctx context.Context, req *connect.Request[distlockv1.ExtendRequest]) (*connect.Response[distlockv1.ExtendResponse], error) {
	resp, err := s.extend(ctx, req.Msg)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(resp), nil
}

// extend is Extend for one request, of the unary RPC or of a Batch.
func (s *Service) extend(ctx context.Context, m *distlockv1.ExtendRequest) (*distlockv1.ExtendResponse, error) {
	if err := checkResource(m.GetResource()); err != nil {
		return nil, err
	}
	if err := checkLeaseToken(m.GetLeaseToken()); err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, VerbAcquire, m.GetResource()); err != nil {
		return nil, err
	}
	ttl, err := s.cfg.ttl(m.GetTtl())
	if err != nil {
		return nil, err
	}
	if err := s.quota.CheckExtend(ctx, ttl); err != nil {
		return nil, err
	}
	lease, err := s.lessor.Extend(ctx, driver.Lease{Resource: m.GetResource(), Token: m.GetLeaseToken()}, ttl)
	if errors.Is(err, driver.ErrNotHeld) {
		s.quota.Released(m.GetResource(), m.GetLeaseToken())
	}
	if err != nil {
		return nil, s.fail(ctx, "Extend", err, msgNotFound)
	}
	s.quota.Extended(driver.Lease{Resource: m.GetResource(), Token: m.GetLeaseToken(), Validity: lease.Validity})
	s.holds.extended(m.GetResource(), m.GetLeaseToken(), lease.Validity)
	if lease.TTL == 0 {
		lease.TTL = ttl
	}
	return &distlockv1.ExtendResponse{
		Ttl:          durationpb.New(lease.TTL),
		ExpireTime:   timestamppb.New(lease.Validity),
		FencingToken: lease.Fence,
	}, nil
}

// Release deletes a held lease.
func (s *Service) Release(ctx context.Context, req *connect.Request[distlockv1.ReleaseRequest]) (*connect.Response[distlockv1.ReleaseResponse], error) {
	if err := s.release(ctx, req.Msg); err != nil {
		return nil, err
	}
	return connect.NewResponse(&distlockv1.ReleaseResponse{}), nil
}

// release is Release for one request, of the unary RPC or of a Batch.
func (s *Service) release(ctx context.Context, m *distlockv1.ReleaseRequest) error {
	if err := checkResource(m.GetResource()); err != nil {
		return err
	}
	if err := checkLeaseToken(m.GetLeaseToken()); err != nil {
		return err
	}
	if err := s.authorize(ctx, VerbAcquire, m.GetResource()); err != nil {
		return err
	}
	err := s.lessor.Release(ctx, driver.Lease{Resource: m.GetResource(), Token: m.GetLeaseToken()})
	if err == nil || errors.Is(err, driver.ErrNotHeld) {
		s.quota.Released(m.GetResource(), m.GetLeaseToken())
	}
	if err != nil {
		return s.fail(ctx, "Release", err, msgNotFound)
	}
	if held, ok := s.holds.released(m.GetResource(), m.GetLeaseToken(), time.Now()); ok {
		s.metrics.holdTime.Observe(held.Seconds())
	}
	return nil
}
