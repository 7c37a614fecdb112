import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { createManualClock, type ManualClock, pauseTaken } from "../test/manual-clock.js";
import { callSteps } from "../test/policy-steps.js";
import { NotHeldError, UnavailableError } from "./errors.js";
import { retryTransient } from "./transient.js";

/** Fails the first answers.length calls with those codes, then resolves with "done". */
function scripted(...answers: Code[]) {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    call: async (): Promise<string> => {
      const code = answers[calls++];
      if (code !== undefined) {
        throw new ConnectError("scripted", code);
      }
      return "done";
    },
  };
}

/** Lets each pause that is taken run out at once, and returns their lengths once settled. */
async function runPauses(clock: ManualClock, settled: Promise<unknown>): Promise<number[]> {
  const over = settled.then(
    () => undefined,
    () => undefined,
  );
  const pauses: number[] = [];
  for (;;) {
    await Promise.race([clock.timerSet(), over]);
    if (clock.dueTimes().length === 0) {
      return pauses;
    }
    pauses.push(await pauseTaken(clock));
  }
}

describe("retryTransient", () => {
  it("retries unavailable and deadline_exceeded, backing off, until the call succeeds", async (t) => {
    t.mock.method(Math, "random", () => 1);
    const clock = createManualClock();
    const s = scripted(Code.Unavailable, Code.DeadlineExceeded, Code.Unavailable);
    const result = retryTransient(clock, 10_000, s.call);
    assert.deepEqual(await runPauses(clock, result), callSteps(3));
    assert.equal(await result, "done");
    assert.equal(s.calls, 4);
  });

  it("rejects with the last failure when the next pause would pass until", async (t) => {
    t.mock.method(Math, "random", () => 1);
    const clock = createManualClock();
    const s = scripted(...Array<Code>(100).fill(Code.Unavailable));
    // Three pauses fit before until; the fourth would end just past it.
    const until = callSteps(4).reduce((a, b) => a + b) - 1;
    const result = retryTransient(clock, until, s.call);
    assert.deepEqual(await runPauses(clock, result), callSteps(3));
    await assert.rejects(result, UnavailableError);
    assert.equal(s.calls, 4);
  });

  it("does not retry other failures", async () => {
    const clock = createManualClock();
    const s = scripted(Code.NotFound, Code.Unavailable);
    await assert.rejects(retryTransient(clock, 10_000, s.call), NotHeldError);
    assert.equal(s.calls, 1);
    assert.deepEqual(clock.dueTimes(), []);
  });

  it("makes one attempt when until has passed", async () => {
    const clock = createManualClock(5_000);
    const s = scripted(Code.Unavailable, Code.Unavailable);
    await assert.rejects(retryTransient(clock, 1_000, s.call), UnavailableError);
    assert.equal(s.calls, 1);
  });

  it("stops, with the last failure, when the signal aborts a pause", async () => {
    const clock = createManualClock();
    const ac = new AbortController();
    const s = scripted(Code.Unavailable, Code.Unavailable);
    const result = retryTransient(clock, 10_000, s.call, ac.signal);
    await clock.timerSet();
    ac.abort();
    await assert.rejects(result, UnavailableError);
    assert.equal(s.calls, 1);
    assert.deepEqual(clock.dueTimes(), []);
  });
});
