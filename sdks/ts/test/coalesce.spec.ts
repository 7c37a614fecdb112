// Coalescing against a real `distlock serve`: concurrent acquire, extend and release calls
// go in one Batch request, a lone call goes unary, and every caller gets what its own
// unary call would have given, errors included.
import assert from "node:assert/strict";
import { after, before, describe, it, type TestContext } from "node:test";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { MAX_TTL_MS } from "../src/gen/distlock/v1/policy.js";
import { createLockClient, type LockClientOptions, NotAcquiredError, NotHeldError } from "../src/index.js";
import { type CallSpy, createCallSpy } from "./interceptors.js";
import { pollUntil } from "./poll.js";
import { startServer, type TestServer } from "./server.js";

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(() => server?.close());

let seq = 0;
const unique = (t: TestContext): string => `ts-coalesce/${process.pid}/${seq++}/${t.name.replaceAll(" ", "-")}`;

/** A client over HTTP/2 whose requests spy counts, by method. */
function spiedClient(options: Omit<LockClientOptions, "transport"> = {}, more: Interceptor[] = []): { client: ReturnType<typeof createLockClient>; spy: CallSpy } {
  const spy = createCallSpy();
  const transport = createConnectTransport({ baseUrl: server.url, httpVersion: "2", useBinaryFormat: true, interceptors: [spy.interceptor, ...more] });
  return { client: createLockClient({ ...options, transport }), spy };
}

const isFree = (client: ReturnType<typeof createLockClient>, resource: string) => () =>
  client.info(resource).then(
    () => false,
    (e: unknown) => e instanceof NotHeldError,
  );

describe("coalescing", () => {
  it("sends 50 concurrent acquires in one Batch, and their 50 releases in another", async (t) => {
    const { client, spy } = spiedClient();
    const base = unique(t);
    // A grant slower than TTL/10 is confirmed by an Extend (another request): a long TTL
    // keeps a loaded machine's slow grants out of the count.
    const locks = await Promise.all(Array.from({ length: 50 }, (_, i) => client.acquire(`${base}/${i}`, { waitMs: 10_000, ttlMs: 300_000 })));
    assert.deepEqual([spy.countOf("Batch"), spy.calls], [1, 1]);
    assert.equal(new Set(locks.map((l) => l.fencingToken)).size, 50);
    await Promise.all(locks.map((l) => l.release()));
    assert.deepEqual([spy.countOf("Batch"), spy.calls], [2, 2]);
    assert.ok(await isFree(client, `${base}/7`)());
  });

  it("sends a lone call as its unary RPC", async (t) => {
    const { client, spy } = spiedClient();
    const lock = await client.acquire(unique(t), { waitMs: 0 });
    await lock.release();
    assert.deepEqual([spy.countOf("Acquire"), spy.countOf("Release"), spy.calls], [1, 1, 2]);
  });

  it("gives each caller of a batch its own result or error", async (t) => {
    const base = unique(t);
    const other = createLockClient({ baseUrl: server.url });
    const held = await other.acquire(`${base}/held`, { owner: "other" });
    const { client, spy } = spiedClient();
    const [busy, free, alsoBusy] = await Promise.allSettled([
      client.acquire(`${base}/held`, { waitMs: 0 }),
      client.acquire(`${base}/free`, { waitMs: 0, owner: "me" }),
      client.acquire(`${base}/held`, { waitMs: 300 }),
    ]);
    assert.equal(spy.countOf("Batch"), 1);
    assert.ok(busy.status === "rejected" && busy.reason instanceof NotAcquiredError, String(busy));
    assert.ok(alsoBusy.status === "rejected" && alsoBusy.reason instanceof NotAcquiredError, String(alsoBusy));
    assert.ok(free.status === "fulfilled");
    assert.equal((await client.info(`${base}/free`)).owner, "me");
    // Two locks, one of them broken behind its holder's back: one release succeeds, the
    // other rejects with the not-held error, in the same batch.
    const [a, b] = await Promise.all([client.acquire(`${base}/a`), client.acquire(`${base}/b`)]);
    await other.forceRelease(`${base}/b`, { reason: "test" });
    const [ra, rb] = await Promise.allSettled([a!.release(), b!.release()]);
    assert.equal(ra.status, "fulfilled");
    assert.ok(rb.status === "rejected" && rb.reason instanceof NotHeldError, String(rb));
    await Promise.all([held.release(), free.value.release()]);
  });

  it("releases a grant that arrives after its caller gave up", async (t) => {
    const base = unique(t);
    const other = createLockClient({ baseUrl: server.url });
    const [first, second] = await Promise.all([other.acquire(`${base}/1`), other.acquire(`${base}/2`)]);
    const { client, spy } = spiedClient();
    const giveUp = new AbortController();
    // Both wait in one Batch; the first caller gives up, the second keeps the stream open.
    const abandoned = client.acquire(`${base}/1`, { waitMs: 20_000, signal: giveUp.signal });
    const kept = client.acquire(`${base}/2`, { waitMs: 20_000 });
    await pollUntil(async () => spy.countOf("Batch") === 1, 5_000, "the batch sent");
    giveUp.abort(new Error("not needed"));
    await assert.rejects(abandoned, NotAcquiredError);
    // The service now grants the abandoned acquire on the open stream: the client must
    // release it at once rather than leave it held for its TTL (30 s).
    await first!.release();
    await pollUntil(async () => spy.countOf("Release") + spy.countOf("Batch") > 1, 5_000, "the late grant released");
    await pollUntil(isFree(other, `${base}/1`), 5_000, "the abandoned grant released");
    await second!.release();
    await (await kept).release();
  });

  it("reads a batch whose callers all left to its end and releases the grant in it", async (t) => {
    const base = unique(t);
    const other = createLockClient({ baseUrl: server.url });
    const held = await other.acquire(`${base}/hot`);
    const { client, spy } = spiedClient();
    const giveUp = new AbortController();
    // One Batch: a waiter for the held lock, with the longest TTL so that only a release
    // can free it in time, and an acquire granted at once. Then the waiter leaves too.
    const abandoned = client.acquire(`${base}/hot`, { waitMs: 20_000, ttlMs: MAX_TTL_MS, signal: giveUp.signal });
    const lock = await client.acquire(`${base}/other`);
    assert.equal(spy.countOf("Batch"), 1);
    giveUp.abort(new Error("not needed"));
    await assert.rejects(abandoned, NotAcquiredError);
    // The service grants the waiting acquire on the stream nobody waits for: the client
    // reads it and releases the grant itself (an ended stream would leave that unsent).
    await held.release();
    await pollUntil(async () => spy.countOf("Release") + spy.countOf("Batch") > 1, 10_000, "the late grant released");
    // Free again, long before the lost grant's TTL could have freed it.
    await (await other.acquire(`${base}/hot`, { waitMs: 10_000 })).release();
    await lock.release();
  });

  it("falls back to unary calls for good when the service answers Batch unimplemented", async (t) => {
    const base = unique(t);
    const noBatch: Interceptor = (next) => async (req) => {
      if (req.method.name === "Batch") {
        throw new ConnectError("Batch is not served by this version", Code.Unimplemented);
      }
      return next(req);
    };
    const { client, spy } = spiedClient({}, [noBatch]);
    const locks = await Promise.all([1, 2, 3].map((i) => client.acquire(`${base}/${i}`)));
    assert.deepEqual([spy.countOf("Batch"), spy.countOf("Acquire")], [1, 3]);
    await Promise.all(locks.map((l) => l.release()));
    assert.deepEqual([spy.countOf("Batch"), spy.countOf("Release")], [1, 3]);
  });

  it("is off with coalesce: false", async (t) => {
    const base = unique(t);
    const { client, spy } = spiedClient({ coalesce: false });
    const locks = await Promise.all([1, 2, 3].map((i) => client.acquire(`${base}/${i}`)));
    await Promise.all(locks.map((l) => l.release()));
    assert.deepEqual([spy.countOf("Batch"), spy.countOf("Acquire"), spy.countOf("Release")], [0, 3, 3]);
  });
});
