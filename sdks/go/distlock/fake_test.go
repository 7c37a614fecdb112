package distlock_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"connectrpc.com/connect"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1connect"
)

// fakeService is a scripted LockService for the behaviours a real service cannot be
// made to show on demand (unavailability, credentials, slow grants). Each method runs
// the function set for it; an unset one answers unimplemented. It counts calls and
// keeps their requests.
type fakeService struct {
	// Methods a test has no use for answer unimplemented.
	distlockv1connect.UnimplementedLockServiceHandler

	acquire func(context.Context, *connect.Request[distlockv1.AcquireRequest]) (*distlockv1.AcquireResponse, error)
	extend  func(context.Context, *connect.Request[distlockv1.ExtendRequest]) (*distlockv1.ExtendResponse, error)
	release func(context.Context, *connect.Request[distlockv1.ReleaseRequest]) error
	info    func(context.Context, *connect.Request[distlockv1.InfoRequest]) (*distlockv1.InfoResponse, error)

	// noBatch makes Batch answer unimplemented, as a service older than Batch does.
	noBatch bool

	mu         sync.Mutex
	calls      map[string]int
	acquires   []*distlockv1.AcquireRequest
	batchSizes []int
}

// startFake serves f on a loopback port for the test's duration and returns its URL.
func startFake(t *testing.T, f *fakeService) string {
	t.Helper()
	f.calls = map[string]int{}
	mux := http.NewServeMux()
	mux.Handle(distlockv1connect.NewLockServiceHandler(f))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

func (f *fakeService) count(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[method]
}

func (f *fakeService) total() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		n += c
	}
	return n
}

func (f *fakeService) note(method string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[method]++
}

// unimplemented is the answer of a method the test did not script.
func unimplemented() error { return connect.NewError(connect.CodeUnimplemented, nil) }

func (f *fakeService) Acquire(ctx context.Context, req *connect.Request[distlockv1.AcquireRequest]) (*connect.Response[distlockv1.AcquireResponse], error) {
	f.note("Acquire")
	f.mu.Lock()
	f.acquires = append(f.acquires, req.Msg)
	f.mu.Unlock()
	if f.acquire == nil {
		return nil, unimplemented()
	}
	res, err := f.acquire(ctx, req)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(res), nil
}

func (f *fakeService) Extend(ctx context.Context, req *connect.Request[distlockv1.ExtendRequest]) (*connect.Response[distlockv1.ExtendResponse], error) {
	f.note("Extend")
	if f.extend == nil {
		return nil, unimplemented()
	}
	res, err := f.extend(ctx, req)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(res), nil
}

func (f *fakeService) Release(ctx context.Context, req *connect.Request[distlockv1.ReleaseRequest]) (*connect.Response[distlockv1.ReleaseResponse], error) {
	f.note("Release")
	if f.release == nil {
		return nil, unimplemented()
	}
	if err := f.release(ctx, req); err != nil {
		return nil, err
	}
	return connect.NewResponse(&distlockv1.ReleaseResponse{}), nil
}

func (f *fakeService) Info(ctx context.Context, req *connect.Request[distlockv1.InfoRequest]) (*connect.Response[distlockv1.InfoResponse], error) {
	f.note("Info")
	if f.info == nil {
		return nil, unimplemented()
	}
	res, err := f.info(ctx, req)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(res), nil
}

func (f *fakeService) Read(context.Context, *connect.Request[distlockv1.ReadRequest]) (*connect.Response[distlockv1.ReadResponse], error) {
	f.note("Read")
	return nil, unimplemented()
}

// Batch runs each call through the scripted unary method, concurrently, and streams each
// result as it completes, as the real service does. With noBatch set it answers
// unimplemented, as a service older than Batch does. Each call of a batch is also
// counted under its own method, and batchSizes keeps the number of calls per Batch.
func (f *fakeService) Batch(ctx context.Context, req *connect.Request[distlockv1.BatchRequest], stream *connect.ServerStream[distlockv1.BatchResponse]) error {
	f.note("Batch")
	if f.noBatch {
		return unimplemented()
	}
	f.mu.Lock()
	f.batchSizes = append(f.batchSizes, len(req.Msg.GetCalls()))
	f.mu.Unlock()
	results := make(chan *distlockv1.BatchResult)
	for i, c := range req.Msg.GetCalls() {
		go func() {
			r := f.runCall(ctx, req.Header(), c)
			r.Index = uint32(i)
			select {
			case results <- r:
			case <-ctx.Done():
			}
		}()
	}
	for range req.Msg.GetCalls() {
		select {
		case r := <-results:
			if err := stream.Send(&distlockv1.BatchResponse{Results: []*distlockv1.BatchResult{r}}); err != nil {
				return err
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// runCall runs one call of a batch through the fake's unary method for it.
func (f *fakeService) runCall(ctx context.Context, h http.Header, c *distlockv1.BatchCall) *distlockv1.BatchResult {
	var err error
	r := &distlockv1.BatchResult{}
	switch {
	case c.GetAcquire() != nil:
		var res *connect.Response[distlockv1.AcquireResponse]
		req := connect.NewRequest(c.GetAcquire())
		copyHeader(req.Header(), h)
		if res, err = f.Acquire(ctx, req); err == nil {
			r.Result = &distlockv1.BatchResult_Acquire{Acquire: res.Msg}
		}
	case c.GetExtend() != nil:
		var res *connect.Response[distlockv1.ExtendResponse]
		req := connect.NewRequest(c.GetExtend())
		copyHeader(req.Header(), h)
		if res, err = f.Extend(ctx, req); err == nil {
			r.Result = &distlockv1.BatchResult_Extend{Extend: res.Msg}
		}
	default:
		var res *connect.Response[distlockv1.ReleaseResponse]
		req := connect.NewRequest(c.GetRelease())
		copyHeader(req.Header(), h)
		if res, err = f.Release(ctx, req); err == nil {
			r.Result = &distlockv1.BatchResult_Release{Release: res.Msg}
		}
	}
	if err != nil {
		code, _ := connect.CodeOf(err).MarshalText()
		var cerr *connect.Error
		msg := err.Error()
		if errors.As(err, &cerr) {
			msg = cerr.Message()
		}
		r.Result = &distlockv1.BatchResult_Error{Error: &distlockv1.BatchError{Code: string(code), Message: msg}}
	}
	return r
}

func copyHeader(dst, src http.Header) {
	for k, v := range src {
		dst[k] = v
	}
}
