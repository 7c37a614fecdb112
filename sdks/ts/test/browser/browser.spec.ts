// A real browser: headless Chromium (Debian's, never a downloaded one) loads a page from
// one localhost port and calls the service on another, through the SDK bundled by esbuild
// and through plain fetch with JSON.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { build } from "esbuild";
import { type Browser, chromium, type Page } from "playwright-core";
import { packageRoot } from "../paths.js";
import { startServer, type TestServer } from "../server.js";
import type { PageApi } from "./page.js";

const executablePath = "/usr/bin/chromium";
const present = existsSync(executablePath);
// On CI a missing browser is a failure, not a skip.
const skip = !present && !process.env.CI ? `${executablePath} is not installed` : false;

/** Serves the page and its bundle; its origin is the page's origin. */
async function servePage(bundle: string): Promise<{ server: Server; origin: string }> {
  const html = `<!doctype html><meta charset="utf-8"><title>distlock</title><script type="module" src="/page.js"></script>`;
  const server = createServer((req, res) => {
    if (req.url === "/") {
      res.writeHead(200, { "Content-Type": "text/html" }).end(html);
    } else if (req.url === "/page.js") {
      res.writeHead(200, { "Content-Type": "text/javascript" }).end(bundle);
    } else {
      res.writeHead(404).end();
    }
  });
  server.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Runs one of page.ts's functions in the page. */
function call<K extends keyof PageApi>(page: Page, name: K, ...args: Parameters<PageApi[K]>): Promise<Awaited<ReturnType<PageApi[K]>>> {
  return page.evaluate(
    ([n, a]) => {
      const api = (globalThis as unknown as { distlockTest: Record<string, (...x: unknown[]) => unknown> }).distlockTest;
      return api[n]!(...a);
    },
    [name, args] as const,
  ) as Promise<Awaited<ReturnType<PageApi[K]>>>;
}

describe("the SDK in headless Chromium, across origins", { skip }, () => {
  let service: TestServer;
  let pageServer: Server;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  before(async () => {
    const bundled = await build({
      entryPoints: [join(packageRoot, "test", "browser", "page.ts")],
      bundle: true,
      format: "esm",
      platform: "browser",
      target: "chrome120",
      write: false,
      logLevel: "silent",
    });
    const served = await servePage(bundled.outputFiles[0]!.text);
    pageServer = served.server;
    service = await startServer({ corsOrigins: [served.origin] });
    assert.notEqual(new URL(service.url).origin, served.origin);
    browser = await chromium.launch({
      executablePath,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    page = await browser.newPage();
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${served.origin}/`);
    await page.waitForFunction(() => "distlockTest" in globalThis);
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
