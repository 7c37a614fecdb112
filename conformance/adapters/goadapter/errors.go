package goadapter

import (
	"context"
	"errors"

	"connectrpc.com/connect"

	"github.com/distlock/distlock/conformance/protocol"
	"github.com/distlock/distlock/core"
	pb "github.com/distlock/distlock/gen/go/distlock/conformance/v1"
)

// codes maps the core's errors to protocol codes, first match wins.
var codes = []struct {
	err  error
	code string
}{
	{core.ErrAcquireTimeout, protocol.CodeAborted},
	{core.ErrNotHeld, protocol.CodeNotFound},
	{core.ErrUnavailable, protocol.CodeUnavailable},
	{core.ErrInvalidArgument, protocol.CodeInvalidArgument},
	{context.DeadlineExceeded, protocol.CodeDeadlineExceeded},
}

// toError maps an error to the protocol's; nil stays nil.
func toError(err error) *pb.Error {
	if err == nil {
		return nil
	}
	code := protocol.CodeUnknown
	for _, c := range codes {
		if errors.Is(err, c.err) {
			return &pb.Error{Code: c.code, Message: err.Error()}
		}
	}
	// Codes the core has no error for (permission_denied, unauthenticated) come from the
	// Go SDK as the Connect error itself.
	if c := connect.CodeOf(err); c != connect.CodeUnknown {
		code = c.String()
	}
	return &pb.Error{Code: code, Message: err.Error()}
}

func fail(err error) *pb.Reply { return &pb.Reply{Error: toError(err)} }
