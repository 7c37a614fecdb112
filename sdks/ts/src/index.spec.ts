import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createScriptedService } from "../test/scripted-service.js";
import * as sdk from "./index.js";
import * as nodeSdk from "./node.js";

describe("the public surface", () => {
  it("exports exactly the curated names", () => {
    assert.deepEqual(Object.keys(sdk).sort(), [
      "DEFAULT_TTL_MS",
      "DistlockError",
      "InvalidArgumentError",
      "MAX_DATA_BYTES",
      "MAX_OWNER_BYTES",
      "MAX_RESOURCE_BYTES",
      "MAX_TTL_MS",
      "MAX_WAIT_PER_CALL_MS",
      "MIN_TTL_MS",
      "NotAcquiredError",
      "NotHeldError",
      "PermissionDeniedError",
      "ResourceExhaustedError",
      "UnauthenticatedError",
      "UnavailableError",
      "createLockClient",
    ]);
  });

  it("exports the same names in Node, where createLockClient defaults to node:http", () => {
    assert.deepEqual(Object.keys(nodeSdk).sort(), Object.keys(sdk).sort());
    assert.notEqual(nodeSdk.createLockClient, sdk.createLockClient);
  });

  it("createLockClient needs a baseUrl or a transport, and a positive call timeout", () => {
    assert.throws(() => sdk.createLockClient({}), sdk.InvalidArgumentError);
    assert.throws(() => sdk.createLockClient({ baseUrl: "" }), sdk.InvalidArgumentError);
    assert.throws(() => sdk.createLockClient({ baseUrl: "http://x", callTimeoutMs: 0 }), sdk.InvalidArgumentError);
    sdk.createLockClient({ baseUrl: "http://x" });
    sdk.createLockClient({ baseUrl: "https://x:8443/prefix" });
    sdk.createLockClient({ transport: createScriptedService().transport });
  });

  for (const url of ["localhost:8080", "127.0.0.1:8080", "ftp://x", "http://", "//x:80", "x"]) {
    it(`createLockClient rejects the service URL ${url} at once, saying what to use`, () => {
      assert.throws(() => sdk.createLockClient({ baseUrl: url }), (e: unknown) => {
        assert.ok(e instanceof sdk.InvalidArgumentError, String(e));
        assert.ok(e.message.includes(`"${url}"`), e.message);
        assert.match(e.message, /use http:\/\/ or https:\/\//);
        return true;
      });
    });
  }

  it("info and read reject a bad resource name before any call", async () => {
    const svc = createScriptedService();
    const client = sdk.createLockClient({ transport: svc.transport });
    await assert.rejects(client.info(""), sdk.InvalidArgumentError);
    await assert.rejects(client.read("\ud800"), sdk.InvalidArgumentError);
    assert.equal(svc.info.count + svc.read.count, 0);
  });
});
