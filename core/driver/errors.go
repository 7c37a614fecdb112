package driver

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// The error contract. Every Lessor returns errors that match these under errors.Is;
// package core re-exports them under the same names, as the same values, so that a
// user tests core.ErrNotHeld against what any backend returned.
var (
	// ErrAcquireTimeout reports that an acquire ended without the lock because its
	// context or its wait ran out while another holder had it.
	ErrAcquireTimeout = errors.New("distlock: timeout trying to acquire lock")

	// ErrNotHeld reports that a lease is no longer held: it expired, was released, or the
	// resource now belongs to another holder.
	ErrNotHeld = errors.New("distlock: lock not held")

	// ErrUnavailable reports that fewer than a quorum of the lock service's nodes answered.
	// A backend with nodes returns an [*UnavailableError] that names them.
	ErrUnavailable = errors.New("distlock: lock service unavailable")

	// ErrInvalidArgument reports bad input: a resource name, TTL, owner or payload out of
	// bounds, or a malformed service URL. Build it with [Invalid], which says which.
	ErrInvalidArgument = errors.New("distlock: invalid argument")

	// ErrClosed reports use of a Lessor (or a client) after Close.
	ErrClosed = errors.New("distlock: client closed")
)

// UnavailableError reports that fewer than a quorum of nodes answered. It matches
// [ErrUnavailable] under errors.Is.
type UnavailableError struct {
	// Failed names the nodes (host:port) that did not answer in time or failed, with why.
	Failed map[string]error
	// Quorum is how many nodes had to agree; Total how many there are.
	Quorum, Total int
}

func (e *UnavailableError) Error() string {
	parts := make([]string, 0, len(e.Failed))
	for node, err := range e.Failed {
		parts = append(parts, fmt.Sprintf("%s: %v", node, err))
	}
	slices.Sort(parts)
	return fmt.Sprintf("distlock: lock service unavailable: %d of %d nodes needed, failed: %s",
		e.Quorum, e.Total, strings.Join(parts, "; "))
}

// Is makes errors.Is(err, ErrUnavailable) true.
func (e *UnavailableError) Is(target error) bool { return target == ErrUnavailable }

// Unwrap returns the nodes' errors, so errors.Is also sees, for example, a context error.
func (e *UnavailableError) Unwrap() []error {
	errs := make([]error, 0, len(e.Failed))
	for _, err := range e.Failed {
		errs = append(errs, err)
	}
	return errs
}

// Invalid returns an error matching [ErrInvalidArgument] whose message says what was
// wrong, formatted as by fmt.Sprintf.
func Invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidArgument, fmt.Sprintf(format, args...))
}
