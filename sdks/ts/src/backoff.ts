import { jitter } from "./clock.js";

// acquire, and extend and release through retryTransient, pace their calls as the Go SDK
// does (sdks/go/distlock/retry.go), the reference for all three SDKs: the same bounds and
// the same jitter.

/** The backoff's first step, in milliseconds: the first pause is drawn from 25 to 50 ms. The Go SDK's backoffMin. */
export const BACKOFF_MIN_MS = 50;
/** The step the backoff doubles up to, in milliseconds: no pause is longer. The Go SDK's backoffMax. */
export const BACKOFF_MAX_MS = 1_000;

/**
 * The pause before retry n (0 for the first), in milliseconds: exponential from
 * {@link BACKOFF_MIN_MS} up to {@link BACKOFF_MAX_MS}, drawn at random from the upper half
 * of that step so that clients turned away together do not come back together.
 */
export function backoff(n: number): number {
  return jitter(Math.min(BACKOFF_MIN_MS * 2 ** n, BACKOFF_MAX_MS));
}
