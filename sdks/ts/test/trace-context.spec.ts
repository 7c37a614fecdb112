// The propagate option against a real `distlock serve`: the service accepts the caller's
// traceparent on unary calls and on a Hold stream (it joins the trace; the spans
// themselves are checked by internal/tracing's tests).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createConnectTransport } from "@connectrpc/connect-web";
import { context, propagation, ROOT_CONTEXT, trace, TraceFlags } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { NotHeldError } from "../src/errors.js";
import { createLockClient } from "../src/lock-client.js";
import type { Interceptor } from "@connectrpc/connect";
import { startServer, type TestServer } from "./server.js";

let server: TestServer;
before(async () => {
  server = await startServer();
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
});
after(async () => {
  context.disable();
  propagation.disable();
  await server.close();
});

describe("trace context sent to a real service", () => {
  for (const hold of [false, true]) {
    it(`is accepted on every call (hold: ${hold})`, async () => {
      const sent: string[] = [];
      const spy: Interceptor = (next) => (req) => {
        sent.push(`${req.method.name} ${req.header.get("traceparent")}`);
        return next(req);
      };
      const client = createLockClient({
        transport: createConnectTransport({ baseUrl: server.url, useBinaryFormat: true, interceptors: [spy] }),
        hold,
        propagate: (h) => propagation.inject(context.active(), h, { set: (c, k, v) => c.set(k, v) }),
      });
      const traced = trace.setSpanContext(ROOT_CONTEXT, {
        traceId: "0af7651916cd43dd8448eb211c80319c",
        spanId: "b7ad6b7169203331",
        traceFlags: TraceFlags.SAMPLED,
      });
      const resource = `ts-sdk/trace/${hold}/${process.pid}`;
      await context.with(traced, async () => {
        const lock = await client.acquire(resource, { waitMs: 0 });
        assert.equal((await client.info(resource)).fencingToken, lock.fencingToken);
        await lock.release();
        await assert.rejects(client.info(resource), NotHeldError);
      });
      const value = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
      assert.ok(sent.length >= 3, `calls: ${sent.join(", ")}`);
      assert.deepEqual(sent.filter((s) => !s.endsWith(value)), []);
    });
  }

  it("goes with a Batch as the first call of its turn had it", async () => {
    const sent: string[] = [];
    const spy: Interceptor = (next) => (req) => {
      sent.push(`${req.method.name} ${req.header.get("traceparent")}`);
      return next(req);
    };
    const client = createLockClient({
      transport: createConnectTransport({ baseUrl: server.url, useBinaryFormat: true, interceptors: [spy] }),
      propagate: (h) => propagation.inject(context.active(), h, { set: (c, k, v) => c.set(k, v) }),
    });
    const traced = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      spanId: "00f067aa0ba902b7",
      traceFlags: TraceFlags.SAMPLED,
    });
    const base = `ts-sdk/trace/batch/${process.pid}`;
    await context.with(traced, async () => {
      const locks = await Promise.all([1, 2, 3].map((i) => client.acquire(`${base}/${i}`, { waitMs: 0 })));
      await Promise.all(locks.map((l) => l.release()));
    });
    const value = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    assert.deepEqual(sent, [`Batch ${value}`, `Batch ${value}`]);
  });
});
