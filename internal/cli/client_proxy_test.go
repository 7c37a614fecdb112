package cli

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

// recordingProxy forwards every call to a real service and remembers the lease token of
// the last grant, which `distlock run` keeps to itself, so that a test can take the lock
// away from it.
type recordingProxy struct {
	url  string
	next distlockv1connect.LockServiceClient

	mu    sync.Mutex
	token string
}

func startRecordingProxy(t *testing.T, target string) *recordingProxy {
	t.Helper()
	p := &recordingProxy{next: distlockv1connect.NewLockServiceClient(http.DefaultClient, target)}
	mux := http.NewServeMux()
	mux.Handle(distlockv1connect.NewLockServiceHandler(p))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	p.url = srv.URL
	return p
}

func (p *recordingProxy) lastToken() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.token
}

func (p *recordingProxy) Acquire(ctx context.Context, req *connect.Request[distlockv1.AcquireRequest]) (*connect.Response[distlockv1.AcquireResponse], error) {
	res, err := p.next.Acquire(ctx, connect.NewRequest(req.Msg))
	if err == nil {
		p.mu.Lock()
		p.token = res.Msg.GetLeaseToken()
		p.mu.Unlock()
	}
	return res, err
}

func (p *recordingProxy) Extend(ctx context.Context, req *connect.Request[distlockv1.ExtendRequest]) (*connect.Response[distlockv1.ExtendResponse], error) {
	return p.next.Extend(ctx, connect.NewRequest(req.Msg))
}

func (p *recordingProxy) Release(ctx context.Context, req *connect.Request[distlockv1.ReleaseRequest]) (*connect.Response[distlockv1.ReleaseResponse], error) {
	return p.next.Release(ctx, connect.NewRequest(req.Msg))
}

func (p *recordingProxy) Info(ctx context.Context, req *connect.Request[distlockv1.InfoRequest]) (*connect.Response[distlockv1.InfoResponse], error) {
	return p.next.Info(ctx, connect.NewRequest(req.Msg))
}

func (p *recordingProxy) Read(ctx context.Context, req *connect.Request[distlockv1.ReadRequest]) (*connect.Response[distlockv1.ReadResponse], error) {
	return p.next.Read(ctx, connect.NewRequest(req.Msg))
}

func (p *recordingProxy) Batch(ctx context.Context, req *connect.Request[distlockv1.BatchRequest], out *connect.ServerStream[distlockv1.BatchResponse]) error {
	in, err := p.next.Batch(ctx, connect.NewRequest(req.Msg))
	if err != nil {
		return err
	}
	defer in.Close()
	for in.Receive() {
		for _, r := range in.Msg().GetResults() {
			if a := r.GetAcquire(); a != nil {
				p.mu.Lock()
				p.token = a.GetLeaseToken()
				p.mu.Unlock()
			}
		}
		if err := out.Send(in.Msg()); err != nil {
			return err
		}
	}
	return in.Err()
}
