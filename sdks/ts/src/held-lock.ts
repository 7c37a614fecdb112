import type { Client } from "@connectrpc/connect";
import { durationFromMs, durationMs, type Duration } from "@bufbuild/protobuf/wkt";
import { renewBackoff } from "./backoff.js";
import { type Clock, sleep, type Timer } from "./clock.js";
import { type DistlockError, NotHeldError } from "./errors.js";
import type { LockService } from "./gen/distlock/v1/lock_pb.js";
import type { ExtendOptions, Lock } from "./lock.js";
import { lockHandle, lostBy, notHeldBy } from "./lock-handle.js";
import { endsRenewal, renewEveryMs, validityMs } from "./gen/distlock/v1/policy.js";
import { toDistlockError } from "./to-distlock-error.js";
import { retryTransient } from "./transient.js";
import { validateTtl } from "./validate.js";

/** What a held lock needs from its client. */
export interface LockDeps {
  readonly service: Client<typeof LockService>;
  readonly clock: Clock;
  /** The deadline of one Extend or Release call. */
  readonly callTimeoutMs: number;
  /**
   * When set (a session's), renewals run at its ticks instead of on each lock's own
   * timer, so that the locks of a session renew together.
   */
  readonly ticker?: Ticker;
}

/** Runs callbacks at shared ticks; see {@link LockDeps.ticker}. */
export interface Ticker {
  /** Runs fn once, no later than ms from now: at the next tick, or on a timer of its own if that is too late. */
  add(fn: () => void, ms: number): Timer;
  /** Cancels a callback that has not run. */
  remove(timer: Timer): void;
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

/**
 * Turns a granted lease into a {@link Lock} that renews itself every renewEveryMs(ttl)
 * until it is released or lost.
 */
export function holdLock(deps: LockDeps, grant: Grant): Lock {
  const { service, clock, callTimeoutMs } = deps;
  const { resource, leaseToken } = grant;
  let ttlMs = grant.ttlMs;
  // The local time until which the lease is certainly held: counted from when the request
  // was sent, so that the network delay counts against the holder.
  let validity = grant.sentAt + validityMs(ttlMs);
  // Only the answer to the most recently sent successful Extend may move validity: an
  // older answer that arrives late must not undo a shorter TTL set since.
  let validitySentAt = grant.sentAt;
  let timer: Timer | undefined;
  let renewing = false;
  // `ended` is the public signal; `stop` cancels our own renewal calls and backoff sleeps.
  const ended = new AbortController();
  const stop = new AbortController();

  const isHeld = (): boolean => !ended.signal.aborted;

  function schedule(): void {
    const fire = (): void => {
      timer = undefined;
      void renew();
    };
    timer = deps.ticker ? deps.ticker.add(fire, renewEveryMs(ttlMs)) : clock.setTimeout(fire, renewEveryMs(ttlMs), false);
  }

  function unschedule(): void {
    if (timer !== undefined) {
      if (deps.ticker) {
        deps.ticker.remove(timer);
      } else {
        clock.clearTimeout(timer);
      }
      timer = undefined;
    }
  }

  function end(reason: DistlockError): void {
    if (!isHeld()) {
      return;
    }
    unschedule();
    stop.abort(reason);
    ended.abort(reason);
  }

  function applyExtend(sentAt: number, granted: Duration | undefined, asked: number): void {
    if (sentAt < validitySentAt) {
      return;
    }
    validitySentAt = sentAt;
    ttlMs = granted ? durationMs(granted) : asked;
    validity = sentAt + validityMs(ttlMs);
  }

  // One layer of retries: every failure but a terminal one is retried with the renewal
  // back-off until the validity ends; the lock is then lost with the last failure as reason.
  async function renew(): Promise<void> {
    renewing = true;
    try {
      let lastError: DistlockError | undefined;
      for (let n = 0; isHeld(); n++) {
        const sentAt = clock.now();
        const left = validity - sentAt;
        if (left <= 0) {
          end(lastError ?? lostBy(resource, new NotHeldError("its validity ended before a renewal was sent")));
          return;
        }
        const asked = ttlMs;
        try {
          const timeoutMs = Math.max(1, Math.ceil(Math.min(left, callTimeoutMs)));
          const res = await service.extend({ resource, leaseToken, ttl: durationFromMs(asked) }, { signal: stop.signal, timeoutMs });
          if (isHeld()) {
            applyExtend(sentAt, res.ttl, asked);
            schedule();
          }
          return;
        } catch (e) {
          if (!isHeld()) {
            return;
          }
          const err = toDistlockError(e);
          if (endsRenewal(err.code)) {
            end(lostBy(resource, err));
            return;
          }
          // A call cut by the validity's own timeout says nothing about the service:
          // the loss reason stays the last answer it gave (decision 5, sdks/POLICY.md).
          // Which deadline cut it tells that, not the clock: Node's timers count from
          // the event loop's cached time, so a timeout can fire a little before
          // clock.now() reaches the validity.
          const cutByValidity = err.code === "deadline_exceeded" && left < callTimeoutMs;
          if (lastError === undefined || (!cutByValidity && clock.now() < validity)) {
            lastError = err;
          }
          // In the background: this pause must not keep Node running.
          await sleep(clock, Math.min(renewBackoff(n), validity - clock.now()), { signal: stop.signal, keepAlive: false });
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
      throw notHeld();
    }
    const { signal } = options;
    let sentAt = clock.now();
    let res;
    try {
      // While the service is unavailable, try again until the lock's validity ends.
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
        end(lostBy(resource, err));
      }
      throw err;
    }
    if (!isHeld()) {
      throw notHeld();
    }
    applyExtend(sentAt, res.ttl, asked);
    // A running renewal reschedules itself; otherwise count the next interval from now.
    if (!renewing) {
      unschedule();
      schedule();
    }
  }

  const notHeld = (): NotHeldError => notHeldBy(resource, ended.signal.reason);

  async function doRelease(): Promise<void> {
    const lost = !isHeld();
    // Stop dependent work before anyone else can be granted the lock.
    end(new NotHeldError(`lock on "${resource}" was released`));
    try {
      // While the service is unavailable, try again until the lock's validity ends (after
      // that the lease has expired). A lost lock is released too: its lease may outlive
      // the validity that the client could vouch for.
      await retryTransient(clock, validity, () => service.release({ resource, leaseToken }, { timeoutMs: callTimeoutMs }));
    } catch (e) {
      if (!lost) {
        throw e;
      }
    }
    if (lost) {
      throw notHeld();
    }
  }

  schedule();
  return lockHandle({
    resource,
    fencingToken: grant.fencingToken,
    owner: grant.owner,
    lockTime: grant.lockTime,
    ttlMs: () => ttlMs,
    signal: ended.signal,
    extend,
    release: doRelease,
  });
}
