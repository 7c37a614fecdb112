// The inspector page that `distlock serve` embeds (internal/ui), in headless Chromium
// (Debian's): it lists a lock the Python SDK holds, live, drops it once released,
// force-releases another (its Python holder reports it lost, NotHeldError), and shows an
// error state when the service goes away. It takes the README's screenshots at laptop
// and phone widths: into docs/ui/ when DISTLOCK_UPDATE_SCREENSHOTS=1 (`make ui-screenshots`),
// else into a temporary directory, so that a test run leaves the checkout clean.
import assert from "node:assert/strict";
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { execFile } from "node:child_process";
import type { Browser, Page } from "playwright-core";
import { createLockClient, type Lock } from "../../src/index.js";
import { packageRoot } from "../paths.js";
import { startAuthServer } from "../auth-server.js";
import { startRedis } from "../redis-nodes.js";
import { binary, startServer, type TestServer } from "../server.js";
import { launchChromium, skip } from "./harness.js";

const repo = join(packageRoot, "..", "..");
const python = join(repo, ".venv", "bin", "python");
const noPython = !existsSync(python) && !process.env.CI ? `${python} is missing (make setup)` : false;
const PREFIX = "inspect/";

/** A lock held by the Python SDK in its own process (test/fixtures/python-holder.py). */
class PythonHolder {
  readonly proc: ChildProcessWithoutNullStreams;
  private readonly lines: AsyncIterator<string>;
  constructor(url: string, resource: string, owner: string) {
    this.proc = spawn(python, [join(packageRoot, "test", "fixtures", "python-holder.py"), url, resource, owner]);
    this.proc.stderr.on("data", (d: Buffer) => process.stderr.write(d));
    this.lines = createInterface({ input: this.proc.stdout })[Symbol.asyncIterator]();
  }
  async next(): Promise<string> {
    const { value, done } = await this.lines.next();
    assert.ok(!done, "the Python holder exited early");
    return value;
  }
  release(): void {
    this.proc.stdin.write("release\n");
  }
}

const row = (page: Page, resource: string) => page.locator(`tr[data-resource="${resource}"]`);

async function openInspector(browser: Browser, url: string, width: number, height: number, errors: string[]): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height } });
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${url}/ui/?prefix=${encodeURIComponent(PREFIX)}`);
  return page;
}

describe("the inspector page in headless Chromium", { skip: skip || noPython }, () => {
  let service: TestServer;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  before(async () => {
    // In memory: these tests need no Redis.
    service = await startServer({ extraArgs: ["--lock-service", "memory://inspector"] });
    browser = await launchChromium();
    page = await openInspector(browser, service.url, 1280, 800, errors);
    await page.getByText("Live: watching").waitFor();
  });

  after(async () => {
    await browser?.close();
    await service?.close();
    assert.deepEqual(errors, [], "the page threw");
  });

  it("is the bundle a fresh build of sdks/ts/inspector makes (make ui)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "distlock-ui-"));
    try {
      await promisify(execFile)(process.execPath, [join(packageRoot, "scripts", "build-inspector.mjs"), join(dir, "app.js")]);
      const fresh = readFileSync(join(dir, "app.js"), "utf8");
      assert.ok(fresh === readFileSync(join(repo, "internal", "ui", "page", "app.js"), "utf8"), "internal/ui/page/app.js is stale: run make ui");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("lists a lock the Python SDK holds, with owner, times and fencing token, and drops it once released", async () => {
    const holder = new PythonHolder(service.url, `${PREFIX}nightly-report`, "python-worker");
    const token = (await holder.next()).split(" ")[1];
    const listed = row(page, `${PREFIX}nightly-report`);
    await listed.waitFor();
    const cells = await listed.locator("td").allInnerTexts();
    assert.equal(cells[1], "python-worker");
    assert.match(cells[2]!, /^\d+s$/, "age");
    assert.match(cells[3]!, /^\d+s|expiring$/, "time left");
    assert.equal(cells[4], token);
    assert.equal(cells[5], "0");
    holder.release();
    assert.equal(await holder.next(), "released");
    await listed.waitFor({ state: "detached" });
  });

  it("force-releases a lock from the keyboard, after asking why; its Python holder reports it lost", async () => {
    const resource = `${PREFIX}stuck-import`;
    const holder = new PythonHolder(service.url, resource, "python-importer");
    await holder.next();
    await row(page, resource).waitFor();
    await page.getByRole("button", { name: `Force-release ${resource}` }).focus();
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog");
    await dialog.waitFor();
    assert.ok(await page.getByLabel("Reason (required)").evaluate((el) => el === document.activeElement), "the reason has focus");
    await dialog.getByRole("button", { name: "Force-release" }).click();
    await dialog.getByText("Say why").waitFor();
    await page.keyboard.type("importer hung: test");
    await page.keyboard.press("Tab"); // Cancel
    await page.keyboard.press("Tab"); // Force-release
    await page.keyboard.press("Enter");
    await dialog.waitFor({ state: "hidden" });
    await page.getByText(`Force-released ${resource} (held by python-importer`).waitFor();
    assert.equal(await holder.next(), "lost NotHeldError");
    await row(page, resource).waitFor({ state: "detached" });
  });

  it("says who is signed in: nobody needs to be on an open service", async () => {
    await page.locator("#principal").getByText("auth off: open service").waitFor();
  });

  it("says the in-memory backend is ready, with no nodes", async () => {
    await page.locator("#health").getByText("Ready: no Redis nodes (in-memory backend).").waitFor();
  });

  it("searches another prefix from the search box", async () => {
    const client = createLockClient({ baseUrl: service.url });
    const other = await client.acquire("elsewhere/x", { owner: "ts" });
    try {
      await page.getByLabel("Resource prefix").fill("elsewhere/");
      await page.keyboard.press("Enter");
      await row(page, "elsewhere/x").waitFor();
      assert.match(page.url(), /prefix=elsewhere%2F/);
    } finally {
      await other.release();
      await page.getByLabel("Resource prefix").fill(PREFIX);
      await page.keyboard.press("Enter");
    }
  });

  it("takes screenshots at laptop and phone widths (docs/ui/)", async () => {
    const shots =
      process.env.DISTLOCK_UPDATE_SCREENSHOTS === "1"
        ? join(repo, "docs", "ui")
        : await mkdtemp(join(tmpdir(), "distlock-inspector-"));
    const client = createLockClient({ baseUrl: service.url });
    const py = new PythonHolder(service.url, `${PREFIX}nightly-report`, "python-worker");
    await py.next();
    const held: Lock[] = [
      await client.acquire(`${PREFIX}billing/invoice-run`, { owner: "billing-7f9c", ttlMs: 60_000 }),
      await client.acquire(`${PREFIX}search/reindex`, { owner: "indexer@node-3", ttlMs: 600_000 }),
    ];
    const stop = new AbortController();
    const waiter = client.acquire(`${PREFIX}billing/invoice-run`, { signal: stop.signal }).catch(() => undefined);
    try {
      const phone = await openInspector(browser, service.url, 390, 844, errors);
      for (const p of [page, phone]) {
        await p.locator('tr[data-resource="inspect/billing/invoice-run"] td:nth-child(6)').getByText("1").waitFor();
        await row(p, `${PREFIX}nightly-report`).waitFor();
      }
      await page.screenshot({ path: join(shots, "inspector-laptop.png") });
      await phone.screenshot({ path: join(shots, "inspector-phone.png"), fullPage: true });
      await phone.close();
    } finally {
      stop.abort();
      await waiter;
      await Promise.all(held.map((l) => l.release()));
      py.release();
      await py.next();
      if (shots !== join(repo, "docs", "ui")) {
        await rm(shots, { recursive: true, force: true });
      }
    }
  });

  it("watches on the embedded default (Redlock over the embedded Redis servers)", async () => {
    const embedded = await startServer();
    try {
      const client = createLockClient({ baseUrl: embedded.url });
      const p = await openInspector(browser, embedded.url, 1280, 800, errors);
      await p.getByText("Live: watching").waitFor();
      const health = p.locator("#health");
      await health.getByText("Ready: 3 of 3 nodes trusted, quorum 2.").waitFor();
      assert.equal((await health.locator("li").allInnerTexts()).filter((t) => t.endsWith(": up")).length, 3);
      const lock = await client.acquire(`${PREFIX}watched`, { owner: "ts-node" });
      await row(p, `${PREFIX}watched`).waitFor();
      await lock.release();
      await row(p, `${PREFIX}watched`).waitFor({ state: "detached" });
      await p.close();
    } finally {
      await embedded.close();
    }
  });

  it("lists every 2 s where the backend cannot watch (Redis nodes that refuse CONFIG)", async () => {
    // Without CONFIG the service cannot turn keyspace notifications on: Watch answers
    // unimplemented. `distlock redis init` marks the fresh nodes trusted at once.
    const nodes = await Promise.all([0, 1, 2].map(() => startRedis(["--rename-command", "CONFIG", ""])));
    const redisUrl = `redis://${nodes.map((n) => `127.0.0.1:${n.port}`).join(",")}`;
    await promisify(execFile)(await binary(), ["redis", "init", redisUrl]);
    const svc = await startServer({ extraArgs: ["--redis", redisUrl] });
    try {
      const client = createLockClient({ baseUrl: svc.url });
      const p = await openInspector(browser, svc.url, 1280, 800, errors);
      await p.getByText("this server's lock backend cannot watch").waitFor();
      const lock = await client.acquire(`${PREFIX}polled`, { owner: "ts-node" });
      await row(p, `${PREFIX}polled`).waitFor();
      await lock.release();
      await row(p, `${PREFIX}polled`).waitFor({ state: "detached" });
      await p.close();
    } finally {
      await svc.close();
      await Promise.all(nodes.map((n) => n.stop()));
    }
  });

  it("shows new Redis nodes quarantined, then trusted, then one that stops as down, in words", async () => {
    const nodes = await Promise.all([startRedis(), startRedis(), startRedis()]);
    const redisUrl = `redis://${nodes.map((n) => `127.0.0.1:${n.port}`).join(",")}`;
    const svc = await startServer({ extraArgs: ["--redis", redisUrl] });
    try {
      const p = await openInspector(browser, svc.url, 1280, 800, errors);
      const health = p.locator("#health");
      // Nodes that hold no data are not trusted until `distlock redis init` says they are new.
      await health.getByText("Not ready, no trusted quorum: 0 of 3 nodes trusted, quorum 2 (").waitFor();
      assert.equal((await health.locator("li").allInnerTexts()).filter((t) => t.endsWith(": quarantined")).length, 3);
      await promisify(execFile)(await binary(), ["redis", "init", redisUrl]);
      await health.getByText("Ready: 3 of 3 nodes trusted, quorum 2.").waitFor();
      await nodes[1]!.stop();
      await health.getByText("Ready: 2 of 3 nodes trusted, quorum 2.").waitFor();
      const down = health.locator("li").filter({ hasText: `:${nodes[1]!.port}: down (` });
      await down.waitFor();
      assert.match(await down.innerText(), /down \(.+\)$/, "the node's error is shown");
      await nodes[2]!.stop();
      await health.getByText("Not ready, no trusted quorum: 1 of 3 nodes trusted").waitFor();
      await p.close();
    } finally {
      await svc.close();
      await Promise.all(nodes.map((n) => n.stop()));
    }
  });

  it("under --auth: asks for a token, and breaks a lock only for an admin", async () => {
    const auth = await startAuthServer({
      principals: { reader: ["team-a"], operator: ["ops"] },
      policy: ["rules:", "  - groups: [team-a]", "    verbs: [acquire, read]", '    resources: ["team-a/"]', "  - groups: [ops]", "    verbs: [read, admin]", '    resources: ["team-a/"]'].join("\n"),
    });
    try {
      const lock = await createLockClient({ baseUrl: auth.url, token: auth.tokens["reader"]! }).acquire("team-a/deploy", { owner: "ci" });
      const p = await openInspector(browser, auth.url, 1280, 800, errors);
      await p.getByRole("alert").filter({ hasText: "The service refused to list" }).waitFor();
      const signedInAs = p.locator("#principal");
      await signedInAs.getByText("not signed in", { exact: true }).waitFor();
      const signIn = async (who: string) => {
        await p.getByLabel("Resource prefix").fill("team-a/");
        await p.getByLabel("Bearer token").fill(auth.tokens[who]!);
        await p.getByRole("button", { name: "Show locks" }).click();
        await row(p, "team-a/deploy").waitFor();
      };
      const breakIt = async () => {
        await p.getByRole("button", { name: "Force-release team-a/deploy" }).click();
        await p.getByLabel("Reason (required)").fill("stuck deploy: test");
        await p.getByRole("dialog").getByRole("button", { name: "Force-release" }).click();
      };
      await signIn("reader");
      assert.equal(await p.getByRole("alert").filter({ hasText: "refused" }).count(), 0, "the error state is gone");
      await breakIt();
      await p.getByRole("dialog").getByText("Not released: permission_denied").waitFor();
      await p.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
      assert.equal(lock.signal.aborted, false);
      await signIn("operator");
      await signedInAs.getByText("operator (token, groups ops)", { exact: true }).waitFor();
      await breakIt();
      await p.getByText("Force-released team-a/deploy").waitFor();
      await new Promise((resolve) => lock.signal.addEventListener("abort", resolve, { once: true }));
      await p.getByLabel("Bearer token").fill(`${auth.tokens["operator"]!}x`);
      await signedInAs.getByText("not signed in", { exact: true }).waitFor();
      assert.ok(!(await signedInAs.innerText()).includes(auth.tokens["operator"]!), "the token is never shown");
      await p.close();
    } finally {
      await auth.close();
    }
  });

  it("shows an error state when the service goes away", async () => {
    const doomed = await startServer({ extraArgs: ["--lock-service", "memory://doomed"] });
    const p = await openInspector(browser, doomed.url, 1280, 800, errors);
    await p.getByText("Live: watching").waitFor();
    await doomed.close();
    const alert = p.getByRole("alert").filter({ hasText: "Cannot reach the lock service" });
    await alert.waitFor();
    await p.close();
  });
});
