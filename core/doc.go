// Package core is distlock's Go API: distributed locks addressed by a service URL, with
// background renewal, a lost signal and a fencing token on every grant.
//
// It keeps the names and meanings of the seed API, the Go API distlock was first
// described by, whose text is docs/seed-api.md in this repository (Handler, Infoer,
// Reader, Locker, Lock, Info, LockOption, TTL, UnlockOption and the acquire-timeout
// error); a test fails if any name it declares is missing here. It adds what a user of a
// lock service needs. To use a lock service, import an implementation for its side
// effect, then address it by URL:
//
//	import _ "github.com/distlock/distlock/core/redlock" // redis:// and rediss://
//	import _ "github.com/distlock/distlock/core/memory"  // memory://
//
//	c := core.NewClient()
//	defer c.Close()
//	lock, err := c.TryLock(ctx, "redis://h1:6379,h2:6379,h3:6379", "orders/42", core.TTL(10*time.Second))
//
// # Choices where the seed API was silent or loose
//
// docs/seed-api.md lists each in a table; in short:
//
//   - Releaser, left undefined, is func(ctx context.Context) error.
//   - Lock.Lost is a receive-only channel (<-chan struct{}): only the lock's own renewal may
//     close it, so a caller cannot close it by mistake.
//   - Info.Owner stays an interface value, as the seed declares it; every implementation
//     here stores the owner label given with [Owner], a string.
//   - The timeout error keeps the seed's name, [LockAcquireTimeoutErr], and has the
//     idiomatic alias [ErrAcquireTimeout]; both are the same value, test with errors.Is.
//   - Handler.Release(ctx, service, resource) releases the lock this [Client] holds on the
//     resource; with [WithLeaseToken] it releases a lease taken by another process.
//   - [UnlockOption] is func(*UnlockOptions), not func(*LockOptions): the seed's
//     signature is a slip, unlocking has its own options.
//   - Only TryLock and Release are guaranteed by every implementation; the ones here
//     implement all of [Locker].
//
// # Semantics
//
// TryLock waits until it holds the lock or its context is done; then it returns an error
// that matches [ErrAcquireTimeout] (and the context's error) under errors.Is. A context with
// no deadline waits for as long as the lock is held by others.
//
// A granted lock renews itself in the background about every TTL/3 until released. TTL is
// only how long the lock survives its holder's death. A failed renewal is retried, here
// and nowhere below, with the client policy's renewal back-off (sdks/POLICY.md). If
// renewal cannot keep the lock before its validity ends, Lost is closed and [Lock.Err]
// says why, as context.Context's Err does for Done. No goroutine outlives Release or Lost.
//
// Every grant carries a fencing token that strictly increases across successive holders of
// the same resource: pass it to the storage you protect and have that storage reject
// writes with a token lower than one it has seen.
//
// Service URL schemes match in any case, as URL schemes do; an unknown scheme or a string
// that is not scheme://address is an [ErrInvalidArgument], whose message does not repeat
// the URL (it may carry a password).
//
// # Sessions
//
// A program that holds many locks on one service opens a [Session] ([Client.NewSession])
// and takes them with [Session.TryLock]: they are ordinary Locks, but one timer renews
// them all every TTL/3, in one request when the service's Lessor is a
// [driver.MultiExtender] (the Go SDK is). [Session.Close] releases those still held;
// Done and Err report a session whose renewals could not reach the service in time, in
// which case every one of its locks is reported lost.
//
// # Errors
//
// Test errors with errors.Is against the sentinels: [ErrAcquireTimeout] (the lock stayed
// held by another), [ErrNotHeld] (a lease expired, was released or is held by another),
// [ErrUnavailable] (fewer than a quorum of nodes answered; an [*UnavailableError] names
// them), [ErrInvalidArgument] (input outside the limits in limits.go, checked before
// anything is sent), and [ErrClosed] (use of a [Client] or a [driver.Lessor] after Close).
//
// # Close
//
// [Client.Close] releases every lock the client holds, then closes its services; a
// TryLock still waiting returns [ErrClosed], and so does every later call.
//
// # Implementations
//
// A lock service implementation provides a [driver.Lessor] (acquire, extend, release,
// info, read) and registers it under a URL scheme with [driver.Register]; package
// core/driver is all its author needs to read, as database/sql/driver is for a SQL
// driver. [Client] and [Hold] add renewal and the lost signal. [NewClient] opens services
// by URL through the registered schemes; [OpenClient] wraps one Lessor value without the
// registry, as sql.OpenDB does. Package core/locktest is the behaviour suite every Lessor
// runs; core/memory is an in-process Lessor for tests.
package core
