// Imported only by node.ts, the package's entry point under the "node" export condition:
// browser bundles never see @connectrpc/connect-node.
import type { Transport } from "@connectrpc/connect";
import { Code, ConnectError } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { nodeHttp1Transport } from "./node-http1-transport.js";

/**
 * Node's transports, the Connect protocol in binary: by default over node:http's HTTP/1.1
 * (nodeHttp1Transport, the least client CPU per call); with "2", connect-node's HTTP/2,
 * one connection per client (h2c with prior knowledge for http:// URLs; `distlock serve`
 * speaks it), with `info` and `read` as HTTP GET. Failures to get any answer are reported
 * as fetch reports them (see noAnswer), so that the SDK's give-up rule for an unreachable
 * service holds whichever is used.
 */
export function nodeTransport(baseUrl: string, httpVersion: "1.1" | "2"): Transport {
  const inner =
    httpVersion === "2"
      ? createConnectTransport({ baseUrl, httpVersion: "2", useBinaryFormat: true, useHttpGet: true })
      : nodeHttp1Transport(baseUrl);
  return {
    async unary(...args) {
      try {
        return await inner.unary(...args);
      } catch (e) {
        throw noAnswer(baseUrl, e, args[1]);
      }
    },
    async stream(...args) {
      const signal = args[1];
      let res;
      try {
        res = await inner.stream(...args);
      } catch (e) {
        throw noAnswer(baseUrl, e, signal);
      }
      const message = res.message;
      return {
        ...res,
        message: (async function* () {
          try {
            yield* message;
          } catch (e) {
            throw noAnswer(baseUrl, e, signal);
          }
        })(),
      };
    },
  };
}

/**
 * Node reports a connection that failed or broke (refused, reset, no such host) as a
 * system error (one with a `syscall`) or an ERR_HTTP2_ error, which connect-node maps to
 * `unavailable`, `internal` or, for a reset, `aborted` (which would read as "busy"); a
 * connection closed under a stream shows as a stream `canceled` that the caller did not
 * ask for. fetch reports all of them as a TypeError that Connect wraps as `unknown`, and
 * toDistlockError turns that into an unreachable UnavailableError: e is rewritten to that
 * shape, naming the URL as namingUrl does.
 */
function noAnswer(baseUrl: string, e: unknown, signal: AbortSignal | undefined): unknown {
  const unasked = e instanceof ConnectError && e.code === Code.Canceled && !signal?.aborted;
  for (let c: unknown = e, n = 0; c instanceof Error && n < 5; c = c.cause, n++) {
    const { syscall, code } = c as { syscall?: unknown; code?: unknown };
    if (unasked || typeof syscall === "string" || (typeof code === "string" && code.startsWith("ERR_HTTP2_"))) {
      const cause = new TypeError(`no answer from ${baseUrl}`, { cause: c });
      return new ConnectError(cause.message, undefined, undefined, undefined, cause);
    }
  }
  return e;
}
