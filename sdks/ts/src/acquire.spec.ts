import assert from "node:assert/strict";
import { once } from "node:events";
import { afterEach, describe, it } from "node:test";
import { durationFromMs, durationMs, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { createManualClock } from "../test/manual-clock.js";
import { createScriptedService, type ScriptedService } from "../test/scripted-service.js";
import { type AcquireOptions, acquireLock } from "./acquire.js";
import { InvalidArgumentError, NotAcquiredError, NotHeldError, UnavailableError } from "./errors.js";

const held = () => new ConnectError("held by another", Code.Aborted);

const services: ScriptedService[] = [];

function setup() {
  const clock = createManualClock();
  const svc = createScriptedService();
  services.push(svc);
  const deps = { service: svc.client, clock, callTimeoutMs: 10_000 };
  return { clock, svc, acquire: (resource: string, o?: AcquireOptions) => acquireLock(deps, resource, o) };
}

const grant = (fencingToken = 1n, ttlMs = 6000) => ({
  resource: "r",
  leaseToken: "tok",
  fencingToken,
  ttl: durationFromMs(ttlMs),
  lockTime: timestampFromMs(1_700_000_000_000),
});

describe("acquireLock", () => {
  afterEach(() => services.splice(0).forEach((s) => s.failPending()));

  it("sends the request and returns a held lock", async () => {
    const { svc, acquire } = setup();
    const pending = acquire("orders/42", { ttlMs: 6000, owner: "w1", data: "héllo" });
    const call = await svc.acquire.next();
    assert.equal(call.request.resource, "orders/42");
    assert.equal(durationMs(call.request.ttl!), 6000);
    assert.equal(call.request.wait, undefined, "no wait: one attempt");
    assert.equal(call.request.owner, "w1");
    assert.deepEqual(call.request.data, new TextEncoder().encode("héllo"));
    call.respond(grant(2n ** 63n + 5n));
    const lock = await pending;
    assert.equal(lock.resource, "orders/42");
    assert.equal(lock.fencingToken, 2n ** 63n + 5n);
    assert.equal(lock.owner, "w1");
    assert.equal(lock.ttlMs, 6000);
    assert.equal(lock.lockTime.getTime(), 1_700_000_000_000);
    assert.equal(lock.signal.aborted, false);
    const released = lock.release();
    (await svc.release.next()).respond();
    await released;
  });

  it("makes one attempt without a wait", async () => {
    const { svc, acquire } = setup();
    const pending = acquire("r");
    (await svc.acquire.next()).fail(held());
    await assert.rejects(pending, NotAcquiredError);
    assert.equal(svc.acquire.count, 1);
  });

  it("splits a long wait into calls of at most 30 s", async () => {
    const { clock, svc, acquire } = setup();
    const pending = acquire("r", { waitMs: 70_000 });
    const waits: number[] = [];
    for (;;) {
      const call = await svc.acquire.next();
      const wait = durationMs(call.request.wait!);
      waits.push(wait);
      assert.ok(call.timeoutMs !== undefined && call.timeoutMs > wait, "the deadline must outlast the wait");
      clock.advance(wait); // the server waited all of it
      call.fail(held());
      if (waits.reduce((a, b) => a + b) >= 70_000) {
        break;
      }
    }
    assert.deepEqual(waits, [30_000, 30_000, 10_000]);
    await assert.rejects(pending, NotAcquiredError);
  });

  it("waits until the signal aborts when waitMs is Infinity", async () => {
    const { clock, svc, acquire } = setup();
    const ac = new AbortController();
    const pending = acquire("r", { waitMs: Infinity, signal: ac.signal });
    for (let i = 0; i < 5; i++) {
      const call = await svc.acquire.next();
      assert.equal(durationMs(call.request.wait!), 30_000);
      clock.advance(30_000);
      call.fail(held());
    }
    await svc.acquire.next();
    ac.abort(new Error("shutting down"));
    const err = await pending.catch((e: unknown) => e);
    assert.ok(err instanceof NotAcquiredError);
    assert.equal((err.cause as Error).message, "shutting down");
    assert.equal(svc.acquire.count, 6, "the abort ends the wait in its sixth call");
  });

  it("pauses before asking again when the server cut its wait short", async () => {
    const { clock, svc, acquire } = setup();
    const pending = acquire("r", { waitMs: 10_000 });
    const first = await svc.acquire.next();
    clock.advance(2_000); // the server's own maximum wait was 2 s
    first.fail(held());
    await clock.timerSet();
    const [due] = clock.dueTimes();
    assert.ok(due !== undefined && due > 2_000 && due <= 2_500, `pause until ${due}`);
    clock.fireNext();
    const second = await svc.acquire.next();
    assert.equal(durationMs(second.request.wait!), Math.ceil(10_000 - due));
    second.respond(grant());
    const lock = await pending;
    const released = lock.release();
    (await svc.release.next()).respond();
    await released;
  });

  it("rejects with NotAcquiredError, without a call, when the signal already aborted", async () => {
    const { svc, acquire } = setup();
    const err = await acquire("r", { signal: AbortSignal.abort("stop") }).catch((e: unknown) => e);
    assert.ok(err instanceof NotAcquiredError);
    assert.equal(err.cause, "stop");
    assert.equal(svc.acquire.count, 0);
  });

  it("does not retry an unavailable service", async () => {
    const { svc, acquire } = setup();
    const pending = acquire("r", { waitMs: 60_000 });
    (await svc.acquire.next()).fail(new ConnectError("1 of 3 nodes", Code.Unavailable));
    await assert.rejects(pending, UnavailableError);
    assert.equal(svc.acquire.count, 1);
  });

  it("measures validity from when the request was sent", async () => {
    const { clock, svc, acquire } = setup();
    const pending = acquire("r", { ttlMs: 6000 });
    const call = await svc.acquire.next();
    // A slow answer, the slowest not confirmed by an Extend (a tenth of the TTL; see
    // late-grant.spec.ts): the lease was granted somewhere in these 600 ms.
    clock.advance(600);
    call.respond(grant());
    const lock = await pending;
    // Fail every renewal: the lock must be lost when the validity counted from the send
    // (0 + 6000 - 62) ends, not 600 ms later.
    const lost = once(lock.signal, "abort").then(() => undefined);
    for (;;) {
      await Promise.race([clock.timerSet(), lost]);
      if (lock.signal.aborted) {
        break;
      }
      clock.fireNext();
      const next = await Promise.race([svc.extend.next(), lost]);
      next?.fail(new ConnectError("down", Code.Unavailable));
    }
    assert.equal(clock.now(), 5938);
    assert.ok(lock.signal.reason instanceof NotHeldError);
  });

  const invalid: [string, string, AcquireOptions?][] = [
    ["empty resource", ""],
    ["resource over 1024 bytes", "é".repeat(512) + "x"],
    ["resource with a lone surrogate", "a\ud800b"],
    ["TTL under 5 s", "r", { ttlMs: 4_999 }],
    ["TTL over 10 min", "r", { ttlMs: 600_001 }],
    ["fractional TTL", "r", { ttlMs: 5_000.5 }],
    ["NaN TTL", "r", { ttlMs: NaN }],
    ["negative wait", "r", { waitMs: -1 }],
    ["NaN wait", "r", { waitMs: NaN }],
    ["owner over 256 bytes", "r", { owner: "o".repeat(257) }],
    ["owner with a lone surrogate", "r", { owner: "\udc00" }],
    ["payload over 64 KiB", "r", { data: new Uint8Array(64 * 1024 + 1) }],
    ["string payload over 64 KiB", "r", { data: "€".repeat(21_846) }],
  ];
  for (const [name, resource, options] of invalid) {
    it(`rejects ${name} with InvalidArgumentError before any call`, async () => {
      const { svc, acquire } = setup();
      await assert.rejects(acquire(resource, options), InvalidArgumentError);
      assert.equal(svc.acquire.count, 0);
    });
  }

  it("rejects input of the wrong type from JavaScript callers", async () => {
    const { svc, acquire } = setup();
    const untyped = acquire as (resource: unknown, o?: unknown) => Promise<unknown>;
    await assert.rejects(untyped(42), InvalidArgumentError);
    await assert.rejects(untyped("r", { ttlMs: "30s" }), InvalidArgumentError);
    await assert.rejects(untyped("r", { owner: 7 }), InvalidArgumentError);
    await assert.rejects(untyped("r", { data: [1, 2] }), InvalidArgumentError);
    assert.equal(svc.acquire.count, 0);
  });
});
