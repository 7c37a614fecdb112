import type { Transport } from "@connectrpc/connect";
import { InvalidArgumentError } from "./errors.js";
import { withHeaders } from "./with-headers.js";

/**
 * Adds trace context headers (W3C `traceparent`, `tracestate`) to a request's headers,
 * from the caller's current trace. With OpenTelemetry:
 * `(h) => propagation.inject(context.active(), h, { set: (c, k, v) => c.set(k, v) })`.
 */
export type Propagate = (header: Headers) => void;

/** Throws InvalidArgumentError unless propagate is a function. */
export function checkPropagate(propagate: unknown): asserts propagate is Propagate {
  if (typeof propagate !== "function") {
    throw new InvalidArgumentError(`propagate must be a function, got ${typeof propagate}`);
  }
}

/**
 * Wraps transport so that propagate sets the trace headers of every request, unary and
 * streaming, renewals included. It runs synchronously as the call starts, so that an
 * AsyncLocalStorage-based context (OpenTelemetry's in Node) is still the caller's.
 */
export function withPropagation(transport: Transport, propagate: Propagate): Transport {
  return withHeaders(transport, (h) => {
    try {
      propagate(h);
    } catch {
      // Tracing is an observer: a failing propagator must not fail a lock call, and a
      // renewal failed by it would lose the lock. The request goes without trace headers.
      h.delete("traceparent");
      h.delete("tracestate");
    }
  });
}
