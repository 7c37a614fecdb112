package distlock_test

import (
	"context"

	"connectrpc.com/connect"

	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
)

// The scripted service has no operator calls: their tests run against real services.

func (f *fakeService) List(context.Context, *connect.Request[distlockv1.ListRequest]) (*connect.Response[distlockv1.ListResponse], error) {
	f.note("List")
	return nil, connect.NewError(connect.CodeUnimplemented, nil)
}

func (f *fakeService) ForceRelease(context.Context, *connect.Request[distlockv1.ForceReleaseRequest]) (*connect.Response[distlockv1.ForceReleaseResponse], error) {
	f.note("ForceRelease")
	return nil, connect.NewError(connect.CodeUnimplemented, nil)
}
