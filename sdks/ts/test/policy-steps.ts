// What the policy's call back-off gives, for specs that expect its pauses: computed from
// the generated policy, so that a change of its numbers does not need the specs changed.
import { backoffStepMs, CALL_BACKOFF_MAX_MS, CALL_BACKOFF_MIN_MS } from "../src/gen/distlock/v1/policy.js";

/** The first count steps of the call back-off, in milliseconds. */
export function callSteps(count: number): number[] {
  return Array.from({ length: count }, (_, n) => backoffStepMs(n, CALL_BACKOFF_MIN_MS, CALL_BACKOFF_MAX_MS));
}

/**
 * The pauses a retry loop takes, from the first, when each is share of its step (1: the
 * longest draw, 0.5: the shortest) and a pause is taken only if it ends before ms.
 */
export function pausesWithin(ms: number, share: number): number[] {
  const pauses: number[] = [];
  for (let n = 0, spent = 0; ; n++) {
    const pause = backoffStepMs(n, CALL_BACKOFF_MIN_MS, CALL_BACKOFF_MAX_MS) * share;
    if (spent + pause >= ms) {
      return pauses;
    }
    pauses.push(pause);
    spent += pause;
  }
}
