// The propagate option against a scripted transport: the exact W3C headers for a given
// OpenTelemetry context, on unary and streaming calls, and nothing when it is not given.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Transport } from "@connectrpc/connect";
import { context, createTraceState, propagation, ROOT_CONTEXT, trace, TraceFlags } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { createScriptedService } from "../test/scripted-service.js";
import { InvalidArgumentError } from "./errors.js";
import { createLockClient } from "./lock-client.js";

const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
const spanId = "00f067aa0ba902b7";
const traced = trace.setSpanContext(ROOT_CONTEXT, {
  traceId,
  spanId,
  traceFlags: TraceFlags.SAMPLED,
  traceState: createTraceState("vendor=a1,other=b2"),
});
const otel = (h: Headers): void => propagation.inject(context.active(), h, { set: (c, k, v) => c.set(k, v) });

before(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
});
after(() => {
  context.disable();
  propagation.disable();
});

describe("the propagate option", () => {
  it("sends the caller's traceparent and tracestate with each unary call", async () => {
    const svc = createScriptedService();
    const client = createLockClient({ transport: svc.transport, propagate: otel });
    const info = context.with(traced, () => client.info("a"));
    const call = await svc.info.next();
    call.respond({ owner: "o" });
    await info;
    assert.equal(call.header.get("traceparent"), `00-${traceId}-${spanId}-01`);
    assert.equal(call.header.get("tracestate"), "vendor=a1,other=b2");
  });

  it("sends it on streams, from the context the stream was opened in", async () => {
    let seen: Headers | undefined;
    const recording: Transport = {
      unary: () => Promise.reject(new Error("no unary call expected")),
      stream: (_m, _s, _t, header) => {
        seen = new Headers(header);
        return Promise.reject(new Error("recorded"));
      },
    };
    const client = createLockClient({ transport: recording, propagate: otel });
    await context.with(traced, async () => {
      await assert.rejects(async () => {
        for await (const _ of client.watch("a")) {
          // the stream fails before any event
        }
      });
    });
    assert.equal(seen?.get("traceparent"), `00-${traceId}-${spanId}-01`);
  });

  it("sends no trace headers outside a trace, or without the option", async () => {
    const svc = createScriptedService();
    for (const [client, ctx] of [
      [createLockClient({ transport: svc.transport, propagate: otel }), ROOT_CONTEXT],
      [createLockClient({ transport: svc.transport }), traced],
    ] as const) {
      const info = context.with(ctx, () => client.info("a"));
      const call = await svc.info.next();
      call.respond({ owner: "o" });
      await info;
      assert.equal(call.header.get("traceparent"), null);
      assert.equal(call.header.get("tracestate"), null);
    }
  });

  it("sends the call without trace headers when propagate throws", async () => {
    const svc = createScriptedService();
    const client = createLockClient({
      transport: svc.transport,
      propagate: (h) => {
        h.set("traceparent", `00-${traceId}-${spanId}-01`);
        throw new Error("broken propagator");
      },
    });
    const info = client.info("a");
    const call = await svc.info.next();
    call.respond({ owner: "o" });
    await info;
    assert.equal(call.header.get("traceparent"), null);
  });

  it("refuses a propagate that is not a function, at construction", () => {
    const svc = createScriptedService();
    assert.throws(() => createLockClient({ transport: svc.transport, propagate: "yes" as never }), InvalidArgumentError);
  });
});
