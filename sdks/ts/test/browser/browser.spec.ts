// A real browser: headless Chromium (Debian's, never a downloaded one) loads a page from
// one localhost port and calls the service on another, through the SDK bundled by esbuild
// and through plain fetch with JSON.
import assert from "node:assert/strict";
import type { Server } from "node:http";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import { createLockClient, NotHeldError } from "../../src/index.js";
import { pollUntil } from "../poll.js";
import { startServer, type TestServer } from "../server.js";
import { bundlePage, call, launchChromium, openPage, servePage, skip } from "./harness.js";

describe("the SDK in headless Chromium, across origins", { skip }, () => {
  let service: TestServer;
  let pageServer: Server;
  let browser: Browser;
  let page: Page;
  let origin: string;
  const errors: string[] = [];

  before(async () => {
    const served = await servePage(await bundlePage());
    pageServer = served.server;
    origin = `http://127.0.0.1:${served.port}`;
    service = await startServer({ corsOrigins: [origin] });
    assert.notEqual(new URL(service.url).origin, origin);
    browser = await launchChromium();
    page = await openPage(browser, `${origin}/`, errors);
  });

  after(async () => {
    await browser?.close();
    await service?.close();
    pageServer?.close();
    assert.deepEqual(errors, [], "the page threw");
  });

  it("acquires and releases through the SDK", async () => {
    const r = await call(page, "acquireAndRelease", service.url, "browser/acquire");
    assert.equal(r.isBigint, true);
    assert.ok(BigInt(r.fencingToken) > 0n);
    assert.equal(r.owner, "browser");
    assert.equal(r.data, "from a page");
    assert.equal(r.abortedOnRelease, true);
  });

  it("aborts lock.signal when the lock is lost", async () => {
    const r = await call(page, "lostLockAborts", service.url, "browser/lost");
    assert.equal(r.stolenStatus, 200);
    assert.equal(r.reasonName, "NotHeldError");
    assert.equal(r.reasonCode, "not_found");
    assert.match(r.message, /was lost/);
  });

  it("holds a lock over a Hold stream by default, and a closed tab releases it at once", async () => {
    const resource = "browser/tab";
    const ttlMs = 60_000;
    const tab = await openPage(browser, `${origin}/`, errors);
    const r = await call(tab, "holdByDefault", service.url, resource, ttlMs);
    assert.deepEqual(r.methods, ["Hold"], "no Acquire, and no timer-driven Extend");
    const node = createLockClient({ baseUrl: service.url });
    assert.equal((await node.info(resource)).owner, "tab");
    await tab.close();
    // Far below the TTL: only the end of the stream can have freed it.
    await pollUntil(
      () => node.info(resource).then(() => false, (e: unknown) => e instanceof NotHeldError),
      ttlMs / 3,
      "the closed tab's lock is free",
    );
  });

  it("watches a resource with an async iterator", async () => {
    // The in-memory backend: its events need no Redis.
    const watchable = await startServer({ corsOrigins: [origin], extraArgs: ["--lock-service", "memory://browser-watch"] });
    const r = await call(page, "watchTakeRelease", watchable.url, "browser/watch").finally(() => watchable.close());
    assert.deepEqual(r.kinds, ["synced", "granted", "released"]);
    assert.deepEqual(r.owners, ["", "watcher's page", ""]);
  });

  it("speaks plain JSON to the service with fetch", async () => {
    const r = await call(page, "plainFetchAcquire", service.url, "browser/plain");
    assert.equal(r.acquired.status, 200);
    const grant = r.acquired.json as { resource: string; leaseToken: string; fencingToken: string; ttl: string };
    assert.equal(grant.resource, "browser/plain");
    assert.match(grant.fencingToken, /^\d+$/, "64-bit integers travel as decimal strings");
    assert.equal(grant.ttl, "10s");
    assert.equal(r.info.status, 200);
    assert.equal((r.info.json as { owner: string }).owner, "plain fetch");
    assert.equal(r.released.status, 200);
  });

  it("is refused by a service that does not allow the page's origin", async () => {
    const closed = await startServer();
    try {
      assert.equal(await call(page, "acquireError", closed.url, "browser/cors"), "UnavailableError");
    } finally {
      await closed.close();
    }
  });
});
