package distlock

import (
	"errors"
	"strings"

	"connectrpc.com/connect"
	"github.com/distlock/distlock/core/driver"
	policy "github.com/distlock/distlock/gen/go/distlock/v1/distlockv1policy"
)

var (
	// ErrUnauthenticated reports that the service wants credentials the call did not
	// carry, or rejected the ones it did (see [WithHeader]). The service's code is
	// unauthenticated.
	ErrUnauthenticated = errors.New("distlock: unauthenticated")

	// ErrPermissionDenied reports that the caller may not use the resource, for example
	// one outside its namespace. The service's code is permission_denied.
	ErrPermissionDenied = errors.New("distlock: permission denied")

	// ErrResourceExhausted reports that a quota of the caller, or the service's cap on
	// waiting Acquires, was reached. The service's code is resource_exhausted; the error
	// also matches a [*QuotaError] under errors.As when the service named the quota.
	ErrResourceExhausted = errors.New("distlock: resource exhausted")
)

// kinds maps the service's codes to the errors of the contract that DESIGN.md and the
// proto describe; any other code is returned as the Connect error itself.
var kinds = map[connect.Code]error{
	connect.CodeAborted:           driver.ErrAcquireTimeout,
	connect.CodeNotFound:          driver.ErrNotHeld,
	connect.CodeUnavailable:       driver.ErrUnavailable,
	connect.CodeInvalidArgument:   driver.ErrInvalidArgument,
	connect.CodeUnauthenticated:   ErrUnauthenticated,
	connect.CodePermissionDenied:  ErrPermissionDenied,
	connect.CodeResourceExhausted: ErrResourceExhausted,
}

// serviceError is an error of the contract carried by a Connect error. It matches both
// under errors.Is and errors.As, so callers can test for driver.ErrNotHeld and still read
// connect.CodeOf(err) or the error's details.
type serviceError struct {
	kind  error
	err   *connect.Error
	quota *QuotaError // nil unless the service named the quota reached
}

func (e *serviceError) Error() string {
	msg := e.err.Message()
	prefix := e.kind.Error()
	// The service usually sends the core's own message, which already names the kind.
	if msg == "" {
		return prefix
	}
	if strings.HasPrefix(msg, prefix) {
		return msg
	}
	return prefix + ": " + msg
}

func (e *serviceError) Unwrap() []error {
	if e.quota != nil {
		return []error{e.kind, e.err, e.quota}
	}
	return []error{e.kind, e.err}
}

// fromService maps an error of a call to the error contract; nil stays nil.
func fromService(err error) error {
	var cerr *connect.Error
	if err == nil || !errors.As(err, &cerr) {
		return err
	}
	if kind, ok := kinds[cerr.Code()]; ok {
		return &serviceError{kind: kind, err: cerr, quota: quotaOf(cerr)}
	}
	return err
}

// transient reports whether a failed call may succeed when tried again: the service
// could not reach a quorum, or the call itself did not get through in time. A caller's
// own cancelled or expired context is checked separately.
func transient(err error) bool {
	return policy.IsTransient(connect.CodeOf(err).String())
}
