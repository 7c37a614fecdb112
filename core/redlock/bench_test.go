package redlock

import (
	"context"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
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
				// Each goroutine loops on its own key, as in bench/'s distinct workload.
				key := func() string {
					if hot {
						return "hot"
					}
					return "k" + strconv.FormatInt(seq.Add(1), 10)
				}
				cpu := startCPU(b, cluster.Addrs())
				b.ResetTimer()
				if conc == 1 {
					// RunParallel starts at least GOMAXPROCS goroutines: c=1 would be c=2
					// on two cores.
					pairs(b, c, key(), func() bool { return b.Loop() })
				} else {
					b.SetParallelism(max(conc/runtimeProcs(), 1))
					b.RunParallel(func(pb *testing.PB) { pairs(b, c, key(), pb.Next) })
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pairs/s")
				cpu.report(b)
			})
		}
	}
}

// pairs takes and releases resource on c until next reports false.
func pairs(b *testing.B, c *Client, resource string, next func() bool) {
	ctx := context.Background()
	for next() {
		l, err := c.Acquire(ctx, resource, driver.LeaseOptions{TTL: core.DefaultTTL, Wait: -1})
		if err != nil {
			b.Error(err)
			return
		}
		if err := c.Release(ctx, l); err != nil {
			b.Error(err)
			return
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
		pairs(b, <-cs, "hot-across", pb.Next) // one Client per goroutine
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pairs/s")
}

// cpuMeter measures the CPU time a benchmark spends per op in this process (the
// client) and in the Redis servers: on a shared machine, throughput varies with the
// other load, CPU per op much less.
type cpuMeter struct {
	nodes         []*redis.Client
	client, redis time.Duration
}

func startCPU(b *testing.B, addrs []string) *cpuMeter {
	m := &cpuMeter{}
	for _, a := range addrs {
		rdb := redis.NewClient(&redis.Options{Addr: a})
		b.Cleanup(func() { rdb.Close() })
		m.nodes = append(m.nodes, rdb)
	}
	m.client, m.redis = processCPU(b), m.redisCPU(b)
	return m
}

func (m *cpuMeter) report(b *testing.B) {
	perOp := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(b.N) }
	b.ReportMetric(perOp(processCPU(b)-m.client), "client-cpu-µs/op")
	b.ReportMetric(perOp(m.redisCPU(b)-m.redis), "redis-cpu-µs/op")
}

func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// redisCPU is the CPU time used so far by every node, from INFO cpu.
func (m *cpuMeter) redisCPU(b *testing.B) time.Duration {
	var total time.Duration
	for _, rdb := range m.nodes {
		info, err := rdb.Info(context.Background(), "cpu").Result()
		if err != nil {
			b.Fatal(err)
		}
		for _, line := range strings.Split(info, "\r\n") {
			name, v, _ := strings.Cut(line, ":")
			if name == "used_cpu_sys" || name == "used_cpu_user" {
				s, err := strconv.ParseFloat(v, 64)
				if err != nil {
					b.Fatal(err)
				}
				total += time.Duration(s * float64(time.Second))
			}
		}
	}
	return total
}
