package connectsvc

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"

	"github.com/distlock/distlock/core/driver"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
)

// batchWorkers is how many calls that cannot wait one batch runs at once. Enough to
// fill the lessor's pipelines (core/redlock sends the calls that meet at a node as one
// pipeline), few enough that a batch of 10,000 renewals does not start 10,000
// goroutines.
const batchWorkers = 256

// startBatch starts every call of a batch: one goroutine per call that may wait, and
// up to batchWorkers goroutines taking turns at the others.
func (s *Service) startBatch(ctx context.Context, req connect.AnyRequest, calls []*distlockv1.BatchCall, out *batchOutbox) {
	quick := 0
	for i, c := range calls {
		if !mayWait(c) {
			quick++
			continue
		}
		out.calls.Add(1)
		go func() {
			defer out.calls.Done()
			s.runBatchCall(ctx, req, i, c, out, false)
		}()
	}
	var nextCall atomic.Int64
	for range min(quick, batchWorkers) {
		out.calls.Add(1)
		go func() {
			defer out.calls.Done()
			for {
				i := int(nextCall.Add(1) - 1)
				if i >= len(calls) {
					return
				}
				if c := calls[i]; !mayWait(c) {
					s.runBatchCall(ctx, req, i, c, out, true)
				}
			}
		}()
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
