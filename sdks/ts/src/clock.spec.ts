import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createManualClock } from "../test/manual-clock.js";
import { jitter, sleep, systemClock } from "./clock.js";

describe("systemClock", () => {
  for (const keepAlive of [false, true]) {
    it(`starts timers that keep Node alive only when asked (keepAlive ${keepAlive})`, () => {
      const timer = systemClock.setTimeout(() => assert.fail("cleared timer fired"), 60_000, keepAlive) as NodeJS.Timeout;
      try {
        assert.equal(timer.hasRef(), keepAlive);
      } finally {
        systemClock.clearTimeout(timer);
      }
    });
  }

  it("is monotonic", () => {
    const a = systemClock.now();
    assert.ok(systemClock.now() >= a);
  });
});

describe("sleep", () => {
  it("resolves when its time comes", async () => {
    const clock = createManualClock();
    const done = sleep(clock, 100, { keepAlive: true });
    assert.deepEqual(clock.dueTimes(), [100]);
    clock.advance(100);
    await done;
  });

  it("resolves early, and clears its timer, when the signal aborts", async () => {
    const clock = createManualClock();
    const ac = new AbortController();
    const done = sleep(clock, 100, { signal: ac.signal, keepAlive: true });
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
