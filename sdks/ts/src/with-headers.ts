import type { Transport } from "@connectrpc/connect";

/**
 * Wraps transport so that set may add headers to every request, unary and streaming,
 * whatever the transport (connect-web, connect-node, gRPC). set runs at once when the
 * call starts, in the caller's async context, before the request is sent.
 */
export function withHeaders(transport: Transport, set: (header: Headers) => void | Promise<void>): Transport {
  return {
    async unary(method, signal, timeoutMs, header, input, contextValues) {
      const h = new Headers(header);
      await set(h);
      return transport.unary(method, signal, timeoutMs, h, input, contextValues);
    },
    async stream(method, signal, timeoutMs, header, input, contextValues) {
      const h = new Headers(header);
      await set(h);
      return transport.stream(method, signal, timeoutMs, h, input, contextValues);
    },
  };
}
