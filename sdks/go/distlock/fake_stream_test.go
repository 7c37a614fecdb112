package distlock_test

import (
	"context"

	"connectrpc.com/connect"

	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
)

// The scripted service streams nothing: the stream tests run against real services.

func (f *fakeService) Hold(context.Context, *connect.Request[distlockv1.HoldRequest], *connect.ServerStream[distlockv1.HoldResponse]) error {
	f.note("Hold")
	return connect.NewError(connect.CodeUnimplemented, nil)
}

func (f *fakeService) Watch(context.Context, *connect.Request[distlockv1.WatchRequest], *connect.ServerStream[distlockv1.WatchResponse]) error {
	f.note("Watch")
	return connect.NewError(connect.CodeUnimplemented, nil)
}
