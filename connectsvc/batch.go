package connectsvc

import (
	"context"
	"errors"
	"fmt"

	"connectrpc.com/connect"

	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1policy"
)

// Batch runs many Acquire, Extend and Release calls of one request and streams their
// results as they complete; see the proto for the rules. Each call goes through the code
// of its unary RPC (validation, authorization and quotas, the waiters cap, the wait cap,
// hold-time tracking, per-method metrics and log lines), so that a batch changes how
// many HTTP calls a client pays for, never what a call does.
//
// Calls that cannot wait (Extend, Release, an Acquire without a wait) run on a few
// workers, so that a batch of 10,000 renewals costs a handful of goroutines; each
// Acquire that may wait gets its own, as its unary RPC would. The first message waits
// for every call that cannot wait, so a batch of such calls answers in one message;
// after it, each message carries everything completed since the previous one.
//
// When Batch returns, every call has ended and every grant was either sent or released.
func (s *Service) Batch(ctx context.Context, req *connect.Request[distlockv1.BatchRequest], stream *connect.ServerStream[distlockv1.BatchResponse]) error {
	calls := req.Msg.GetCalls()
	switch {
	case len(calls) == 0:
		return invalidArgument("calls is empty: a batch carries 1 to %d calls", distlockv1policy.MaxBatchCalls)
	case len(calls) > distlockv1policy.MaxBatchCalls:
		return connect.NewError(connect.CodeResourceExhausted, fmt.Errorf(
			"the batch has %d calls, the limit is %d (max_batch_calls): split it", len(calls), distlockv1policy.MaxBatchCalls))
	}
	if s.drainCtx.Err() != nil {
		// Its calls would find the waits cut short; the client is better off sending
		// the whole batch to another replica than sorting out a partial answer.
		return connect.NewError(connect.CodeUnavailable, errors.New(msgDraining))
	}
	s.metrics.batch.calls.Observe(float64(len(calls)))
	stats := batchStatsOf(ctx)
	stats.calls = len(calls)

	// Calls end early when the results can no longer be delivered.
	callCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	out := newBatchOutbox(calls)
	s.startBatch(callCtx, req, calls, out)
	err := s.sendBatch(callCtx, stream, out, len(calls), stats)
	if err != nil {
		cancel(err)
	}
	out.calls.Wait()
	return err
}
