import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { createManualClock } from "../test/manual-clock.js";
import { NotHeldError, UnavailableError } from "./errors.js";
import { AcquireResponseSchema, HoldLost_Reason, type HoldResponse, HoldResponseSchema, LockService } from "./gen/distlock/v1/lock_pb.js";
import { holdOverStream } from "./hold.js";
import { createLockClient } from "./lock-client.js";
import { validityMs } from "./gen/distlock/v1/policy.js";

type Event = HoldResponse["event"];
const granted: Event = { case: "granted", value: create(AcquireResponseSchema, { resource: "r", leaseToken: "l", fencingToken: 7n }) };

/** A client whose Hold streams are given, one per call, by streams. */
function clientWith(streams: ((signal: AbortSignal) => AsyncIterable<Event>)[]) {
  let calls = 0;
  const transport = createRouterTransport(({ service }) => {
    service(LockService, {
      async *hold(_req, ctx) {
        const events = streams[calls++];
        assert.ok(events, "one Hold call too many");
        for await (const event of events(ctx.signal)) {
          yield create(HoldResponseSchema, { event });
        }
      },
      release: () => ({}),
    });
  });
  return { client: createLockClient({ transport, hold: true }), calls: () => calls };
}

/** Yields events, then waits for the client to end the stream. */
async function* thenOpen(signal: AbortSignal, ...events: Event[]): AsyncIterable<Event> {
  yield* events;
  await new Promise((resolve) => signal.addEventListener("abort", resolve));
}

describe("a Hold stream", () => {
  it("reports a stream that ends without a lost event as lost, UnavailableError", async () => {
    const { client } = clientWith([
      async function* () {
        yield granted;
      },
    ]);
    const lock = await client.acquire("r", { waitMs: 0 });
    await new Promise((resolve) => lock.signal.addEventListener("abort", resolve));
    const reason = lock.signal.reason as Error;
    assert.ok(reason instanceof UnavailableError, String(reason));
    assert.match(reason.message, /the Hold stream of "r" broke/);
  });

  it("reports a broken stream as lost, with the failure as cause", async () => {
    const failure = new ConnectError("connection reset", Code.Internal);
    const { client } = clientWith([
      async function* () {
        yield granted;
        throw failure;
      },
    ]);
    const lock = await client.acquire("r", { waitMs: 0 });
    await new Promise((resolve) => lock.signal.addEventListener("abort", resolve));
    const reason = lock.signal.reason as UnavailableError;
    assert.ok(reason instanceof UnavailableError, String(reason));
    assert.match(reason.message, /connection reset/);
  });

  for (const [reason, type] of [
    [HoldLost_Reason.NOT_HELD, NotHeldError],
    [HoldLost_Reason.SERVER_SHUTDOWN, UnavailableError],
  ] as const) {
    it(`reports lost ${HoldLost_Reason[reason]} as ${type.name}, and release then rejects with it`, async () => {
      const { client } = clientWith([
        async function* () {
          yield granted;
          yield { case: "lost", value: { $typeName: "distlock.v1.HoldLost", reason, message: "gone" } };
        },
      ]);
      const lock = await client.acquire("r", { waitMs: 0 });
      await new Promise((resolve) => lock.signal.addEventListener("abort", resolve));
      assert.ok(lock.signal.reason instanceof type, String(lock.signal.reason));
      const err = await lock.release().catch((e: unknown) => e);
      assert.ok(err instanceof NotHeldError, String(err));
    });
  }

  it("retries a transient failure before the grant, within the wait", async () => {
    const { client, calls } = clientWith([
      async function* () {
        throw new ConnectError("no quorum", Code.Unavailable);
      },
      (signal) => thenOpen(signal, { case: "waiting", value: { $typeName: "distlock.v1.HoldWaiting", owner: "x", fencingToken: 1n } }, granted),
    ]);
    const lock = await client.acquire("r", { waitMs: 60_000 });
    assert.equal(calls(), 2);
    assert.equal(lock.fencingToken, 7n);
    await lock.release();
    assert.ok(lock.signal.reason instanceof NotHeldError);
    assert.match((lock.signal.reason as Error).message, /was released/);
  });

  it("reports a stream silent for the lock's validity as lost, and ends it; each renewal counts anew", async () => {
    const clock = createManualClock();
    const queued: Event[] = [granted];
    let wake = (): void => {};
    let serverSide: AbortSignal | undefined;
    const transport = createRouterTransport(({ service }) => {
      service(LockService, {
        async *hold(_req, ctx) {
          serverSide = ctx.signal;
          while (!ctx.signal.aborted) {
            for (let event = queued.shift(); event; event = queued.shift()) {
              yield create(HoldResponseSchema, { event });
            }
            await new Promise<void>((resolve) => {
              wake = resolve;
              ctx.signal.addEventListener("abort", () => resolve(), { once: true });
            });
          }
        },
      });
    });
    const ttlMs = 6_000;
    const lock = await holdOverStream({ service: createClient(LockService, transport), clock, callTimeoutMs: 1_000 }, "r", { ttlMs, waitMs: 0 });
    clock.advance(validityMs(ttlMs) - 1);
    const reset = clock.nextTimer();
    queued.push({ case: "renewed", value: { $typeName: "distlock.v1.HoldRenewed" } });
    wake();
    await reset;
    clock.advance(validityMs(ttlMs) - 1);
    assert.equal(lock.signal.aborted, false, "a renewal arrived within the validity");
    clock.advance(1);
    assert.ok(lock.signal.reason instanceof UnavailableError, String(lock.signal.reason));
    assert.match((lock.signal.reason as Error).message, /sent no word of it/);
    if (!serverSide!.aborted) {
      await new Promise((resolve) => serverSide!.addEventListener("abort", resolve));
    }
  });
});
