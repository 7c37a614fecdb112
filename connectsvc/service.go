package connectsvc

import (
	"context"
	"fmt"
	"time"

	"connectrpc.com/connect"
	"connectrpc.com/grpchealth"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/distlock/distlock/core"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1connect"
)

// Service implements distlock.v1.LockService over a [core.Lessor]. Make one with [New]
// and serve [Service.Handler]. It is safe for concurrent use.
type Service struct {
	lessor  core.Lessor
	cfg     config
	metrics *metrics
	holds   *holdTracker
	health  *grpchealth.StaticChecker

	// drainCtx is cancelled by Drain; waiting Acquires end when it is.
	drainCtx context.Context
	drain    context.CancelFunc
}

var _ distlockv1connect.LockServiceHandler = (*Service)(nil)

// New returns a Service that takes its leases from l. The Service does not own l: the
// caller closes it, after the server in front of the Service has shut down.
func New(l core.Lessor, opts ...Option) *Service {
	drainCtx, drain := context.WithCancel(context.Background())
	s := &Service{
		lessor:   l,
		cfg:      newConfig(opts),
		metrics:  newMetrics(),
		health:   grpchealth.NewStaticChecker(distlockv1connect.LockServiceName),
		drainCtx: drainCtx,
		drain:    drain,
	}
	s.holds = newHoldTracker(s.cfg.holdTrackerSize)
	return s
}

// Drain prepares the Service for shutdown: health checks report NOT_SERVING, and every
// Acquire still waiting for a lock ends at once with unavailable ("the server is shutting
// down"), so that a graceful HTTP shutdown does not wait out the longest wait. Calls that
// start after Drain are still served. Drain is idempotent.
func (s *Service) Drain() {
	s.health.SetStatus("", grpchealth.StatusNotServing)
	s.health.SetStatus(distlockv1connect.LockServiceName, grpchealth.StatusNotServing)
	s.drain()
}

// NodeError counts an error of one lock service node (a Redis master) in the
// distlock_node_errors_total metric. Pass it to the lessor's node-error hook.
func (s *Service) NodeError(node string, _ error) {
	s.metrics.nodeErrors.WithLabelValues(node).Inc()
}

// Acquire takes the lock on a resource, waiting at most the shortest of the request's
// wait, the server's maximum wait and (less a margin) the caller's deadline.
func (s *Service) Acquire(ctx context.Context, req *connect.Request[distlockv1.AcquireRequest]) (*connect.Response[distlockv1.AcquireResponse], error) {
	m := req.Msg
	lo, err := s.cfg.acquireArgs(m)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	deadline, hasDeadline := ctx.Deadline()
	lo.Wait = boundWait(deadline, hasDeadline, lo.Wait, start)

	s.metrics.waiters.Inc()
	defer s.metrics.waiters.Dec()
	waitCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := context.AfterFunc(s.drainCtx, func() { cancel(errDraining) })
	defer stop()
	if s.cfg.longWaitLog > 0 && lo.Wait >= s.cfg.longWaitLog {
		defer s.logLongWait(waitCtx, m.GetResource(), lo.Wait, start)()
	}

	lease, err := s.lessor.Acquire(waitCtx, m.GetResource(), lo)
	if err != nil {
		cerr := s.fail(waitCtx, "Acquire", err, msgNotFound)
		s.metrics.acquireWait.WithLabelValues(cerr.Code().String()).Observe(time.Since(start).Seconds())
		return nil, cerr
	}
	s.metrics.acquireWait.WithLabelValues("ok").Observe(time.Since(start).Seconds())
	if ctx.Err() != nil {
		// The caller is gone and will never learn the token: free the resource now
		// rather than block it for a whole TTL.
		s.releaseAbandoned(ctx, lease)
		return nil, connect.NewError(connect.CodeCanceled, ctx.Err())
	}
	s.holds.granted(lease.Resource, lease.Token, start, lease.Validity)
	return connect.NewResponse(&distlockv1.AcquireResponse{
		Resource:     lease.Resource,
		LeaseToken:   lease.Token,
		FencingToken: lease.Fence,
		Ttl:          durationpb.New(lease.TTL),
		LockTime:     timestamppb.New(lease.LockTime),
		ExpireTime:   timestamppb.New(lease.Validity),
	}), nil
}

// abandonedReleaseTimeout bounds the release of a lease whose caller went away.
const abandonedReleaseTimeout = 5 * time.Second

func (s *Service) releaseAbandoned(ctx context.Context, lease core.Lease) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), abandonedReleaseTimeout)
	defer cancel()
	if err := s.lessor.Release(ctx, lease); err != nil {
		s.cfg.logger.Warn("releasing the lease of a caller that went away failed; it expires with its TTL",
			"resource", lease.Resource, "error", err.Error())
	}
}

// Extend resets a held lease's TTL. It does not change the fencing token.
func (s *Service) Extend(ctx context.Context, req *connect.Request[distlockv1.ExtendRequest]) (*connect.Response[distlockv1.ExtendResponse], error) {
	m := req.Msg
	if err := checkResource(m.GetResource()); err != nil {
		return nil, err
	}
	if err := checkLeaseToken(m.GetLeaseToken()); err != nil {
		return nil, err
	}
	ttl, err := s.cfg.ttl("ttl", m.GetTtl())
	if err != nil {
		return nil, err
	}
	lease, err := s.lessor.Extend(ctx, core.Lease{Resource: m.GetResource(), Token: m.GetLeaseToken()}, ttl)
	if err != nil {
		return nil, s.fail(ctx, "Extend", err, msgNotFound)
	}
	s.holds.extended(m.GetResource(), m.GetLeaseToken(), lease.Validity)
	if lease.TTL == 0 {
		lease.TTL = ttl
	}
	return connect.NewResponse(&distlockv1.ExtendResponse{
		Ttl:          durationpb.New(lease.TTL),
		ExpireTime:   timestamppb.New(lease.Validity),
		FencingToken: lease.Fence,
	}), nil
}

// Release deletes a held lease.
func (s *Service) Release(ctx context.Context, req *connect.Request[distlockv1.ReleaseRequest]) (*connect.Response[distlockv1.ReleaseResponse], error) {
	m := req.Msg
	if err := checkResource(m.GetResource()); err != nil {
		return nil, err
	}
	if err := checkLeaseToken(m.GetLeaseToken()); err != nil {
		return nil, err
	}
	if err := s.lessor.Release(ctx, core.Lease{Resource: m.GetResource(), Token: m.GetLeaseToken()}); err != nil {
		return nil, s.fail(ctx, "Release", err, msgNotFound)
	}
	if held, ok := s.holds.released(m.GetResource(), m.GetLeaseToken(), time.Now()); ok {
		s.metrics.holdTime.Observe(held.Seconds())
	}
	return connect.NewResponse(&distlockv1.ReleaseResponse{}), nil
}

// Info describes a resource's holder; a free resource is not_found.
func (s *Service) Info(ctx context.Context, req *connect.Request[distlockv1.InfoRequest]) (*connect.Response[distlockv1.InfoResponse], error) {
	if err := checkResource(req.Msg.GetResource()); err != nil {
		return nil, err
	}
	info, err := s.lessor.Info(ctx, req.Msg.GetResource())
	if err != nil {
		return nil, s.fail(ctx, "Info", err, msgFree)
	}
	return connect.NewResponse(&distlockv1.InfoResponse{
		Owner:        ownerLabel(info.Owner),
		LockTime:     timestamppb.New(info.LockTime),
		ExpireTime:   timestamppb.New(info.ExpireTime),
		FencingToken: info.FencingToken,
	}), nil
}

// Read returns a held lock's payload; a free resource is not_found.
func (s *Service) Read(ctx context.Context, req *connect.Request[distlockv1.ReadRequest]) (*connect.Response[distlockv1.ReadResponse], error) {
	if err := checkResource(req.Msg.GetResource()); err != nil {
		return nil, err
	}
	data, err := s.lessor.Read(ctx, req.Msg.GetResource())
	if err != nil {
		return nil, s.fail(ctx, "Read", err, msgFree)
	}
	return connect.NewResponse(&distlockv1.ReadResponse{Data: data}), nil
}

// ownerLabel renders core.Info.Owner, which every lessor here sets to the string label.
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

// logLongWait logs a progress line every longWaitLog while an Acquire waits, and returns
// a function that stops it and waits for it to end.
func (s *Service) logLongWait(ctx context.Context, resource string, wait time.Duration, start time.Time) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(s.cfg.longWaitLog)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				s.cfg.logger.InfoContext(ctx, "acquire still waiting for a held lock",
					"resource", resource, "waited", time.Since(start).Round(time.Millisecond).String(),
					"wait", wait.String())
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}
