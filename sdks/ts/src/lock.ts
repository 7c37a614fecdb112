/** Options of {@link Lock.extend}. */
export interface ExtendOptions {
  /** The new TTL, from now, in milliseconds; default: the lock's current TTL. */
  ttlMs?: number;
  /** Aborts the call (the lock stays held, and renewal goes on). */
  signal?: AbortSignal;
}

/**
 * A granted lock. It renews itself in the background (every renewEveryMs(ttl)) until it is
 * released or lost; the TTL is only how long the lock outlives a holder that died. A lock
 * taken by a client with `hold` lives on a Hold stream instead: the service renews it,
 * and releases it as soon as the stream ends.
 *
 * Release it with `await lock.release()`, or hold it for a block with
 * `await using lock = await client.acquire("orders/42")`.
 */
export interface Lock extends AsyncDisposable {
  /** The locked resource. */
  readonly resource: string;
  /**
   * Strictly increases across successive holders of the resource: hand it to the store
   * you protect so that it can reject writes from a stale holder.
   */
  readonly fencingToken: bigint;
  /** The owner label given at acquire. */
  readonly owner: string;
  /** The TTL the lock is renewed with, in milliseconds. */
  readonly ttlMs: number;
  /** When the lock was granted, by the server's clock. */
  readonly lockTime: Date;
  /**
   * Aborted when the lock ends: when it is lost, and also just before a release is sent,
   * so that work bound to the signal stops before anyone else can take the lock. The
   * reason says why: a NotHeldError when the service answered that the lease is gone (or
   * refused the renewal as an invalid argument; its cause is the answer), the last
   * failure itself (an UnavailableError, a PermissionDeniedError…) when renewal kept
   * failing until the lock's validity ended, a NotHeldError "was released" after release.
   */
  readonly signal: AbortSignal;
  /**
   * Renews the lock now (optionally with a new TTL). While the service is unavailable
   * (`unavailable`, `deadline_exceeded`) it tries again, with the policy's call back-off,
   * until the lock's validity ends or `options.signal` aborts. Rejects with NotHeldError,
   * and ends the lock, if the service no longer holds it; other failures leave the lock
   * and its renewal as they were. On a Hold stream it makes one call, and the service's
   * own renewals go back to the TTL given at acquire.
   */
  extend(options?: ExtendOptions): Promise<void>;
  /**
   * Stops renewal, aborts `signal` and releases the lock. While the service is
   * unavailable it tries again, as `extend` does, until the lock's validity ends (the
   * lease has expired by then). Calling it again returns the first call's result. Rejects
   * with NotHeldError when the lock had already been lost (its cause, or itself, is the
   * loss reason of `signal`); after any failure the lock expires on its own after its TTL.
   */
  release(): Promise<void>;
  /**
   * Releases the lock at the end of an `await using` block, as `release` does: leaving the
   * block after the lock was lost throws its NotHeldError. When the block itself threw,
   * JavaScript throws a SuppressedError whose `suppressed` is the block's error and whose
   * `error` is this one. Does nothing more after `release` was called.
   */
  [Symbol.asyncDispose](): Promise<void>;
}
