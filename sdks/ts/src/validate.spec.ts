import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidArgumentError } from "./errors.js";
import { toPayload, validateOwner, validateResource, validateTtl, validateWait } from "./validate.js";

describe("validate", () => {
  it("accepts values at the limits", () => {
    validateResource("é".repeat(512)); // 1024 bytes
    validateResource("x");
    validateResource("emoji 🔒 and / slashes: {}");
    validateTtl(5_000);
    validateTtl(600_000);
    validateWait(0);
    validateWait(Infinity);
    validateOwner("");
    validateOwner("o".repeat(256));
    assert.equal(toPayload(new Uint8Array(64 * 1024)).length, 64 * 1024);
  });

  it("counts UTF-8 bytes, not UTF-16 units", () => {
    assert.throws(() => validateResource("€".repeat(341) + "ab"), InvalidArgumentError); // 1025 bytes, 343 units
    assert.throws(() => validateOwner("🔒".repeat(64) + "x"), InvalidArgumentError); // 257 bytes
    validateOwner("🔒".repeat(64)); // 256 bytes
  });

  it("encodes a string payload as UTF-8", () => {
    assert.deepEqual(toPayload("é"), new Uint8Array([0xc3, 0xa9]));
  });

  it("rejects lone surrogates, which have no UTF-8 encoding", () => {
    assert.throws(() => validateResource("\ud83d"), /not valid UTF-8/);
    assert.throws(() => toPayload("x\udfff"), InvalidArgumentError);
  });

  it("says what is wrong", () => {
    assert.throws(() => validateTtl(100), /ttlMs 100 is outside \[5000, 600000\]/);
    assert.throws(() => validateResource(""), /empty/);
    assert.throws(() => toPayload(new Uint8Array(65_537)), /65537 bytes, the limit is 65536/);
  });
});
