import assert from "node:assert/strict";
import { once } from "node:events";
import { afterEach, describe, it } from "node:test";
import { durationFromMs, durationMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { createManualClock, pauseTaken } from "../test/manual-clock.js";
import { callSteps, pausesWithin } from "../test/policy-steps.js";
import { createScriptedService, releaseOn } from "../test/scripted-service.js";
import { DistlockError, InvalidArgumentError, NotHeldError, UnauthenticatedError, UnavailableError } from "./errors.js";
import { holdLock } from "./held-lock.js";
import { renewEveryMs, validityMs } from "./gen/distlock/v1/policy.js";
import { toDistlockError } from "./to-distlock-error.js";
import type { Lock } from "./lock.js";

const unavailable = () => new ConnectError("quorum lost", Code.Unavailable);
const notFound = () => new ConnectError("lock not held", Code.NotFound);

// A lock granted at clock time 0 with the given TTL; its validity ends at validityMs(ttl).
const services: ReturnType<typeof createScriptedService>[] = [];

function setup(ttlMs = 6000) {
  const clock = createManualClock();
  const svc = createScriptedService();
  services.push(svc);
  const lock = holdLock(
    { service: svc.client, clock, callTimeoutMs: 10_000 },
    {
      resource: "orders/42",
      leaseToken: "token-1",
      fencingToken: 7n,
      owner: "worker-1",
      ttlMs,
      lockTime: new Date(0),
      sentAt: 0,
    },
  );
  return { clock, svc, lock };
}

function reasonOf(lock: Lock): unknown {
  assert.ok(lock.signal.aborted, "the lock's signal should be aborted");
  return lock.signal.reason;
}

describe("holdLock", () => {
  afterEach(() => services.splice(0).forEach((s) => s.failPending()));

  it("renews every TTL/3 with its lease token and TTL", async () => {
    const { clock, svc, lock } = setup(6000);
    const every = renewEveryMs(6000);
    assert.deepEqual(clock.dueTimes(), [every]);
    for (const start of [every, 2 * every + 100]) {
      clock.fireNext();
      assert.equal(clock.now(), start);
      const call = await svc.extend.next();
      assert.equal(call.request.resource, "orders/42");
      assert.equal(call.request.leaseToken, "token-1");
      assert.equal(durationMs(call.request.ttl!), 6000);
      clock.advance(100); // the answer takes 100 ms
      call.respond({ ttl: durationFromMs(6000), fencingToken: 7n });
      await clock.timerSet();
      assert.deepEqual(clock.dueTimes(), [start + 100 + every]);
    }
    assert.equal(lock.signal.aborted, false);
  });

  // Every code but a terminal one (not_found, invalid_argument) is retried.
  for (const code of [Code.Unavailable, Code.DeadlineExceeded, Code.PermissionDenied, Code.Unauthenticated]) {
    it(`retries ${Code[code]} within its validity, then is lost with it as the reason`, async () => {
      const { clock, svc, lock } = setup(6000);
      const validity = validityMs(6000);
      clock.fireNext();
      let attempts = 0;
      while (clock.now() < validity) {
        const call = await svc.extend.next();
        attempts++;
        assert.ok(call.timeoutMs !== undefined && call.timeoutMs <= validity - clock.now() + 1,
          `a renewal must not outlive the validity: timeout ${call.timeoutMs} at ${clock.now()}`);
        call.fail(new ConnectError("refused", code));
        await clock.timerSet();
        const [due] = clock.dueTimes();
        assert.ok(due !== undefined && due <= validity, `retry at ${due} is past the validity ${validity}`);
        clock.fireNext();
      }
      await once(lock.signal, "abort");
      assert.ok(attempts > 3, `only ${attempts} attempts`);
      const reason = reasonOf(lock);
      assert.ok(reason instanceof DistlockError && !(reason instanceof NotHeldError), String(reason));
      assert.equal(reason.code, toDistlockError(new ConnectError("", code)).code, "the reason keeps its code");
      assert.deepEqual(clock.dueTimes(), [], "no timer may outlive a lost lock");
      assert.equal(svc.extend.count, attempts);
    });
  }

  // The validity's timeout cuts the last call: when the validity ends, or a little before
  // clock.now() reaches it, as Node's timers can fire (they count from the event loop's
  // cached time; seen in the conformance case session-loss-reports-every-lock).
  for (const [when, earlyMs] of [["when the validity ends", 0], ["0.5 ms early", 0.5]] as const) {
    it(`keeps the service's last answer as the reason when the validity cuts a call ${when}`, async () => {
      const { clock, svc, lock } = setup(6000);
      const validity = validityMs(6000);
      clock.fireNext();
      (await svc.extend.next()).fail(new ConnectError("no rule grants it", Code.PermissionDenied));
      await clock.timerSet();
      clock.fireNext();
      const cut = await svc.extend.next();
      clock.advance(validity - clock.now() - earlyMs);
      cut.fail(new ConnectError("the operation timed out", Code.DeadlineExceeded));
      await clock.timerSet(); // the pause until the validity ends, before it gives up
      clock.fireNext();
      await once(lock.signal, "abort");
      const reason = reasonOf(lock);
      assert.ok(reason instanceof DistlockError, String(reason));
      assert.equal(reason.code, "permission_denied", "the reason is what the service said, not our own timeout");
    });
  }

  it("is lost at once when a renewal finds the lease gone", async () => {
    const { clock, svc, lock } = setup();
    clock.fireNext();
    (await svc.extend.next()).fail(notFound());
    await once(lock.signal, "abort");
    const reason = reasonOf(lock);
    assert.ok(reason instanceof NotHeldError);
    assert.match(reason.message, /orders\/42.*lost/);
    assert.deepEqual(clock.dueTimes(), []);
  });

  it("release aborts the signal before it sends Release, and stops renewal", async () => {
    const { clock, svc, lock } = setup();
    const released = lock.release();
    const call = await svc.release.next();
    assert.ok(lock.signal.aborted, "work bound to the signal must stop before the release is sent");
    assert.ok(reasonOf(lock) instanceof NotHeldError);
    assert.equal(call.request.leaseToken, "token-1");
    call.respond();
    await released;
    assert.deepEqual(clock.dueTimes(), []);
    assert.equal(lock.release(), lock.release(), "release is idempotent");
    await lock.release();
    assert.equal(svc.release.count, 1);
    assert.equal(svc.extend.count, 0);
  });

  it("release ignores the answer to a renewal in flight", async () => {
    const { clock, svc, lock } = setup();
    clock.fireNext();
    const renewal = await svc.extend.next();
    await releaseOn(svc, lock);
    renewal.respond({ ttl: durationFromMs(6000) });
    // Let the late answer travel through the in-memory transport (microtasks only).
    await new Promise(setImmediate);
    assert.deepEqual(clock.dueTimes(), [], "a late renewal answer must not restart renewal");
    assert.match((reasonOf(lock) as Error).message, /released/);
  });

  it("release of a lost lock rejects with the loss reason", async () => {
    const { clock, svc, lock } = setup();
    clock.fireNext();
    (await svc.extend.next()).fail(notFound());
    await once(lock.signal, "abort");
    const released = lock.release();
    (await svc.release.next()).fail(notFound());
    const err = await released.catch((e: unknown) => e);
    assert.equal(err, reasonOf(lock));
  });

  it("extend renews now, with a new TTL that later renewals keep", async () => {
    const { clock, svc, lock } = setup(6000);
    clock.advance(500);
    const extended = lock.extend({ ttlMs: 9000 });
    const call = await svc.extend.next();
    assert.equal(durationMs(call.request.ttl!), 9000);
    call.respond({ ttl: durationFromMs(9000) });
    await extended;
    assert.equal(lock.ttlMs, 9000);
    assert.deepEqual(clock.dueTimes(), [500 + renewEveryMs(9000)]);
    clock.fireNext();
    assert.equal(durationMs((await svc.extend.next()).request.ttl!), 9000);
  });

  it("extend that finds the lease gone rejects and loses the lock", async () => {
    const { svc, lock } = setup();
    const extended = lock.extend();
    (await svc.extend.next()).fail(notFound());
    await assert.rejects(extended, NotHeldError);
    assert.ok(reasonOf(lock) instanceof NotHeldError);
  });

  it("extend retries a transient failure, after a pause", async (t) => {
    t.mock.method(Math, "random", () => 1);
    const { clock, svc, lock } = setup();
    const extended = lock.extend();
    const paused = clock.nextTimer();
    (await svc.extend.next()).fail(unavailable());
    await paused;
    assert.deepEqual(clock.dueTimes(), [callSteps(1)[0], renewEveryMs(6000)], "a pause before the next call");
    clock.fireNext();
    const second = await svc.extend.next();
    second.respond({ ttl: durationFromMs(6000) });
    await extended;
    assert.equal(svc.extend.count, 2);
    assert.equal(lock.signal.aborted, false);
  });

  it("extend that fails transiently until its signal aborts rejects but keeps the lock and its renewal", async () => {
    const { clock, svc, lock } = setup();
    const ac = new AbortController();
    const extended = lock.extend({ signal: ac.signal });
    const paused = clock.nextTimer();
    (await svc.extend.next()).fail(unavailable());
    await paused;
    assert.equal(clock.dueTimes().length, 2, "a pause besides the renewal's timer");
    ac.abort();
    await assert.rejects(extended, UnavailableError);
    assert.equal(svc.extend.count, 1);
    assert.equal(lock.signal.aborted, false);
    assert.deepEqual(clock.dueTimes(), [renewEveryMs(6000)]);
  });

  it("extend rejects a TTL out of bounds without a call", async () => {
    const { svc, lock } = setup();
    await assert.rejects(lock.extend({ ttlMs: 4_000 }), InvalidArgumentError);
    assert.equal(svc.extend.count, 0);
    assert.equal(lock.signal.aborted, false);
  });

  it("extend of an ended lock rejects without a call", async () => {
    const { svc, lock } = setup();
    await releaseOn(svc, lock);
    await assert.rejects(lock.extend(), NotHeldError);
    assert.equal(svc.extend.count, 0);
  });

  it("a late answer to an older renewal does not undo a newer TTL", async () => {
    const { clock, svc, lock } = setup(6000);
    clock.fireNext(); // renewal sent with TTL 6000
    const older = await svc.extend.next();
    clock.advance(10);
    const sentAt = clock.now();
    const extended = lock.extend({ ttlMs: 5000 });
    (await svc.extend.next()).respond({ ttl: durationFromMs(5000) });
    await extended;
    older.respond({ ttl: durationFromMs(6000) });
    await clock.timerSet();
    assert.equal(lock.ttlMs, 5000);
    assert.deepEqual(clock.dueTimes(), [sentAt + renewEveryMs(5000)]);
  });

  it("await using releases at the end of the block, and rejects as release does", async () => {
    const { svc, lock } = setup();
    const disposed = lock[Symbol.asyncDispose]();
    (await svc.release.next()).respond();
    await disposed;

    const second = setup();
    const failed = second.lock[Symbol.asyncDispose]();
    (await second.svc.release.next()).fail(new ConnectError("bad token", Code.Unauthenticated));
    await assert.rejects(failed, UnauthenticatedError);
  });

  it("await using a lost lock throws NotHeldError with the loss reason", async () => {
    const { clock, svc, lock } = setup();
    clock.fireNext();
    (await svc.extend.next()).fail(new ConnectError("ttl above the server's maximum", Code.InvalidArgument));
    await once(lock.signal, "abort");
    const disposed = lock[Symbol.asyncDispose]();
    (await svc.release.next()).respond(); // the service may still have the lease
    const err = await disposed.catch((e: unknown) => e);
    assert.ok(err instanceof NotHeldError, String(err));
    assert.equal(err, reasonOf(lock));
    assert.ok(err.cause instanceof InvalidArgumentError);
  });

  it("await using a lock lost when renewal ran out of validity throws NotHeldError caused by the last failure", async () => {
    const { clock, svc, lock } = setup();
    clock.fireNext();
    const lost = once(lock.signal, "abort");
    while (!lock.signal.aborted) {
      const call = await Promise.race([svc.extend.next(), lost.then(() => undefined)]);
      call?.fail(unavailable());
      await Promise.race([clock.timerSet(), lost]);
      if (clock.dueTimes().length > 0) {
        clock.fireNext();
      }
    }
    const disposed = lock[Symbol.asyncDispose]();
    (await svc.release.next()).fail(notFound());
    const err = await disposed.catch((e: unknown) => e);
    assert.ok(err instanceof NotHeldError, String(err));
    assert.equal(err.cause, reasonOf(lock));
    assert.ok(err.cause instanceof UnavailableError);
  });

  it("await using after release does nothing more, whatever release met", async () => {
    const { svc, lock } = setup();
    const released = lock.release();
    (await svc.release.next()).fail(new ConnectError("bad token", Code.Unauthenticated));
    await assert.rejects(released, UnauthenticatedError);
    await lock[Symbol.asyncDispose]();
    assert.equal(svc.release.count, 1);
  });

  it("release retries a transient failure until the lock's validity ends", async (t) => {
    t.mock.method(Math, "random", () => 1);
    const { clock, svc, lock } = setup(6000);
    const released = lock.release();
    const pauses: number[] = [];
    for (;;) {
      (await svc.release.next()).fail(unavailable());
      const over = await Promise.race([clock.timerSet().then(() => false), released.then(() => true, () => true)]);
      if (over) {
        break;
      }
      pauses.push(await pauseTaken(clock));
    }
    // Every pause that ends before the validity does is taken; the next would pass it.
    assert.deepEqual(pauses, pausesWithin(validityMs(6000), 1));
    await assert.rejects(released, UnavailableError);
    assert.equal(svc.release.count, pauses.length + 1);
  });

  it("release retried after a transient failure succeeds", async () => {
    const { clock, svc, lock } = setup();
    const released = lock.release();
    (await svc.release.next()).fail(unavailable());
    await clock.timerSet();
    clock.fireNext();
    (await svc.release.next()).respond();
    await released;
    assert.equal(svc.release.count, 2);
  });

  it("is lost at once when a renewal is refused as an invalid argument", async () => {
    const { clock, svc, lock } = setup();
    clock.fireNext();
    (await svc.extend.next()).fail(new ConnectError("ttl above the server's maximum", Code.InvalidArgument));
    await once(lock.signal, "abort");
    const reason = reasonOf(lock);
    assert.ok(reason instanceof NotHeldError);
    assert.ok(reason.cause instanceof InvalidArgumentError);
    assert.equal(svc.extend.count, 1);
  });
});
