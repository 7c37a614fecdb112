import { durationFromMs, durationMs, timestampDate } from "@bufbuild/protobuf/wkt";
import { callBackoff } from "./backoff.js";
import { sleep } from "./clock.js";
import { DistlockError, NotAcquiredError, UnavailableError } from "./errors.js";
import { type Grant, holdLock, type LockDeps } from "./held-lock.js";
import { confirmGrant, isLate } from "./late-grant.js";
import {
  DEFAULT_TTL_MS,
  EARLY_ANSWER_DIVISOR,
  isTransient,
  MAX_WAIT_PER_CALL_MS,
  UNREACHABLE_GIVE_UP_MS,
} from "./gen/distlock/v1/policy.js";
import type { Lock } from "./lock.js";
import { isUnreachable, toDistlockError } from "./to-distlock-error.js";
import { toPayload, validateOwner, validateResource, validateTtl, validateWait } from "./validate.js";

/** Options of {@link LockClient.acquire}. */
export interface AcquireOptions {
  /**
   * How long the lock outlives its holder if renewal stops (the process died), in
   * milliseconds: from MIN_TTL_MS to MAX_TTL_MS; default DEFAULT_TTL_MS (the policy's
   * numbers, exported by this package and explained in sdks/POLICY.md). Renewal runs
   * every renewEveryMs(ttlMs).
   */
  ttlMs?: number;
  /**
   * How long to wait while another holds the lock, in milliseconds; by default (or
   * Infinity) until `signal` aborts; 0 makes one attempt. When the service answers "busy"
   * early (its own maximum wait is lower than asked), the next call follows a pause that
   * backs off with the policy's call back-off. A call that fails with a transient code
   * (`unavailable`, `deadline_exceeded`) is also tried again within the wait, after a
   * pause that backs off in the same way with each failure in a row (a busy answer starts
   * it over); a service that gives no answer at all (connection refused, DNS failure) is
   * given up on after the policy's UNREACHABLE_GIVE_UP_MS without one. When a pause would pass the end of the wait, acquire rejects at once
   * with the last answer: NotAcquiredError after a busy one, the failure
   * (UnavailableError, or a DistlockError with code `deadline_exceeded`) otherwise.
   */
  waitMs?: number;
  /** A label for humans that `info` returns, at most MAX_OWNER_BYTES of UTF-8. */
  owner?: string;
  /** A payload that `read` returns while the lock is held (a string is sent as UTF-8), at most MAX_DATA_BYTES. */
  data?: Uint8Array | string;
  /**
   * Aborts the wait; acquire then rejects with a NotAcquiredError whose cause is the
   * reason, or, when the service's last answer was a transient failure (`unavailable`,
   * `deadline_exceeded`), with that failure.
   */
  signal?: AbortSignal;
  /**
   * With a client's `hold`, called with the holder each time the service reports that the
   * wait goes on: at once when the resource is held, then every few seconds, so that a UI
   * can show whom it waits for. Not called without `hold`.
   */
  onWaiting?: (holder: WaitingFor) => void;
}

/** The holder a waiting acquire waits for, as {@link AcquireOptions.onWaiting} gets it. */
export interface WaitingFor {
  /** The holder's owner label. */
  readonly owner: string;
  /** The holder's fencing token. */
  readonly fencingToken: bigint;
  /** When the holder's lock expires unless renewed, by the server's clock. */
  readonly expireTime: Date;
}

/** Validated acquire options, defaults filled in. */
export interface AcquireArgs {
  readonly ttlMs: number;
  readonly waitMs: number;
  readonly owner: string;
  readonly data: Uint8Array;
  readonly signal: AbortSignal | undefined;
}

/** Checks resource and options, throwing InvalidArgumentError before any call. */
export function acquireArgs(resource: string, options: AcquireOptions): AcquireArgs {
  const { ttlMs = DEFAULT_TTL_MS, waitMs = Infinity, owner = "", signal } = options;
  validateResource(resource);
  validateTtl(ttlMs);
  validateWait(waitMs);
  validateOwner(owner);
  const data = options.data === undefined ? new Uint8Array() : toPayload(options.data);
  return { ttlMs, waitMs, owner, data, signal };
}

/**
 * Takes the lock on resource, waiting up to options.waitMs in calls of at most
 * {@link MAX_WAIT_PER_CALL_MS} each.
 */
export async function acquireLock(deps: LockDeps, resource: string, options: AcquireOptions = {}): Promise<Lock> {
  const { ttlMs, waitMs, owner, data, signal } = acquireArgs(resource, options);
  const { service, clock, callTimeoutMs } = deps;

  const deadline = clock.now() + waitMs;
  // When the service last answered (or acquire began): a service silent for
  // UNREACHABLE_GIVE_UP_MS is given up on, however long the wait.
  let answeredAt = clock.now();
  let failures = 0; // consecutive transient failures, unconfirmed late grants included
  let early = 0; // consecutive early answers
  // The transient error of the latest call, if it failed so: when the signal aborts while
  // the service is unavailable, that is what the caller needs to hear.
  let lastFailure: DistlockError | undefined;
  const ended = (): DistlockError =>
    lastFailure ?? new NotAcquiredError(`acquire of "${resource}" was aborted`, { cause: signal?.reason });
  for (;;) {
    // Before the first call, and after a pause that the signal cut short.
    if (signal?.aborted) {
      throw ended();
    }
    const sentAt = clock.now();
    const wait = Math.ceil(Math.min(Math.max(0, deadline - sentAt), MAX_WAIT_PER_CALL_MS));
    let outcome: Grant | DistlockError;
    try {
      const res = await service.acquire(
        { resource, ttl: durationFromMs(ttlMs), ...(wait > 0 ? { wait: durationFromMs(wait) } : {}), owner, data },
        { timeoutMs: wait + callTimeoutMs, ...(signal ? { signal } : {}) },
      );
      outcome = {
        resource,
        leaseToken: res.leaseToken,
        fencingToken: res.fencingToken,
        owner,
        ttlMs: res.ttl ? durationMs(res.ttl) : ttlMs,
        lockTime: res.lockTime ? timestampDate(res.lockTime) : new Date(),
        sentAt,
      };
    } catch (e) {
      outcome = toDistlockError(e);
      if (!isUnreachable(outcome)) {
        answeredAt = clock.now();
      }
      if (signal?.aborted) {
        if (outcome instanceof UnavailableError) {
          lastFailure = outcome; // the service's answer, not the abort's end of the call
        }
        throw ended();
      }
    }
    if (!(outcome instanceof DistlockError)) {
      if (!isLate(outcome, clock.now())) {
        return holdLock(deps, outcome);
      }
      try {
        return holdLock(deps, await confirmGrant(deps, outcome, signal));
      } catch (e) {
        if (signal?.aborted) {
          throw ended();
        }
        // The lease is released: this counts as the service being unavailable; try
        // again, after a pause, while the wait lasts.
        outcome = new UnavailableError(
          `lock on "${resource}" was granted after a wait but not confirmed: ${(e as Error).message}`,
          { cause: e },
        );
      }
    }
    const err = outcome;
    const now = clock.now();
    let giveUpAt = deadline;
    let pause = 0;
    if (err instanceof NotAcquiredError) {
      if (now >= deadline) {
        throw err;
      }
      failures = 0;
      lastFailure = undefined;
      // The server waited as asked, or less if its own maximum (--max-wait) is lower. An
      // answer in under half the wait asked for means it waits little or not at all:
      // asked again at once, it would be asked hundreds of times a second. So pace the calls.
      if (now - sentAt < wait / EARLY_ANSWER_DIVISOR) {
        pause = callBackoff(early++);
      } else {
        early = 0;
      }
    } else if (isTransient(err.code)) {
      giveUpAt = isUnreachable(err) ? Math.min(deadline, answeredAt + UNREACHABLE_GIVE_UP_MS) : deadline;
      if (now >= giveUpAt) {
        throw err;
      }
      pause = callBackoff(failures++);
      lastFailure = err;
    } else {
      throw err;
    }
    // Give up rather than pause past the end of the wait: the last answer is the result.
    if (pause > 0) {
      if (now + pause >= giveUpAt) {
        throw err;
      }
      // The caller awaits this pause: it must keep Node running, or Node exits with the
      // caller's promise pending (a cron job would end without a word).
      await sleep(clock, pause, { signal, keepAlive: true });
    }
  }
}
