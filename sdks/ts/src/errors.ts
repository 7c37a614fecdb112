/**
 * The code of a failed call, as the Connect protocol names it on the wire. The codes the
 * service uses, and what they mean, are part of the conformance contract.
 */
export type ErrorCode =
  | "canceled"
  | "unknown"
  | "invalid_argument"
  | "deadline_exceeded"
  | "not_found"
  | "already_exists"
  | "permission_denied"
  | "resource_exhausted"
  | "failed_precondition"
  | "aborted"
  | "out_of_range"
  | "unimplemented"
  | "internal"
  | "unavailable"
  | "data_loss"
  | "unauthenticated";

/** Options of every distlock error. */
export interface DistlockErrorOptions {
  /** The underlying error: a ConnectError, an abort reason, a network failure. */
  cause?: unknown;
}

/**
 * The base class of every error the SDK throws, so `catch (e) { if (e instanceof
 * DistlockError) … }` tells lock failures from bugs. `code` is the wire code.
 */
export class DistlockError extends Error {
  override name = "DistlockError";
  /** The wire code of the failure. */
  readonly code: ErrorCode;

  constructor(message: string, code: ErrorCode, options?: DistlockErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/**
 * The lock was not acquired: another holder kept it for the whole wait, or the caller's
 * signal aborted the wait (then `cause` is the signal's reason). Wire code `aborted`.
 */
export class NotAcquiredError extends DistlockError {
  override name = "NotAcquiredError";

  constructor(message: string, options?: DistlockErrorOptions) {
    super(message, "aborted", options);
  }
}

/**
 * The lock is not held: it expired, was released, or now belongs to another holder. Also
 * thrown by `info` and `read` for a free resource. A lock that meets this error is
 * reported lost. Wire code `not_found`.
 */
export class NotHeldError extends DistlockError {
  override name = "NotHeldError";

  constructor(message: string, options?: DistlockErrorOptions) {
    super(message, "not_found", options);
  }
}

/**
 * The service, or a quorum of its Redis nodes, could not be reached. Renewal retries it
 * while the lock is still valid. Wire code `unavailable`.
 */
export class UnavailableError extends DistlockError {
  override name = "UnavailableError";

  constructor(message: string, options?: DistlockErrorOptions) {
    super(message, "unavailable", options);
  }
}

/**
 * Bad input: a resource name, TTL, wait, owner or payload out of bounds. The SDK throws it
 * before making any call where it can tell. Wire code `invalid_argument`.
 */
export class InvalidArgumentError extends DistlockError {
  override name = "InvalidArgumentError";

  constructor(message: string, options?: DistlockErrorOptions) {
    super(message, "invalid_argument", options);
  }
}

/** Missing or wrong credentials. Wire code `unauthenticated`. */
export class UnauthenticatedError extends DistlockError {
  override name = "UnauthenticatedError";

  constructor(message: string, options?: DistlockErrorOptions) {
    super(message, "unauthenticated", options);
  }
}

/** The resource is outside the caller's namespace. Wire code `permission_denied`. */
export class PermissionDeniedError extends DistlockError {
  override name = "PermissionDeniedError";

  constructor(message: string, options?: DistlockErrorOptions) {
    super(message, "permission_denied", options);
  }
}

/**
 * A quota was reached: one of the caller's (max_held, max_waiting, max_payload_bytes,
 * max_ttl, rate) or the service's cap on waiting Acquires (max_waiters). Not retried by
 * acquire; renewal retries it until the lock's validity ends. Wire code
 * `resource_exhausted`.
 */
export class ResourceExhaustedError extends DistlockError {
  override name = "ResourceExhaustedError";
  /** The quota's name, e.g. "max_held" or "max_waiters"; undefined when the service named none. */
  readonly quota: string | undefined;
  /** The quota's value as the service wrote it, e.g. "100", "2m0s" or "200/s, burst 400". */
  readonly limit: string | undefined;
  /** The principal whose quota it is; "" for the server-wide cap, undefined when unnamed. */
  readonly principal: string | undefined;

  constructor(message: string, quota?: { quota: string; limit: string; principal: string }, options?: DistlockErrorOptions) {
    super(message, "resource_exhausted", options);
    this.quota = quota?.quota;
    this.limit = quota?.limit;
    this.principal = quota?.principal;
  }
}
