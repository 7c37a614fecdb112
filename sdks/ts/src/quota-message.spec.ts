import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { ResourceExhaustedError } from "./errors.js";
import { parseQuota } from "./quota-message.js";
import { toDistlockError } from "./to-distlock-error.js";

describe("parseQuota", () => {
  // The messages internal/auth and connectsvc write (exhausted() and msgMaxWaiters).
  const cases: [string, ReturnType<typeof parseQuota>][] = [
    ['quota max_held (1) reached for "carol"', { quota: "max_held", limit: "1", principal: "carol" }],
    ['quota max_ttl (2m0s) reached for "ci-deploy"', { quota: "max_ttl", limit: "2m0s", principal: "ci-deploy" }],
    ['quota rate (200/s, burst 400) reached for "a \\"b\\""', { quota: "rate", limit: "200/s, burst 400", principal: 'a "b"' }],
    [
      "the server-wide cap on waiting Acquires (max_waiters 10000) is reached; retry later or without a wait",
      { quota: "max_waiters", limit: "10000", principal: "" },
    ],
    ["redis: OOM command not allowed", undefined],
  ];
  for (const [message, want] of cases) {
    it(`reads ${JSON.stringify(message)}`, () => {
      assert.deepEqual(parseQuota(message), want);
    });
  }

  it("gives resource_exhausted answers their typed error, quota named", () => {
    const err = toDistlockError(new ConnectError('quota max_waiting (100) reached for "bob"', Code.ResourceExhausted));
    assert.ok(err instanceof ResourceExhaustedError);
    assert.equal(err.code, "resource_exhausted");
    assert.deepEqual([err.quota, err.limit, err.principal], ["max_waiting", "100", "bob"]);
    const unnamed = toDistlockError(new ConnectError("too much", Code.ResourceExhausted));
    assert.ok(unnamed instanceof ResourceExhaustedError);
    assert.equal(unnamed.quota, undefined);
  });
});
