import { Code, ConnectError } from "@connectrpc/connect";
import { parseQuota } from "./quota-message.js";
import {
  DistlockError,
  type ErrorCode,
  InvalidArgumentError,
  NotAcquiredError,
  NotHeldError,
  PermissionDeniedError,
  ResourceExhaustedError,
  UnauthenticatedError,
  UnavailableError,
} from "./errors.js";

const wireNames: Record<Code, ErrorCode> = {
  [Code.Canceled]: "canceled",
  [Code.Unknown]: "unknown",
  [Code.InvalidArgument]: "invalid_argument",
  [Code.DeadlineExceeded]: "deadline_exceeded",
  [Code.NotFound]: "not_found",
  [Code.AlreadyExists]: "already_exists",
  [Code.PermissionDenied]: "permission_denied",
  [Code.ResourceExhausted]: "resource_exhausted",
  [Code.FailedPrecondition]: "failed_precondition",
  [Code.Aborted]: "aborted",
  [Code.OutOfRange]: "out_of_range",
  [Code.Unimplemented]: "unimplemented",
  [Code.Internal]: "internal",
  [Code.Unavailable]: "unavailable",
  [Code.DataLoss]: "data_loss",
  [Code.Unauthenticated]: "unauthenticated",
};

const codesByWireName = new Map<string, Code>(Object.entries(wireNames).map(([code, name]) => [name, Number(code) as Code]));

/**
 * The Code of a wire name such as "not_found" (Connect's JSON spelling, which Batch
 * results carry); Code.Unknown for a name this SDK does not know.
 */
export function codeFromWire(name: string): Code {
  return codesByWireName.get(name) ?? Code.Unknown;
}

// The errors of calls that got no HTTP answer at all.
const unreachable = new WeakSet<DistlockError>();

/**
 * Reports whether err is a call that got no answer from the service at all (connection
 * refused, DNS failure), as opposed to an answer, even `unavailable`.
 */
export function isUnreachable(err: DistlockError): boolean {
  return unreachable.has(err);
}

/** The messages of err and its causes, outermost first: undici hides the reason in a cause. */
function causes(err: unknown): string {
  const parts: string[] = [];
  for (let e = err; e instanceof Error && parts.length < 5; e = e.cause) {
    parts.push(e.message);
  }
  return parts.join(": ");
}

/**
 * Converts whatever a call threw into the SDK's typed errors, by the error contract:
 * aborted → NotAcquiredError, not_found → NotHeldError, unavailable → UnavailableError,
 * invalid_argument → InvalidArgumentError, and so on; other codes keep their code on a
 * plain DistlockError. The original error is kept as `cause`.
 */
export function toDistlockError(reason: unknown): DistlockError {
  if (reason instanceof DistlockError) {
    return reason;
  }
  const err = ConnectError.from(reason);
  const message = err.rawMessage;
  const options = { cause: reason };
  switch (err.code) {
    case Code.Aborted:
      return new NotAcquiredError(message, options);
    case Code.NotFound:
      return new NotHeldError(message, options);
    case Code.Unavailable:
      return new UnavailableError(message, options);
    case Code.InvalidArgument:
      return new InvalidArgumentError(message, options);
    case Code.Unauthenticated:
      return new UnauthenticatedError(message, options);
    case Code.PermissionDenied:
      return new PermissionDeniedError(message, options);
    case Code.ResourceExhausted:
      return new ResourceExhaustedError(message, parseQuota(message), options);
    case Code.Unknown:
      // fetch rejects with a TypeError when the service cannot be reached at all
      // (connection refused, DNS, a CORS refusal in browsers); Connect wraps it as
      // unknown. For a caller that is the service being unavailable.
      if (err.cause instanceof TypeError) {
        const unavailable = new UnavailableError(`cannot reach the service: ${causes(err.cause)}`, options);
        unreachable.add(unavailable);
        return unavailable;
      }
      return new DistlockError(message, "unknown", options);
    default:
      return new DistlockError(message, wireNames[err.code], options);
  }
}
