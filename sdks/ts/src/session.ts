import { type AcquireOptions, acquireLock } from "./acquire.js";
import { InvalidArgumentError } from "./errors.js";
import { DEFAULT_TTL_MS, renewEveryMs } from "./gen/distlock/v1/policy.js";
import type { LockDeps, Ticker } from "./held-lock.js";
import type { Lock } from "./lock.js";
import { validateTtl } from "./validate.js";
import type { Timer } from "./clock.js";

const asyncDispose: typeof Symbol.asyncDispose =
  Symbol.asyncDispose ?? (Symbol.for("Symbol.asyncDispose") as typeof Symbol.asyncDispose);

/** Options of {@link LockClient.session}. */
export interface SessionOptions {
  /**
   * The TTL of every lock of the session, in milliseconds: from MIN_TTL_MS to MAX_TTL_MS;
   * default DEFAULT_TTL_MS. The session renews all its locks together every
   * renewEveryMs(ttlMs).
   */
  ttlMs?: number;
}

/**
 * Many locks kept alive together: the session renews all of them with one Batch request
 * per renewal period (several beyond the policy's batch limits), and releases those left
 * with one Batch when it is closed. Each lock is the usual {@link Lock}: its `signal`
 * aborts when it is lost (renewal failed until its validity ended, or the service answered
 * that its lease is gone), and it can be released on its own.
 *
 * @example
 * await using session = client.session({ ttlMs: 30_000 });
 * const locks = await Promise.all(jobs.map((j) => session.acquire(`jobs/${j}`, { waitMs: 0 })));
 */
export interface Session extends AsyncDisposable {
  /**
   * Takes the lock on resource within the session (with the session's TTL), as
   * LockClient.acquire does, with the same options, waits and errors. Rejects with
   * InvalidArgumentError once the session is closed.
   */
  acquire(resource: string, options?: Omit<AcquireOptions, "ttlMs" | "onWaiting">): Promise<Lock>;
  /** The locks acquired by this session and neither released nor lost. */
  readonly locks: ReadonlySet<Lock>;
  /**
   * Releases every lock still held, together, and ends the session's renewals. Rejects
   * with the first release that failed, once all have been tried. Leaving an `await using`
   * block calls it.
   */
  close(): Promise<void>;
}

/** Starts a session over deps, whose service must coalesce calls (see coalescing). */
export function openSession(deps: LockDeps, options: SessionOptions = {}): Session {
  const { ttlMs = DEFAULT_TTL_MS } = options;
  validateTtl(ttlMs);
  const ticker = sessionTicker(deps, renewEveryMs(ttlMs));
  const sessionDeps: LockDeps = { ...deps, ticker };
  const locks = new Set<Lock>();
  let closing: Promise<void> | undefined;

  async function close(): Promise<void> {
    const held = [...locks];
    locks.clear();
    // Called in one turn, the releases go in one Batch.
    const results = await Promise.allSettled(held.map((l) => l.release()));
    ticker.stop();
    const failed = results.find((r) => r.status === "rejected");
    if (failed) {
      throw failed.reason;
    }
  }

  return {
    locks,
    async acquire(resource, acquireOptions = {}) {
      if (closing) {
        throw new InvalidArgumentError(`acquire of "${resource}" in a closed session`);
      }
      const lock = await acquireLock(sessionDeps, resource, { ...acquireOptions, ttlMs });
      if (closing) {
        await lock.release().catch(() => {});
        throw new InvalidArgumentError(`acquire of "${resource}" in a closed session`);
      }
      locks.add(lock);
      lock.signal.addEventListener("abort", () => locks.delete(lock), { once: true });
      return lock;
    },
    close: () => (closing ??= close()),
    [asyncDispose]() {
      return (closing ??= close());
    },
  };
}

/**
 * A Ticker whose ticks come every periodMs, on one background timer (it does not keep
 * Node running): the renewals of all a session's locks start in the same turn, so they go
 * to the service in one Batch. A callback that needs to run sooner than the next tick
 * (a lock extended to a shorter TTL) gets a timer of its own.
 */
function sessionTicker(deps: LockDeps, periodMs: number): Ticker & { stop(): void } {
  const { clock } = deps;
  let due = new Set<() => void>();
  let nextTick = 0;
  let timer: Timer | undefined;
  const own = new Map<() => void, Timer>();

  function tick(): void {
    timer = undefined;
    const run = due;
    due = new Set();
    run.forEach((fn) => fn());
  }

  function arm(): void {
    if (timer === undefined) {
      nextTick = clock.now() + periodMs;
      timer = clock.setTimeout(tick, periodMs, false);
    }
  }

  return {
    add(fn, ms) {
      // Compared without subtracting: (now + periodMs) - now exceeds periodMs by a
      // rounding error about a third of the time, which gave a lock due at the next tick
      // a timer of its own, so the session's renewals drifted into one Extend per lock.
      const now = clock.now();
      if (timer === undefined ? ms < periodMs : nextTick > now + ms) {
        own.set(fn, clock.setTimeout(() => (own.delete(fn), fn()), ms, false));
        return fn;
      }
      due.add(fn);
      arm();
      return fn;
    },
    remove(handle) {
      const fn = handle as () => void;
      due.delete(fn);
      const t = own.get(fn);
      if (t !== undefined) {
        own.delete(fn);
        clock.clearTimeout(t);
      }
    },
    stop() {
      if (timer !== undefined) {
        clock.clearTimeout(timer);
        timer = undefined;
      }
      due.clear();
      own.forEach((t) => clock.clearTimeout(t));
      own.clear();
    },
  };
}
