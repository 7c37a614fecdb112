package distlock

import (
	"context"
	"errors"
	"fmt"

	"connectrpc.com/connect"
	"github.com/distlock/distlock/core/driver"
)

// An unreachableError is a call that got no answer from the service at all: the
// connection was refused, the name did not resolve, or the call timed out unanswered.
// It matches [driver.ErrUnavailable], and names the URL, since a wrong URL is the usual
// cause.
type unreachableError struct {
	url   string
	cause error // the Connect error, for connect.CodeOf
}

func (e *unreachableError) Error() string {
	cause := e.cause.Error()
	var cerr *connect.Error
	if errors.As(e.cause, &cerr) { // without the code's name, which the first words say
		cause = cerr.Message()
	}
	return fmt.Sprintf("%v: no answer from %s: %s", driver.ErrUnavailable, e.url, cause)
}

func (e *unreachableError) Unwrap() []error { return []error{driver.ErrUnavailable, e.cause} }

// unanswered reports whether err, from a call whose caller's ctx is still live, came
// from this side rather than from the service: connect marks what the server sent.
func unanswered(ctx context.Context, err error) bool {
	code := connect.CodeOf(err)
	return ctx.Err() == nil && !connect.IsWireError(err) &&
		(code == connect.CodeUnavailable || code == connect.CodeDeadlineExceeded)
}

// isUnreachable reports whether err is a call that got no answer.
func isUnreachable(err error) bool {
	var u *unreachableError
	return errors.As(err, &u)
}
