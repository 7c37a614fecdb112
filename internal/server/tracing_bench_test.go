package server

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/distlock/distlock/core/redlock/redistest"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1connect"
)

// BenchmarkTracing runs Acquire+Release pairs from 16 concurrent callers through the
// server as `distlock serve --redis` builds it over three real redis-server masters,
// with tracing off and on (every call sampled, spans exported over OTLP/HTTP to a
// loopback receiver that discards them). Compare the two side by side:
//
//	go test -run '^$' -bench Tracing -count 5 ./internal/server/
func BenchmarkTracing(b *testing.B) {
	const callers = 16
	cluster := redistest.Start(b, 3)
	for _, on := range []bool{false, true} {
		name := "off"
		if on {
			name = "on"
		}
		b.Run(name, func(b *testing.B) {
			if on {
				url, _ := otlpReceiver(b)
				b.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", url)
			}
			srv := startServer(b, "--redis", "redis://"+strings.Join(cluster.Addrs(), ",")+"?quarantine=0")
			h2c := &http.Transport{Protocols: new(http.Protocols)}
			h2c.Protocols.SetUnencryptedHTTP2(true)
			b.Cleanup(h2c.CloseIdleConnections)
			c := distlockv1connect.NewLockServiceClient(&http.Client{Transport: h2c}, srv.url)
			b.ReportAllocs()
			var worker atomic.Int64
			// Many callers keep both sides busy, so the time per pair is CPU cost, not
			// round trips to Redis.
			b.SetParallelism(max(callers/runtime.GOMAXPROCS(0), 1))
			b.RunParallel(func(pb *testing.PB) {
				ctx := context.Background()
				prefix := fmt.Sprintf("bench/tracing/%s/%d/%d/", name, b.N, worker.Add(1))
				for i := 0; pb.Next(); i++ {
					if err := acquireRelease(ctx, c, fmt.Sprint(prefix, i)); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// acquireRelease takes resource, waiting up to 5s, and releases it.
func acquireRelease(ctx context.Context, c distlockv1connect.LockServiceClient, resource string) error {
	a, err := c.Acquire(ctx, connect.NewRequest(&distlockv1.AcquireRequest{Resource: resource, Wait: durationpb.New(5 * time.Second)}))
	if err != nil {
		return err
	}
	_, err = c.Release(ctx, connect.NewRequest(&distlockv1.ReleaseRequest{Resource: resource, LeaseToken: a.Msg.GetLeaseToken()}))
	return err
}
