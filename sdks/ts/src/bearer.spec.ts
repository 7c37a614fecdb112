import assert from "node:assert/strict";
import { inspect } from "node:util";
import { describe, it } from "node:test";
import { createScriptedService, releaseOn } from "../test/scripted-service.js";
import { InvalidArgumentError, UnauthenticatedError } from "./errors.js";
import { createLockClient } from "./lock-client.js";

const token = "dlt_s3cr3t-Token.value~+/==";

/** Asserts that nothing printable about err (message, causes, inspect output) holds secret. */
function assertNotQuoted(err: unknown, secret: string): void {
  assert.ok(!inspect(err, { depth: 10 }).includes(secret), `the error quotes the token: ${inspect(err)}`);
}

describe("the token option", () => {
  it("sends the static token as a Bearer credential with every call, renewals included", async () => {
    const svc = createScriptedService();
    const client = createLockClient({ transport: svc.transport, token });
    const acquiring = client.acquire("a", { ttlMs: 5_000, waitMs: 0 });
    const acquire = await svc.acquire.next();
    acquire.respond({ leaseToken: "l", fencingToken: 1n });
    const lock = await acquiring;
    const info = client.info("a");
    const infoCall = await svc.info.next();
    infoCall.respond({ owner: "" });
    await info;
    const released = lock.release();
    const release = await svc.release.next();
    release.respond();
    await released;
    for (const call of [acquire, infoCall, release]) {
      assert.equal(call.header.get("authorization"), `Bearer ${token}`);
    }
  });

  it("calls a provider before every request, so each call carries its current token", async () => {
    const svc = createScriptedService();
    let n = 0;
    const client = createLockClient({ transport: svc.transport, token: async () => `t${++n}` });
    const acquiring = client.acquire("a", { ttlMs: 5_000, waitMs: 0 });
    const acquire = await svc.acquire.next();
    acquire.respond({ leaseToken: "l", fencingToken: 1n });
    const lock = await acquiring;
    const extending = lock.extend();
    const extend = await svc.extend.next();
    extend.respond({});
    await extending;
    const released = lock.release();
    const release = await svc.release.next();
    release.respond();
    await released;
    assert.deepEqual(
      [acquire, extend, release].map((c) => c.header.get("authorization")),
      ["Bearer t1", "Bearer t2", "Bearer t3"],
    );
  });

  for (const bad of ["", "s3cr3t x", "s3cr3t\n", "s3crët", "=s3cr3t", 42]) {
    it(`refuses ${JSON.stringify(bad)} as a token at construction, without quoting it`, () => {
      assert.throws(
        () => createLockClient({ baseUrl: "http://127.0.0.1:1", token: bad as string }),
        (e: unknown) => {
          assert.ok(e instanceof InvalidArgumentError, String(e));
          assertNotQuoted(e, "s3cr");
          return true;
        },
      );
    });
  }

  it("fails the call with UnauthenticatedError, and sends nothing, when the provider throws", async () => {
    const svc = createScriptedService();
    const failure = new Error("vault is sealed");
    const client = createLockClient({ transport: svc.transport, token: () => Promise.reject(failure) });
    const err = await client.acquire("a", { waitMs: 0 }).catch((e: unknown) => e);
    assert.ok(err instanceof UnauthenticatedError, String(err));
    assert.equal(err.cause, failure);
    assert.match(err.message, /token provider failed: vault is sealed/);
    assert.equal(svc.acquire.count, 0);
  });

  it("fails the call with UnauthenticatedError, without quoting it, when the provider returns no token", async () => {
    const svc = createScriptedService();
    const client = createLockClient({ transport: svc.transport, token: () => "s3cret with space" });
    const err = await client.info("a").catch((e: unknown) => e);
    assert.ok(err instanceof UnauthenticatedError, String(err));
    assertNotQuoted(err, "s3cret");
    assert.equal(svc.info.count, 0);
  });

  it("leaves requests without Authorization when no token is given", async () => {
    const svc = createScriptedService();
    const client = createLockClient({ transport: svc.transport });
    const acquiring = client.acquire("a", { waitMs: 0 });
    const acquire = await svc.acquire.next();
    acquire.respond({ leaseToken: "l", fencingToken: 1n });
    await releaseOn(svc, await acquiring);
    assert.equal(acquire.header.get("authorization"), null);
  });
});
