// The transport a baseUrl gets in Node: node:http's HTTP/1.1 by default, HTTP/2 with prior
// knowledge (h2c) or fetch on request, told apart by the first bytes a plain TCP listener
// receives.
import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { LockService } from "../src/gen/distlock/v1/lock_pb.js";
import { nodeHttp1Transport } from "../src/node-http1-transport.js";
import { createLockClient, DistlockError, UnavailableError } from "../src/node.js";
import { startServer, type TestServer } from "./server.js";

/** A TCP listener that records the first bytes of each connection and closes it. */
async function firstBytes(): Promise<{ url: string; next(): Promise<string>; close(): Promise<void> }> {
  const seen: string[] = [];
  const waiters: ((s: string) => void)[] = [];
  const server: Server = createServer((socket) => {
    socket.once("data", (d) => {
      const text = d.toString("latin1");
      const w = waiters.shift();
      if (w) {
        w(text);
      } else {
        seen.push(text);
      }
      socket.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    next: () => (seen.length > 0 ? Promise.resolve(seen.shift()!) : new Promise((resolve) => waiters.push(resolve))),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A TCP listener that reads requests and never answers; closed() resolves once a client closes its connection. */
async function silent(): Promise<{ url: string; heard(): Promise<void>; closed(): Promise<void>; close(): Promise<void> }> {
  let heard!: () => void, closed!: () => void;
  const heardP = new Promise<void>((r) => (heard = r));
  const closedP = new Promise<void>((r) => (closed = r));
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => {
    sockets.push(socket);
    socket.on("data", () => heard());
    socket.on("close", () => closed());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    heard: () => heardP,
    closed: () => closedP,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

let service: TestServer;
before(async () => {
  service = await startServer();
});
after(() => service?.close());

describe("a client of a baseUrl in Node", () => {
  it("speaks HTTP/1.1 over node:http by default, every call a POST", async () => {
    const listener = await firstBytes();
    try {
      const client = createLockClient({ baseUrl: listener.url });
      const call = client.info("r").catch((e: unknown) => e);
      assert.match(await listener.next(), /^POST \/distlock\.v1\.LockService\/Info HTTP\/1\.1\r\n/);
      assert.ok((await call) instanceof UnavailableError);
    } finally {
      await listener.close();
    }
  });

  it("sends a positive timeout as connect-timeout-ms, and none for 0, as Connect's transports do", async () => {
    const listener = await firstBytes();
    try {
      const transport = nodeHttp1Transport(listener.url);
      const info = LockService.method.info;
      for (const [timeoutMs, header] of [[250, /\r\nconnect-timeout-ms: 250\r\n/i], [0, null]] as const) {
        const call = transport.unary(info, undefined, timeoutMs, undefined, { resource: "r" }).catch((e: unknown) => e);
        const head = await listener.next();
        if (header) {
          assert.match(head, header);
        } else {
          assert.doesNotMatch(head, /connect-timeout-ms/i);
        }
        await call;
      }
    } finally {
      await listener.close();
    }
  });

  it("speaks TLS to an https baseUrl", async () => {
    const listener = await firstBytes();
    try {
      const client = createLockClient({ baseUrl: listener.url.replace("http:", "https:") });
      const call = client.info("r").catch((e: unknown) => e);
      const first = await listener.next();
      assert.equal(first.charCodeAt(0), 0x16, "not a TLS handshake record"); // ClientHello
      assert.ok((await call) instanceof UnavailableError);
    } finally {
      await listener.close();
    }
  });

  it("speaks HTTP/2 with prior knowledge with httpVersion 2", async () => {
    const listener = await firstBytes();
    try {
      const client = createLockClient({ baseUrl: listener.url, httpVersion: "2" });
      const call = client.info("r").catch((e: unknown) => e);
      assert.match(await listener.next(), /^PRI \* HTTP\/2\.0\r\n\r\nSM\r\n\r\n/);
      assert.ok((await call) instanceof UnavailableError);
    } finally {
      await listener.close();
    }
  });

  it("speaks HTTP/1.1 over fetch with httpVersion fetch", async () => {
    const listener = await firstBytes();
    try {
      const client = createLockClient({ baseUrl: listener.url, httpVersion: "fetch" });
      const call = client.info("r").catch((e: unknown) => e);
      assert.match(await listener.next(), /^GET \/distlock\.v1\.LockService\/Info\?.* HTTP\/1\.1\r\n/);
      assert.ok((await call) instanceof UnavailableError);
    } finally {
      await listener.close();
    }
  });

  it("locks over h2c against distlock serve", async () => {
    const client = createLockClient({ baseUrl: service.url, httpVersion: "2" });
    const lock = await client.acquire(`ts-node/h2c/${process.pid}`, { owner: "h2" });
    assert.equal((await client.info(lock.resource)).owner, "h2");
    await lock.release();
  });

  it("ends a call the service never answers at the call timeout, as deadline_exceeded", async () => {
    const listener = await silent();
    try {
      const client = createLockClient({ baseUrl: listener.url, callTimeoutMs: 300 });
      const err = await client.info("r").catch((e: unknown) => e);
      assert.ok(err instanceof DistlockError, String(err));
      assert.equal(err.code, "deadline_exceeded");
      await listener.closed(); // its connection is not left open
    } finally {
      await listener.close();
    }
  });

  it("ends a call whose signal aborts at once, as canceled, and closes its connection", async () => {
    const listener = await silent();
    try {
      const client = createLockClient({ baseUrl: listener.url });
      const abort = new AbortController();
      const call = client.info("r", { signal: abort.signal }).catch((e: unknown) => e);
      await listener.heard();
      abort.abort();
      const err = await call;
      assert.ok(err instanceof DistlockError, String(err));
      assert.equal(err.code, "canceled");
      await listener.closed();
    } finally {
      await listener.close();
    }
  });

  it("reports a service that refuses connections as unreachable, naming its URL, after the give-up time", async () => {
    const listener = await firstBytes();
    const url = listener.url;
    await listener.close(); // nothing listens there now
    const client = createLockClient({ baseUrl: url });
    const err = await client.acquire("r", { waitMs: 200 }).catch((e: unknown) => e);
    assert.ok(err instanceof UnavailableError, String(err));
    assert.ok(err.message.includes(`no answer from ${url}`), err.message);
    assert.match(err.message, /ECONNREFUSED/);
    // Calls that went together in one Batch each get the same answer.
    const all = await Promise.all([1, 2, 3].map((i) => client.acquire(`r${i}`, { waitMs: 200 }).catch((e: unknown) => e)));
    for (const e of all) {
      assert.ok(e instanceof UnavailableError && e.message.includes(`no answer from ${url}`), String(e));
    }
  });
});
