// list, locks and forceRelease against a real `distlock serve`: without --auth every
// caller may list and break locks; with it, List needs read and ForceRelease admin.
import assert from "node:assert/strict";
import { after, before, describe, it, type TestContext } from "node:test";
import { createLockClient, InvalidArgumentError, type LockClient, NotHeldError, PermissionDeniedError } from "../src/index.js";
import { type AuthServer, startAuthServer } from "./auth-server.js";
import { startServer, type TestServer } from "./server.js";

let server: TestServer;
let client: LockClient;
before(async () => {
  server = await startServer();
  client = createLockClient({ baseUrl: server.url });
});
after(() => server?.close());

let seq = 0;
const unique = (t: TestContext): string => `ts-admin/${process.pid}/${seq++}/${t.name.replaceAll(" ", "-")}/`;

describe("list and locks", () => {
  it("list a prefix's held locks with owner, times, fencing token and waiters, page by page", async (t) => {
    const prefix = unique(t);
    const held = await Promise.all(["a", "b", "c"].map((n) => client.acquire(prefix + n, { owner: `owner-${n}`, ttlMs: 30_000 })));
    const other = await client.acquire(`${prefix.slice(0, -1)}-not-under/x`);
    try {
      // A page holds at most pageSize locks (a Redis backend's SCAN may give fewer).
      const pages = [];
      let pageToken = "";
      do {
        const page = await client.list({ prefix, pageSize: 2, pageToken });
        assert.ok(page.locks.length <= 2, `${page.locks.length} locks in a page of 2`);
        pages.push(page);
        pageToken = page.nextPageToken;
      } while (pageToken !== "");
      assert.ok(pages.length >= 2, "3 locks take more than one page of 2");
      const all = pages.flatMap((p) => p.locks).sort((x, y) => x.resource.localeCompare(y.resource));
      assert.deepEqual(all.map((l) => [l.resource, l.owner, l.fencingToken]), held.map((l, i) => [prefix + "abc"[i], `owner-${"abc"[i]}`, l.fencingToken]));
      for (const l of all) {
        assert.ok(l.expireTime > l.lockTime, "expires after it was granted");
        assert.equal(l.waiters, 0);
      }
      const iterated: string[] = [];
      for await (const l of client.locks(prefix, { pageSize: 1 })) {
        iterated.push(l.resource);
      }
      assert.deepEqual(iterated.sort(), all.map((l) => l.resource));
    } finally {
      await Promise.all([...held, other].map((l) => l.release()));
    }
    assert.deepEqual((await client.list({ prefix })).locks, [], "nothing listed once released");
  });

  it("counts the waiters of a held lock", async (t) => {
    const resource = unique(t) + "x";
    const lock = await client.acquire(resource);
    const stop = new AbortController();
    const waiting = client.acquire(resource, { signal: stop.signal }).catch((e: unknown) => e);
    try {
      for (;;) {
        const [l] = (await client.list({ prefix: resource })).locks;
        if (l?.waiters === 1) break;
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      stop.abort();
      await waiting;
      await lock.release();
    }
  });

  it("rejects a bad page size or prefix before any call", async () => {
    for (const pageSize of [0, 1001, 1.5]) {
      await assert.rejects(client.list({ pageSize }), InvalidArgumentError);
    }
    await assert.rejects(client.list({ prefix: "x".repeat(1025) }), InvalidArgumentError);
    await assert.rejects(client.list({ prefix: "\ud800" }), InvalidArgumentError);
  });
});

describe("forceRelease", () => {
  it("breaks a held lock: its holder's SDK reports it lost with NotHeldError, and a later grant's token is greater", async (t) => {
    const resource = unique(t) + "x";
    const lock = await client.acquire(resource, { owner: "victim", ttlMs: 5_000 });
    const lost = new Promise((resolve) => lock.signal.addEventListener("abort", resolve, { once: true }));
    const broken = await client.forceRelease(resource, { reason: "test: stuck job" });
    assert.equal(broken.owner, "victim");
    assert.equal(broken.fencingToken, lock.fencingToken);
    assert.ok(broken.advancedFencingToken > lock.fencingToken);
    await lost;
    assert.ok(lock.signal.reason instanceof NotHeldError, String(lock.signal.reason));
    const next = await client.acquire(resource, { waitMs: 0 });
    assert.ok(next.fencingToken > broken.advancedFencingToken, "a later grant is above the advanced token");
    await next.release();
  });

  it("rejects a free resource with NotHeldError", async (t) => {
    await assert.rejects(client.forceRelease(unique(t) + "x", { reason: "why" }), NotHeldError);
  });

  it("rejects an empty or over-long reason and a bad resource before any call", async (t) => {
    const resource = unique(t) + "x";
    await assert.rejects(client.forceRelease(resource, { reason: "" }), InvalidArgumentError);
    await assert.rejects(client.forceRelease(resource, { reason: "r".repeat(1025) }), InvalidArgumentError);
    await assert.rejects(client.forceRelease(resource, {} as { reason: string }), InvalidArgumentError);
    await assert.rejects(client.forceRelease("", { reason: "why" }), InvalidArgumentError);
  });
});

describe("with --auth", () => {
  let authServer: AuthServer;
  before(async () => {
    authServer = await startAuthServer({
      principals: { reader: ["team-a"], operator: ["ops"] },
      policy: [
        "rules:",
        "  - groups: [team-a]",
        "    verbs: [acquire, read]",
        '    resources: ["team-a/"]',
        "  - groups: [ops]",
        "    verbs: [read, admin]",
        '    resources: ["team-a/"]',
      ].join("\n"),
    });
  });
  after(() => authServer?.close());

  it("lists for a reader of the prefix, and breaks a lock only for an admin (PermissionDeniedError else)", async () => {
    const reader = createLockClient({ baseUrl: authServer.url, token: authServer.tokens["reader"]! });
    const operator = createLockClient({ baseUrl: authServer.url, token: authServer.tokens["operator"]! });
    const lock = await reader.acquire("team-a/job", { owner: "reader" });
    const lost = new Promise((resolve) => lock.signal.addEventListener("abort", resolve, { once: true }));
    const owner = (await reader.info("team-a/job")).owner; // the service prefixes the principal
    assert.deepEqual((await reader.list({ prefix: "team-a/" })).locks.map((l) => l.owner), [owner]);
    await assert.rejects(reader.list({ prefix: "" }), PermissionDeniedError);
    await assert.rejects(reader.forceRelease("team-a/job", { reason: "mine" }), PermissionDeniedError);
    assert.equal((await operator.forceRelease("team-a/job", { reason: "ops: test" })).owner, owner);
    await lost;
    assert.ok(lock.signal.reason instanceof NotHeldError, String(lock.signal.reason));
  });
});
