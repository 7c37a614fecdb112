// The public surface of @distlock/client. Everything else is internal.
export { createLockClient } from "./lock-client.js";
export type { CallOptions, LockClient, LockClientOptions } from "./lock-client.js";
export type { LockInfo } from "./lock-info.js";
export type { ForceReleased, ForceReleaseOptions, ListedLock, ListOptions, ListPage } from "./admin.js";
export type { AcquireOptions, WaitingFor } from "./acquire.js";
export type { TokenSource } from "./bearer.js";
export type { Propagate } from "./trace-context.js";
export type { WatchEvent, WatchKind, WatchOptions } from "./watch.js";
export type { ExtendOptions, Lock } from "./lock.js";
export type { Session, SessionOptions } from "./session.js";
export {
  DistlockError,
  InvalidArgumentError,
  NotAcquiredError,
  NotHeldError,
  PermissionDeniedError,
  ResourceExhaustedError,
  UnauthenticatedError,
  UnavailableError,
} from "./errors.js";
export type { DistlockErrorOptions, ErrorCode } from "./errors.js";
export {
  DEFAULT_TTL_MS,
  MAX_DATA_BYTES,
  MAX_OWNER_BYTES,
  MAX_RESOURCE_BYTES,
  MAX_TTL_MS,
  MAX_WAIT_PER_CALL_MS,
  MIN_TTL_MS,
} from "./gen/distlock/v1/policy.js";
