package connectsvc

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"

	"connectrpc.com/connect"

	"github.com/distlock/distlock/core/driver"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
)

// sendBatch streams the results of a batch's total calls as out hands them over, each
// message carrying all that completed since the previous one. When a message cannot be
// delivered (the client left, a write or flush failed), the leases it and every later
// result grant are released: nothing stays held that nobody was told about.
func (s *Service) sendBatch(ctx context.Context, stream *connect.ServerStream[distlockv1.BatchResponse], out *batchOutbox, total int, stats *batchStats) error {
	flushed := batchFlushOf(ctx)
	var (
		results []*distlockv1.BatchResult
		grants  []driver.Lease
		err     error
	)
	for sent := 0; sent < total; sent += len(results) {
		if results, grants, err = out.next(ctx, results, grants); err != nil {
			s.abandonBatch(ctx, out, nil)
			return connect.NewError(connect.CodeCanceled, err)
		}
		if len(grants) > 0 && s.cfg.beforeGrantReply != nil {
			s.cfg.beforeGrantReply(ctx)
		}
		if ctx.Err() != nil {
			s.abandonBatch(ctx, out, grants)
			return connect.NewError(connect.CodeCanceled, ctx.Err())
		}
		if err := stream.Send(&distlockv1.BatchResponse{Results: results}); err != nil {
			s.abandonBatch(ctx, out, grants)
			return err
		}
		if err := flushed.err(); err != nil {
			s.abandonBatch(ctx, out, grants)
			return connect.NewError(connect.CodeCanceled, err)
		}
		stats.messages++
	}
	return nil
}

// abandonBatch stops delivery and releases the leases granted by the results of an
// undelivered message and by those not yet taken, all at once.
func (s *Service) abandonBatch(ctx context.Context, out *batchOutbox, undelivered []driver.Lease) {
	leases := append(undelivered, out.close()...)
	if len(leases) > 0 {
		s.cfg.logger.Info("released the grants of a batch whose results could not be delivered",
			"grants", len(leases))
	}
	var wg sync.WaitGroup
	for _, l := range leases {
		wg.Go(func() { s.releaseAbandoned(ctx, l) })
	}
	wg.Wait()
}

// batchFlush records the first failed flush of a Batch's reply. connect flushes after
// each message of a stream but drops the flush's error, so a message written to buffers
// whose connection is gone would count as sent, and its grants would stay held.
type batchFlush struct {
	http.ResponseWriter
	failed atomic.Pointer[error]
}

type batchFlushKey struct{}

// batchFlushOf returns the request's recorder, or one that never fails for a Batch
// served without it (a test calling the handler directly).
func batchFlushOf(ctx context.Context) *batchFlush {
	if f, ok := ctx.Value(batchFlushKey{}).(*batchFlush); ok {
		return f
	}
	return &batchFlush{}
}

// serveBatch serves a Batch request with its flushes watched.
func serveBatch(next http.Handler, w http.ResponseWriter, r *http.Request) {
	f := &batchFlush{ResponseWriter: w}
	next.ServeHTTP(f, r.WithContext(context.WithValue(r.Context(), batchFlushKey{}, f)))
}

func (f *batchFlush) Flush() {
	if err := http.NewResponseController(f.ResponseWriter).Flush(); err != nil {
		f.failed.CompareAndSwap(nil, &err)
	}
}

func (f *batchFlush) err() error {
	if p := f.failed.Load(); p != nil {
		return *p
	}
	return nil
}

func (f *batchFlush) Unwrap() http.ResponseWriter { return f.ResponseWriter }
