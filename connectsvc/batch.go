package connectsvc

import (
	"context"
	"errors"

	"connectrpc.com/connect"

	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
)

// Batch is not served yet: the proto declares it so that SDKs can be built against it.
func (s *Service) Batch(context.Context, *connect.Request[distlockv1.BatchRequest], *connect.ServerStream[distlockv1.BatchResponse]) error {
	return connect.NewError(connect.CodeUnimplemented, errors.New("Batch is not served by this version"))
}
