package connectsvc

import (
	"context"
	"errors"

	"connectrpc.com/connect"

	"github.com/distlock/distlock/core/driver"
)

// errDraining is the cancellation cause of the Acquires that a shutdown cuts short.
var errDraining = errors.New("server is shutting down")

// Messages sent with each code. They are fixed strings: the lessor's errors can name
// Redis nodes and carry driver details that callers have no business seeing.
const (
	msgAborted     = "the lock is held by another and the wait ran out"
	msgNotFound    = "the lease is not held: it expired, was released, or another holder has the resource"
	msgFree        = "the resource is not locked"
	msgUnavailable = "fewer than a quorum of lock service nodes answered; retry within the lock's validity"
	msgDraining    = "the server is shutting down; retry on another replica"
	msgInternal    = "internal error"
	msgMaxWaiters  = "the server-wide cap on waiting Acquires (max_waiters %d) is reached; retry later or without a wait"
)

// toConnectError maps an error of the lessor to the code of the error contract (see the
// package doc). notHeld is the message for driver.ErrNotHeld, which differs between
// Extend/Release (a lost lease) and Info/Read (a free resource). It reports whether the
// error is one the server must log, because the code hides what happened.
func toConnectError(ctx context.Context, err error, notHeld string) (cerr *connect.Error, unexpected bool) {
	if ce := new(connect.Error); errors.As(err, &ce) {
		return ce, false
	}
	if errors.Is(context.Cause(ctx), errDraining) || errors.Is(err, driver.ErrClosed) {
		return connect.NewError(connect.CodeUnavailable, errors.New(msgDraining)), false
	}
	switch {
	case errors.Is(err, driver.ErrInvalidArgument):
		// The core's validation messages name the bad field and carry no secrets.
		return connect.NewError(connect.CodeInvalidArgument, err), false
	case errors.Is(err, driver.ErrNotHeld):
		return connect.NewError(connect.CodeNotFound, errors.New(notHeld)), false
	case ctx.Err() != nil:
		// The caller went away or its deadline passed: nobody reads this answer. A wait
		// it cut short is counted as such, not as a lock that stayed held (aborted).
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return connect.NewError(connect.CodeDeadlineExceeded, ctx.Err()), false
		}
		return connect.NewError(connect.CodeCanceled, ctx.Err()), false
	case errors.Is(err, driver.ErrAcquireTimeout):
		return connect.NewError(connect.CodeAborted, errors.New(msgAborted)), false
	case errors.Is(err, driver.ErrUnavailable):
		return connect.NewError(connect.CodeUnavailable, errors.New(msgUnavailable)), true
	}
	return connect.NewError(connect.CodeInternal, errors.New(msgInternal)), true
}
