package redlock

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/distlock/distlock/core/driver"
)

// BenchmarkList1000 lists 1,000 locks held on 3 real redis-server nodes, in pages of
// 1,000 and of the default 100, and reports the Redis commands one full listing costs:
// SCAN and EVALSHA calls sent, and every command the nodes ran (the scripts' GET and
// PEXPIRETIME included).
func BenchmarkList1000(b *testing.B) {
	cluster := realNodes(b, 3)
	c := newClient(b, cluster.Addrs())
	for i := range 1000 {
		mustAcquire(b, c, fmt.Sprintf("jobs/%04d", i), lopts(driver.MaxTTL))
	}
	rdbs := make([]*redis.Client, 0, 3)
	for _, a := range cluster.Addrs() {
		rdb := redis.NewClient(&redis.Options{Addr: a})
		b.Cleanup(func() { rdb.Close() })
		rdbs = append(rdbs, rdb)
	}
	for _, size := range []int{driver.MaxListPage, driver.DefaultListPage} {
		b.Run(fmt.Sprintf("page=%d", size), func(b *testing.B) {
			before := commandStats(b, rdbs)
			for b.Loop() {
				if got, _, _ := listAll(b, c, "jobs/", size); len(got) != 1000 {
					b.Fatalf("listed %d locks", len(got))
				}
			}
			b.StopTimer()
			after := commandStats(b, rdbs)
			n := float64(b.N)
			b.ReportMetric(float64(after["scan"]-before["scan"])/n, "scan/op")
			b.ReportMetric(float64(after["evalsha"]-before["evalsha"])/n, "evalsha/op")
			b.ReportMetric(float64(after[""]-before[""]-int64(len(rdbs)))/n, "redis-cmds/op")
		})
	}
}

var cmdstat = regexp.MustCompile(`cmdstat_(\w+):calls=(\d+)`)

// commandStats sums each command's calls over the nodes, and all of them under "".
func commandStats(b *testing.B, rdbs []*redis.Client) map[string]int64 {
	out := map[string]int64{}
	for _, rdb := range rdbs {
		info, err := rdb.Info(context.Background(), "commandstats").Result()
		if err != nil {
			b.Fatal(err)
		}
		for _, m := range cmdstat.FindAllStringSubmatch(info, -1) {
			calls, _ := strconv.ParseInt(m[2], 10, 64)
			out[m[1]] += calls
			out[""] += calls
		}
	}
	return out
}
