package cli

import (
	"context"

	"connectrpc.com/connect"

	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
)

func (p *recordingProxy) List(ctx context.Context, req *connect.Request[distlockv1.ListRequest]) (*connect.Response[distlockv1.ListResponse], error) {
	return p.next.List(ctx, connect.NewRequest(req.Msg))
}

func (p *recordingProxy) ForceRelease(ctx context.Context, req *connect.Request[distlockv1.ForceReleaseRequest]) (*connect.Response[distlockv1.ForceReleaseResponse], error) {
	return p.next.ForceRelease(ctx, connect.NewRequest(req.Msg))
}
