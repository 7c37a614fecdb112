package connectsvc_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/distlock/distlock/connectsvc"
	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
	"github.com/distlock/distlock/core/redlock"
	"github.com/distlock/distlock/core/redlock/redistest"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1connect"
)

// benchConcurrency is how many callers run Acquire+Release pairs at once.
const benchConcurrency = 64

// benchWait lets an attempt that failed only because a loaded machine made a node miss
// its timeout try again, as a waiting caller would, instead of failing the run.
const benchWait = 5 * time.Second

// BenchmarkAcquireRelease compares Acquire+Release pairs on distinct resources through
// the core directly and through the service (Connect binary and JSON over HTTP/1.1
// keep-alive), all on the same three real redis-server masters, with 64 concurrent
// callers. It reports pairs/s; the targets are service >= 0.5x core and
// JSON >= 0.8x binary. Run: go test -run '^$' -bench AcquireRelease ./connectsvc/
func BenchmarkAcquireRelease(b *testing.B) {
	cluster := redistest.Start(b, 3)
	l, err := redlock.New(cluster.Addrs(), redlock.WithQuarantine(0))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	srv := httptest.NewServer(connectsvc.New(l).Handler())
	b.Cleanup(srv.Close)
	tr := &http.Transport{MaxIdleConnsPerHost: benchConcurrency}
	b.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: tr}

	type pair func(ctx context.Context, resource string) error
	viaService := func(opts ...connect.ClientOption) pair {
		c := distlockv1connect.NewLockServiceClient(hc, srv.URL, opts...)
		return func(ctx context.Context, resource string) error {
			a, err := c.Acquire(ctx, connect.NewRequest(&distlockv1.AcquireRequest{Resource: resource, Wait: durationpb.New(benchWait)}))
			if err != nil {
				return err
			}
			_, err = c.Release(ctx, connect.NewRequest(&distlockv1.ReleaseRequest{Resource: resource, LeaseToken: a.Msg.GetLeaseToken()}))
			return err
		}
	}
	targets := []struct {
		name string
		run  pair
	}{
		{"core", func(ctx context.Context, resource string) error {
			lease, err := l.Acquire(ctx, resource, driver.LeaseOptions{TTL: core.DefaultTTL, Wait: benchWait})
			if err != nil {
				return err
			}
			return l.Release(ctx, lease)
		}},
		{"connect-binary", viaService()},
		{"connect-json", viaService(connect.WithProtoJSON())},
	}
	for _, target := range targets {
		b.Run(target.name, func(b *testing.B) {
			var worker atomic.Int64
			b.SetParallelism(max(benchConcurrency/runtime.GOMAXPROCS(0), 1))
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				ctx := context.Background()
				prefix := fmt.Sprintf("bench/%s/%d/%d/", target.name, b.N, worker.Add(1))
				for i := 0; pb.Next(); i++ {
					if err := target.run(ctx, fmt.Sprint(prefix, i)); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "pairs/s")
		})
	}
}
