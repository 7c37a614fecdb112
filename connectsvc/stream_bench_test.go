package connectsvc_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/distlock/distlock/core/driver"
	"github.com/distlock/distlock/core/redlock"
	"github.com/distlock/distlock/core/redlock/redistest"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
)

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
	e := newEnv(b, l)
	released := make(chan error, 16)
	e.spy.set(func(s *spy) { s.released = released })
	for _, p := range streamProtocols {
		b.Run(p.name, func(b *testing.B) {
			c := e.client(p)
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
				if err := <-released; err != nil {
					b.Fatal(err)
				}
				samples = append(samples, time.Since(start))
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
