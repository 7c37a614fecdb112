package distlock

import (
	"context"
	"errors"
	"fmt"

	"connectrpc.com/connect"
	"github.com/distlock/distlock/core/driver"
)

// An unansweredError is a call that got no answer from the service at all: the
// connection was refused or the name did not resolve (code unavailable: it matches
// [driver.ErrUnavailable]), or the call timed out unanswered (code deadline_exceeded,
// as a timed-out call is everywhere else). It names the URL, since a wrong URL is the
// usual cause, and Acquire tells it from the service's answers by its type.
type unansweredError struct {
	url   string
	cause *connect.Error // created on this side, not sent by the server
}

func (e *unansweredError) Error() string {
	prefix := "distlock"
	if e.unavailable() {
		prefix = driver.ErrUnavailable.Error()
	}
	return fmt.Sprintf("%s: no answer from %s: %s", prefix, e.url, e.cause.Message())
}

func (e *unansweredError) unavailable() bool { return e.cause.Code() == connect.CodeUnavailable }

func (e *unansweredError) Unwrap() []error {
	if e.unavailable() {
		return []error{driver.ErrUnavailable, e.cause}
	}
	return []error{e.cause}
}

// unanswered returns err as an unansweredError when it came from this side rather
// than from the service (connect marks what the server sent) while the caller's ctx is
// live, and nil otherwise.
func unanswered(ctx context.Context, url string, err error) error {
	var cerr *connect.Error
	if ctx.Err() != nil || !errors.As(err, &cerr) || connect.IsWireError(cerr) {
		return nil
	}
	if c := cerr.Code(); c != connect.CodeUnavailable && c != connect.CodeDeadlineExceeded {
		return nil
	}
	return &unansweredError{url: url, cause: cerr}
}

// isUnanswered reports whether err is a call that got no answer.
func isUnanswered(err error) bool {
	var u *unansweredError
	return errors.As(err, &u)
}
