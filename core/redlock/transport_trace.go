package redlock

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// A NodeTracer is told of every request a Client sends to one node, for example to
// record a tracing span per node. It is called as the request starts, with the context
// of the caller's operation (so a span can find its parent there), the operation ("acquire",
// "confirm", "extend", "release", "transfer" or "read") and the node's address; the
// function it returns is called once with the node's outcome, nil or the error that made
// the node not count (a timeout, a refused connection, a script error), and the time its
// answer came (or the request was given up). A node that answered but whose data is
// quarantined reports nil here: the quarantine is a decision about the answer, taken
// later. done is called when the whole fan-out ends, since a fan-out waits for every node
// (see fanout), hence the separate answer time. Both must be fast and safe for concurrent
// use; they never see a key, a lease token or a payload.
type NodeTracer func(ctx context.Context, op, node string) (done func(err error, answered time.Time))

// WithNodeTracer calls t for every request to a node. Package core/redlock does not
// depend on a tracing library: the server adapts t to OpenTelemetry. Default: none, and
// no cost per request beyond a nil check.
func WithNodeTracer(t NodeTracer) Option { return func(o *config) { o.nodeTracer = t } }

// traceNodes starts the trace of one fan-out on the nodes in which; nil when no tracer
// is set.
func (t *transport) traceNodes(ctx context.Context, script *redis.Script, which []int) []func(error, time.Time) {
	if t.tracer == nil {
		return nil
	}
	op := scriptOp(script)
	done := make([]func(error, time.Time), len(t.nodes))
	for _, i := range which {
		done[i] = t.tracer(ctx, op, t.nodes[i].addr)
	}
	return done
}

// endTrace reports each traced node's outcome and answer time.
func endTrace(done []func(error, time.Time), which []int, errs []error, calls []call) {
	for _, i := range which {
		if done[i] != nil {
			done[i](errs[i], calls[i].answeredAt())
		}
	}
}

// answeredAt is when the node answered the call, or now if it has not (a queued call
// given up at the deadline, whose sender may still write answered: it is read only
// once done says the sender is through with it).
func (c *call) answeredAt() time.Time {
	if (!c.queued || c.done.Load()) && !c.answered.IsZero() {
		return c.answered
	}
	return time.Now()
}

// scriptOp names the operation a script performs, for a NodeTracer.
func scriptOp(s *redis.Script) string {
	switch s {
	case acquireScript:
		return "acquire"
	case confirmScript:
		return "confirm"
	case extendScript:
		return "extend"
	case releaseScript:
		return "release"
	case transferScript:
		return "transfer"
	case readScript:
		return "read"
	}
	return "script"
}
