import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { backoff } from "./backoff.js";

describe("backoff", () => {
  // [retry, shortest, longest]: the step doubles from 50 ms up to 1 s, the Go SDK's bounds,
  // and each pause is drawn from its upper half.
  const table = [
    [0, 25, 50],
    [1, 50, 100],
    [3, 200, 400],
    [4, 400, 800],
    [5, 500, 1_000],
    [64, 500, 1_000],
    [5_000, 500, 1_000],
  ] as const;
  for (const [n, shortest, longest] of table) {
    it(`draws retry ${n}'s pause from ${shortest} to ${longest} ms`, (t) => {
      const draw = t.mock.method(Math, "random", () => 0);
      assert.equal(backoff(n), shortest);
      draw.mock.mockImplementation(() => 1);
      assert.equal(backoff(n), longest);
      draw.mock.mockImplementation(() => 0.5);
      assert.equal(backoff(n), (shortest + longest) / 2);
    });
  }
});
