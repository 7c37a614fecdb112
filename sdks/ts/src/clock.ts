/** A timer started by a {@link Clock}. */
export type Timer = unknown;

/**
 * The time source of the lock machinery. Production code uses {@link systemClock}; tests
 * substitute a manual clock so renewal can be driven without waiting for real TTLs.
 */
export interface Clock {
  /** Monotonic milliseconds: only differences between two readings mean anything. */
  now(): number;
  /**
   * Runs fn after ms milliseconds. A timer keeps a Node process running only with
   * keepAlive: the pauses of a call that the caller awaits need it (without it Node
   * exits with the caller's promise pending), renewal in the background must not have it.
   */
  setTimeout(fn: () => void, ms: number, keepAlive: boolean): Timer;
  /** Cancels a timer that has not fired. */
  clearTimeout(timer: Timer): void;
}

/**
 * The real clock: performance.now(), which wall-clock adjustments cannot move, and
 * timers that are unref'd in Node unless asked to keep it alive.
 */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout(fn, ms, keepAlive) {
    const timer: unknown = globalThis.setTimeout(fn, ms);
    // Node returns a Timeout object with unref(); browsers return a number.
    if (!keepAlive && typeof timer === "object" && timer !== null && "unref" in timer && typeof timer.unref === "function") {
      timer.unref();
    }
    return timer;
  },
  clearTimeout(timer) {
    globalThis.clearTimeout(timer as Parameters<typeof globalThis.clearTimeout>[0]);
  },
};

/** Options of {@link sleep}. */
export interface SleepOptions {
  /** Ends the sleep early. */
  signal?: AbortSignal | undefined;
  /** Whether the sleep keeps a Node process running (see {@link Clock.setTimeout}). */
  keepAlive: boolean;
}

/**
 * Resolves after ms on clock, or as soon as the signal aborts (it never rejects: callers
 * check the signal themselves).
 */
export function sleep(clock: Clock, ms: number, { signal, keepAlive }: SleepOptions): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      clock.clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = clock.setTimeout(done, Math.max(0, ms), keepAlive);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** A random duration between half of ms and ms, so retrying clients spread out. */
export function jitter(ms: number): number {
  return ms / 2 + Math.random() * (ms / 2);
}
