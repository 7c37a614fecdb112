import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createManualClock } from "../test/manual-clock.js";
import { jitter, sleep, systemClock } from "./clock.js";

describe("systemClock", () => {
  it("starts timers that do not keep Node alive", () => {
    const timer = systemClock.setTimeout(() => assert.fail("cleared timer fired"), 60_000) as NodeJS.Timeout;
    try {
      assert.equal(timer.hasRef(), false);
    } finally {
      systemClock.clearTimeout(timer);
    }
  });

  it("is monotonic", () => {
    const a = systemClock.now();
    assert.ok(systemClock.now() >= a);
  });
});

describe("sleep", () => {
  it("resolves when its time comes", async () => {
    const clock = createManualClock();
    const done = sleep(clock, 100);
    assert.deepEqual(clock.dueTimes(), [100]);
    clock.advance(100);
    await done;
  });

  it("resolves early, and clears its timer, when the signal aborts", async () => {
    const clock = createManualClock();
    const ac = new AbortController();
    const done = sleep(clock, 100, ac.signal);
    ac.abort();
    await done;
    assert.deepEqual(clock.dueTimes(), []);
  });
});

describe("jitter", () => {
  it("stays between half of its argument and all of it", () => {
    for (let i = 0; i < 100; i++) {
      const j = jitter(1000);
      assert.ok(j >= 500 && j <= 1000, String(j));
    }
  });
});
