import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  DistlockError,
  InvalidArgumentError,
  NotAcquiredError,
  NotHeldError,
  PermissionDeniedError,
  UnauthenticatedError,
  UnavailableError,
} from "./errors.js";
import { toDistlockError } from "./to-distlock-error.js";

describe("toDistlockError", () => {
  const table: [Code, abstract new (...args: never[]) => DistlockError, string][] = [
    [Code.Aborted, NotAcquiredError, "aborted"],
    [Code.NotFound, NotHeldError, "not_found"],
    [Code.Unavailable, UnavailableError, "unavailable"],
    [Code.InvalidArgument, InvalidArgumentError, "invalid_argument"],
    [Code.Unauthenticated, UnauthenticatedError, "unauthenticated"],
    [Code.PermissionDenied, PermissionDeniedError, "permission_denied"],
    [Code.Internal, DistlockError, "internal"],
    [Code.DeadlineExceeded, DistlockError, "deadline_exceeded"],
    [Code.Canceled, DistlockError, "canceled"],
  ];
  for (const [code, type, wire] of table) {
    it(`maps ${wire} to ${type.name}`, () => {
      const cause = new ConnectError("server says no", code);
      const err = toDistlockError(cause);
      assert.ok(err instanceof type);
      assert.ok(err instanceof DistlockError);
      assert.equal(err.code, wire);
      assert.equal(err.message, "server says no");
      assert.equal(err.cause, cause);
    });
  }

  it("maps a fetch that could not reach the service to UnavailableError", () => {
    const err = toDistlockError(new ConnectError("fetch failed", Code.Unknown, undefined, undefined, new TypeError("fetch failed")));
    assert.ok(err instanceof UnavailableError);
    assert.match(err.message, /cannot reach the service/);
  });

  it("keeps a DistlockError as it is", () => {
    const err = new NotHeldError("gone");
    assert.equal(toDistlockError(err), err);
  });

  it("maps anything else to an unknown DistlockError", () => {
    const err = toDistlockError(new RangeError("bug"));
    assert.equal(err.constructor, DistlockError);
    assert.equal(err.code, "unknown");
  });

  it("names each error class", () => {
    assert.equal(new NotAcquiredError("x").name, "NotAcquiredError");
    assert.equal(new UnavailableError("x").name, "UnavailableError");
  });
});
