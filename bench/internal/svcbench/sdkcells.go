package svcbench

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/distlock/distlock/bench/internal/contenders"
	"github.com/distlock/distlock/bench/internal/floor"
	"github.com/distlock/distlock/bench/internal/harness"
	"github.com/distlock/distlock/bench/internal/stats"
	"github.com/distlock/distlock/sdks/go/distlock"
)

// The Go SDK cells of issue 14, run after the service rows against the same `distlock
// serve` and nodes: the SDK with coalescing (its default) and without, side by side with
// the core called directly, with redsync, and with the HTTP floor (package floor), the
// least any HTTP service over the core costs here.
type sdkGroup struct {
	title    string
	workload harness.Workload
	c        int
	rows     []string
}

func sdkGroups() []sdkGroup {
	return []sdkGroup{
		{"distinct keys, c=64", harness.Distinct, 64, []string{NameCore, NameSDK, NameSDKUnary, NameFloor}},
		{"one hot key, c=16", harness.Hot, 16, []string{NameCore, NameSDK, NameSDKUnary, NameFloor}},
		{"distinct keys, c=16", harness.Distinct, 16, []string{NameRedsync, NameSDK, NameSDKUnary, NameFloor}},
		{"distinct keys, c=1", harness.Distinct, 1, []string{NameRedsync, NameSDK, NameSDKUnary, NameFloor}},
	}
}

// sdkCell is a cell of a group, with the HTTP requests the SDK sent during it.
type sdkCell struct {
	cell
	requests int64
}

// runSDK measures the groups, cfg.Reps times each, rows in rotated order.
func runSDK(ctx context.Context, cfg Config, base, floorURL string, nodes int, coreL contenders.Locker, meter cpuMeter, progress io.Writer) (string, error) {
	on, err := newSDKLocker(NameSDK, base, nodes)
	if err != nil {
		return "", err
	}
	defer on.Close()
	off, err := newSDKLocker(NameSDKUnary, base, nodes, distlock.WithoutCoalescing())
	if err != nil {
		return "", err
	}
	defer off.Close()
	rs := contenders.NewRedsync(meter.nodes.Addrs())
	defer rs.Close()
	fl := floor.NewLocker(NameFloor, floorURL, nodes, 64)
	defer fl.Close()
	byName := map[string]contenders.Locker{NameCore: renamed{coreL, NameCore}, NameSDK: on, NameSDKUnary: off, NameRedsync: rs, NameFloor: fl}

	var b strings.Builder
	fmt.Fprintf(&b, "### Go SDK through the service (issue 14; median of %d reps)\n\n", cfg.Reps)
	fmt.Fprintln(&b, "The SDK as Go programs use it (core.OpenClient over its Lessor, TryLock + Release, the SDK's default HTTP/1.1 transport), "+
		"with coalescing (default) and WithoutCoalescing, in the same run. CPU per pair: this process + `distlock serve` + Redis nodes. "+
		"calls/request: the SDK's lock calls (2 per pair) per HTTP request. "+
		"The HTTP floor is a net/http handler over the same core in a server process of its own (as `distlock serve` runs), "+
		"with binary bodies and no Connect, protobuf, auth, limits or metrics, called by a bare net/http client (bench/internal/floor): "+
		"the least any HTTP service over this core costs on this machine; in its row, serve is the floor server's CPU. "+
		"A target that the floor misses too is marked blocked. "+cfg.serveNote)
	results := map[string]map[string][]sdkCell{}
	for _, g := range sdkGroups() {
		results[g.title] = map[string][]sdkCell{}
		for r := range cfg.Reps {
			for _, name := range harness.Rotate(g.rows, r) {
				l := byName[name]
				var reqsBefore int64
				if s, ok := l.(*sdkLocker); ok {
					reqsBefore = s.counter.requests.Load()
				}
				before, err := meter.sample(ctx)
				if err != nil {
					return "", err
				}
				res := harness.RunCell(ctx, l, harness.CellSpec{Workload: g.workload, Concurrency: g.c, Rep: 100 + r,
					Duration: cfg.Duration, MaxPairs: cfg.MaxPairs, TTL: cfg.TTL, Grace: cfg.Grace, Stuck: progress})
				after, err := meter.sample(ctx)
				if err != nil {
					return "", err
				}
				c := sdkCell{cell: cell{res, after.sub(before)}}
				if s, ok := l.(*sdkLocker); ok {
					c.requests = s.counter.requests.Load() - reqsBefore
				}
				results[g.title][name] = append(results[g.title][name], c)
				fmt.Fprintf(progress, "sdk rep %d %-20s %-28s %9.0f pairs/s %7.0f handoffs/s p50 %-10v CPU/pair %-8v failed %d%s\n",
					r+1, g.title, name, res.PairsPerSec(), res.HandoffsPerSec(), res.P50, c.perPair(c.cpu.total()), res.Failed, errNote(res.FirstErr))
				if err := ctx.Err(); err != nil {
					return "", err
				}
			}
		}
		formatSDKGroup(&b, g, results[g.title])
	}
	formatSDKTargets(&b, results)
	sess, err := runSession(ctx, base, meter.nodes, cfg.SessionLocks)
	if err != nil {
		return "", err
	}
	b.WriteString(sess)
	return b.String(), nil
}

func formatSDKGroup(b *strings.Builder, g sdkGroup, rows map[string][]sdkCell) {
	fmt.Fprintf(b, "\n#### %s\n\n", g.title)
	fmt.Fprintln(b, "| path | pairs/s | p50 pair | p99 pair | handoffs/s | CPU/pair (bench + serve + Redis) | pairs per CPU-s | calls/request | failed | lock keys left |")
	fmt.Fprintln(b, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, name := range g.rows {
		cs := rows[name]
		var rates, handoffs, perCPU, callsPerReq []float64
		var p50, p99, cpu, benchCPU, serveCPU, redisCPU []time.Duration
		failed, left := 0, 0
		for _, c := range cs {
			rates, handoffs = append(rates, c.PairsPerSec()), append(handoffs, c.HandoffsPerSec())
			p50, p99, cpu = append(p50, c.P50), append(p99, c.P99), append(cpu, c.perPair(c.cpu.total()))
			benchCPU, serveCPU = append(benchCPU, c.perPair(c.cpu.bench)), append(serveCPU, c.perPair(c.cpu.server))
			redisCPU = append(redisCPU, c.perPair(c.cpu.redis))
			perCPU = append(perCPU, pairsPerCPU(c.cell))
			if c.requests > 0 {
				callsPerReq = append(callsPerReq, float64(2*c.Pairs)/float64(c.requests))
			}
			failed, left = failed+c.Failed, left+c.LockKeysLeft
		}
		us := func(ds []time.Duration) string { return stats.MedianDuration(ds).Round(time.Microsecond).String() }
		cpr := "-"
		if len(callsPerReq) > 0 {
			cpr = fmt.Sprintf("%.1f", stats.Median(callsPerReq))
		}
		fmt.Fprintf(b, "| %s | %.0f | %s | %s | %.0f | %s (%s + %s + %s) | %.0f | %s | %d | %d |\n", name, stats.Median(rates), us(p50), us(p99),
			stats.Median(handoffs), us(cpu), us(benchCPU), us(serveCPU), us(redisCPU), stats.Median(perCPU), cpr, failed, left)
	}
}

func pairsPerCPU(c cell) float64 {
	if t := c.cpu.total(); t > 0 {
		return float64(c.Pairs) / t.Seconds()
	}
	return 0
}

// formatSDKTargets judges issue 14's Go targets per repetition (median shown), for the
// SDK with coalescing and, as the "before", without.
func formatSDKTargets(b *strings.Builder, res map[string]map[string][]sdkCell) {
	g := sdkGroups()
	ratio := func(group, a, bn string, measure func(sdkCell) float64) float64 {
		xs, ys := res[group][a], res[group][bn]
		var rs []float64
		for i := range min(len(xs), len(ys)) {
			if d := measure(ys[i]); d > 0 {
				rs = append(rs, measure(xs[i])/d)
			}
		}
		return stats.Median(rs)
	}
	perCPU := func(c sdkCell) float64 { return pairsPerCPU(c.cell) }
	handoffs := func(c sdkCell) float64 { return c.HandoffsPerSec() }
	rate := func(c sdkCell) float64 { return c.PairsPerSec() }
	p50 := func(c sdkCell) float64 { return float64(c.P50) }
	// A target the floor misses as well is out of reach of any HTTP service over the
	// core on this machine: blocked, not missed.
	verdict := func(ok, floorOK bool) string {
		switch {
		case ok:
			return "met"
		case !floorOK:
			return "**BLOCKED** (floor misses)"
		}
		return "**MISSED**"
	}
	fmt.Fprintln(b)
	fmt.Fprintln(b, "| target (ratios per repetition, median) | coalescing | verdict | WithoutCoalescing | HTTP floor |")
	fmt.Fprintln(b, "|---|---:|---|---:|---:|")
	row := func(name string, group, peer string, measure func(sdkCell) float64, ok func(float64) bool) {
		on, off := ratio(group, NameSDK, peer, measure), ratio(group, NameSDKUnary, peer, measure)
		fl := ratio(group, NameFloor, peer, measure)
		v := "info"
		if ok != nil {
			v = verdict(ok(on), ok(fl))
		}
		fmt.Fprintf(b, "| %s | %.2fx | %s | %.2fx | %.2fx |\n", name, on, v, off, fl)
	}
	row("c=64 distinct: pairs per CPU-second ≥ 0.5x core direct", g[0].title, NameCore, perCPU, func(x float64) bool { return x >= 0.5 })
	row("hot key c=16: handoffs/s ≥ 0.6x core direct", g[1].title, NameCore, handoffs, func(x float64) bool { return x >= 0.6 })
	row("c=16 distinct: pairs/s ≥ 1.0x redsync", g[2].title, NameRedsync, rate, func(x float64) bool { return x >= 1.0 })
	row("c=1: p50 of a pair ≤ 3x redsync's", g[3].title, NameRedsync, p50, func(x float64) bool { return x <= 3 })
	row("c=64 distinct: pairs/s vs core direct", g[0].title, NameCore, rate, nil)
}
