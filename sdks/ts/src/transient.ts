import { type DistlockError, UnavailableError } from "./errors.js";

/**
 * Reports whether a failed call may succeed when tried again: the service could not reach
 * a quorum, or the call did not get through in time. The Go SDK's `transient`
 * (sdks/go/distlock/errors.go), which decides what its acquire retries within its wait.
 */
export function isTransient(err: DistlockError): boolean {
  return err instanceof UnavailableError || err.code === "deadline_exceeded";
}
