import assert from "node:assert/strict";
import { once } from "node:events";
import { afterEach, describe, it } from "node:test";
import { durationFromMs, durationMs, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { createManualClock, type ManualClock, pauseTaken } from "../test/manual-clock.js";
import { callSteps, pausesWithin } from "../test/policy-steps.js";
import { createScriptedService, releaseOn, type ScriptedService } from "../test/scripted-service.js";
import { type AcquireOptions, acquireLock } from "./acquire.js";
import { DistlockError, InvalidArgumentError, NotAcquiredError, UnavailableError } from "./errors.js";
import type { LockDeps } from "./held-lock.js";
import { CALL_BACKOFF_MAX_MS, MAX_WAIT_PER_CALL_MS, UNREACHABLE_GIVE_UP_MS, validityMs } from "./gen/distlock/v1/policy.js";

const held = () => new ConnectError("held by another", Code.Aborted);

const services: ScriptedService[] = [];

/**
 * Fails every Acquire call of pending with fail() and lets each pause after it run out,
 * until pending settles; returns the pauses (0 for a call that came without one) and what
 * pending rejects with. A client that does not pause would call hundreds of times: a
 * broken one is stopped after 100 calls (and pending does not settle).
 */
async function failEveryCall(
  clock: ManualClock,
  svc: ScriptedService,
  pending: Promise<unknown>,
  fail: () => ConnectError,
): Promise<{ pauses: number[]; settled: Promise<unknown> }> {
  const settled = pending.then(
    () => assert.fail("acquired without an answer that grants"),
    (e: unknown) => e,
  );
  const over = settled.then(() => undefined);
  const pauses: number[] = [];
  let next = svc.acquire.next();
  for (let calls = 1; calls <= 100; calls++) {
    const call = await Promise.race([next, over]);
    if (call === undefined) {
      break;
    }
    call.fail(fail());
    next = svc.acquire.next();
    // Whichever comes: a pause, the end, or (from a client that does not pause) a call.
    const after = await Promise.race([
      clock.timerSet().then(() => "pause" as const),
      over.then(() => "end" as const),
      next.then(() => "call" as const),
    ]);
    if (after === "end") {
      break;
    }
    pauses.push(after === "pause" ? await pauseTaken(clock) : 0);
  }
  return { pauses, settled };
}

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
    const pending = acquire("orders/42", { ttlMs: 6000, waitMs: 0, owner: "w1", data: "héllo" });
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
    await releaseOn(svc, lock);
  });

  it("makes one attempt with waitMs 0", async () => {
    const { svc, acquire } = setup();
    const pending = acquire("r", { waitMs: 0 });
    (await svc.acquire.next()).fail(held());
    await assert.rejects(pending, NotAcquiredError);
    assert.equal(svc.acquire.count, 1);
  });

  it("waits until the signal aborts when no wait is given", async () => {
    const { clock, svc, acquire } = setup();
    const ac = new AbortController();
    const pending = acquire("r", { signal: ac.signal });
    for (let i = 0; i < 3; i++) {
      const call = await svc.acquire.next();
      assert.equal(durationMs(call.request.wait!), MAX_WAIT_PER_CALL_MS);
      clock.advance(MAX_WAIT_PER_CALL_MS); // the server waited all of it
      call.fail(held());
    }
    await svc.acquire.next();
    ac.abort(new Error("shutting down"));
    const err = await pending.catch((e: unknown) => e);
    assert.ok(err instanceof NotAcquiredError, String(err));
    assert.equal((err.cause as Error).message, "shutting down");
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

  it("backs off after early answers and starts over after one that was not", async () => {
    const { clock, svc, acquire } = setup();
    const pending = acquire("r", { waitMs: Infinity });
    const pauses: number[] = [];
    for (let i = 0; i < 10; i++) {
      const call = await svc.acquire.next();
      assert.equal(clock.dueTimes().length, 0, "a call during a pause");
      if (i === 7) {
        clock.advance(durationMs(call.request.wait!)); // the server waited as asked
        call.fail(held());
        continue;
      }
      call.fail(held()); // at once: the server's own maximum wait is 0
      pauses.push(await pauseTaken(clock));
    }
    const steps = [...callSteps(7), ...callSteps(2)];
    assert.equal(pauses.length, steps.length);
    pauses.forEach((p, i) => assert.ok(p >= steps[i]! / 2 && p <= steps[i]!, `pause ${i}: ${p} ms`));
    (await svc.acquire.next()).respond(grant());
    const lock = await pending;
    await releaseOn(svc, lock);
  });

  for (const [took, early] of [
    [14_999, true],
    [15_000, false],
  ] as const) {
    it(`takes an answer after ${took} ms of a 30 s wait as ${early ? "" : "not "}early`, async () => {
      const { clock, svc, acquire } = setup();
      const pending = acquire("r", { waitMs: 60_000 });
      const first = await svc.acquire.next();
      assert.equal(durationMs(first.request.wait!), 30_000);
      clock.advance(took);
      first.fail(held());
      const second = svc.acquire.next();
      const next = await Promise.race([second, clock.timerSet().then(() => "pause" as const)]);
      assert.equal(next === "pause", early);
      if (early) {
        const pause = await pauseTaken(clock);
        const [step] = callSteps(1);
        assert.ok(pause >= step! / 2 && pause <= step!, `${pause} ms`);
      }
      (await second).fail(new ConnectError("not retried", Code.FailedPrecondition));
      await assert.rejects(pending, /not retried/);
    });
  }

  for (const [draw, pauses] of [
    [0, pausesWithin(800, 0.5)],
    [1, pausesWithin(800, 1)],
  ] as const) {
    it(`gives up within a 0.8 s wait, not past its end, when every answer is early (Math.random() = ${draw})`, async (t) => {
      t.mock.method(Math, "random", () => draw);
      const { clock, svc, acquire } = setup();
      const { pauses: taken, settled } = await failEveryCall(clock, svc, acquire("r", { waitMs: 800 }), held);
      assert.equal(svc.acquire.count, pauses.length + 1);
      assert.deepEqual(taken, pauses);
      assert.ok((await settled) instanceof NotAcquiredError);
      assert.ok(clock.now() < 800);
    });
  }

  it("rejects at once, without a pause, when even the first would pass the end of the wait", async () => {
    const { clock, svc, acquire } = setup();
    const pending = acquire("r", { waitMs: callSteps(1)[0]! / 2 - 1 });
    (await svc.acquire.next()).fail(held()); // the shortest first pause is half the first step
    await assert.rejects(pending, NotAcquiredError);
    assert.equal(svc.acquire.count, 1);
    assert.equal(clock.now(), 0);
    assert.deepEqual(clock.dueTimes(), []);
  });

  it("ends a pause at once, without another call, when the signal aborts", async () => {
    const { clock, svc, acquire } = setup();
    const ac = new AbortController();
    const pending = acquire("r", { waitMs: 60_000, signal: ac.signal });
    (await svc.acquire.next()).fail(held());
    await clock.timerSet();
    ac.abort(new Error("shutting down"));
    const err = await pending.catch((e: unknown) => e);
    assert.ok(err instanceof NotAcquiredError);
    assert.equal((err.cause as Error).message, "shutting down");
    assert.equal(svc.acquire.count, 1);
    assert.deepEqual(clock.dueTimes(), [], "the pause's timer is cleared");
  });

  it("rejects with NotAcquiredError, without a call, when the signal already aborted", async () => {
    const { svc, acquire } = setup();
    const err = await acquire("r", { signal: AbortSignal.abort("stop") }).catch((e: unknown) => e);
    assert.ok(err instanceof NotAcquiredError);
    assert.equal(err.cause, "stop");
    assert.equal(svc.acquire.count, 0);
  });

  it("retries transient failures within its wait, backing off, until it is granted", async (t) => {
    t.mock.method(Math, "random", () => 1); // every pause the longest of its step
    const { clock, svc, acquire } = setup();
    const pending = acquire("r", { waitMs: 60_000 });
    const pauses: number[] = [];
    for (const code of [Code.Unavailable, Code.DeadlineExceeded, Code.Unavailable]) {
      (await svc.acquire.next()).fail(new ConnectError("1 of 3 nodes", code));
      pauses.push(await pauseTaken(clock));
    }
    assert.deepEqual(pauses, callSteps(3));
    (await svc.acquire.next()).respond(grant());
    const lock = await pending;
    assert.equal(svc.acquire.count, 4);
    await releaseOn(svc, lock);
  });

  for (const [code, name] of [
    [Code.Unavailable, "unavailable"],
    [Code.DeadlineExceeded, "deadline_exceeded"],
  ] as const) {
    it(`rejects with a lasting ${name} failure, not NotAcquiredError, before a pause past the wait`, async (t) => {
      // The shortest pauses of a row fill 775 ms of a 0.8 s wait; the sixth would pass it.
      t.mock.method(Math, "random", () => 0);
      const { clock, svc, acquire } = setup();
      const failure = () => new ConnectError("down", code);
      const { pauses, settled } = await failEveryCall(clock, svc, acquire("r", { waitMs: 800 }), failure);
      assert.deepEqual(pauses, pausesWithin(800, 0.5));
      assert.equal(svc.acquire.count, pauses.length + 1);
      const err = await settled;
      assert.ok(err instanceof DistlockError && !(err instanceof NotAcquiredError), String(err));
      assert.equal(err.code, name);
    });
  }

  it("does not retry a transient failure without a wait", async () => {
    const { clock, svc, acquire } = setup();
    const pending = acquire("r", { waitMs: 0 });
    (await svc.acquire.next()).fail(new ConnectError("1 of 3 nodes", Code.Unavailable));
    await assert.rejects(pending, UnavailableError);
    assert.equal(svc.acquire.count, 1);
    assert.deepEqual(clock.dueTimes(), []);
  });

  it("starts the transient failures' backoff over after a busy answer", async (t) => {
    t.mock.method(Math, "random", () => 1);
    const { clock, svc, acquire } = setup();
    const pending = acquire("r", { waitMs: 600_000 });
    const unavailable = () => new ConnectError("1 of 3 nodes", Code.Unavailable);
    const pauses: number[] = [];
    for (let i = 0; i < 3; i++) {
      (await svc.acquire.next()).fail(unavailable());
      pauses.push(await pauseTaken(clock));
    }
    const busy = await svc.acquire.next();
    clock.advance(durationMs(busy.request.wait!)); // the server waited as asked: no pause
    busy.fail(held());
    (await svc.acquire.next()).fail(unavailable());
    pauses.push(await pauseTaken(clock));
    assert.deepEqual(pauses, [...callSteps(3), ...callSteps(1)]);
    (await svc.acquire.next()).respond(grant());
    const lock = await pending;
    await releaseOn(svc, lock);
  });

  it("rejects with the service's last transient failure when the signal aborts a pause after it", async () => {
    const { clock, svc, acquire } = setup();
    const ac = new AbortController();
    const pending = acquire("r", { waitMs: 60_000, signal: ac.signal });
    (await svc.acquire.next()).fail(new ConnectError("1 of 3 nodes", Code.Unavailable));
    await clock.timerSet();
    ac.abort(new Error("shutting down"));
    const err = await pending.catch((e: unknown) => e);
    assert.ok(err instanceof UnavailableError, String(err));
    assert.match(err.message, /1 of 3 nodes/);
    assert.equal(svc.acquire.count, 1);
  });

  it("gives up on a service that never answers after UNREACHABLE_GIVE_UP_MS, however long the wait", async (t) => {
    t.mock.method(Math, "random", () => 1);
    const clock = createManualClock();
    let calls = 0;
    // What connect-web throws when fetch gets no answer at all.
    const refused = async (): Promise<never> => {
      calls++;
      throw new ConnectError("fetch failed", Code.Unknown, undefined, undefined, new TypeError("fetch failed", { cause: new Error("connect ECONNREFUSED") }));
    };
    const deps = { service: { acquire: refused }, clock, callTimeoutMs: 10_000 } as unknown as LockDeps;
    const pending = acquireLock(deps, "r", { waitMs: 600_000 });
    const settled = pending.then(() => undefined, () => undefined);
    for (;;) {
      await Promise.race([clock.timerSet(), settled]);
      if (clock.dueTimes().length === 0) {
        break;
      }
      clock.fireNext();
    }
    const err = await pending.catch((e: unknown) => e);
    assert.ok(err instanceof UnavailableError, String(err));
    assert.match(err.message, /ECONNREFUSED/);
    assert.ok(calls > 1, "unreachable is retried as transient");
    assert.ok(clock.now() <= UNREACHABLE_GIVE_UP_MS && clock.now() > UNREACHABLE_GIVE_UP_MS - CALL_BACKOFF_MAX_MS, `gave up at ${clock.now()}`);
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
    assert.equal(clock.now(), validityMs(6000));
    assert.ok(lock.signal.reason instanceof UnavailableError, "the reason is renewal's last failure");
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
