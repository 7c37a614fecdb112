package cli

import (
	"context"

	"connectrpc.com/connect"

	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
)

// The recording proxy serves the unary path only: `distlock run` renews with Extend.

func (p *recordingProxy) Hold(context.Context, *connect.Request[distlockv1.HoldRequest], *connect.ServerStream[distlockv1.HoldResponse]) error {
	return connect.NewError(connect.CodeUnimplemented, nil)
}

func (p *recordingProxy) Watch(context.Context, *connect.Request[distlockv1.WatchRequest], *connect.ServerStream[distlockv1.WatchResponse]) error {
	return connect.NewError(connect.CodeUnimplemented, nil)
}
