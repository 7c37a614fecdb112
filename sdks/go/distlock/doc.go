// Package distlock is the Go SDK of the distlock service: a [driver.Lessor] that reaches
// the service over Connect, so that the core's API works unchanged against it.
//
// Importing the package registers the URL schemes "http" and "https" with the core. A
// program that locks against Redis directly moves to the service by changing its URL:
//
//	import (
//		"github.com/distlock/distlock/core"
//		_ "github.com/distlock/distlock/sdks/go/distlock" // http:// and https://
//	)
//
//	c := core.NewClient()
//	defer c.Close()
//	lock, err := c.TryLock(ctx, "http://127.0.0.1:8080", "orders/42", core.TTL(10*time.Second))
//
// core.Client renews the lock in the background about every TTL/3 and closes
// lock.Lost when it cannot; lock.FencingToken strictly increases across holders. Use
// [New] instead of the registered schemes to set options such as the bearer token of a
// service started with --auth ([WithToken], [WithTokenSource]), an HTTP client, or the gRPC protocol, and core.OpenClient to make a
// client over it.
//
// # Errors
//
// The service's codes come back as the core's errors, so the same errors.Is tests work
// against Redis and against the service:
//
//	aborted            core.ErrAcquireTimeout (the lock is held by another)
//	not_found          core.ErrNotHeld
//	unavailable        core.ErrUnavailable (retried; see below)
//	invalid_argument   core.ErrInvalidArgument
//	unauthenticated    [ErrUnauthenticated]
//	permission_denied  [ErrPermissionDenied]
//	resource_exhausted [ErrResourceExhausted], with a [*QuotaError] naming the quota
//
// These errors also carry the [connect.Error], for connect.CodeOf and its details. Input
// is validated before any call, with the core's limits.
//
// # Time
//
// The numbers here are the client policy's, shared by every distlock client
// (gen/go/distlock/v1/distlockv1policy, explained in sdks/POLICY.md). A wait longer than
// one call's limit ([WithCallWait], 30s by default) is split into several calls.
// Release retries while the service is unavailable, until the lease's validity ends;
// Acquire retries within its wait, but gives up on a service that has not answered at
// all (connection refused, no such host) for 10s, with an error naming the URL; Extend
// makes one call, and renewal (core.Hold) retries it. A lease's validity is measured on
// this machine's clock from when its request was sent, less the drift allowance; a
// grant that arrives long after its request (after a wait) is confirmed with one Extend
// so that its validity is measured from a recent request.
//
// The package imports no Redis code.
package distlock
