import { InvalidArgumentError } from "./errors.js";
import {
  MAX_DATA_BYTES,
  MAX_OWNER_BYTES,
  MAX_RESOURCE_BYTES,
  MAX_TTL_MS,
  MIN_TTL_MS,
} from "./gen/distlock/v1/policy.js";

const encoder = new TextEncoder();

// A lone surrogate cannot be encoded as UTF-8: TextEncoder would silently replace it with
// U+FFFD, so two different names would lock the same resource.
const loneSurrogate = /\p{Cs}/u;

/** Throws InvalidArgumentError unless resource is 1 to MAX_RESOURCE_BYTES of valid UTF-8. */
export function validateResource(resource: unknown): asserts resource is string {
  if (typeof resource !== "string") {
    throw new InvalidArgumentError(`resource must be a string, got ${typeof resource}`);
  }
  if (resource === "") {
    throw new InvalidArgumentError("resource name is empty");
  }
  checkText("resource name", resource, MAX_RESOURCE_BYTES);
}

/** Throws InvalidArgumentError unless ttlMs is a whole number of ms within the bounds. */
export function validateTtl(ttlMs: unknown): asserts ttlMs is number {
  if (typeof ttlMs !== "number" || !Number.isInteger(ttlMs)) {
    throw new InvalidArgumentError(`ttlMs must be a whole number of milliseconds, got ${String(ttlMs)}`);
  }
  if (ttlMs < MIN_TTL_MS || ttlMs > MAX_TTL_MS) {
    throw new InvalidArgumentError(`ttlMs ${ttlMs} is outside [${MIN_TTL_MS}, ${MAX_TTL_MS}]`);
  }
}

/** Throws InvalidArgumentError unless waitMs is zero, positive, or Infinity. */
export function validateWait(waitMs: unknown): asserts waitMs is number {
  if (typeof waitMs !== "number" || Number.isNaN(waitMs) || waitMs < 0) {
    throw new InvalidArgumentError(`waitMs must be zero, positive or Infinity, got ${String(waitMs)}`);
  }
}

/** Throws InvalidArgumentError unless owner is at most MAX_OWNER_BYTES of valid UTF-8. */
export function validateOwner(owner: unknown): asserts owner is string {
  if (typeof owner !== "string") {
    throw new InvalidArgumentError(`owner must be a string, got ${typeof owner}`);
  }
  checkText("owner label", owner, MAX_OWNER_BYTES);
}

/**
 * Returns the payload as bytes (a string is encoded as UTF-8), or throws
 * InvalidArgumentError when it is of another type or over MAX_DATA_BYTES.
 */
export function toPayload(data: unknown): Uint8Array {
  let bytes: Uint8Array;
  if (data instanceof Uint8Array) {
    bytes = data;
  } else if (typeof data === "string") {
    checkText("payload", data, Infinity);
    bytes = encoder.encode(data);
  } else {
    throw new InvalidArgumentError("data must be a Uint8Array or a string");
  }
  if (bytes.length > MAX_DATA_BYTES) {
    throw new InvalidArgumentError(`payload is ${bytes.length} bytes, the limit is ${MAX_DATA_BYTES}`);
  }
  return bytes;
}

export function checkText(what: string, text: string, maxBytes: number): void {
  if (loneSurrogate.test(text)) {
    throw new InvalidArgumentError(`${what} is not valid UTF-8 (it has a lone surrogate)`);
  }
  // A UTF-16 code unit encodes to at most 3 UTF-8 bytes: skip encoding short strings.
  if (text.length * 3 > maxBytes) {
    const n = encoder.encode(text).length;
    if (n > maxBytes) {
      throw new InvalidArgumentError(`${what} is ${n} bytes, the limit is ${maxBytes}`);
    }
  }
}
