import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { callBackoff, renewBackoff } from "./backoff.js";
import {
  backoffStepMs,
  CALL_BACKOFF_MAX_MS,
  CALL_BACKOFF_MIN_MS,
  RENEW_BACKOFF_MAX_MS,
  RENEW_BACKOFF_MIN_MS,
} from "./gen/distlock/v1/policy.js";

const backoffs = [
  ["callBackoff", callBackoff, CALL_BACKOFF_MIN_MS, CALL_BACKOFF_MAX_MS],
  ["renewBackoff", renewBackoff, RENEW_BACKOFF_MIN_MS, RENEW_BACKOFF_MAX_MS],
] as const;

for (const [name, backoff, min, max] of backoffs) {
  describe(name, () => {
    for (const n of [0, 1, 4, 64, 5_000]) {
      it(`draws retry ${n}'s pause from the upper half of the policy's step`, (t) => {
        const step = backoffStepMs(n, min, max);
        const draw = t.mock.method(Math, "random", () => 0);
        assert.equal(backoff(n), step / 2);
        draw.mock.mockImplementation(() => 1);
        assert.equal(backoff(n), step);
        draw.mock.mockImplementation(() => 0.5);
        assert.equal(backoff(n), (3 * step) / 4);
      });
    }
  });
}
