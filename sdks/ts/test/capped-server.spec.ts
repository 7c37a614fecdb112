// Against a real `distlock serve --max-wait 0s`, which answers "busy" at once however long
// the wait asked for, a short wait makes a handful of calls, not hundreds: the pauses
// after early answers back off, and the last one that would pass the end is not taken.
import assert from "node:assert/strict";
import { after, before, describe, it, type TestContext } from "node:test";
import { createConnectTransport } from "@connectrpc/connect-web";
import { NotAcquiredError } from "../src/errors.js";
import { createLockClient } from "../src/lock-client.js";
import { backoffStepMs, CALL_BACKOFF_MAX_MS, CALL_BACKOFF_MIN_MS } from "../src/gen/distlock/v1/policy.js";
import { createCallSpy } from "./interceptors.js";
import { startServer, type TestServer } from "./server.js";

// A wait that, without pauses, makes hundreds of calls to a capped server.
const SHORT_WAIT_MS = 800;
// Calls in the wait's last moments that no pause accounts for: one asked to wait less
// than two round trips comes back not early and is followed at once by another, which
// with round trips of a steady length runs out the wait; one more for an uneven one.
const LAST_MOMENTS = 2;

/**
 * The most calls that ms of a wait may hold when every busy answer is early: one more
 * than the pauses that fit, each at least half its step.
 */
function mostCalls(ms: number): number {
  let pauses = 0;
  for (let spent = 0; ; pauses++) {
    spent += backoffStepMs(pauses, CALL_BACKOFF_MIN_MS, CALL_BACKOFF_MAX_MS) / 2;
    if (spent > ms) {
      return pauses + 1;
    }
  }
}

let server: TestServer;
before(async () => {
  server = await startServer({ extraArgs: ["--max-wait", "0s"] });
});
after(() => server.close());

describe("acquire against distlock serve --max-wait 0s", () => {
  it("makes a few calls in a short wait, not hundreds", async (t: TestContext) => {
    const resource = `ts-sdk/${t.name}/${process.pid}`;
    const holder = await createLockClient({ baseUrl: server.url }).acquire(resource);
    const spy = createCallSpy();
    const waiter = createLockClient({
      transport: createConnectTransport({ baseUrl: server.url, useBinaryFormat: true, interceptors: [spy.interceptor] }),
    });
    await assert.rejects(waiter.acquire(resource, { waitMs: SHORT_WAIT_MS }), NotAcquiredError);
    await holder.release();
    assert.ok(spy.calls >= 2, `${spy.calls} calls`);
    assert.ok(spy.calls <= mostCalls(SHORT_WAIT_MS) + LAST_MOMENTS, `${spy.calls} calls`);
  });
});
