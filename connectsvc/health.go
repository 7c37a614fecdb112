package connectsvc

import (
	"context"
	"errors"
	"sync"
	"time"

	"connectrpc.com/connect"
	"connectrpc.com/grpchealth"

	"github.com/distlock/distlock/core/driver"
	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1connect"
)

// healthMaxAge is how long one look at the nodes answers every health question (the
// readiness endpoint, grpc.health.v1 and the node metrics): probes from several load
// balancers and a scrape then cost the nodes one round trip a second at most.
const healthMaxAge = time.Second

// healthTimeout bounds one look at the nodes when the asker gave no deadline (a scrape).
const healthTimeout = 2 * time.Second

// WithHealthChecker sets what readiness asks whether the lock service could grant a lock
// now. Default: the lessor, when it is a [driver.HealthChecker] (core/redlock's Client
// is); otherwise the service is ready whenever it is not draining.
func WithHealthChecker(hc driver.HealthChecker) Option {
	return optionFunc(func(c *config) { c.healthChecker = hc })
}

// readiness is the service's current view of its lock service's health: the last look
// at the nodes, refreshed when older than healthMaxAge. It logs every change of a
// node's state and of the quorum, so that an outage shows in the log even when no call
// fails (one node down of three).
type readiness struct {
	checker driver.HealthChecker // nil: nothing to check
	svc     *Service

	mu   sync.Mutex // held during a look, so that concurrent askers share it
	last *driver.Health
}

func newReadiness(s *Service, l driver.Lessor) *readiness {
	r := &readiness{svc: s, checker: s.cfg.healthChecker}
	if r.checker == nil {
		r.checker, _ = l.(driver.HealthChecker)
	}
	return r
}

// status is the service's readiness: nodes is nil when there is nothing to check.
type status struct {
	draining bool
	nodes    *driver.Health
}

func (st status) ready() bool { return !st.draining && (st.nodes == nil || st.nodes.Ready()) }

// now returns the current status, looking at the nodes again if the last look is stale.
func (r *readiness) now(ctx context.Context) status {
	st := status{draining: r.svc.drainCtx.Err() != nil}
	if r.checker == nil {
		return st
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.last == nil || time.Since(r.last.Checked) >= healthMaxAge {
		if _, ok := ctx.Deadline(); !ok {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, healthTimeout)
			defer cancel()
		}
		h := r.checker.Health(ctx)
		r.logChanges(ctx, r.last, &h)
		r.last = &h
	}
	st.nodes = r.last
	return st
}

// logChanges logs what differs between two looks at the nodes (prev nil: the first).
func (r *readiness) logChanges(ctx context.Context, prev, cur *driver.Health) {
	log := r.svc.cfg.logger
	for i, n := range cur.Nodes {
		var was *driver.NodeHealth
		if prev != nil && i < len(prev.Nodes) {
			was = &prev.Nodes[i]
		}
		switch {
		case n.Err != nil && (was == nil || was.Err == nil):
			log.WarnContext(ctx, "lock service node down", "node", n.Node, "error", n.Err.Error())
		case n.Err == nil && was != nil && was.Err != nil:
			log.InfoContext(ctx, "lock service node up", "node", n.Node)
		}
		switch {
		case n.Err == nil && n.Quarantined && (was == nil || !was.Quarantined):
			log.WarnContext(ctx, "lock service node quarantined", "node", n.Node, "state", n.String())
		case n.Err == nil && !n.Quarantined && was != nil && was.Quarantined:
			log.InfoContext(ctx, "lock service node trusted again", "node", n.Node)
		}
	}
	switch {
	case !cur.Ready() && (prev == nil || prev.Ready()):
		log.ErrorContext(ctx, "no trusted quorum: not ready", "reason", cur.Reason())
	case cur.Ready() && prev != nil && !prev.Ready():
		log.InfoContext(ctx, "trusted quorum back: ready", "trusted", cur.Trusted(), "quorum", cur.Quorum)
	}
}

// Check implements grpchealth.Checker: the whole server ("") and the LockService are
// SERVING when a trusted quorum of nodes answers and the service is not draining.
func (r *readiness) Check(ctx context.Context, req *grpchealth.CheckRequest) (*grpchealth.CheckResponse, error) {
	switch req.Service {
	case "", distlockv1connect.LockServiceName:
	default:
		return nil, connect.NewError(connect.CodeNotFound, errors.New("unknown service"))
	}
	if r.now(ctx).ready() {
		return &grpchealth.CheckResponse{Status: grpchealth.StatusServing}, nil
	}
	return &grpchealth.CheckResponse{Status: grpchealth.StatusNotServing}, nil
}
