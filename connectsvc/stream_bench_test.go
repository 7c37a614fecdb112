package connectsvc_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/distlock/distlock/connectsvc"
	"github.com/distlock/distlock/core/driver"
	"github.com/distlock/distlock/core/redlock"
	"github.com/distlock/distlock/core/redlock/redistest"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1connect"
)

// releaseClock is the service's lessor that says when each release finished.
type releaseClock struct {
	driver.Lessor
	done chan time.Time
}

func (r releaseClock) Release(ctx context.Context, lease driver.Lease) error {
	err := r.Lessor.Release(ctx, lease)
	r.done <- time.Now()
	return err
}

// BenchmarkHoldReleaseAfterDisconnect measures, over loopback to three real
// redis-server masters, the time from a client cancelling its Hold stream to the end of
// the service's release (Redlock's DEL on every node), for each protocol that streams.
// It reports p50 and p99 in ms; the target is under 50 ms.
// Run: go test -run '^$' -bench HoldReleaseAfterDisconnect -benchtime 300x ./connectsvc/
func BenchmarkHoldReleaseAfterDisconnect(b *testing.B) {
	cluster := redistest.Start(b, 3)
	l, err := redlock.New(cluster.Addrs(), redlock.WithQuarantine(0))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	rc := releaseClock{Lessor: l, done: make(chan time.Time, 16)}
	srv := httptest.NewUnstartedServer(connectsvc.New(rc).Handler())
	srv.Config.Protocols = new(http.Protocols)
	srv.Config.Protocols.SetHTTP1(true)
	srv.Config.Protocols.SetUnencryptedHTTP2(true)
	srv.Start()
	b.Cleanup(srv.Close)
	h1 := &http.Transport{}
	h2 := &http.Transport{Protocols: new(http.Protocols)}
	h2.Protocols.SetUnencryptedHTTP2(true)
	b.Cleanup(h1.CloseIdleConnections)
	b.Cleanup(h2.CloseIdleConnections)

	for _, p := range streamProtocols {
		b.Run(p.name, func(b *testing.B) {
			hc := &http.Client{Transport: h1}
			if p.h2c {
				hc = &http.Client{Transport: h2}
			}
			c := distlockv1connect.NewLockServiceClient(hc, srv.URL, p.opts...)
			var samples []time.Duration
			for b.Loop() {
				ctx, cancel := context.WithCancel(b.Context())
				s, err := c.Hold(ctx, connect.NewRequest(&distlockv1.HoldRequest{
					Resource: "bench/hold/" + p.name, Ttl: durationpb.New(driver.MinTTL)}))
				if err != nil || !s.Receive() || s.Msg().GetGranted() == nil {
					b.Fatalf("no grant: %v %v", err, s.Err())
				}
				start := time.Now()
				cancel()
				samples = append(samples, (<-rc.done).Sub(start))
				s.Close()
			}
			slices.Sort(samples)
			ms := func(q float64) float64 {
				return float64(samples[int(q*float64(len(samples)-1))]) / float64(time.Millisecond)
			}
			b.ReportMetric(ms(0.5), "p50-ms")
			b.ReportMetric(ms(0.99), "p99-ms")
		})
	}
}
