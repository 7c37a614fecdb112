package connectsvc

import (
	"errors"

	"connectrpc.com/connect"
)

// refusalReason returns the message of an error that refuses a call for what the caller
// sent or who it is (which field is wrong and why, which quota is reached), for the log
// line of the call. Those messages are built here or by the core's input checks from
// sizes and field names; they never carry a token or a payload. Other codes' messages
// are fixed strings or are logged with their cause elsewhere.
func refusalReason(err error) (string, bool) {
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return "", false
	}
	switch ce.Code() {
	case connect.CodeInvalidArgument, connect.CodeResourceExhausted, connect.CodeFailedPrecondition,
		connect.CodeOutOfRange, connect.CodePermissionDenied, connect.CodeUnauthenticated:
		return ce.Message(), true
	}
	return "", false
}
