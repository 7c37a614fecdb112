import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, createRouterTransport, type HandlerContext } from "@connectrpc/connect";
import { type BatchRequest, BatchResponseSchema, ExtendResponseSchema, LockService } from "./gen/distlock/v1/lock_pb.js";
import { coalescing } from "./coalesce.js";
import { MAX_BATCH_CALLS } from "./gen/distlock/v1/policy.js";

/** One Batch the fake service received: the test answers its calls when it likes. */
interface FakeBatch {
  readonly request: BatchRequest;
  readonly ctx: HandlerContext;
  /** Sends the result of call index: an Extend response, or an error. */
  answer(index: number, error?: { code: string; message: string }): void;
  /** Ends the stream. */
  end(): void;
}

/** A LockService whose only method is a Batch that the test drives. */
function fakeBatchService(): { service: ReturnType<typeof createClient<typeof LockService>>; next(): Promise<FakeBatch> } {
  const batches: FakeBatch[] = [];
  const waiters: ((b: FakeBatch) => void)[] = [];
  const transport = createRouterTransport(({ service }) => {
    service(LockService, {
      async *batch(request, ctx) {
        const out: (ReturnType<typeof create<typeof BatchResponseSchema>> | null)[] = [];
        let wake: (() => void) | undefined;
        const push = (m: (typeof out)[number]): void => {
          out.push(m);
          wake?.();
        };
        const b: FakeBatch = {
          request,
          ctx,
          answer: (index, error) =>
            push(
              create(BatchResponseSchema, {
                results: [{ index, result: error ? { case: "error", value: error } : { case: "extend", value: create(ExtendResponseSchema) } }],
              }),
            ),
          end: () => push(null),
        };
        const w = waiters.shift();
        if (w) {
          w(b);
        } else {
          batches.push(b);
        }
        for (;;) {
          while (out.length === 0) {
            await new Promise<void>((resolve) => (wake = resolve));
          }
          const m = out.shift()!;
          if (m === null) {
            return;
          }
          yield m;
        }
      },
    });
  });
  return {
    service: createClient(LockService, transport),
    next: () => (batches.length > 0 ? Promise.resolve(batches.shift()!) : new Promise((resolve) => waiters.push(resolve))),
  };
}

const extendOf = (resource: string) => ({ resource, leaseToken: "t" });

describe("coalescing", () => {
  it("sends a lone call of an idle client within the current turn, as its unary RPC", async () => {
    const fake = fakeBatchService();
    let sent = 0;
    const svc = coalescing({ ...fake.service, extend: async () => (sent++, create(ExtendResponseSchema)) }, 1_000);
    const call = svc.extend(extendOf("alone"), { timeoutMs: 10_000 });
    assert.equal(sent, 0, "not before the calls of this synchronous run are in");
    for (let i = 0; i < 3 && sent === 0; i++) {
      await Promise.resolve();
    }
    assert.equal(sent, 1, "sent by a microtask, not at the next turn of the event loop");
    await call;
  });

  it("gives each caller of a batch its own result, error code and message", async () => {
    const fake = fakeBatchService();
    const svc = coalescing(fake.service, 1_000);
    const a = svc.extend(extendOf("a"), { timeoutMs: 10_000 });
    const b = svc.extend(extendOf("b"), { timeoutMs: 10_000 });
    const batch = await fake.next();
    assert.deepEqual(batch.request.calls.map((c) => c.call.case), ["extend", "extend"]);
    batch.answer(1, { code: "not_found", message: "lease gone" });
    batch.answer(0);
    batch.end();
    await a;
    await assert.rejects(b, (e: unknown) => e instanceof ConnectError && e.code === Code.NotFound && e.rawMessage === "lease gone");
  });

  it("ends a caller's call at its own deadline, and another's at its abort, while the batch goes on", async () => {
    const fake = fakeBatchService();
    const svc = coalescing(fake.service, 1_000);
    const abort = new AbortController();
    const late = assert.rejects(svc.extend(extendOf("late"), { timeoutMs: 30 }), (e: unknown) => e instanceof ConnectError && e.code === Code.DeadlineExceeded);
    const aborted = assert.rejects(
      svc.extend(extendOf("aborted"), { timeoutMs: 10_000, signal: abort.signal }),
      (e: unknown) => e instanceof ConnectError && e.code === Code.Canceled,
    );
    const kept = svc.extend(extendOf("kept"), { timeoutMs: 10_000 });
    const batch = await fake.next();
    await late;
    abort.abort(new Error("caller left"));
    await aborted;
    assert.equal(batch.ctx.signal.aborted, false, "the stream stays open for the caller still waiting");
    batch.answer(2);
    batch.answer(0); // too late for its caller: ignored
    batch.end();
    await kept;
  });

  it("reads the stream to its end when every caller of the batch has given up", async () => {
    const fake = fakeBatchService();
    const svc = coalescing(fake.service, 1_000);
    const abort = new AbortController();
    const calls = [svc.extend(extendOf("x"), { signal: abort.signal }), svc.extend(extendOf("y"), { signal: abort.signal })];
    const batch = await fake.next();
    abort.abort();
    await Promise.allSettled(calls);
    await new Promise<void>((resolve) => setTimeout(resolve, 0)); // a turn for an abort to reach the fake
    assert.equal(batch.ctx.signal.aborted, false, "the stream stays open: a grant in it is released by the client");
    batch.answer(0); // too late for its caller: ignored
    batch.answer(1);
    batch.end();
  });

  it("splits a turn's calls by the policy's MAX_BATCH_CALLS", async () => {
    const fake = fakeBatchService();
    let unary = 0;
    const svc = coalescing({ ...fake.service, extend: async () => (unary++, create(ExtendResponseSchema)) }, 1_000);
    const calls = Array.from({ length: MAX_BATCH_CALLS + 1 }, (_, i) => svc.extend(extendOf(`r${i}`), { timeoutMs: 60_000 }));
    const batch = await fake.next();
    assert.equal(batch.request.calls.length, MAX_BATCH_CALLS);
    batch.request.calls.forEach((_, i) => batch.answer(i));
    batch.end();
    await Promise.all(calls);
    assert.equal(unary, 1, "the call left over went alone, as its unary RPC");
  });

  it("splits a turn's calls by the policy's MAX_BATCH_BYTES", async () => {
    const fake = fakeBatchService();
    const svc = coalescing(fake.service, 1_000);
    // Each call is estimated at 128 + 2 x (resource + token) bytes: two fit in 4 MiB, three do not.
    const big = "r".repeat(700_000);
    const calls = [1, 2, 3, 4].map((i) => svc.extend({ resource: big + i, leaseToken: "t" }, { timeoutMs: 10_000 }));
    const first = await fake.next();
    const second = await fake.next();
    assert.deepEqual([first.request.calls.length, second.request.calls.length], [2, 2]);
    for (const b of [first, second]) {
      b.answer(0);
      b.answer(1);
      b.end();
    }
    await Promise.all(calls);
  });
});
