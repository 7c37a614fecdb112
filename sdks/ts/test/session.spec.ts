// Sessions against a real `distlock serve`: many locks renewed together with one Batch
// per renewal period, a lock's loss reported on its own, a service unreachable for the
// whole validity reported as every lock lost, and closing releases all in one Batch.
import assert from "node:assert/strict";
import { after, before, describe, it, type TestContext } from "node:test";
import { createConnectTransport } from "@connectrpc/connect-node";
import { createLockClient, InvalidArgumentError, type Lock, NotHeldError, UnavailableError } from "../src/index.js";
import { type CallSpy, createCallSpy } from "./interceptors.js";
import { pollUntil } from "./poll.js";
import { startServer, type TestServer } from "./server.js";

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(() => server?.close());

let seq = 0;
const unique = (t: TestContext): string => `ts-session/${process.pid}/${seq++}/${t.name.replaceAll(" ", "-")}`;

function spiedClient(url: string): { client: ReturnType<typeof createLockClient>; spy: CallSpy } {
  const spy = createCallSpy();
  const transport = createConnectTransport({ baseUrl: url, httpVersion: "2", useBinaryFormat: true, interceptors: [spy.interceptor] });
  return { client: createLockClient({ transport }), spy };
}

const lockCalls = (spy: CallSpy): number => spy.calls - spy.countOf("Info");

describe("a session", () => {
  it("keeps 2,000 locks with one Batch per renewal period, and releases them in one", async (t) => {
    const base = unique(t);
    // The in-memory lock service: this test counts HTTP requests, and 2,000 concurrent
    // calls to the embedded Redis servers time out on a loaded machine.
    const own = await startServer({ extraArgs: ["--lock-service", "memory://session"] });
    t.after(() => own.close());
    const { client, spy } = spiedClient(own.url);
    // Renewed every 5 s. A grant slower than TTL/10 is confirmed by an Extend: a TTL this
    // long keeps the 2,000 grants of a loaded machine from all needing one.
    const session = client.session({ ttlMs: 15_000 });
    const locks = await Promise.all(Array.from({ length: 2_000 }, (_, i) => session.acquire(`${base}/${i}`, { waitMs: 20_000 })));
    assert.equal(session.locks.size, 2_000);
    const acquireCalls = lockCalls(spy);
    assert.ok(acquireCalls <= 3, `${acquireCalls} requests for 2,000 acquires`);
    const first = await client.info(`${base}/0`);
    const last = await client.info(`${base}/1999`);
    // Both renewed, by the first renewal period's requests.
    await pollUntil(
      async () => (await client.info(`${base}/0`)).expireTime > first.expireTime && (await client.info(`${base}/1999`)).expireTime > last.expireTime,
      15_000,
      "a renewal",
    );
    assert.equal(lockCalls(spy) - acquireCalls, 1, "one request renewed all 2,000 locks");
    assert.equal(spy.countOf("Extend"), 0);
    assert.ok(locks.every((l) => !l.signal.aborted));
    const beforeClose = lockCalls(spy);
    await session.close();
    assert.ok(lockCalls(spy) - beforeClose <= 2, `${lockCalls(spy) - beforeClose} requests released 2,000 locks`);
    assert.equal(spy.countOf("Release"), 0);
    assert.ok(locks.every((l) => l.signal.aborted));
    await assert.rejects(client.info(`${base}/1234`), NotHeldError);
    await assert.rejects(session.acquire(`${base}/late`), InvalidArgumentError);
  });

  it("keeps renewing all its locks in one Batch period after period, never one Extend each", async (t) => {
    const base = unique(t);
    const { client, spy } = spiedClient(server.url);
    await using session = client.session({ ttlMs: 5_000 });
    const locks = await Promise.all([1, 2, 3].map((i) => session.acquire(`${base}/${i}`)));
    const batches = spy.countOf("Batch");
    // Five periods: each re-schedules the locks, which all must join the session's tick
    // (a rounding error used to give a third of them timers of their own).
    await pollUntil(async () => spy.countOf("Batch") >= batches + 5, 30_000, "five renewal Batches");
    assert.equal(spy.countOf("Extend"), 0);
    assert.ok(locks.every((l) => !l.signal.aborted));
  });

  it("reports a lock whose lease was taken away as lost, and keeps the others", async (t) => {
    const base = unique(t);
    const client = createLockClient({ baseUrl: server.url });
    await using session = client.session({ ttlMs: 5_000 });
    const [a, b] = await Promise.all([session.acquire(`${base}/a`), session.acquire(`${base}/b`)]);
    await client.forceRelease(`${base}/b`, { reason: "test" });
    const reason = await new Promise<unknown>((resolve) => b!.signal.addEventListener("abort", () => resolve(b!.signal.reason)));
    assert.ok(reason instanceof NotHeldError, String(reason));
    assert.equal(a!.signal.aborted, false);
    assert.deepEqual([...session.locks], [a]);
  });

  it("reports every lock lost when the service cannot be reached until their validity ends", async (t) => {
    const base = unique(t);
    const own = await startServer();
    let locks: Lock[];
    try {
      const session = createLockClient({ baseUrl: own.url }).session({ ttlMs: 5_000 });
      locks = await Promise.all([1, 2, 3].map((i) => session.acquire(`${base}/${i}`)));
    } finally {
      await own.close();
    }
    const reasons = await Promise.all(
      locks.map((l) => new Promise<unknown>((resolve) => l.signal.addEventListener("abort", () => resolve(l.signal.reason)))),
    );
    for (const r of reasons) {
      assert.ok(r instanceof UnavailableError, String(r));
    }
  });
});
