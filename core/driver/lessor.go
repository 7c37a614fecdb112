package driver

import (
	"context"
	"time"
)

// A Lessor is one lock service, reached: it grants, extends and releases leases. Each
// implementation (Redlock, memory, the Go SDK over the service) provides one; package
// core builds renewal, the lost signal and scheme dispatch on top.
//
// Every method validates its input first and returns [ErrInvalidArgument] without
// touching the service. Methods are safe for concurrent use.
type Lessor interface {
	// Acquire takes the lock on resource. When another holds it, Acquire waits up to
	// o.Wait (a negative Wait: until ctx is done) and then returns [ErrAcquireTimeout].
	// It always makes at least one attempt while ctx is live.
	Acquire(ctx context.Context, resource string, o LeaseOptions) (Lease, error)
	// Extend resets the lease's TTL to ttl from now. It returns [ErrNotHeld] when the
	// lease is no longer held, and the updated lease otherwise. It makes one attempt:
	// renewal in package core retries a failed Extend with the client policy's renewal
	// back-off, and a retry here too would stack two back-offs.
	Extend(ctx context.Context, lease Lease, ttl time.Duration) (Lease, error)
	// Release deletes the lease. It returns [ErrNotHeld] when the lease was no longer held.
	Release(ctx context.Context, lease Lease) error
	// Info describes the current holder of resource, or returns [ErrNotHeld].
	Info(ctx context.Context, resource string) (Info, error)
	// Read returns the current holder's payload, or [ErrNotHeld].
	Read(ctx context.Context, resource string) ([]byte, error)
	// Close releases the Lessor's connections. It does not release leases. An Acquire
	// still waiting returns an error matching [ErrClosed], and so do later calls.
	Close() error
}

// LeaseOptions are the parameters of one acquire.
type LeaseOptions struct {
	// TTL is how long the lease lives unless extended. Must be within [MinTTL, MaxTTL].
	TTL time.Duration
	// Owner is a label for humans, at most [MaxOwnerLen] bytes of UTF-8; Data a payload
	// of at most [MaxDataLen] bytes. Both are returned by Info and Read.
	Owner string
	Data  []byte
	// Wait is how long to wait while another holds the lock: 0 makes one attempt, a
	// negative value waits until the context is done.
	Wait time.Duration
}

// A Lease is one granted lock as the lock service sees it.
type Lease struct {
	Resource string
	// Token is the secret owner token, at least 128 random bits. Never log it.
	Token string
	// Fence is the fencing token.
	Fence uint64
	// Owner is the owner label.
	Owner string
	// LockTime is when the lease was first granted (the service's clock where known).
	LockTime time.Time
	// Validity is the local time until which the lease is certainly held, already
	// reduced by the time the grant took and by clock drift. Renew before it.
	Validity time.Time
	// TTL is the lease's TTL.
	TTL time.Duration
}

// Info describes the current holder of a resource, as [Lessor.Info] reports it; package
// core hands it to users as a core.Info.
type Info struct {
	// LockTime is when the current holder was granted the lock.
	LockTime time.Time
	// ExpireTime is when the lock expires if not extended.
	ExpireTime time.Time
	// Owner is the holder's owner label.
	Owner string
	// FencingToken is the current holder's fencing token.
	FencingToken uint64
}
