package svcbench

import (
	"fmt"
	"strings"
	"time"

	"github.com/distlock/distlock/bench/internal/harness"
	"github.com/distlock/distlock/bench/internal/stats"
)

// cell is one measured cell and the CPU time each party spent during it.
type cell struct {
	harness.CellResult
	cpu cpuTimes
}

// perPair divides a cell's CPU time by its pairs.
func (c cell) perPair(d time.Duration) time.Duration {
	if c.Pairs == 0 {
		return 0
	}
	return d / time.Duration(c.Pairs)
}

// format renders the service table and its two targets.
func format(cells []cell, cfg Config) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### Service: Acquire+Release pairs, distinct keys, c=%d (median of %d reps)\n\n", cfg.Concurrency, cfg.Reps)
	fmt.Fprintln(&b, "CPU per pair: bench = this process (the callers: the Connect client, or the core for core direct); "+
		"serve = the `distlock serve` process; Redis = the nodes, summed. "+cfg.serveNote)
	fmt.Fprintln(&b)
	fmt.Fprintln(&b, "| path | pairs/s | p50 pair | p99 pair | CPU/pair bench | serve | Redis | total | failed |")
	fmt.Fprintln(&b, "|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	byName := map[string][]cell{}
	for _, c := range cells {
		byName[c.Impl] = append(byName[c.Impl], c)
	}
	for _, name := range []string{NameCore, NameBinary, NameJSON, NameBinaryH1, NameJSONH1} {
		rs := byName[name]
		if len(rs) == 0 {
			continue
		}
		var rates []float64
		var p50, p99, bench, serve, redis, total []time.Duration
		failed := 0
		for _, c := range rs {
			rates, p50, p99 = append(rates, c.PairsPerSec()), append(p50, c.P50), append(p99, c.P99)
			bench, serve = append(bench, c.perPair(c.cpu.bench)), append(serve, c.perPair(c.cpu.server))
			redis, total = append(redis, c.perPair(c.cpu.redis)), append(total, c.perPair(c.cpu.total()))
			failed += c.Failed
		}
		us := func(ds []time.Duration) string { return stats.MedianDuration(ds).Round(time.Microsecond).String() }
		fmt.Fprintf(&b, "| %s | %.0f | %v | %v | %s | %s | %s | %s | %d |\n", name, stats.Median(rates),
			us(p50), us(p99), us(bench), us(serve), us(redis), us(total), failed)
	}
	// ratio is the median over repetitions of a's measure over b's.
	ratio := func(a, b string, measure func(cell) float64) float64 {
		var rs []float64
		for i := range min(len(byName[a]), len(byName[b])) {
			if d := measure(byName[b][i]); d > 0 {
				rs = append(rs, measure(byName[a][i])/d)
			}
		}
		return stats.Median(rs)
	}
	rate := func(c cell) float64 { return c.PairsPerSec() }
	// The pairs/s one CPU-second buys: the rate at equal, saturated CPU.
	perCPU := func(c cell) float64 {
		if t := c.cpu.total(); t > 0 {
			return float64(c.Pairs) / t.Seconds()
		}
		return 0
	}
	verdict := func(ok bool) string {
		if ok {
			return "met"
		}
		return "**MISSED**"
	}
	svc, js := ratio(NameBinary, NameCore, rate), ratio(NameJSON, NameBinary, rate)
	fmt.Fprintln(&b)
	fmt.Fprintln(&b, "| target (ratios per repetition, median) | measured | verdict |")
	fmt.Fprintln(&b, "|---|---:|---|")
	fmt.Fprintf(&b, "| service (binary, h2c) ≥ 0.5x core direct | %.2fx | %s |\n", svc, verdict(svc >= 0.5))
	fmt.Fprintf(&b, "| JSON ≥ 0.8x binary (h2c) | %.2fx | %s |\n", js, verdict(js >= 0.8))
	fmt.Fprintf(&b, "| (HTTP/1.1) binary vs core; JSON vs binary | %.2fx; %.2fx | info |\n",
		ratio(NameBinaryH1, NameCore, rate), ratio(NameJSONH1, NameBinaryH1, rate))
	fmt.Fprintf(&b, "| (at equal CPU: pairs per CPU-second) binary h2c vs core; JSON vs binary h2c; binary HTTP/1.1 vs core | %.2fx; %.2fx; %.2fx | info |\n",
		ratio(NameBinary, NameCore, perCPU), ratio(NameJSON, NameBinary, perCPU), ratio(NameBinaryH1, NameCore, perCPU))
	return b.String()
}
