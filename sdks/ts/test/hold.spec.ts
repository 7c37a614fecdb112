// Locks kept by a Hold stream, and Watch, against a real `distlock serve`: the service
// renews a held lock while its stream lives and releases it when the stream ends; the SDK
// reports every end of a granted stream as the lock lost, never silently.
import assert from "node:assert/strict";
import { after, before, describe, it, type TestContext } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { createConnectTransport } from "@connectrpc/connect-web";
import { createLockClient, type DistlockError, type Lock, NotAcquiredError, NotHeldError, UnavailableError, type WatchEvent } from "../src/index.js";
import { createLockClient as createNodeLockClient } from "../src/node.js";
import { createCallSpy, createLeaseCatcher } from "./interceptors.js";
import { pollUntil } from "./poll.js";
import { startServer, type TestServer } from "./server.js";
import { startStallProxy } from "./stall-proxy.js";

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(() => server?.close());

let seq = 0;
const unique = (t: TestContext): string => `ts-hold/${t.name}/${process.pid}/${seq++}`;
const isFree = (client: ReturnType<typeof createLockClient>, resource: string) => () =>
  client.info(resource).then(
    () => false,
    (e: unknown) => e instanceof NotHeldError,
  );

describe("acquire with hold: true", () => {
  it("is held while its stream lives, renewed by the service, and free at once after release", async (t) => {
    const resource = unique(t);
    const spy = createCallSpy();
    const client = createLockClient({
      transport: createConnectTransport({ baseUrl: server.url, useBinaryFormat: true, interceptors: [spy.interceptor] }),
      hold: true,
    });
    const lock = await client.acquire(resource, { ttlMs: 5_000, owner: "holder" });
    assert.equal(typeof lock.fencingToken, "bigint");
    const first = await client.info(resource);
    assert.equal(first.owner, "holder");
    // The service renews: the expire time moves on, with no Extend from this client.
    await pollUntil(async () => (await client.info(resource)).expireTime > first.expireTime, 10_000, "a renewal by the service");
    assert.equal(lock.signal.aborted, false);
    await lock.release();
    assert.equal(lock.signal.aborted, true);
    assert.ok((await isFree(client, resource)()), "free as soon as release returns");
    assert.equal(spy.calls - spy.countOf("Info"), 2, "one Hold and one Release, no Extend");
  });

  it("waits while another holds the lock, saying whom for, and is granted when it is released", async (t) => {
    const resource = unique(t);
    const holder = await createLockClient({ baseUrl: server.url }).acquire(resource, { owner: "first" });
    const client = createLockClient({ baseUrl: server.url, hold: true });
    const busy = await client.acquire(resource, { waitMs: 0 }).catch((e: unknown) => e);
    assert.ok(busy instanceof NotAcquiredError, String(busy));
    let waiting!: Promise<Lock>;
    const told = new Promise<string>((resolve) => {
      waiting = client.acquire(resource, { waitMs: 60_000, owner: "next", onWaiting: (h) => resolve(h.owner) });
    });
    assert.equal(await told, "first", "the service says whom it waits for");
    await holder.release();
    const lock = await waiting;
    assert.equal((await client.info(resource)).owner, "next");
    assert.ok(lock.fencingToken > holder.fencingToken);
    await lock.release();
  });

  it("stops waiting when its signal aborts", async (t) => {
    const resource = unique(t);
    const holder = await createLockClient({ baseUrl: server.url }).acquire(resource);
    const ac = new AbortController();
    const waiting = createLockClient({ baseUrl: server.url, hold: true }).acquire(resource, { signal: ac.signal });
    ac.abort(new Error("user gave up"));
    const err = await waiting.catch((e: unknown) => e);
    assert.ok(err instanceof NotAcquiredError, String(err));
    assert.equal((err.cause as Error).message, "user gave up");
    await holder.release();
  });

  it("reports the lock lost with NotHeldError when the service finds the lease gone", async (t) => {
    const resource = unique(t);
    const catcher = createLeaseCatcher();
    const client = createLockClient({
      transport: createConnectTransport({ baseUrl: server.url, interceptors: [catcher.interceptor] }),
      hold: true,
    });
    const lock = await client.acquire(resource, { ttlMs: 5_000 });
    const lost = new Promise<void>((resolve) => lock.signal.addEventListener("abort", () => resolve()));
    // Another party releases the lease; the service's next renewal finds it gone.
    await createLockClient({ baseUrl: server.url }).info(resource);
    const { createClient } = await import("@connectrpc/connect");
    const { LockService } = await import("../src/gen/distlock/v1/lock_pb.js");
    await createClient(LockService, createConnectTransport({ baseUrl: server.url })).release({ resource, leaseToken: catcher.token() });
    await lost;
    const reason = lock.signal.reason as DistlockError;
    assert.ok(reason instanceof NotHeldError, String(reason));
    assert.match(reason.message, /was lost/);
    const err = await lock.release().catch((e: unknown) => e);
    assert.equal(err, reason, "release of a lost lock rejects with the loss reason");
  });

  it("reports the lock lost with UnavailableError when the service shuts down", async (t) => {
    const own = await startServer();
    const client = createLockClient({ baseUrl: own.url, hold: true });
    const lock = await client.acquire(unique(t), { ttlMs: 5_000 });
    const lost = new Promise<void>((resolve) => lock.signal.addEventListener("abort", () => resolve()));
    const closing = own.close(); // SIGTERM: the service drains, then ends its streams
    await lost;
    await closing;
    const reason = lock.signal.reason as DistlockError;
    assert.ok(reason instanceof UnavailableError, String(reason));
    assert.match(reason.message, /SERVER_SHUTDOWN|broke/);
  });

  it("releases at the end of an await using block", async (t) => {
    const resource = unique(t);
    const client = createLockClient({ baseUrl: server.url, hold: true });
    {
      await using lock = await client.acquire(resource);
      assert.equal(lock.signal.aborted, false);
    }
    assert.ok(await isFree(client, resource)());
  });
});

// A collection now, as happens sooner or later in a long-lived process: Node's fetch then
// no longer passes an abort to a request whose response has arrived (see body-ends-on-abort).
setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

describe("a silent Hold stream", () => {
  const transports = [
    ["fetch (the default)", (url: string) => createLockClient({ baseUrl: url, hold: true })],
    ["Node's HTTP/2", (url: string) => createNodeLockClient({ baseUrl: url, hold: true })],
  ] as const;
  for (const [name, makeClient] of transports) {
    it(`is reported lost and its stream ended, so that the service frees the lock, over ${name}`, async (t) => {
      const proxy = await startStallProxy(server.url);
      t.after(() => proxy.close());
      const direct = createLockClient({ baseUrl: server.url });
      // Twice in one process, as the conformance adapter did when this failed.
      for (let round = 0; round < 2; round++) {
        const resource = unique(t);
        const lock = await makeClient(proxy.url).acquire(resource, { ttlMs: 5_000 });
        collectGarbage();
        proxy.stall();
        await new Promise<void>((resolve) => lock.signal.addEventListener("abort", () => resolve()));
        const reason = lock.signal.reason as DistlockError;
        assert.ok(reason instanceof UnavailableError, String(reason));
        assert.match(reason.message, /no word/);
        // The client ended its stream: the service hears it and frees the lock, well
        // before the renewals it would send to a stream it still heard could stop.
        await pollUntil(isFree(direct, resource), 10_000, `the service to free ${resource} once its stream ends`);
        const err = await lock.release().catch((e: unknown) => e);
        assert.ok(err instanceof NotHeldError && err.cause === reason, String(err));
      }
    });
  }

  it("lets release return even when the transport never ends an aborted read", async (t) => {
    const proxy = await startStallProxy(server.url);
    t.after(() => proxy.close());
    const client = createLockClient({
      // A fetch that drops the signal: an abort never reaches the request.
      transport: createConnectTransport({ baseUrl: proxy.url, fetch: (input, init) => fetch(input, { ...init, signal: null }) }),
      hold: true,
    });
    const lock = await client.acquire(unique(t), { ttlMs: 5_000 });
    proxy.stall();
    await new Promise<void>((resolve) => lock.signal.addEventListener("abort", () => resolve()));
    const err = await lock.release().catch((e: unknown) => e);
    assert.ok(err instanceof NotHeldError && err.cause === lock.signal.reason, String(err));
  });
});

// Over the in-memory backend: the SDK's side is the same whatever the backend (the
// embedded default's watch is tested in internal/server and the browser inspector test).
describe("watch", () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ extraArgs: ["--lock-service", "memory://ts-watch"] });
  });
  after(() => server?.close());

  /** Collects events from it until pred says stop. */
  async function collect(it: AsyncIterable<WatchEvent>, out: WatchEvent[], stop: (ev: WatchEvent) => boolean): Promise<void> {
    for await (const ev of it) {
      out.push(ev);
      if (stop(ev)) {
        return;
      }
    }
  }

  it("gives the current state, then each change in order, as an async iterator", async (t) => {
    const resource = unique(t);
    const client = createLockClient({ baseUrl: server.url });
    const first = await client.acquire(resource, { owner: "first" });
    const events: WatchEvent[] = [];
    const events$ = client.watch(resource)[Symbol.asyncIterator]();
    const next = async (): Promise<WatchEvent> => {
      const r = await events$.next();
      assert.equal(r.done, false);
      events.push(r.value as WatchEvent);
      return r.value as WatchEvent;
    };
    assert.equal((await next()).kind, "current");
    assert.equal(events[0]!.holder?.owner, "first");
    assert.equal((await next()).kind, "synced");
    const waiting = client.acquire(resource, { owner: "second" });
    await first.release();
    const second = await waiting;
    const change = await next();
    if (change.kind === "released") {
      assert.equal(change.previous?.owner, "first");
      const granted = await next();
      assert.equal(granted.kind, "granted");
      assert.equal(granted.holder?.owner, "second");
    } else {
      assert.equal(change.kind, "handed_over");
      assert.equal(change.holder?.owner, "second");
      assert.equal(change.holder?.fencingToken, second.fencingToken);
    }
    await second.release();
    assert.equal((await next()).kind, "released");
    await events$.return?.();
  });

  it("watches a prefix, and ends without an error when its signal aborts", async (t) => {
    const prefix = `${unique(t)}/`;
    const client = createLockClient({ baseUrl: server.url });
    const ac = new AbortController();
    const events: WatchEvent[] = [];
    const watching = collect(client.watch(prefix, { prefix: true, signal: ac.signal }), events, () => false);
    // Once the current state is in, a grant is a change.
    await pollUntil(async () => events.some((e) => e.kind === "synced"), 10_000, "the current state");
    const lock = await client.acquire(`${prefix}a`);
    await pollUntil(async () => events.some((e) => e.kind === "granted"), 10_000, "the grant pushed");
    ac.abort();
    await watching;
    assert.deepEqual(
      events.map((e) => [e.kind, e.resource]),
      [
        ["synced", ""],
        ["granted", `${prefix}a`],
      ],
    );
    await lock.release();
  });
});
