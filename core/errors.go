package core

import "github.com/distlock/distlock/core/driver"

// LockAcquireTimeoutErr is returned when an acquire ends without the lock because its
// context or its wait ran out while another holder had it. The name is the seed API's
// (see the package doc); [ErrAcquireTimeout] is the same value.
var LockAcquireTimeoutErr = driver.ErrAcquireTimeout

// ErrAcquireTimeout is [LockAcquireTimeoutErr] under its idiomatic Go name.
var ErrAcquireTimeout = LockAcquireTimeoutErr

// The errors every lock service returns, whichever implementation is behind the URL.
// They are the values of package core/driver, which implementations return.
var (
	// ErrNotHeld reports that a lease is no longer held: it expired, was released, or the
	// resource now belongs to another holder.
	ErrNotHeld = driver.ErrNotHeld

	// ErrUnavailable reports that fewer than a quorum of the lock service's nodes answered.
	// The concrete error is an [*UnavailableError] that names the nodes.
	ErrUnavailable = driver.ErrUnavailable

	// ErrInvalidArgument reports bad input: a resource name, TTL, owner or payload out of
	// bounds, or a malformed service URL. The concrete error says which.
	ErrInvalidArgument = driver.ErrInvalidArgument

	// ErrClosed reports use of a client after Close.
	ErrClosed = driver.ErrClosed
)

// UnavailableError reports that fewer than a quorum of nodes answered, naming them. It
// matches [ErrUnavailable] under errors.Is; use errors.As to read it.
type UnavailableError = driver.UnavailableError
