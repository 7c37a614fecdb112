// The SDK against a real `distlock serve --auth`: each refusal the service makes reaches
// the caller as its typed error, and renewal meets them as the policy says (decision 7).
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { after, before, describe, it, type TestContext } from "node:test";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import {
  createLockClient,
  NotHeldError,
  PermissionDeniedError,
  ResourceExhaustedError,
  UnauthenticatedError,
} from "../src/index.js";
import { type AuthServer, startAuthServer } from "./auth-server.js";
import { createCallSpy } from "./interceptors.js";

let server: AuthServer;
before(async () => {
  server = await startAuthServer({
    principals: { alice: ["team-a"], carol: ["team-a"] },
    policy: [
      "rules:",
      "  - groups: [team-a]",
      "    verbs: [acquire, read]",
      '    resources: ["team-a/"]',
      "quotas:",
      "  principals:",
      "    carol: {max_held: 1}",
    ].join("\n"),
    extraArgs: ["--max-waiters", "1"],
  });
});
after(() => server?.close());

let seq = 0;
/** A resource name in team-a's namespace that no other test uses. */
const unique = (t: TestContext): string => `team-a/${t.name}/${process.pid}/${seq++}`;

/** Asserts that err is an instance of type and that nothing printable about it holds secret. */
function assertError<T>(err: unknown, type: new (...a: never[]) => T, secret?: string): asserts err is T {
  assert.ok(err instanceof type, `want ${type.name}, got ${inspect(err)}`);
  if (secret !== undefined) {
    assert.ok(!inspect(err, { depth: 10 }).includes(secret), `the error quotes the token: ${inspect(err)}`);
  }
}

describe("the SDK against distlock serve --auth", () => {
  it("takes a lock in its namespace with its token, under its principal's name", async (t) => {
    const resource = unique(t);
    const client = createLockClient({ baseUrl: server.url, token: server.tokens.alice! });
    const lock = await client.acquire(resource, { owner: "job-7", waitMs: 0 });
    assert.equal((await client.info(resource)).owner, "alice/job-7");
    await lock.release();
    await assert.rejects(client.info(resource), NotHeldError);
  });

  it("sends the token with a Batch, and each of its calls meets its own rules", async (t) => {
    const resource = unique(t);
    const spy = createCallSpy();
    const transport = createConnectTransport({ baseUrl: server.url, httpVersion: "2", interceptors: [spy.interceptor] });
    const client = createLockClient({ transport, token: () => server.tokens.alice! });
    const [mine, also, outside] = await Promise.allSettled([
      client.acquire(`${resource}/1`, { owner: "b", waitMs: 0 }),
      client.acquire(`${resource}/2`, { waitMs: 0 }),
      client.acquire(`team-b/${resource}`, { waitMs: 0 }),
    ]);
    assert.equal(spy.countOf("Batch"), 1);
    assert.ok(mine.status === "fulfilled" && also.status === "fulfilled");
    assert.ok(outside.status === "rejected");
    assertError(outside.reason, PermissionDeniedError);
    assert.equal((await client.info(`${resource}/1`)).owner, "alice/b");
    await Promise.all([mine.value.release(), also.value.release()]);
  });

  it("sends the token over any transport, e.g. gRPC with connect-node", async (t) => {
    const transport = createGrpcTransport({ baseUrl: server.url });
    const lock = await createLockClient({ transport, token: server.tokens.alice! }).acquire(unique(t), { waitMs: 0 });
    await lock.release();
  });

  it("sends the token on a Hold stream, which without one is refused as unauthenticated", async (t) => {
    const resource = unique(t);
    const lock = await createLockClient({ baseUrl: server.url, token: server.tokens.alice!, hold: true }).acquire(resource, { waitMs: 0 });
    await lock.release();
    const refused = await createLockClient({ baseUrl: server.url, hold: true }).acquire(resource, { waitMs: 0 }).catch((e: unknown) => e);
    assertError(refused, UnauthenticatedError);
  });

  it("without a token: UnauthenticatedError", async (t) => {
    const client = createLockClient({ baseUrl: server.url });
    assertError(await client.acquire(unique(t), { waitMs: 0 }).catch((e: unknown) => e), UnauthenticatedError);
    assertError(await client.info(unique(t)).catch((e: unknown) => e), UnauthenticatedError);
  });

  it("with a wrong token: UnauthenticatedError that never quotes it", async (t) => {
    const wrong = "dlt_WrongTokenWrongTokenWrongTokenWrongToken1";
    const client = createLockClient({ baseUrl: server.url, token: wrong });
    const err = await client.acquire(unique(t), { waitMs: 0 }).catch((e: unknown) => e);
    assertError(err, UnauthenticatedError, wrong);
    assert.equal(err.code, "unauthenticated");
  });

  it("outside its namespace: PermissionDeniedError", async (t) => {
    const client = createLockClient({ baseUrl: server.url, token: server.tokens.alice! });
    const other = `team-b/${t.name}/${process.pid}`;
    assertError(await client.acquire(other, { waitMs: 0 }).catch((e: unknown) => e), PermissionDeniedError);
    assertError(await client.info(other).catch((e: unknown) => e), PermissionDeniedError);
    // A prefix is compared on its bytes: team-a does not cover team-ab.
    assertError(await client.acquire(`team-ab/${process.pid}`, { waitMs: 0 }).catch((e: unknown) => e), PermissionDeniedError);
  });

  it("beyond a quota: ResourceExhaustedError naming it", async (t) => {
    const client = createLockClient({ baseUrl: server.url, token: server.tokens.carol! });
    const first = await client.acquire(unique(t), { waitMs: 0 });
    const err = await client.acquire(unique(t), { waitMs: 0 }).catch((e: unknown) => e);
    assertError(err, ResourceExhaustedError, server.tokens.carol!);
    assert.deepEqual([err.quota, err.limit, err.principal], ["max_held", "1", "carol"]);
    await first.release();
  });

  it("beyond the server-wide cap on waiting Acquires: ResourceExhaustedError naming max_waiters", async (t) => {
    const resource = unique(t);
    const client = createLockClient({ baseUrl: server.url, token: server.tokens.alice! });
    const holder = await client.acquire(resource, { waitMs: 0 });
    const giveUp = new AbortController();
    // With --max-waiters 1, whichever of the two waits arrives second is refused.
    const waits = [0, 1].map(() =>
      client.acquire(resource, { waitMs: 60_000, signal: giveUp.signal }).then(
        () => "acquired",
        (e: unknown) => e,
      ),
    );
    const err = await Promise.race(waits);
    giveUp.abort();
    await Promise.all(waits);
    await holder.release();
    assertError(err, ResourceExhaustedError);
    assert.deepEqual([err.quota, err.principal], ["max_waiters", ""]);
  });

  it("renewal refused as unauthenticated is retried until the validity ends, then lost with that reason", async (t) => {
    let token = server.tokens.alice!;
    let refusedCalls = 0;
    const client = createLockClient({
      baseUrl: server.url,
      token: () => {
        if (token !== server.tokens.alice) {
          refusedCalls++;
        }
        return token;
      },
    });
    const lock = await client.acquire(unique(t), { ttlMs: 5_000, waitMs: 0 });
    const lost = new Promise<void>((resolve) => lock.signal.addEventListener("abort", () => resolve()));
    token = "dlt_RevokedRevokedRevokedRevokedRevokedRevoked1";
    await lost;
    assertError(lock.signal.reason, UnauthenticatedError, token);
    assert.ok(refusedCalls >= 2, `renewal was tried ${refusedCalls} time(s) with the refused token, want retries`);
    token = server.tokens.alice!;
    const err = await lock.release().catch((e: unknown) => e);
    assertError(err, NotHeldError);
    assert.equal(err.cause, lock.signal.reason);
  });
});
