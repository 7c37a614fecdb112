package connectsvc_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
	"github.com/distlock/distlock/core/redlock"
	"github.com/distlock/distlock/core/redlock/redistest"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1connect"
	"github.com/distlock/distlock/internal/testproc"
)

// batchSize is how many calls one Batch of the benchmark carries.
const batchSize = 64

// BenchmarkBatchPairs measures the CPU time a `distlock serve` process (a separate
// process, so that its CPU is its own) spends per Acquire+Release pair on distinct
// resources, over three real redis-server masters, Connect binary over HTTP/1.1:
//   - core: the reference, Redlock called in this process by 64 concurrent callers
//     (its CPU is client-µs: the service's own core client costs about as much);
//   - unary: 64 concurrent callers, each pair two unary calls;
//   - batch64/cN: N callers, each sending a Batch of 64 Acquires, then a Batch of
//     their 64 Releases.
//
// Reported per pair: server-µs (the service process), client-µs (this process) and
// pairs/s; and msgs/batch, the messages an Acquire batch was answered in. Figures on a
// shared machine are loaded: compare cells of one run.
// Run: go test -run '^$' -bench BatchPairs -benchtime 5000x ./connectsvc/
func BenchmarkBatchPairs(b *testing.B) {
	cluster := redistest.Start(b, 3)
	ctx := context.Background()
	srv, err := testproc.StartServe(ctx, testproc.ServeConfig{Args: []string{
		"--redis", "redis://" + strings.Join(cluster.Addrs(), ",") + "?quarantine=0"}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := srv.Close(); err != nil {
			b.Error(err)
		}
	})
	tr := &http.Transport{MaxIdleConnsPerHost: benchConcurrency}
	b.Cleanup(tr.CloseIdleConnections)
	c := distlockv1connect.NewLockServiceClient(&http.Client{Transport: tr}, srv.URL())
	var run atomic.Int64 // a fresh key space for every run of every cell

	measure := func(b *testing.B, pairs func(prefix string, n int) (messages, batches int)) {
		prefix := fmt.Sprintf("bench/batch/%d/", run.Add(1))
		server0, client0 := cpuOf(b, srv.Pid()), ownCPU(b)
		start := time.Now()
		messages, batches := pairs(prefix, b.N)
		elapsed := time.Since(start)
		server, client := cpuOf(b, srv.Pid())-server0, ownCPU(b)-client0
		b.ReportMetric(float64(server.Microseconds())/float64(b.N), "server-µs/pair")
		b.ReportMetric(float64(client.Microseconds())/float64(b.N), "client-µs/pair")
		b.ReportMetric(float64(b.N)/elapsed.Seconds(), "pairs/s")
		if batches > 0 {
			b.ReportMetric(float64(messages)/float64(batches), "msgs/batch")
		}
	}
	l, err := redlock.New(cluster.Addrs(), redlock.WithQuarantine(0))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	// each runs pair on resources prefix+0 .. prefix+n-1 from 64 callers.
	each := func(b *testing.B, prefix string, n int, pair func(resource string) error) {
		var next atomic.Int64
		var wg sync.WaitGroup
		for range benchConcurrency {
			wg.Go(func() {
				for i := next.Add(1) - 1; i < int64(n); i = next.Add(1) - 1 {
					if err := pair(fmt.Sprint(prefix, i)); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
	}
	b.Run("core", func(b *testing.B) {
		measure(b, func(prefix string, n int) (int, int) {
			each(b, prefix, n, func(resource string) error {
				lease, err := l.Acquire(ctx, resource, driver.LeaseOptions{TTL: core.DefaultTTL, Wait: benchWait})
				if err != nil {
					return err
				}
				return l.Release(ctx, lease)
			})
			return 0, 0
		})
	})
	b.Run("unary", func(b *testing.B) {
		measure(b, func(prefix string, n int) (int, int) {
			each(b, prefix, n, func(resource string) error {
				a, err := c.Acquire(ctx, connect.NewRequest(&distlockv1.AcquireRequest{Resource: resource, Wait: durationpb.New(benchWait)}))
				if err != nil {
					return err
				}
				_, err = c.Release(ctx, connect.NewRequest(&distlockv1.ReleaseRequest{Resource: resource, LeaseToken: a.Msg.GetLeaseToken()}))
				return err
			})
			return 0, 0
		})
	})
	for _, callers := range []int{1, 8} {
		b.Run(fmt.Sprintf("batch%d/c%d", batchSize, callers), func(b *testing.B) {
			measure(b, func(prefix string, n int) (int, int) {
				var next, messages, batches atomic.Int64
				var wg sync.WaitGroup
				for range callers {
					wg.Go(func() {
						for first := next.Add(batchSize) - batchSize; first < int64(n); first = next.Add(batchSize) - batchSize {
							m, err := batchPairs(ctx, c, prefix, int(first), min(int(first)+batchSize, n))
							if err != nil {
								b.Error(err)
								return
							}
							messages.Add(int64(m))
							batches.Add(1)
						}
					})
				}
				wg.Wait()
				return int(messages.Load()), int(batches.Load())
			})
		})
	}
}

// batchPairs acquires resources prefix+from .. prefix+to-1 in one Batch and releases
// them in another, and returns how many messages the acquires were answered in.
func batchPairs(ctx context.Context, c distlockv1connect.LockServiceClient, prefix string, from, to int) (int, error) {
	calls := make([]*distlockv1.BatchCall, 0, to-from)
	for i := from; i < to; i++ {
		calls = append(calls, &distlockv1.BatchCall{Call: &distlockv1.BatchCall_Acquire{Acquire: &distlockv1.AcquireRequest{
			Resource: fmt.Sprint(prefix, i), Wait: durationpb.New(benchWait)}}})
	}
	results, messages, err := collect(ctx, c, calls)
	if err != nil {
		return 0, err
	}
	for i, r := range results {
		a := r.GetAcquire()
		if a == nil {
			return 0, fmt.Errorf("acquire %d: %v", i, r)
		}
		calls[i] = &distlockv1.BatchCall{Call: &distlockv1.BatchCall_Release{Release: &distlockv1.ReleaseRequest{
			Resource: a.GetResource(), LeaseToken: a.GetLeaseToken()}}}
	}
	if results, _, err = collect(ctx, c, calls); err != nil {
		return 0, err
	}
	for i, r := range results {
		if r.GetRelease() == nil {
			return 0, fmt.Errorf("release %d: %v", i, r)
		}
	}
	return messages, nil
}

// collect runs a batch and returns its results in the order of its calls.
func collect(ctx context.Context, c distlockv1connect.LockServiceClient, calls []*distlockv1.BatchCall) ([]*distlockv1.BatchResult, int, error) {
	s, err := c.Batch(ctx, connect.NewRequest(&distlockv1.BatchRequest{Calls: calls}))
	if err != nil {
		return nil, 0, err
	}
	defer s.Close()
	results := make([]*distlockv1.BatchResult, len(calls))
	messages := 0
	for s.Receive() {
		messages++
		for _, r := range s.Msg().GetResults() {
			results[r.GetIndex()] = r
		}
	}
	return results, messages, s.Err()
}

func cpuOf(b *testing.B, pid int) time.Duration {
	d, err := testproc.CPUTime(pid)
	if err != nil {
		b.Fatal(err)
	}
	return d
}

func ownCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
