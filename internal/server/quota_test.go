package server

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/durationpb"

	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1connect"
)

const quotaFile = `rules:
  - groups: [q]
    verbs: [acquire, read]
    resources: ["*"]
quotas:
  default: {max_held: 100, max_waiting: 100, max_payload_bytes: 100000, rate: 10000, burst: 10000}
  principals:
    held: {max_held: 2}
    bytes: {max_payload_bytes: 100}
    waits: {max_waiting: 1}
    ttl: {max_ttl: 30s}
    rate: {rate: 0.001, burst: 3}
`

// wantExhausted fails unless err is resource_exhausted naming quota.
func wantExhausted(t *testing.T, err error, quota string) {
	t.Helper()
	if connect.CodeOf(err) != connect.CodeResourceExhausted || !strings.Contains(err.Error(), "quota "+quota+" (") {
		t.Fatalf("got %v, want resource_exhausted naming %s", err, quota)
	}
}

func TestQuotas(t *testing.T) {
	names := []string{"held", "bytes", "waits", "ttl", "rate"}
	ps := make([]principal, len(names))
	for i, n := range names {
		ps[i] = newPrincipal(t, n, "q")
	}
	file := filepath.Join(t.TempDir(), "auth.yaml")
	writeAuthFile(t, file, quotaFile, ps...)
	srv := startServer(t, "--auth", file, "--lock-service", "memory://"+t.Name(), "--wait-log-interval", "1ms")
	ctx := context.Background()
	as := map[string]distlockv1connect.LockServiceClient{}
	for _, p := range ps {
		as[p.name] = clientAs(t, srv.url, "Bearer "+p.token)
	}
	acquire := func(who string, m *distlockv1.AcquireRequest) (*connect.Response[distlockv1.AcquireResponse], error) {
		return as[who].Acquire(ctx, connect.NewRequest(m))
	}

	t.Run("max_held", func(t *testing.T) {
		first, err := acquire("held", &distlockv1.AcquireRequest{Resource: "held/1"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := acquire("held", &distlockv1.AcquireRequest{Resource: "held/2"}); err != nil {
			t.Fatal(err)
		}
		_, err = acquire("held", &distlockv1.AcquireRequest{Resource: "held/3"})
		wantExhausted(t, err, "max_held")
		if _, err := as["held"].Release(ctx, connect.NewRequest(&distlockv1.ReleaseRequest{Resource: "held/1", LeaseToken: first.Msg.GetLeaseToken()})); err != nil {
			t.Fatal(err)
		}
		if _, err := acquire("held", &distlockv1.AcquireRequest{Resource: "held/3"}); err != nil {
			t.Fatalf("after a release: %v", err)
		}
	})
	t.Run("max_payload_bytes", func(t *testing.T) {
		if _, err := acquire("bytes", &distlockv1.AcquireRequest{Resource: "bytes/1", Data: make([]byte, 60)}); err != nil {
			t.Fatal(err)
		}
		_, err := acquire("bytes", &distlockv1.AcquireRequest{Resource: "bytes/2", Data: make([]byte, 60)})
		wantExhausted(t, err, "max_payload_bytes")
		if _, err := acquire("bytes", &distlockv1.AcquireRequest{Resource: "bytes/2", Data: make([]byte, 40)}); err != nil {
			t.Fatalf("within the bytes left: %v", err)
		}
	})
	t.Run("max_waiting", func(t *testing.T) {
		if _, err := acquire("waits", &distlockv1.AcquireRequest{Resource: "waits/r"}); err != nil {
			t.Fatal(err)
		}
		wctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() {
			_, err := as["waits"].Acquire(wctx, connect.NewRequest(&distlockv1.AcquireRequest{Resource: "waits/r", Wait: durationpb.New(time.Minute)}))
			done <- err
		}()
		<-srv.logs.await(`"msg":"acquire still waiting for a held lock","resource":"waits/r"`)
		_, err := acquire("waits", &distlockv1.AcquireRequest{Resource: "waits/r", Wait: durationpb.New(time.Minute)})
		wantExhausted(t, err, "max_waiting")
		_, err = acquire("waits", &distlockv1.AcquireRequest{Resource: "waits/r"})
		if connect.CodeOf(err) != connect.CodeAborted {
			t.Fatalf("an Acquire that does not wait: %v, want aborted", err)
		}
		cancel()
		<-done
	})
	t.Run("max_ttl", func(t *testing.T) {
		_, err := acquire("ttl", &distlockv1.AcquireRequest{Resource: "ttl/r", Ttl: durationpb.New(time.Minute)})
		wantExhausted(t, err, "max_ttl")
		held, err := acquire("ttl", &distlockv1.AcquireRequest{Resource: "ttl/r", Ttl: durationpb.New(20 * time.Second)})
		if err != nil {
			t.Fatal(err)
		}
		_, err = as["ttl"].Extend(ctx, connect.NewRequest(&distlockv1.ExtendRequest{Resource: "ttl/r", LeaseToken: held.Msg.GetLeaseToken(), Ttl: durationpb.New(10 * time.Minute)}))
		wantExhausted(t, err, "max_ttl")
	})
	t.Run("rate", func(t *testing.T) {
		for range 3 {
			_, err := as["rate"].Info(ctx, connect.NewRequest(&distlockv1.InfoRequest{Resource: "rate/r"}))
			if connect.CodeOf(err) != connect.CodeNotFound {
				t.Fatalf("within the burst: %v", err)
			}
		}
		_, err := as["rate"].Info(ctx, connect.NewRequest(&distlockv1.InfoRequest{Resource: "rate/r"}))
		wantExhausted(t, err, "rate")
	})
}
