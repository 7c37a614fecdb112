// A real browser against `distlock serve --auth`: Chromium resolves *.test to 127.0.0.1
// (--host-resolver-rules), so that pages can have distinct origins and a name can be
// re-pointed at the service as DNS rebinding would.
import assert from "node:assert/strict";
import type { Server } from "node:http";
import { after, before, describe, it } from "node:test";
import type { Browser } from "playwright-core";
import { createLockClient, NotHeldError } from "../../src/index.js";
import { type AuthServer, startAuthServer } from "../auth-server.js";
import { bundlePage, call, launchChromium, openPage, servePage, skip } from "./harness.js";

describe("the SDK in headless Chromium against distlock serve --auth", { skip }, () => {
  let service: AuthServer;
  let pageServer: Server;
  let pagePort: number;
  let bundle: string;
  let browser: Browser;
  const errors: string[] = [];
  let seq = 0;
  const resource = (): string => `team-a/browser/${process.pid}/${seq++}`;

  /** Asserts from Node that nobody holds resource: the refused call changed nothing. */
  async function assertFree(name: string): Promise<void> {
    const client = createLockClient({ baseUrl: service.url, token: service.tokens.alice! });
    await assert.rejects(client.info(name), NotHeldError);
  }

  before(async () => {
    bundle = await bundlePage();
    const served = await servePage(bundle);
    pageServer = served.server;
    pagePort = served.port;
    service = await startAuthServer({
      principals: { alice: ["team-a"] },
      policy: ["rules:", "  - groups: [team-a]", "    verbs: [acquire, read]", '    resources: ["team-a/"]'].join("\n"),
      corsOrigins: [`http://app.test:${pagePort}`],
      // With --auth any Host is answered unless the operator names them.
      extraArgs: ["--allowed-hosts", "127.0.0.1,localhost"],
    });
    browser = await launchChromium(["--host-resolver-rules=MAP *.test 127.0.0.1"]);
  });

  after(async () => {
    await browser?.close();
    await service?.close();
    pageServer?.close();
    assert.deepEqual(errors, [], "a page threw");
  });

  it("a page on an allowed origin calls with a token", async () => {
    const page = await openPage(browser, `http://app.test:${pagePort}/`, errors);
    const name = resource();
    const r = await call(page, "acquireWithToken", service.url, service.tokens.alice!, name);
    assert.equal(r.owner, "alice/browser");
    assert.ok(BigInt(r.fencingToken) > 0n);
    assert.equal(r.provided, 3, "the provider is asked once per call: acquire, info, release");
    assert.equal(await call(page, "acquireError", service.url, name), "UnauthenticatedError", "no token, no lock");
    await page.close();
  });

  it("a page on an origin the service does not allow is refused by CORS, token or not", async () => {
    const page = await openPage(browser, `http://evil.test:${pagePort}/`, errors);
    const name = resource();
    // The browser sees no CORS grant in the preflight's answer: the call never leaves it,
    // and fetch fails as a network error does.
    assert.equal(await call(page, "acquireError", service.url, name, service.tokens.alice!), "UnavailableError");
    await assertFree(name);
    await page.close();
  });

  it("a name re-pointed at the service (DNS rebinding) is refused by its Host check", async () => {
    const port = new URL(service.url).port;
    const page = await browser.newPage();
    page.on("pageerror", (e) => errors.push(e.message));
    // The attacker's page, now answered by the service: same origin, so no CORS applies.
    const res = await page.goto(`http://rebind.test:${port}/`);
    assert.equal(res?.status(), 403);
    const name = resource();
    const r = await call(page, "sameOriginAcquire", service.tokens.alice!, name).catch(async () => {
      // The service's error page has no page.ts: load it, as the attacker's script would be.
      await page.addScriptTag({ content: bundle, type: "module" });
      await page.waitForFunction(() => "distlockTest" in globalThis);
      return call(page, "sameOriginAcquire", service.tokens.alice!, name);
    });
    assert.equal(r.status, 403);
    assert.match(r.body, new RegExp(`host "rebind\\.test:${port}" is not allowed`));
    await assertFree(name);
    await page.close();
  });
});
