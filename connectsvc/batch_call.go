package connectsvc

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"connectrpc.com/connect"

	"github.com/distlock/distlock/core/driver"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
)

// startBatch starts every call of a batch, each on a goroutine of its own, as
// concurrent unary calls would run (reused ones: goroutines.go). A pool of a few workers
// would cost fewer goroutines, but a call that waits out a node timeout (a Redlock call
// waits for every node: up to 1 s for an unresponsive one) would hold up the calls
// queued behind it, and 10,000 renewals would take 10,000 / workers such timeouts
// instead of one: long enough to lose the locks.
func (s *Service) startBatch(ctx context.Context, req connect.AnyRequest, calls []*distlockv1.BatchCall, out *batchOutbox) {
	out.calls.Add(len(calls))
	for i, c := range calls {
		s.batchCalls.run(func() {
			defer out.calls.Done()
			s.runBatchCall(ctx, req, i, c, out, !mayWait(c))
		})
	}
}

// runBatchCall runs call i of a batch, hands its result to out and counts and logs it as
// its unary RPC's interceptor does. A grant out no longer takes is released at once.
func (s *Service) runBatchCall(ctx context.Context, req connect.AnyRequest, i int, call *distlockv1.BatchCall, out *batchOutbox, quick bool) {
	start := time.Now()
	r := &distlockv1.BatchResult{Index: uint32(i)}
	lease, err := s.batchCall(ctx, i, call, r)
	if err != nil {
		r.Result = &distlockv1.BatchResult_Error{Error: batchError(err)}
	}
	if !out.put(r, lease, quick) && lease != nil {
		s.releaseAbandoned(ctx, *lease)
	}
	if mc, resource := s.metrics.batch.op(call); mc != nil {
		s.record(ctx, mc, req, resource, err, start, slog.Int("batch_call", i))
	}
}

// batchCall runs one call through its unary RPC's code and sets r's result on success.
// A panic is the call's internal error, logged, as connect's recovery does for a unary
// call.
func (s *Service) batchCall(ctx context.Context, i int, call *distlockv1.BatchCall, r *distlockv1.BatchResult) (lease *driver.Lease, err error) {
	defer func() {
		if p := recover(); p != nil {
			lease, err = nil, s.panicked(ctx, batchMethod(call), p)
		}
	}()
	switch c := call.GetCall().(type) {
	case *distlockv1.BatchCall_Acquire:
		l, err := s.acquire(ctx, c.Acquire)
		if err != nil {
			return nil, err
		}
		r.Result = &distlockv1.BatchResult_Acquire{Acquire: grantResponse(l)}
		return &l, nil
	case *distlockv1.BatchCall_Extend:
		resp, err := s.extend(ctx, c.Extend)
		if err != nil {
			return nil, err
		}
		r.Result = &distlockv1.BatchResult_Extend{Extend: resp}
		return nil, nil
	case *distlockv1.BatchCall_Release:
		if err := s.release(ctx, c.Release); err != nil {
			return nil, err
		}
		r.Result = &distlockv1.BatchResult_Release{Release: &distlockv1.ReleaseResponse{}}
		return nil, nil
	}
	return nil, invalidArgument("calls[%d] sets none of acquire, extend and release", i)
}

// batchError is a call's error as its unary RPC would send it: the code, and the
// message without the code's prefix that connect's Error() adds.
func batchError(err error) *distlockv1.BatchError {
	if ce := new(connect.Error); errors.As(err, &ce) {
		return &distlockv1.BatchError{Code: ce.Code().String(), Message: ce.Message()}
	}
	return &distlockv1.BatchError{Code: connect.CodeOf(err).String(), Message: err.Error()}
}

// batchMethod names a call's unary RPC, for logs.
func batchMethod(call *distlockv1.BatchCall) string {
	switch call.GetCall().(type) {
	case *distlockv1.BatchCall_Acquire:
		return "Acquire"
	case *distlockv1.BatchCall_Extend:
		return "Extend"
	case *distlockv1.BatchCall_Release:
		return "Release"
	}
	return "Batch"
}
