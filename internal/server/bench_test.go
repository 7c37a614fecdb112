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

	"github.com/distlock/distlock/core/redlock/redistest"
	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1connect"
)

// BenchmarkServe runs Acquire+Release pairs on distinct resources through the server
// as `distlock serve --redis` builds it (middleware, limits, logging at info), over
// three real redis-server masters, with 64 concurrent callers using the Go Connect
// client: binary and JSON over h2c, binary over HTTP/1.1. Client and server share this
// process, so a CPU profile shows both sides:
//
//	go test -run '^$' -bench Serve -cpuprofile cpu.out ./internal/server/
func BenchmarkServe(b *testing.B) {
	const callers = 64
	cluster := redistest.Start(b, 3)
	srv := startServer(b, "--redis", "redis://"+strings.Join(cluster.Addrs(), ",")+"?quarantine=0")

	h2c := &http.Transport{Protocols: new(http.Protocols)}
	h2c.Protocols.SetUnencryptedHTTP2(true)
	h1 := &http.Transport{MaxIdleConnsPerHost: callers}
	b.Cleanup(h2c.CloseIdleConnections)
	b.Cleanup(h1.CloseIdleConnections)
	for _, target := range []struct {
		name string
		tr   *http.Transport
		opts []connect.ClientOption
	}{
		{"binary-h2c", h2c, nil},
		{"json-h2c", h2c, []connect.ClientOption{connect.WithProtoJSON()}},
		{"binary-h1", h1, nil},
	} {
		b.Run(target.name, func(b *testing.B) {
			c := distlockv1connect.NewLockServiceClient(&http.Client{Transport: target.tr}, srv.url, target.opts...)
			var worker atomic.Int64
			b.SetParallelism(max(callers/runtime.GOMAXPROCS(0), 1))
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				ctx := context.Background()
				prefix := fmt.Sprintf("bench/%s/%d/%d/", target.name, b.N, worker.Add(1))
				for i := 0; pb.Next(); i++ {
					resource := fmt.Sprint(prefix, i)
					if err := acquireRelease(ctx, c, resource); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "pairs/s")
		})
	}
}

// BenchmarkServeSerial is BenchmarkServe with one caller, binary over HTTP/1.1 (the Go
// SDK's default) on one key: the latency floor of a pair through the service, which
// nothing coalesces. Client and server share this process, so a CPU profile shows both sides:
//
//	go test -run '^$' -bench ServeSerial -benchtime 5000x -cpuprofile cpu.out ./internal/server/
func BenchmarkServeSerial(b *testing.B) {
	cluster := redistest.Start(b, 3)
	srv := startServer(b, "--redis", "redis://"+strings.Join(cluster.Addrs(), ",")+"?quarantine=0")
	h1 := &http.Transport{}
	b.Cleanup(h1.CloseIdleConnections)
	c := distlockv1connect.NewLockServiceClient(&http.Client{Transport: h1}, srv.url)
	ctx := context.Background()
	// One key, as each worker of `make bench` has: after its first use its fence counter
	// exists, and an acquire is one round trip to the nodes.
	resource := fmt.Sprintf("bench/serial/%d", b.N)
	for b.Loop() {
		if err := acquireRelease(ctx, c, resource); err != nil {
			b.Fatal(err)
		}
	}
}
