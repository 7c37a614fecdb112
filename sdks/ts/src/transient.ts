import { callBackoff } from "./backoff.js";
import { type Clock, sleep } from "./clock.js";
import { isTransient } from "./gen/distlock/v1/policy.js";
import { toDistlockError } from "./to-distlock-error.js";

/**
 * Runs call, and runs it again after a {@link callBackoff} while it fails with a transient
 * error, the signal has not aborted, and the pause would end before `until` (on clock).
 * It always makes one attempt, and rejects with the last error as a DistlockError. The
 * caller awaits it (extend, release), so its pauses keep Node running.
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
      const pause = callBackoff(n);
      if (!isTransient(err.code) || signal?.aborted || clock.now() + pause >= until) {
        throw err;
      }
      await sleep(clock, pause, { signal, keepAlive: true });
      if (signal?.aborted) {
        throw err;
      }
    }
  }
}
