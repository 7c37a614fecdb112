// Package connectsvc serves distlock's LockService (proto/distlock/v1) over Connect, gRPC
// and gRPC-Web: a thin adapter that maps requests onto a [driver.Lessor] and the core's
// errors onto RPC codes.
//
// The adapter keeps no lock state of its own. It renews a lease on a client's behalf only
// while that client's Hold stream lives (and releases it when the stream ends); a lock
// taken with Acquire is lost after its TTL when its client stops calling Extend, exactly
// as it would be talking to Redis itself. Watch streams the changes a [driver.Watcher]
// backend reports, through a bounded per-watcher buffer. Batch runs many Acquire, Extend
// and Release calls of one request, each through its unary RPC's code, and streams their
// results as they complete. Every field is validated before the lessor is called, so bad input never reaches
// Redis. Errors map to codes as the design's error contract says, and nothing else leaks:
//
//	driver.ErrAcquireTimeout  -> aborted           (held by another; the wait ran out)
//	driver.ErrNotHeld         -> not_found         (expired, released or another holder's)
//	driver.ErrUnavailable     -> unavailable       (fewer than a quorum of nodes answered)
//	driver.ErrInvalidArgument -> invalid_argument  (and every validation failure here)
//	driver.ErrClosed, drain   -> unavailable       (the server is shutting down; retry elsewhere)
//	anything else, a panic    -> internal          (details are logged, never sent)
//
// Before the lessor is called, a [Guard] (when configured with [WithGuard]) decides
// whether the caller may use the call's verb on its resource (permission_denied or
// unauthenticated otherwise) and, if it implements [Quota], whether the caller's quotas
// allow it (resource_exhausted naming the quota). Without a Guard every call is allowed;
// a server-wide cap on waiting Acquires ([WithMaxWaiters]) applies either way.
//
// [Service.Handler] returns one [http.Handler] for the service, health (grpc.health.v1,
// GET /healthz and GET /readyz, ready only with a trusted quorum: see
// [WithHealthChecker]), server reflection, Prometheus metrics at /metrics and, when
// origins are configured, CORS. Serving it over h2c or TLS is the caller's job (see
// internal/server).
package connectsvc
