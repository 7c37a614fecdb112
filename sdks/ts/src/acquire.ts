import { durationFromMs, durationMs, timestampDate } from "@bufbuild/protobuf/wkt";
import { backoff } from "./backoff.js";
import { sleep } from "./clock.js";
import { NotAcquiredError, UnavailableError } from "./errors.js";
import { type Grant, holdLock, type LockDeps } from "./held-lock.js";
import { confirmGrant, isLate } from "./late-grant.js";
import { DEFAULT_TTL_MS, MAX_WAIT_PER_CALL_MS } from "./limits.js";
import type { Lock } from "./lock.js";
import { toDistlockError } from "./to-distlock-error.js";
import { toPayload, validateOwner, validateResource, validateTtl, validateWait } from "./validate.js";

/** Options of {@link LockClient.acquire}. */
export interface AcquireOptions {
  /**
   * How long the lock outlives its holder if renewal stops (the process died), in
   * milliseconds: from 5 000 to 600 000; default 30 000. Renewal runs every ttlMs/3.
   */
  ttlMs?: number;
  /**
   * How long to wait while another holds the lock, in milliseconds. 0 (the default)
   * makes one attempt; Infinity waits until `signal` aborts. When the service answers
   * "busy" in under half the wait asked for (its own maximum wait is lower), the next
   * call follows a pause that backs off from 25–50 ms to 0.5–1 s; when that pause would
   * pass the end of the wait, acquire rejects with NotAcquiredError at once instead.
   */
  waitMs?: number;
  /** A label for humans that `info` returns, at most 256 UTF-8 bytes. */
  owner?: string;
  /** A payload that `read` returns while the lock is held (a string is sent as UTF-8), at most 64 KiB. */
  data?: Uint8Array | string;
  /** Aborts the wait; acquire then rejects with a NotAcquiredError whose cause is the reason. */
  signal?: AbortSignal;
}

/**
 * Takes the lock on resource, waiting up to options.waitMs in calls of at most
 * {@link MAX_WAIT_PER_CALL_MS} each.
 */
export async function acquireLock(deps: LockDeps, resource: string, options: AcquireOptions = {}): Promise<Lock> {
  const { ttlMs = DEFAULT_TTL_MS, waitMs = 0, owner = "", signal } = options;
  validateResource(resource);
  validateTtl(ttlMs);
  validateWait(waitMs);
  validateOwner(owner);
  const data = options.data === undefined ? new Uint8Array() : toPayload(options.data);
  const { service, clock, callTimeoutMs } = deps;

  const aborted = (): NotAcquiredError =>
    new NotAcquiredError(`acquire of "${resource}" was aborted`, { cause: signal?.reason });
  const deadline = clock.now() + waitMs;
  let early = 0; // consecutive early answers
  let unconfirmed = 0; // consecutive late grants that could not be confirmed
  for (;;) {
    // Before the first call, and after a pause that the signal cut short.
    if (signal?.aborted) {
      throw aborted();
    }
    const sentAt = clock.now();
    const wait = Math.ceil(Math.min(Math.max(0, deadline - sentAt), MAX_WAIT_PER_CALL_MS));
    let grant: Grant;
    try {
      const res = await service.acquire(
        { resource, ttl: durationFromMs(ttlMs), ...(wait > 0 ? { wait: durationFromMs(wait) } : {}), owner, data },
        { timeoutMs: wait + callTimeoutMs, ...(signal ? { signal } : {}) },
      );
      grant = {
        resource,
        leaseToken: res.leaseToken,
        fencingToken: res.fencingToken,
        owner,
        ttlMs: res.ttl ? durationMs(res.ttl) : ttlMs,
        lockTime: res.lockTime ? timestampDate(res.lockTime) : new Date(),
        sentAt,
      };
    } catch (e) {
      if (signal?.aborted) {
        throw aborted();
      }
      const err = toDistlockError(e);
      if (!(err instanceof NotAcquiredError)) {
        throw err;
      }
      const now = clock.now();
      if (now >= deadline) {
        throw err;
      }
      // The server waited as asked, or less if its own maximum (--max-wait) is lower. An
      // answer in under half the wait asked for means it waits little or not at all:
      // asked again at once, it would be asked hundreds of times a second. So pace the
      // calls, and give up rather than pause past the end of the wait (the Go SDK's rule).
      if (now - sentAt < wait / 2) {
        const pause = backoff(early++);
        if (now + pause >= deadline) {
          throw err;
        }
        await sleep(clock, pause, signal);
      } else {
        early = 0;
      }
      continue;
    }
    if (!isLate(grant, clock.now())) {
      return holdLock(deps, grant);
    }
    try {
      return holdLock(deps, await confirmGrant(deps, grant, signal));
    } catch (e) {
      if (signal?.aborted) {
        throw aborted();
      }
      // The lease is released. As in the Go SDK, this counts as the service being
      // unavailable: try again, after a pause, while the wait lasts.
      const err = new UnavailableError(
        `lock on "${resource}" was granted after a wait but not confirmed: ${(e as Error).message}`,
        { cause: e },
      );
      const pause = backoff(unconfirmed++);
      if (deadline - clock.now() <= pause) {
        throw err;
      }
      await sleep(clock, pause, signal);
    }
  }
}
