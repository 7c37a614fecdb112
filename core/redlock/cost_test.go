package redlock

import (
	"context"
	"maps"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

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
//	fresh key (first acquisition of a name), per pair, either
//	  3 round trips: acquire.lua, confirm.lua, release.lua; 3 EVALSHA — when the nodes'
//	  seeds (their clocks in µs) differ, almost always
//	  acquire.lua: MGET, HINCRBY, TIME, HSET, PEXPIRE, SET          (6)
//	  confirm.lua: GET, HGET, HSET (not on the node that had the max), PEXPIRE, SET (4-5)
//	  release.lua: GET, DEL                                          (2)
//	or, when two nodes seeded the same µs, the reused key's 2 round trips with the
//	acquire.lua above.
//
//	hand-over to a waiter of the same Client (one Release), per node:
//	  1 round trip: transfer.lua; 1 EVALSHA
//	  transfer.lua: MGET, EXISTS, HINCRBY, SET (+ PEXPIRE every 64th fence) = 4
//
// Today's fresh-key pair is where the fencing round (confirm.lua) costs a third round
// trip: see issue 16's "fold the fencing step into the acquire's round".
func TestCostPerPair(t *testing.T) {
	cluster := realNodes(t, 3)
	addrs := cluster.Addrs()
	c := newClient(t, addrs)
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
	pair("reused") // loads the scripts, creates the epochs, makes the counters agree

	t.Run("reused key", func(t *testing.T) {
		const pairs = 50
		meter.reset(t)
		before := trips.snapshot()
		every64 := 0
		for range pairs {
			if pair("reused").Fence%64 == 0 {
				every64++
			}
		}
		for i := range addrs {
			wantTrips(t, i, trips.since(before)[i], 2*pairs)
			wantCmds(t, i, meter.read(t, i), map[string]int{
				"evalsha": 2 * pairs, "mget": pairs, "hincrby": pairs, "set": pairs,
				"pexpire": every64, "get": pairs, "del": pairs,
			})
		}
	})

	t.Run("fresh key", func(t *testing.T) {
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
			case 0: // two nodes seeded the same microsecond: no fencing round
				for i := range addrs {
					wantTrips(t, i, got[i], 2)
					wantCmds(t, i, cmds[i], map[string]int{"evalsha": 2, "mget": 1, "hincrby": 1,
						"time": 1, "hset": 1, "pexpire": 1, "set": 1, "get": 1, "del": 1})
				}
			case len(addrs):
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
		ch.pass() // the counters agree from here on
		const handovers = 20
		every64 := 0
		for range handovers {
			ch.queue()
			meter.reset(t)
			before := trips.snapshot()
			ch.pass()
			if ch.cur.Fence%64 == 0 {
				every64++
			}
			for i, n := range trips.since(before) {
				wantTrips(t, i, n, 1)
			}
			for i := range addrs {
				wantCmds(t, i, meter.read(t, i), map[string]int{"evalsha": 1, "mget": 1,
					"exists": 1, "hincrby": 1, "set": 1, "pexpire": boolInt(ch.cur.Fence%64 == 0)})
			}
		}
		ch.stop()
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
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
