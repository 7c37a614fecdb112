package connectsvc

import (
	"context"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
)

// Info describes a resource's holder; a free resource is not_found.
func (s *Service) Info(ctx context.Context, req *connect.Request[distlockv1.InfoRequest]) (*connect.Response[distlockv1.InfoResponse], error) {
	if err := checkResource(req.Msg.GetResource()); err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, VerbRead, req.Msg.GetResource()); err != nil {
		return nil, err
	}
	info, err := s.lessor.Info(ctx, req.Msg.GetResource())
	if err != nil {
		return nil, s.fail(ctx, "Info", err, msgFree)
	}
	return connect.NewResponse(&distlockv1.InfoResponse{
		Owner:        ownerLabel(info.Owner),
		LockTime:     timestamppb.New(info.LockTime),
		ExpireTime:   timestamppb.New(info.ExpireTime),
		FencingToken: info.FencingToken,
	}), nil
}

// Read returns a held lock's payload; a free resource is not_found.
func (s *Service) Read(ctx context.Context, req *connect.Request[distlockv1.ReadRequest]) (*connect.Response[distlockv1.ReadResponse], error) {
	if err := checkResource(req.Msg.GetResource()); err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, VerbRead, req.Msg.GetResource()); err != nil {
		return nil, err
	}
	data, err := s.lessor.Read(ctx, req.Msg.GetResource())
	if err != nil {
		return nil, s.fail(ctx, "Read", err, msgFree)
	}
	return connect.NewResponse(&distlockv1.ReadResponse{Data: data}), nil
}
