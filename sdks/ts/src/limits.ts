// The limits of the service (see proto/distlock/v1/lock.proto and core/limits.go). The SDK
// checks them before sending anything, so bad input fails fast and with a clear message;
// a server configured with narrower bounds still answers invalid_argument.

/** The shortest TTL, in milliseconds. */
export const MIN_TTL_MS = 5_000;
/** The longest TTL, in milliseconds. */
export const MAX_TTL_MS = 600_000;
/** The TTL when none is given, in milliseconds. */
export const DEFAULT_TTL_MS = 30_000;
/** The longest resource name, in UTF-8 bytes. */
export const MAX_RESOURCE_BYTES = 1024;
/** The longest owner label, in UTF-8 bytes. */
export const MAX_OWNER_BYTES = 256;
/** The largest payload a lock may carry, in bytes. */
export const MAX_DATA_BYTES = 64 * 1024;
/**
 * The longest wait one Acquire call asks for. Longer waits are split into several calls,
 * so no single request outlives proxies' and load balancers' idle timeouts.
 */
export const MAX_WAIT_PER_CALL_MS = 30_000;
/** The default deadline of one call, on top of any wait it asks the server for. */
export const DEFAULT_CALL_TIMEOUT_MS = 10_000;
