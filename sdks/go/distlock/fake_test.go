package distlock_test

import (
	"context"
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

	mu       sync.Mutex
	calls    map[string]int
	acquires []*distlockv1.AcquireRequest
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
