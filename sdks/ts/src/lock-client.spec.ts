// Integration tests: the SDK against a real `distlock serve` (three embedded Redis
// servers behind Redlock).
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { after, before, describe, it, type TestContext } from "node:test";
import { promisify } from "node:util";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { createConnectTransport } from "@connectrpc/connect-web";
import { createCallSpy } from "../test/interceptors.js";
import { packageRoot } from "../test/paths.js";
import { startServer, type TestServer } from "../test/server.js";
import { InvalidArgumentError, NotAcquiredError, NotHeldError, UnavailableError } from "./errors.js";
import { LockService } from "./gen/distlock/v1/lock_pb.js";
import { createLockClient } from "./lock-client.js";

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(() => server.close());

let seq = 0;
/** A resource name no other test uses. */
const unique = (t: TestContext): string => `ts-sdk/${t.name}/${process.pid}/${seq++}`;

/** A client whose calls a spy watches. */
function spiedClient(url = server.url) {
  const spy = createCallSpy();
  const client = createLockClient({
    transport: createConnectTransport({ baseUrl: url, useBinaryFormat: true, interceptors: [spy.interceptor] }),
  });
  return { client, spy };
}

/** Releases a lease behind its holder's back, as a holder with its token could. */
async function steal(resource: string, leaseToken: string): Promise<void> {
  const raw = createClient(LockService, createConnectTransport({ baseUrl: server.url }));
  await raw.release({ resource, leaseToken });
}

/** The URL of a loopback port that refuses connections. */
async function refusedUrl(): Promise<string> {
  const probe = createServer().listen(0, "127.0.0.1");
  await once(probe, "listening");
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return `http://127.0.0.1:${port}`;
}

describe("LockClient against distlock serve", () => {
  it("acquires and releases", async (t) => {
    const client = createLockClient({ baseUrl: server.url });
    const resource = unique(t);
    const lock = await client.acquire(resource, { ttlMs: 10_000 });
    assert.equal(lock.resource, resource);
    assert.equal((await client.info(resource)).fencingToken, lock.fencingToken);
    await lock.release();
    assert.ok(lock.signal.aborted);
    await assert.rejects(client.info(resource), NotHeldError);
    const again = await client.acquire(resource, { ttlMs: 10_000 });
    await again.release();
  });

  it("issues fencing tokens that strictly increase, as bigints", async (t) => {
    const client = createLockClient({ baseUrl: server.url });
    const resource = unique(t);
    let last = -1n;
    for (let i = 0; i < 5; i++) {
      const lock = await client.acquire(resource);
      assert.equal(typeof lock.fencingToken, "bigint");
      assert.ok(lock.fencingToken > last, `${lock.fencingToken} after ${last}`);
      last = lock.fencingToken;
      await lock.release();
    }
  });

  it("waits for a holder to release", async (t) => {
    const resource = unique(t);
    const holder = await createLockClient({ baseUrl: server.url }).acquire(resource);
    const { client, spy } = spiedClient();
    let releaseSent = false;
    const sent = spy.sent("Acquire");
    const waiting = client.acquire(resource, { waitMs: 20_000 }).then((lock) => {
      assert.ok(releaseSent, "the waiter got the lock while the holder still had it");
      return lock;
    });
    await sent;
    releaseSent = true;
    await holder.release();
    const waiter = await waiting;
    assert.ok(waiter.fencingToken > holder.fencingToken);
    await waiter.release();
  });

  it("keeps a lock granted after a wait longer than its TTL", async (t) => {
    const resource = unique(t);
    const holder = await createLockClient({ baseUrl: server.url }).acquire(resource, { ttlMs: 5_000 });
    const { client, spy } = spiedClient();
    const sent = spy.sent("Acquire");
    const waiting = client.acquire(resource, { ttlMs: 5_000, waitMs: 20_000 });
    await sent;
    // The scenario, not synchronisation: the holder keeps the lock 7 s after the waiter
    // asked, so the grant's request was sent more than a TTL before the grant arrives.
    await new Promise((resolve) => setTimeout(resolve, 7_000));
    await holder.release();
    const lock = await waiting;
    assert.equal(lock.signal.aborted, false);
    assert.equal(spy.succeeded("Extend"), 1, "the late grant is confirmed by one Extend");
    // It renews like any lock: the confirming Extend, then a background one, before any loss.
    const first = await Promise.race([
      spy.succeededTimes("Extend", 2).then(() => "renewed"),
      once(lock.signal, "abort").then(() => "lost"),
    ]);
    assert.equal(first, "renewed");
    await lock.release();
  });

  it("gives up with NotAcquiredError when the wait runs out", async (t) => {
    const resource = unique(t);
    const client = createLockClient({ baseUrl: server.url });
    const holder = await client.acquire(resource);
    const err = await client.acquire(resource, { waitMs: 1_000 }).catch((e: unknown) => e);
    assert.ok(err instanceof NotAcquiredError, String(err));
    assert.equal(err.code, "aborted");
    await holder.release();
  });

  it("stops waiting when the signal aborts", async (t) => {
    const resource = unique(t);
    const holder = await createLockClient({ baseUrl: server.url }).acquire(resource);
    const { client, spy } = spiedClient();
    const ac = new AbortController();
    const sent = spy.sent("Acquire");
    const waiting = client.acquire(resource, { waitMs: 60_000, signal: ac.signal });
    await sent;
    ac.abort(new Error("user gave up"));
    const err = await waiting.catch((e: unknown) => e);
    assert.ok(err instanceof NotAcquiredError);
    assert.equal((err.cause as Error).message, "user gave up");
    await holder.release();
  });

  it("extends a lock with a new TTL", async (t) => {
    const resource = unique(t);
    const client = createLockClient({ baseUrl: server.url });
    const lock = await client.acquire(resource, { ttlMs: 10_000 });
    const before = (await client.info(resource)).expireTime.getTime();
    await lock.extend({ ttlMs: 120_000 });
    assert.equal(lock.ttlMs, 120_000);
    const after = (await client.info(resource)).expireTime.getTime();
    assert.ok(after - before > 100_000, `expiry moved by ${after - before} ms`);
    await lock.release();
  });

  it("reports a stolen lease: extend rejects and the signal aborts", async (t) => {
    const resource = unique(t);
    const { client, spy } = spiedClient();
    const victim = await client.acquire(resource);
    await steal(resource, spy.tokenOf(resource));
    const thief = await client.acquire(resource);
    assert.ok(thief.fencingToken > victim.fencingToken);
    await assert.rejects(victim.extend(), NotHeldError);
    assert.ok(victim.signal.aborted);
    assert.ok(victim.signal.reason instanceof NotHeldError);
    await assert.rejects(victim.release(), NotHeldError);
    assert.equal((await client.info(resource)).fencingToken, thief.fencingToken, "the victim's release must not free the thief's lock");
    await thief.release();
  });

  it("notices a stolen lease on its own through renewal", async (t) => {
    const resource = unique(t);
    const { client, spy } = spiedClient();
    const lock = await client.acquire(resource, { ttlMs: 5_000 });
    await steal(resource, spy.tokenOf(resource));
    await once(lock.signal, "abort");
    assert.ok(lock.signal.reason instanceof NotHeldError);
    assert.match(lock.signal.reason.message, /was lost/);
  });

  it("keeps a 5 s lock across several TTLs by renewing it", async (t) => {
    const resource = unique(t);
    const { client, spy } = spiedClient();
    const lock = await client.acquire(resource, { ttlMs: 5_000 });
    // Ten renewals at TTL/3 span more than three TTLs.
    await spy.succeededTimes("Extend", 10);
    assert.equal(lock.signal.aborted, false);
    assert.equal((await client.info(resource)).fencingToken, lock.fencingToken);
    await assert.rejects(client.acquire(resource, { waitMs: 0 }), NotAcquiredError);
    await lock.release();
  });

  it("round-trips the owner label and payload", async (t) => {
    const resource = unique(t);
    const client = createLockClient({ baseUrl: server.url });
    const data = Uint8Array.from({ length: 256 }, (_, i) => i);
    const lock = await client.acquire(resource, { owner: "worker-7 🔒", data });
    assert.equal(lock.owner, "worker-7 🔒");
    const info = await client.info(resource);
    assert.equal(info.owner, "worker-7 🔒");
    assert.ok(info.expireTime > info.lockTime);
    assert.equal(info.lockTime.getTime(), lock.lockTime.getTime());
    assert.deepEqual(await client.read(resource), data);
    await lock.release();
    await assert.rejects(client.read(resource), NotHeldError);

    const text = await client.acquire(resource, { data: "¡hola!" });
    assert.equal(new TextDecoder().decode(await client.read(resource)), "¡hola!");
    await text.release();
  });

  it("rejects bad input before any call", async () => {
    const { client, spy } = spiedClient();
    await assert.rejects(client.acquire(""), InvalidArgumentError);
    await assert.rejects(client.acquire("r", { ttlMs: 1_000 }), InvalidArgumentError);
    await assert.rejects(client.acquire("r", { data: new Uint8Array(70_000) }), InvalidArgumentError);
    await assert.rejects(client.info("x".repeat(1025)), InvalidArgumentError);
    await assert.rejects(client.read(""), InvalidArgumentError);
    assert.equal(spy.calls, 0);
  });

  it("maps the server's invalid_argument to InvalidArgumentError", async (t) => {
    const strict = await startServer({ extraArgs: ["--max-ttl", "1m"] });
    t.after(() => strict.close());
    const client = createLockClient({ baseUrl: strict.url });
    const err = await client.acquire(unique(t), { ttlMs: 120_000 }).catch((e: unknown) => e);
    assert.ok(err instanceof InvalidArgumentError, String(err));
    assert.equal(err.code, "invalid_argument");
  });

  it("throws UnavailableError naming the URL and the cause when the service cannot be reached", async (t) => {
    const url = await refusedUrl();
    const err = await createLockClient({ baseUrl: url }).acquire(unique(t), { waitMs: 0 }).catch((e: unknown) => e);
    assert.ok(err instanceof UnavailableError, String(err));
    assert.ok(err.message.includes(url), err.message);
    assert.match(err.message, /ECONNREFUSED/);
  });

  it("keeps Node running while an acquire pauses between attempts", async (t) => {
    const script = `${packageRoot}/build/test/fixtures/acquire-unreachable.js`;
    // Node exits with code 13 and no output if the acquire's promise is left pending.
    const { stdout } = await promisify(execFile)(process.execPath, [script, await refusedUrl(), unique(t)]);
    assert.equal(stdout, "rejected: UnavailableError\n");
  });

  it("keeps Node running while a release pauses between attempts", async (t) => {
    const own = await startServer();
    t.after(() => own.close());
    const child = spawn(process.execPath, [`${packageRoot}/build/test/fixtures/release-unreachable.js`, own.url, unique(t)]);
    let stdout = "";
    child.stdout.setEncoding("utf8");
    const held = new Promise<void>((resolve) =>
      child.stdout.on("data", (chunk: string) => {
        stdout += chunk;
        if (stdout.startsWith("held\n")) {
          resolve();
        }
      }),
    );
    const exited = once(child, "exit");
    await held;
    await own.close();
    child.stdin.end("go\n");
    const [code] = await exited;
    // Node exits with code 13 and nothing more if the release's promise is left pending.
    assert.equal(stdout, "held\nrejected: UnavailableError\n");
    assert.equal(code, 0);
  });

  it("works over a connect-node gRPC transport (HTTP/2)", async (t) => {
    const resource = unique(t);
    const client = createLockClient({ transport: createGrpcTransport({ baseUrl: server.url }) });
    const lock = await client.acquire(resource, { owner: "grpc" });
    assert.equal((await client.info(resource)).owner, "grpc");
    await lock.release();
  });

  it("never keeps a Node process alive by holding a lock", async (t) => {
    const resource = unique(t);
    const script = `${packageRoot}/build/test/fixtures/hold-and-exit.js`;
    // The child returns without releasing; it must exit on its own, lock still held.
    const { stdout } = await promisify(execFile)(process.execPath, [script, server.url, resource]);
    const info = await createLockClient({ baseUrl: server.url }).info(resource);
    assert.equal(info.fencingToken, BigInt(stdout.trim()));
  });
});
