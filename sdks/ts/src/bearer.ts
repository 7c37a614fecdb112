import type { Transport } from "@connectrpc/connect";
import { InvalidArgumentError, UnauthenticatedError } from "./errors.js";
import { withHeaders } from "./with-headers.js";

/**
 * Where the client gets its bearer token: the token itself, or a function that returns
 * one (or a promise of one). A function is called before every request, renewals
 * included, so that it decides when a token is refreshed (a JWT that expires, a rotated
 * secret); one that is slow to produce a token should cache it.
 */
export type TokenSource = string | (() => string | Promise<string>);

// RFC 7235 token68, as the service accepts it: letters, digits and -._~+/, then any '='.
// Anything else (a space, a trailing newline read from a file) would be refused by the
// service as malformed, or by fetch as a bad header, which would look like a network
// failure.
const token68 = /^[A-Za-z0-9\-._~+/]+=*$/;

/** The problem with token as a bearer token, or "" if it is one. It never quotes the token. */
function problem(token: unknown): string {
  if (typeof token !== "string") {
    return `a bearer token must be a string, got ${typeof token}`;
  }
  if (!token68.test(token)) {
    return `a bearer token is one or more of the characters A-Z a-z 0-9 - . _ ~ + / followed by any '=', ` +
      `and this one (${token.length} characters) is not (a space or a line break read from a file?)`;
  }
  return "";
}

/** Throws InvalidArgumentError unless token is a bearer token or a function. */
export function checkTokenSource(token: unknown): asserts token is TokenSource {
  if (typeof token === "function") {
    return;
  }
  const p = problem(token);
  if (p !== "") {
    throw new InvalidArgumentError(`token: ${p}`);
  }
}

/** The Authorization header value for the source's current token. */
async function authorization(source: TokenSource): Promise<string> {
  let token: unknown;
  if (typeof source === "string") {
    token = source;
  } else {
    try {
      token = await source();
    } catch (e) {
      // Credentials that cannot be had are the caller's unauthenticated state: renewal
      // retries it until the lock's validity ends, as it does the service's refusal.
      throw new UnauthenticatedError(`the token provider failed: ${(e as Error)?.message ?? String(e)}`, { cause: e });
    }
  }
  const p = problem(token);
  if (p !== "") {
    throw new UnauthenticatedError(`the token provider returned no usable token: ${p}`);
  }
  return `Bearer ${token as string}`;
}

/**
 * Wraps transport so that every request carries `Authorization: Bearer <token>` from
 * source, whatever the transport (connect-web, connect-node, gRPC).
 */
export function withBearer(transport: Transport, source: TokenSource): Transport {
  return withHeaders(transport, async (h) => {
    h.set("Authorization", await authorization(source));
  });
}
