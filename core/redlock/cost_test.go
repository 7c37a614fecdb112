package redlock

import (
	"context"
	"maps"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
)

// TestCostPerPair pins what one acquire+release pair costs each of 3 redis-server
// nodes at c=1, so that an extra round trip or an extra command inside a script fails
// a test and not only a benchmark (issue 16). Per node, counted with a hook on the
// node's client (round trips: one per pipeline or lone command sent) and with INFO
// commandstats deltas (EVALSHA calls and the commands the scripts run):
//
//	reused key (steady state, as BenchmarkPairs' distinct keys), per pair:
//	  2 round trips: acquire.lua, release.lua; 2 EVALSHA
//	  acquire.lua: MGET, HINCRBY, SET (+ PEXPIRE when the fence is a multiple of 64)
//	  release.lua: GET, DEL
//	  = 5 commands in scripts (+1 every 64th pair)
//
//	fresh key (first acquisition of a name, with a quarantine: the nodes' seeds are
//	rounded to a grain of up to 1 s, attempt_fence.go), per pair:
//	  2 round trips: acquire.lua, release.lua; 2 EVALSHA
//	  acquire.lua: MGET, HINCRBY, TIME, HSET, PEXPIRE, SET          (6)
//	  release.lua: GET, DEL                                          (2)
//	or, when the nodes' clocks straddle a grain boundary (rare: at most one pair of the
//	five here), a fencing round between them, 3 round trips / 3 EVALSHA:
//	  confirm.lua: GET, HGET, HSET (not on the node that had the max), PEXPIRE, SET (4-5)
//	(Without a quarantine the seeds are not rounded and differ in almost every pair.)
//
//	hand-over to a waiter of the same Client (one Release), per node:
//	  1 round trip: transfer.lua; 1 EVALSHA
//	  transfer.lua: MGET, EXISTS, HINCRBY, SET (+ PEXPIRE every 64th fence) = 4
func TestCostPerPair(t *testing.T) {
	cluster := realNodes(t, 3)
	addrs := cluster.Addrs()
	// A quarantine, as in production, over nodes initialised as new (trusted at once).
	c := newClient(t, addrs, WithQuarantine(time.Minute))
	if err := c.InitNodes(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	trips := countTrips(c)
	scripts := hookScripts(c)
	meter := newCmdMeter(t, addrs)
	pair := func(resource string) driver.Lease {
		t.Helper()
		l := mustAcquire(t, c, resource, lopts(core.MinTTL))
		if err := c.Release(ctxT(t), l); err != nil {
			t.Fatal(err)
		}
		return l
	}
	pair("reused") // loads the scripts, creates the counters, trusts the epochs

	t.Run("reused key", func(t *testing.T) {
		const pairs = 50
		from := fenceCounters(t, addrs, "reused")
		meter.reset(t)
		before := trips.snapshot()
		for range pairs {
			pair("reused")
		}
		for i := range addrs {
			wantTrips(t, i, trips.since(before)[i], 2*pairs)
			wantCmds(t, i, meter.read(t, i), map[string]int{
				"evalsha": 2 * pairs, "mget": pairs, "hincrby": pairs, "set": pairs,
				"pexpire": multiplesOf64(from[i]+1, from[i]+pairs), "get": pairs, "del": pairs,
			})
		}
	})

	t.Run("fresh key", func(t *testing.T) {
		straddled := 0
		for n := range 5 {
			meter.reset(t)
			before := trips.snapshot()
			confirmed := sent(scripts, confirmScript)
			pair("fresh" + strconv.Itoa(n))
			confirms := sent(scripts, confirmScript) - confirmed
			got := trips.since(before)
			cmds := make([]map[string]int, len(addrs))
			for i := range addrs {
				cmds[i] = meter.read(t, i)
			}
			switch confirms {
			case 0: // the nodes seeded alike: no fencing round
				for i := range addrs {
					wantTrips(t, i, got[i], 2)
					wantCmds(t, i, cmds[i], map[string]int{"evalsha": 2, "mget": 1, "hincrby": 1,
						"time": 1, "hset": 1, "pexpire": 1, "set": 1, "get": 1, "del": 1})
				}
			case len(addrs):
				if straddled++; straddled > 1 {
					t.Errorf("fresh key %d: a fencing round in %d of the pairs, want at most 1", n, straddled)
				}
				hsets := 0
				for i := range addrs {
					wantTrips(t, i, got[i], 3)
					hsets += cmds[i]["hset"]
					delete(cmds[i], "hset") // 2 on the nodes below the max, 1 on the other
					wantCmds(t, i, cmds[i], map[string]int{"evalsha": 3, "mget": 1, "hincrby": 1,
						"time": 1, "pexpire": 2, "set": 2, "get": 2, "hget": 1, "del": 1})
				}
				if hsets != 2*len(addrs)-1 {
					t.Errorf("%d HSET over the nodes, want %d", hsets, 2*len(addrs)-1)
				}
			default:
				t.Errorf("confirm.lua sent to %d nodes, want 0 or %d", confirms, len(addrs))
			}
		}
	})

	t.Run("hand-over", func(t *testing.T) {
		ch := startChain(t, c, "handover", driver.LeaseOptions{TTL: core.MinTTL, Wait: -1})
		ch.pass()
		const handovers = 20
		for range handovers {
			ch.queue()
			from := fenceCounters(t, addrs, "handover")
			meter.reset(t)
			before := trips.snapshot()
			ch.pass()
			for i, n := range trips.since(before) {
				wantTrips(t, i, n, 1)
			}
			for i := range addrs {
				wantCmds(t, i, meter.read(t, i), map[string]int{"evalsha": 1, "mget": 1,
					"exists": 1, "hincrby": 1, "set": 1, "pexpire": multiplesOf64(from[i]+1, from[i]+1)})
			}
		}
		ch.stop()
	})
}

// fenceCounters reads resource's fence counter on each node. A node may lag behind the
// lease's fence (a minority seed below the quorum's needs no fencing round), so the
// counter expiry refreshes (every 64th value) are counted by each node's own counter.
func fenceCounters(t *testing.T, addrs []string, resource string) []int64 {
	t.Helper()
	k := keysFor(DefaultKeyPrefix, resource)
	out := make([]int64, len(addrs))
	for i, a := range addrs {
		rdb := redis.NewClient(&redis.Options{Addr: a, Protocol: 2})
		n, err := rdb.HGet(context.Background(), k.fence, k.fenceField).Int64()
		rdb.Close()
		if err != nil {
			t.Fatalf("%s: %v", a, err)
		}
		out[i] = n
	}
	return out
}

// multiplesOf64 counts the multiples of 64 in [lo, hi].
func multiplesOf64(lo, hi int64) int {
	return int(hi/64 - (lo-1)/64)
}

func wantTrips(t *testing.T, node, got, want int) {
	t.Helper()
	if got != want {
		t.Errorf("node %d: %d round trips, want %d", node, got, want)
	}
}

func wantCmds(t *testing.T, node int, got, want map[string]int) {
	t.Helper()
	maps.DeleteFunc(want, func(_ string, n int) bool { return n == 0 })
	if !maps.Equal(got, want) {
		t.Errorf("node %d ran %v, want %v", node, got, want)
	}
}

// tripHook counts the round trips a node's client makes: one per pipeline and one
// per command sent alone.
type tripHook struct{ n atomic.Int64 }

func (h *tripHook) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *tripHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmd)
	}
}
func (h *tripHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmds)
	}
}

type tripHooks []*tripHook

func countTrips(c *Client) tripHooks {
	hs := make(tripHooks, len(c.net.nodes))
	for i, n := range c.net.nodes {
		hs[i] = &tripHook{}
		n.rdb.AddHook(hs[i])
	}
	return hs
}

func (hs tripHooks) snapshot() []int {
	out := make([]int, len(hs))
	for i, h := range hs {
		out[i] = int(h.n.Load())
	}
	return out
}

func (hs tripHooks) since(before []int) []int {
	out := hs.snapshot()
	for i := range out {
		out[i] -= before[i]
	}
	return out
}

// cmdMeter reads the nodes' INFO commandstats, on connections of its own whose
// commands (CONFIG, INFO) it leaves out.
type cmdMeter struct{ nodes []*redis.Client }

func newCmdMeter(t *testing.T, addrs []string) *cmdMeter {
	m := &cmdMeter{}
	for _, a := range addrs {
		rdb := redis.NewClient(&redis.Options{Addr: a, Protocol: 2})
		t.Cleanup(func() { rdb.Close() })
		m.nodes = append(m.nodes, rdb)
	}
	return m
}

func (m *cmdMeter) reset(t *testing.T) {
	t.Helper()
	for _, rdb := range m.nodes {
		if err := rdb.ConfigResetStat(context.Background()).Err(); err != nil {
			t.Fatal(err)
		}
	}
}

// read returns the calls per command (lower case) since the last reset.
func (m *cmdMeter) read(t *testing.T, node int) map[string]int {
	t.Helper()
	calls := map[string]int{}
	for name, s := range nodeCmdStats(t, m.nodes[node]) {
		if !strings.HasPrefix(name, "config") && name != "info" {
			calls[name] = s.calls
		}
	}
	return calls
}

type cmdStat struct {
	calls int
	usec  int64
}

// nodeCmdStats parses INFO commandstats: "cmdstat_<name>:calls=N,usec=U,...".
func nodeCmdStats(t testing.TB, rdb *redis.Client) map[string]cmdStat {
	t.Helper()
	s, err := rdb.Info(context.Background(), "commandstats").Result()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]cmdStat{}
	for line := range strings.SplitSeq(s, "\r\n") {
		name, rest, ok := strings.Cut(strings.TrimPrefix(line, "cmdstat_"), ":")
		if !ok || !strings.HasPrefix(line, "cmdstat_") {
			continue
		}
		var st cmdStat
		for kv := range strings.SplitSeq(rest, ",") {
			k, v, _ := strings.Cut(kv, "=")
			switch k {
			case "calls":
				st.calls, _ = strconv.Atoi(v)
			case "usec":
				st.usec, _ = strconv.ParseInt(v, 10, 64)
			}
		}
		out[name] = st
	}
	return out
}
