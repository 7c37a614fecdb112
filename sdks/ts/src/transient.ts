import { backoff } from "./backoff.js";
import { type Clock, sleep } from "./clock.js";
import { type DistlockError, UnavailableError } from "./errors.js";
import { toDistlockError } from "./to-distlock-error.js";

/**
 * Reports whether a failed call may succeed when tried again: the service could not reach
 * a quorum, or the call did not get through in time. The Go SDK's `transient`
 * (sdks/go/distlock/errors.go), which decides what its acquire retries within its wait.
 */
export function isTransient(err: DistlockError): boolean {
  return err instanceof UnavailableError || err.code === "deadline_exceeded";
}

/**
 * Runs call, and runs it again after a {@link backoff} while it fails with a transient
 * error, the signal has not aborted, and the pause would end before `until` (on clock).
 * It always makes one attempt, and rejects with the last error as a DistlockError. The
 * Go SDK's `retry` (sdks/go/distlock/retry.go), with which its Extend and Release ride
 * out an unavailable service until the lease's validity ends.
 */
export async function retryTransient<T>(
  clock: Clock,
  until: number,
  call: () => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await call();
    } catch (e) {
      const err = toDistlockError(e);
      const pause = backoff(n);
      if (!isTransient(err) || signal?.aborted || clock.now() + pause >= until) {
        throw err;
      }
      await sleep(clock, pause, signal);
      if (signal?.aborted) {
        throw err;
      }
    }
  }
}
