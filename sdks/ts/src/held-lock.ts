import type { Client } from "@connectrpc/connect";
import { durationFromMs, durationMs, type Duration } from "@bufbuild/protobuf/wkt";
import { type Clock, jitter, sleep, type Timer } from "./clock.js";
import { type DistlockError, InvalidArgumentError, NotHeldError } from "./errors.js";
import type { LockService } from "./gen/distlock/v1/lock_pb.js";
import type { ExtendOptions, Lock } from "./lock.js";
import { toDistlockError } from "./to-distlock-error.js";
import { retryTransient } from "./transient.js";
import { validateTtl } from "./validate.js";
import { validUntil } from "./validity.js";

/** What a held lock needs from its client. */
export interface LockDeps {
  readonly service: Client<typeof LockService>;
  readonly clock: Clock;
  /** The deadline of one Extend or Release call. */
  readonly callTimeoutMs: number;
}

/** A granted lease, as Acquire returned it. */
export interface Grant {
  readonly resource: string;
  readonly leaseToken: string;
  readonly fencingToken: bigint;
  readonly owner: string;
  readonly ttlMs: number;
  readonly lockTime: Date;
  /** When the Acquire request that won the lease was sent, on deps.clock. */
  readonly sentAt: number;
}

// Failed renewals are retried with jittered exponential backoff between these bounds
// (the same as the Go core's), and never past the lock's validity.
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 2_000;

const asyncDispose: typeof Symbol.asyncDispose =
  Symbol.asyncDispose ?? (Symbol.for("Symbol.asyncDispose") as typeof Symbol.asyncDispose);

/**
 * Turns a granted lease into a {@link Lock} that renews itself every TTL/3 until it is
 * released or lost.
 */
export function holdLock(deps: LockDeps, grant: Grant): Lock {
  const { service, clock, callTimeoutMs } = deps;
  const { resource, leaseToken } = grant;
  let ttlMs = grant.ttlMs;
  let validity = validUntil(grant.sentAt, ttlMs);
  // Only the answer to the most recently sent successful Extend may move validity: an
  // older answer that arrives late must not undo a shorter TTL set since.
  let validitySentAt = grant.sentAt;
  let timer: Timer | undefined;
  let renewing = false;
  let releasing: Promise<void> | undefined;
  // `ended` is the public signal; `stop` cancels our own renewal calls and backoff sleeps.
  const ended = new AbortController();
  const stop = new AbortController();

  const isHeld = (): boolean => !ended.signal.aborted;

  function schedule(): void {
    timer = clock.setTimeout(() => {
      timer = undefined;
      void renew();
    }, ttlMs / 3);
  }

  function end(reason: DistlockError): void {
    if (!isHeld()) {
      return;
    }
    if (timer !== undefined) {
      clock.clearTimeout(timer);
      timer = undefined;
    }
    stop.abort(reason);
    ended.abort(reason);
  }

  function lose(cause: DistlockError): void {
    end(new NotHeldError(`lock on "${resource}" was lost: ${cause.message}`, { cause }));
  }

  function applyExtend(sentAt: number, granted: Duration | undefined, asked: number): void {
    if (sentAt < validitySentAt) {
      return;
    }
    validitySentAt = sentAt;
    ttlMs = granted ? durationMs(granted) : asked;
    validity = validUntil(sentAt, ttlMs);
  }

  async function renew(): Promise<void> {
    renewing = true;
    try {
      let backoff = RETRY_MIN_MS;
      let lastError: DistlockError | undefined;
      while (isHeld()) {
        const sentAt = clock.now();
        const left = validity - sentAt;
        if (left <= 0) {
          lose(
            lastError ??
              new NotHeldError("its validity ended before a renewal was sent"),
          );
          return;
        }
        const asked = ttlMs;
        let sent = sentAt;
        try {
          // Transient failures are first retried at the Go SDK Extend's pace (its `retry`),
          // the others at the core's below: renewal in Go is the one inside the other.
          const res = await retryTransient(
            clock,
            validity,
            () => {
              sent = clock.now();
              const timeoutMs = Math.max(1, Math.ceil(validity - sent));
              return service.extend({ resource, leaseToken, ttl: durationFromMs(asked) }, { signal: stop.signal, timeoutMs });
            },
            stop.signal,
          );
          if (isHeld()) {
            applyExtend(sent, res.ttl, asked);
            schedule();
          }
          return;
        } catch (e) {
          if (!isHeld()) {
            return;
          }
          const err = toDistlockError(e);
          // Retrying cannot help: the lease is gone, or the service rejects the renewal itself.
          if (err instanceof NotHeldError || err instanceof InvalidArgumentError) {
            lose(err);
            return;
          }
          lastError = err;
          await sleep(clock, Math.min(jitter(backoff), validity - clock.now()), stop.signal);
          backoff = Math.min(2 * backoff, RETRY_MAX_MS);
        }
      }
    } finally {
      renewing = false;
    }
  }

  async function extend(options: ExtendOptions = {}): Promise<void> {
    const asked = options.ttlMs ?? ttlMs;
    validateTtl(asked);
    if (!isHeld()) {
      throw new NotHeldError(`lock on "${resource}" is no longer held`, { cause: ended.signal.reason });
    }
    const { signal } = options;
    let sentAt = clock.now();
    let res;
    try {
      // While the service is unavailable, try again until the lock's validity ends, as
      // the Go SDK's Extend does.
      res = await retryTransient(
        clock,
        validity,
        () => {
          sentAt = clock.now();
          return service.extend(
            { resource, leaseToken, ttl: durationFromMs(asked) },
            { timeoutMs: callTimeoutMs, ...(signal ? { signal } : {}) },
          );
        },
        signal,
      );
    } catch (e) {
      const err = toDistlockError(e);
      if (err instanceof NotHeldError) {
        lose(err);
      }
      throw err;
    }
    if (!isHeld()) {
      throw new NotHeldError(`lock on "${resource}" ended while it was being extended`, { cause: ended.signal.reason });
    }
    applyExtend(sentAt, res.ttl, asked);
    // A running renewal reschedules itself; otherwise count the next interval from now.
    if (!renewing) {
      if (timer !== undefined) {
        clock.clearTimeout(timer);
      }
      schedule();
    }
  }

  async function doRelease(): Promise<void> {
    // Stop dependent work before anyone else can be granted the lock.
    end(new NotHeldError(`lock on "${resource}" was released`));
    // While the service is unavailable, try again until the lock's validity ends (after
    // that the lease has expired), as the Go SDK's Release does.
    await retryTransient(clock, validity, () => service.release({ resource, leaseToken }, { timeoutMs: callTimeoutMs }));
  }

  schedule();
  return {
    resource,
    fencingToken: grant.fencingToken,
    owner: grant.owner,
    lockTime: grant.lockTime,
    get ttlMs() {
      return ttlMs;
    },
    signal: ended.signal,
    extend,
    release: () => (releasing ??= doRelease()),
    async [asyncDispose]() {
      try {
        await (releasing ??= doRelease());
      } catch (e) {
        if (!(e instanceof NotHeldError)) {
          throw e;
        }
      }
    },
  };
}
