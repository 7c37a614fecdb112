package tracing

import (
	"context"
	"net"
	"strconv"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// Attributes of a node span beyond the semantic conventions' server.address/port.
const (
	// AttrOutcome is "ok" or "error" (the span's status then carries the error).
	AttrOutcome = "distlock.redis.outcome"
	// AttrOp is the Redlock operation: acquire, confirm, extend, release, transfer, read.
	AttrOp = "distlock.redis.operation"
)

// NodeTracer returns the hook for core/redlock's WithNodeTracer that makes one client
// span per request to a Redis node, a child of the RPC's span, named "redis <op>", with
// the node's address and the outcome. It is nil when tracing is off, which leaves the
// Redlock client with no hook at all.
func (t *Tracing) NodeTracer() func(ctx context.Context, op, node string) func(error, time.Time) {
	if !t.On() {
		return nil
	}
	tracer := t.provider.Tracer(scope)
	return func(ctx context.Context, op, node string) func(error, time.Time) {
		if !trace.SpanFromContext(ctx).SpanContext().IsValid() {
			return nil // work outside an RPC (background releases) is not traced on its own
		}
		host, port, _ := net.SplitHostPort(node)
		p, _ := strconv.Atoi(port)
		_, span := tracer.Start(ctx, "redis "+op, trace.WithSpanKind(trace.SpanKindClient),
			trace.WithAttributes(
				attribute.String("db.system.name", "redis"),
				attribute.String("server.address", host),
				attribute.Int("server.port", p),
				attribute.String(AttrOp, op),
			))
		return func(err error, answered time.Time) {
			if err != nil {
				span.SetAttributes(attribute.String(AttrOutcome, "error"))
				span.SetStatus(codes.Error, err.Error())
			} else {
				span.SetAttributes(attribute.String(AttrOutcome, "ok"))
			}
			span.End(trace.WithTimestamp(answered))
		}
	}
}
