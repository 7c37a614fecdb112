package redlock

import (
	"context"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/distlock/distlock/core"
)

// BenchmarkPairs measures acquire+release pairs over three redis-server processes, on
// distinct keys and on one hot key, from one Client at several concurrencies. The
// project's side-by-side benchmark with redsync and raw go-redis lives in bench/.
//
//	go test -run '^$' -bench Pairs -benchtime 3s ./core/redlock/
func BenchmarkPairs(b *testing.B) {
	cluster := realNodes(b, 3)
	for _, hot := range []bool{false, true} {
		for _, conc := range []int{1, 16, 128} {
			name := "distinct"
			if hot {
				name = "hot"
			}
			b.Run(name+"/c="+strconv.Itoa(conc), func(b *testing.B) {
				c := newClient(b, cluster.Addrs())
				var seq atomic.Int64
				b.SetParallelism(max(conc/runtimeProcs(), 1))
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					ctx := context.Background()
					// Each goroutine loops on its own key, as in bench/'s distinct workload.
					r := "hot"
					if !hot {
						r = "k" + strconv.FormatInt(seq.Add(1), 10)
					}
					for pb.Next() {
						l, err := c.Acquire(ctx, r, core.LeaseOptions{TTL: core.DefaultTTL, Wait: -1})
						if err != nil {
							b.Error(err)
							return
						}
						if err := c.Release(ctx, l); err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pairs/s")
			})
		}
	}
}

func runtimeProcs() int { return runtime.GOMAXPROCS(0) }

// BenchmarkHotKeyAcrossClients measures pairs/s on one hot key contended by 16 Clients
// (as 16 processes would), one goroutine each: votes split between them, and only the
// back-off keeps them from livelocking.
//
//	go test -run '^$' -bench HotKeyAcrossClients -benchtime 3s ./core/redlock/
func BenchmarkHotKeyAcrossClients(b *testing.B) {
	cluster := realNodes(b, 3)
	const clients = 16
	cs := make(chan *Client, clients)
	for range clients {
		cs <- newClient(b, cluster.Addrs())
	}
	b.SetParallelism(max(clients/runtimeProcs(), 1))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		c := <-cs // one Client per goroutine
		ctx := context.Background()
		for pb.Next() {
			l, err := c.Acquire(ctx, "hot-across", core.LeaseOptions{TTL: core.DefaultTTL, Wait: -1})
			if err != nil {
				b.Error(err)
				return
			}
			if err := c.Release(ctx, l); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pairs/s")
}
