package distlock_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/distlock/distlock/core/driver"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1connect"
	"github.com/distlock/distlock/sdks/go/distlock"
)

// TestOwnTransportKeepsItsConnections: rounds of 16 calls in flight at once reuse the
// connections of the first round. net/http's default transport keeps two idle
// connections per host and dials the other fourteen again every round.
func TestOwnTransportKeepsItsConnections(t *testing.T) {
	const calls, rounds = 16, 5
	// round holds each Acquire until all calls of the round are in flight together.
	type round struct {
		arrived sync.WaitGroup
		release chan struct{}
	}
	var current atomic.Pointer[round]
	f := &fakeService{calls: map[string]int{}}
	f.acquire = func(ctx context.Context, _ *connect.Request[distlockv1.AcquireRequest]) (*distlockv1.AcquireResponse, error) {
		r := current.Load()
		r.arrived.Done()
		select {
		case <-r.release:
		case <-ctx.Done():
		}
		return &distlockv1.AcquireResponse{LeaseToken: "t", FencingToken: 1}, nil
	}
	var dialled atomic.Int64
	mux := http.NewServeMux()
	mux.Handle(distlockv1connect.NewLockServiceHandler(f))
	srv := httptest.NewUnstartedServer(mux)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			dialled.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)

	l, err := distlock.New(srv.URL, distlock.WithoutCoalescing())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for r := range rounds {
		rd := &round{release: make(chan struct{})}
		rd.arrived.Add(calls)
		current.Store(rd)
		var done sync.WaitGroup
		for range calls {
			done.Go(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				if _, err := l.Acquire(ctx, "conns", driver.LeaseOptions{TTL: 10 * time.Second}); err != nil {
					t.Error(err)
				}
			})
		}
		arrivedAll := waitTimeout(&rd.arrived, 10*time.Second)
		close(rd.release)
		done.Wait()
		if !arrivedAll {
			t.Fatalf("round %d: the %d calls did not all arrive", r, calls)
		}
		if r == 0 && dialled.Load() != calls {
			t.Fatalf("first round: %d connections, want %d", dialled.Load(), calls)
		}
	}
	if n := dialled.Load(); n != calls {
		t.Errorf("%d rounds of %d calls at once opened %d connections, want the first round's %d", rounds, calls, n, calls)
	}
}

// waitTimeout waits for wg up to d and reports whether it was done.
func waitTimeout(wg *sync.WaitGroup, d time.Duration) bool {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}
