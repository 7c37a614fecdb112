package connectsvc

import (
	"context"
	"fmt"
	"sync/atomic"

	"connectrpc.com/connect"

	"github.com/distlock/distlock/core/driver"
	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1connect"
)

// Service implements distlock.v1.LockService over a [driver.Lessor]. Make one with [New]
// and serve [Service.Handler]. It is safe for concurrent use.
type Service struct {
	lessor  driver.Lessor
	cfg     config
	metrics *metrics
	holds   *holdTracker
	ready   *readiness
	quota   Quota
	// waiting counts the Acquires that may wait, against cfg.maxWaiters.
	waiting atomic.Int64

	// drainCtx is cancelled by Drain; waiting Acquires end when it is.
	drainCtx context.Context
	drain    context.CancelFunc
	// streams ends Hold and Watch streams after the drain's grace period.
	streams streamState
	// batchCalls runs the calls of batches.
	batchCalls *goroutines
}

var _ distlockv1connect.LockServiceHandler = (*Service)(nil)

// New returns a Service that takes its leases from l. The Service does not own l: the
// caller closes it, after the server in front of the Service has shut down.
func New(l driver.Lessor, opts ...Option) *Service {
	drainCtx, drain := context.WithCancel(context.Background())
	cfg := newConfig(opts)
	s := &Service{
		lessor:     l,
		cfg:        cfg,
		metrics:    newMetrics(cfg.collectors...),
		quota:      quotaOf(cfg.guard),
		drainCtx:   drainCtx,
		drain:      drain,
		batchCalls: newGoroutines(),
	}
	s.holds = newHoldTracker(s.cfg.holdTrackerSize)
	s.ready = newReadiness(s, l)
	registerServiceMetrics(s)
	return s
}

// Drain prepares the Service for shutdown: health checks report NOT_SERVING (and /readyz
// "draining"), and every Acquire still waiting for a lock ends at once with unavailable
// ("the server is shutting down"), so that a graceful HTTP shutdown does not wait out the
// longest wait. An Acquire
// that starts after Drain cannot wait either (one granted at once may still succeed);
// other calls are still served. Hold and Watch streams end after the grace period of
// [WithStreamDrainGrace], a held lock released and reported lost. Drain is idempotent.
func (s *Service) Drain() {
	s.streams.drain(s.cfg.streamGrace)
	s.drain()
}

// NodeError counts an error of one lock service node (a Redis master) in the
// distlock_node_errors_total metric. Pass it to the lessor's node-error hook.
func (s *Service) NodeError(node string, _ error) {
	s.metrics.nodeErrors.WithLabelValues(node).Inc()
}

// ownerLabel renders driver.Info.Owner, which every lessor here sets to the string label.
func ownerLabel(owner any) string {
	switch o := owner.(type) {
	case nil:
		return ""
	case string:
		return o
	default:
		return fmt.Sprint(o)
	}
}

// fail maps a lessor error to its code and logs what the code hides.
func (s *Service) fail(ctx context.Context, method string, err error, notHeld string) *connect.Error {
	cerr, unexpected := toConnectError(ctx, err, notHeld)
	if unexpected {
		s.cfg.logger.ErrorContext(ctx, "lock service call failed",
			"method", method, "code", cerr.Code().String(), "error", err.Error())
	}
	return cerr
}
