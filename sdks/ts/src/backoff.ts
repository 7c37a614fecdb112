import { jitter } from "./clock.js";
import {
  backoffStepMs,
  CALL_BACKOFF_MAX_MS,
  CALL_BACKOFF_MIN_MS,
  RENEW_BACKOFF_MAX_MS,
  RENEW_BACKOFF_MIN_MS,
} from "./gen/distlock/v1/policy.js";

// The policy gives each step; the draw from its upper half, so that clients turned away
// together do not come back together, is the SDK's.

/** The pause in milliseconds before retry n (0 for the first) of acquire, extend or release. */
export function callBackoff(n: number): number {
  return jitter(backoffStepMs(n, CALL_BACKOFF_MIN_MS, CALL_BACKOFF_MAX_MS));
}

/** The pause in milliseconds before retry n (0 for the first) of a background renewal. */
export function renewBackoff(n: number): number {
  return jitter(backoffStepMs(n, RENEW_BACKOFF_MIN_MS, RENEW_BACKOFF_MAX_MS));
}
