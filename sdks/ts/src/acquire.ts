import { durationFromMs, durationMs, timestampDate } from "@bufbuild/protobuf/wkt";
import { jitter, sleep } from "./clock.js";
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
   * makes one attempt; Infinity waits until `signal` aborts.
   */
  waitMs?: number;
  /** A label for humans that `info` returns, at most 256 UTF-8 bytes. */
  owner?: string;
  /** A payload that `read` returns while the lock is held (a string is sent as UTF-8), at most 64 KiB. */
  data?: Uint8Array | string;
  /** Aborts the wait; acquire then rejects with a NotAcquiredError whose cause is the reason. */
  signal?: AbortSignal;
}

// When the server answers `aborted` this much sooner than the wait we asked for, it has
// capped the wait (its own maximum is lower than ours): pause before asking again rather
// than spinning.
const EARLY_ANSWER_MS = 1_000;
const EARLY_PAUSE_MS = 500;
// Pauses between attempts after late grants that could not be confirmed: jittered, from
// 50 ms doubling up to 1 s, as the Go SDK's between transient failures.
const UNCONFIRMED_PAUSE_MIN_MS = 50;
const UNCONFIRMED_PAUSE_MAX_MS = 1_000;

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
  if (signal?.aborted) {
    throw aborted();
  }
  const deadline = clock.now() + waitMs;
  let unconfirmedPause = UNCONFIRMED_PAUSE_MIN_MS;
  for (;;) {
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
      if (now - sentAt < wait - EARLY_ANSWER_MS) {
        await sleep(clock, Math.min(jitter(EARLY_PAUSE_MS), deadline - now), signal);
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
      const pause = jitter(unconfirmedPause);
      if (deadline - clock.now() <= pause) {
        throw err;
      }
      await sleep(clock, pause, signal);
      unconfirmedPause = Math.min(2 * unconfirmedPause, UNCONFIRMED_PAUSE_MAX_MS);
    }
  }
}
