package connectsvc

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"connectrpc.com/connect"
	"github.com/prometheus/client_golang/prometheus"

	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1connect"
)

// batchMetrics show how much clients coalesce: Batch streams by outcome, and calls per
// batch. Each call of a batch also counts in distlock_requests_total (and the lease and
// wait metrics) under its own method, exactly as the unary call would, so dashboards
// built on those stay true whichever way clients send their calls.
type batchMetrics struct {
	requests *byCode[prometheus.Counter]
	calls    prometheus.Histogram
	// acquire, extend and release are the unary RPCs' counters, which the calls of a
	// batch share.
	acquire, extend, release *methodCounters
}

func (m *metrics) registerBatch() {
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "distlock_batch_requests_total",
		Help: "Batch streams handled, by code (ok, or the error that ended the stream). Each call of a batch also counts in distlock_requests_total under its own method.",
	}, []string{"code"})
	m.batch = batchMetrics{
		requests: &byCode[prometheus.Counter]{child: func(code string) prometheus.Counter {
			return requests.WithLabelValues(code)
		}},
		calls: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "distlock_batch_calls",
			Help:    "Calls per Batch request that was run (how many calls clients coalesce).",
			Buckets: prometheus.ExponentialBuckets(1, 2, 15), // 1 .. 16384, past max_batch_calls
		}),
		acquire: m.methodCounters(distlockv1connect.LockServiceAcquireProcedure),
		extend:  m.methodCounters(distlockv1connect.LockServiceExtendProcedure),
		release: m.methodCounters(distlockv1connect.LockServiceReleaseProcedure),
	}
	m.registry.MustRegister(requests, m.batch.calls)
}

// op returns the counters of a call's unary RPC and its resource; nil for a call that
// names none.
func (b *batchMetrics) op(call *distlockv1.BatchCall) (*methodCounters, string) {
	switch c := call.GetCall().(type) {
	case *distlockv1.BatchCall_Acquire:
		return b.acquire, c.Acquire.GetResource()
	case *distlockv1.BatchCall_Extend:
		return b.extend, c.Extend.GetResource()
	case *distlockv1.BatchCall_Release:
		return b.release, c.Release.GetResource()
	}
	return nil, ""
}

// batchStats is what a Batch handler tells its log line: how many calls and messages.
type batchStats struct{ calls, messages int }

type batchStatsKey struct{}

// batchStatsOf returns the stats of ctx's Batch, or a throw-away one.
func batchStatsOf(ctx context.Context) *batchStats {
	if st, ok := ctx.Value(batchStatsKey{}).(*batchStats); ok {
		return st
	}
	return &batchStats{}
}

// observeBatch counts and logs each Batch stream, as observe does a unary call (each of
// its calls is counted and logged on its own, by the handler). It sees streams refused
// before the handler runs too: an undecodable or oversized request.
type observeBatch struct{ s *Service }

func (observeBatch) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc { return next }

func (observeBatch) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

func (o observeBatch) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		start := time.Now()
		stats := &batchStats{}
		err := next(context.WithValue(ctx, batchStatsKey{}, stats), conn)
		o.s.metrics.batch.requests.of(err).Inc()
		o.s.logRPC(ctx, "Batch", err, start, conn.Peer(), http.MethodPost, func(attrs []slog.Attr) []slog.Attr {
			return append(attrs, slog.Int("calls", stats.calls), slog.Int("messages", stats.messages))
		})
		return err
	}
}
