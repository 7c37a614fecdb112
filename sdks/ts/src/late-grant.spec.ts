import assert from "node:assert/strict";
import { once } from "node:events";
import { afterEach, describe, it } from "node:test";
import { durationFromMs, durationMs, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { createManualClock, pauseTaken } from "../test/manual-clock.js";
import { callSteps } from "../test/policy-steps.js";
import { createScriptedService, releaseOn, type ScriptedService } from "../test/scripted-service.js";
import { type AcquireOptions, acquireLock } from "./acquire.js";
import { NotAcquiredError, UnavailableError } from "./errors.js";
import { lateGrantMs, validityMs } from "./gen/distlock/v1/policy.js";

const TTL_MS = 5_000;

const services: ScriptedService[] = [];

function setup() {
  const clock = createManualClock();
  const svc = createScriptedService();
  services.push(svc);
  const deps = { service: svc.client, clock, callTimeoutMs: 10_000 };
  return { clock, svc, acquire: (o: AcquireOptions) => acquireLock(deps, "r", { ttlMs: TTL_MS, ...o }) };
}

const grant = (fencingToken = 1n) => ({
  resource: "r",
  leaseToken: `tok-${fencingToken}`,
  fencingToken,
  ttl: durationFromMs(TTL_MS),
  lockTime: timestampFromMs(1_700_000_000_000),
});

const failures: [string, () => ConnectError][] = [
  ["not_found", () => new ConnectError("lock not held", Code.NotFound)],
  ["unavailable", () => new ConnectError("no quorum", Code.Unavailable)],
];

describe("a late grant", () => {
  afterEach(() => services.splice(0).forEach((s) => s.failPending()));

  it("is confirmed by an Extend that its validity counts from", async () => {
    const { clock, svc, acquire } = setup();
    const pending = acquire({ waitMs: 20_000 });
    const call = await svc.acquire.next();
    clock.advance(7_000); // another held the lock longer than a TTL after we asked
    call.respond(grant());
    const confirm = await Promise.race([svc.extend.next(), pending.then(() => undefined)]);
    assert.ok(confirm, "acquire returned without confirming the late grant");
    assert.equal(confirm.request.leaseToken, "tok-1");
    assert.equal(durationMs(confirm.request.ttl!), TTL_MS);
    clock.advance(100);
    confirm.respond({ ttl: durationFromMs(TTL_MS), fencingToken: 1n });
    const lock = await pending;
    assert.equal(lock.signal.aborted, false);
    assert.equal(lock.fencingToken, 1n);
    // Fail every renewal: the lock must be lost when the validity counted from the
    // Extend's send (at 7000) ends.
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
    assert.equal(clock.now(), 7_000 + validityMs(TTL_MS));
    assert.ok(lock.signal.reason instanceof UnavailableError, "the reason is renewal's last failure");
  });

  it("is not one when it arrives within a tenth of the TTL", async () => {
    const { clock, svc, acquire } = setup();
    const pending = acquire({ waitMs: 20_000 });
    const call = await svc.acquire.next();
    clock.advance(lateGrantMs(TTL_MS));
    call.respond(grant());
    const lock = await pending;
    assert.equal(svc.extend.count, 0);
    await releaseOn(svc, lock);
  });

  for (const [code, failure] of failures) {
    it(`is released when its Extend fails with ${code}, and acquire fails without a wait left`, async () => {
      const { clock, svc, acquire } = setup();
      const pending = acquire({ waitMs: 0 });
      const call = await svc.acquire.next();
      clock.advance(1_000); // a slow answer
      call.respond(grant());
      (await svc.extend.next()).fail(failure());
      const release = await svc.release.next();
      assert.equal(release.request.leaseToken, "tok-1");
      release.respond();
      const err = await pending.catch((e: unknown) => e);
      assert.ok(err instanceof UnavailableError, String(err));
      assert.match(err.message, /not confirmed/);
      assert.equal(svc.acquire.count, 1);
    });

    it(`is released when its Extend fails with ${code}, and acquire tries again within its wait`, async () => {
      const { clock, svc, acquire } = setup();
      const pending = acquire({ waitMs: 20_000 });
      const first = await svc.acquire.next();
      clock.advance(7_000);
      first.respond(grant(1n));
      (await svc.extend.next()).fail(failure());
      (await svc.release.next()).respond();
      await clock.timerSet(); // a pause before asking again
      const [due] = clock.dueTimes();
      assert.ok(due !== undefined && due > 7_000 && due <= 7_050, `pause until ${due}`);
      clock.fireNext();
      const second = await svc.acquire.next();
      assert.equal(durationMs(second.request.wait!), Math.ceil(20_000 - due));
      second.respond(grant(2n));
      const lock = await pending;
      assert.equal(lock.fencingToken, 2n);
      assert.equal(svc.extend.count, 1, "a prompt grant needs no confirmation");
      await releaseOn(svc, lock);
    });
  }

  it("is retried after a pause that a busy answer starts over", async (t) => {
    t.mock.method(Math, "random", () => 1); // every pause the longest of its step
    const { clock, svc, acquire } = setup();
    const pending = acquire({ waitMs: 600_000 });
    const pauses: number[] = [];
    const unconfirmed = async (fencingToken: bigint): Promise<void> => {
      const call = await svc.acquire.next();
      clock.advance(1_000); // a slow answer
      call.respond(grant(fencingToken));
      (await svc.extend.next()).fail(new ConnectError("no quorum", Code.Unavailable));
      (await svc.release.next()).respond();
      pauses.push(await pauseTaken(clock));
    };
    await unconfirmed(1n);
    await unconfirmed(2n);
    const busy = await svc.acquire.next();
    clock.advance(durationMs(busy.request.wait!)); // the server waited as asked: no pause
    busy.fail(new ConnectError("held by another", Code.Aborted));
    await unconfirmed(3n);
    assert.deepEqual(pauses, [...callSteps(2), ...callSteps(1)]);
    (await svc.acquire.next()).respond(grant(4n));
    const lock = await pending;
    assert.equal(lock.fencingToken, 4n);
    await releaseOn(svc, lock);
  });

  it("is released when the signal aborts its confirmation, and acquire rejects as aborted", async () => {
    const { clock, svc, acquire } = setup();
    const ac = new AbortController();
    const pending = acquire({ waitMs: 20_000, signal: ac.signal });
    const call = await svc.acquire.next();
    clock.advance(7_000);
    call.respond(grant());
    await svc.extend.next();
    ac.abort(new Error("shutting down"));
    (await svc.release.next()).respond();
    const err = await pending.catch((e: unknown) => e);
    assert.ok(err instanceof NotAcquiredError, String(err));
    assert.equal((err.cause as Error).message, "shutting down");
  });
});
