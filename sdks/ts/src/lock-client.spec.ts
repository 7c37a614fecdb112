// Integration tests: the SDK against a real `distlock serve` (three embedded Redis
// servers behind Redlock), for what only TypeScript has (signals, Node's event loop,
// connect-node transports, error classes). What every SDK must do is a conformance case
// (conformance/cases), which runs this SDK as its `ts` target.
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { after, before, describe, it, type TestContext } from "node:test";
import { promisify } from "node:util";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { createConnectTransport } from "@connectrpc/connect-web";
import { createCallSpy } from "../test/interceptors.js";
import { packageRoot } from "../test/paths.js";
import { startServer, type TestServer } from "../test/server.js";
import { InvalidArgumentError, NotAcquiredError, UnavailableError } from "./errors.js";
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

/** The URL of a loopback port that refuses connections. */
async function refusedUrl(): Promise<string> {
  const probe = createServer().listen(0, "127.0.0.1");
  await once(probe, "listening");
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return `http://127.0.0.1:${port}`;
}

describe("LockClient against distlock serve", () => {
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
