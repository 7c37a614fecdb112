package core

import (
	"context"
	"time"
)

// Releaser releases a lock. Calling it more than once is safe; calls after the first
// return the first call's result.
type Releaser func(ctx context.Context) error

// Lock provides information and operations for a lock that has been taken out.
type Lock struct {
	// Lost is closed when the lock is lost: renewal could not keep it before its validity
	// ended, or the lock service reported it held by another. It is also closed by Release.
	Lost <-chan struct{}
	// Release stops renewal and releases the lock. After the lock was lost it still
	// releases the lease, and returns an error matching [ErrNotHeld] that carries the
	// loss reason ([Lock.Err]), so a caller learns its work ran without the lock.
	Release Releaser
	// Err returns nil while Lost is open. Once Lost is closed it returns why, as
	// context.Context's Err does once Done is closed, and the same error on every call:
	//   - an error matching [ErrNotHeld] when the lock service said the lease is gone
	//     (expired, or another holder's), or renewal met an error retrying cannot cure
	//     (an invalid argument, the client closed);
	//   - otherwise the last renewal error (for example one matching [ErrUnavailable], or
	//     context.DeadlineExceeded) when renewal retried until the lease's validity ran out;
	//   - an error matching [ErrNotHeld] that says so when Release closed Lost.
	Err func() error

	// Resource is the locked resource's name.
	Resource string
	// FencingToken strictly increases across successive holders of the resource.
	FencingToken uint64
	// LeaseToken is the secret that proves ownership (see [WithLeaseToken]). Do not log it.
	LeaseToken string
	// Owner is the owner label given with [Owner].
	Owner string
}

// Info provides information about a lock.
type Info struct {
	// LockTime is the time the lock was taken out.
	LockTime time.Time
	// ExpireTime is the time the lock expires if not renewed.
	ExpireTime time.Time
	// Owner is the identity of who owns the lock. Implementations here store the owner
	// label given with [Owner], a string.
	Owner any
	// FencingToken is the current holder's fencing token.
	FencingToken uint64
}

// Handler provides for locking and unlocking resources.
type Handler interface {
	// TryLock locks a resource at service location, waiting until the lock is free or ctx
	// is done. Implementations receive the service without the scheme (whatever://).
	TryLock(ctx context.Context, service, resource string, options ...LockOption) (Lock, error)
	// Release unlocks a resource at service location. Implementations receive the service
	// without the scheme (whatever://).
	Release(ctx context.Context, service, resource string, options ...UnlockOption) error
}

// Infoer allows getting information about a lock.
type Infoer interface {
	// Info returns information about a held lock, or [ErrNotHeld] when it is free.
	Info(ctx context.Context, service, resource string) (Info, error)
}

// Reader allows reading data held in a lock, if the lock can hold data.
type Reader interface {
	// Read returns the payload of a held lock, or [ErrNotHeld] when it is free.
	Read(ctx context.Context, service, resource string) ([]byte, error)
}

// Locker provides access to all functions for interfacing with locks. Not all Locker
// methods may be provided by all implementations; only TryLock and Release are guaranteed.
type Locker interface {
	Handler
	Infoer
	Reader
}
