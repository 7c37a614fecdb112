package core

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// LockAcquireTimeoutErr is returned when an acquire ends without the lock because its
// context or its wait ran out while another holder had it. The name is the one of the
// original description; [ErrAcquireTimeout] is the same value.
//
//lint:ignore ST1012 the name is the one of the API description; ErrAcquireTimeout is the idiomatic alias
var LockAcquireTimeoutErr = errors.New("distlock: timeout trying to acquire lock")

// ErrAcquireTimeout is [LockAcquireTimeoutErr] under its idiomatic Go name.
var ErrAcquireTimeout = LockAcquireTimeoutErr

var (
	// ErrNotHeld reports that a lease is no longer held: it expired, was released, or the
	// resource now belongs to another holder.
	ErrNotHeld = errors.New("distlock: lock not held")

	// ErrUnavailable reports that fewer than a quorum of the lock service's nodes answered.
	// The concrete error is an [*UnavailableError] that names the nodes.
	ErrUnavailable = errors.New("distlock: lock service unavailable")

	// ErrInvalidArgument reports bad input: a resource name, TTL, owner or payload out of
	// bounds, or a malformed service URL. The concrete error says which.
	ErrInvalidArgument = errors.New("distlock: invalid argument")

	// ErrClosed reports use of a client after Close.
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

// invalid returns an error matching [ErrInvalidArgument] with a specific message.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidArgument, fmt.Sprintf(format, args...))
}

// Invalid is [invalid] for implementations: an error that matches [ErrInvalidArgument].
func Invalid(format string, args ...any) error { return invalid(format, args...) }
