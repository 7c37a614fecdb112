package harness

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/distlock/distlock/bench/internal/stats"
)

// cellKey groups the repetitions of one cell.
type cellKey struct {
	w    Workload
	c    int
	impl string
}

// group returns the repetitions of every cell, in first-run order.
func (r *Report) group() ([]cellKey, map[cellKey][]CellResult) {
	var order []cellKey
	m := map[cellKey][]CellResult{}
	for _, c := range r.Cells {
		k := cellKey{c.Workload, c.Concurrency, c.Impl}
		if _, ok := m[k]; !ok {
			order = append(order, k)
		}
		m[k] = append(m[k], c)
	}
	// Stable presentation: workload, then concurrency, then implementation name order
	// of first appearance within that block.
	slices.SortStableFunc(order, func(a, b cellKey) int {
		if a.w != b.w {
			return strings.Compare(string(a.w), string(b.w))
		}
		return a.c - b.c
	})
	return order, m
}

// WriteMarkdown prints the report's tables.
func (r *Report) WriteMarkdown(w io.Writer) {
	order, cells := r.group()
	fmt.Fprintln(w, "### Lock cells (median of the repetitions; pairs/s range in brackets)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| workload | c | impl | pairs/s | p50 pair | p99 pair | handoffs/s | handoff p50 | handoff p99 | workers served | pairs per worker | Redis CPU per pair | Redis script time per pair | failed acquires | lock keys left |")
	fmt.Fprintln(w, "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, k := range order {
		rs := cells[k]
		var rates, handRates, minPW, maxPW []float64
		var p50, p99, h50, h99, cpu, scripts []time.Duration
		failed, left, handoffs, served := 0, 0, 0, []float64{}
		for _, c := range rs {
			rates = append(rates, c.PairsPerSec())
			handRates = append(handRates, c.HandoffsPerSec())
			minPW, maxPW = append(minPW, float64(c.MinPerWorker)), append(maxPW, float64(c.MaxPerWorker))
			p50, p99 = append(p50, c.P50), append(p99, c.P99)
			cpu, scripts = append(cpu, c.RedisCPUPerPair()), append(scripts, c.RedisScriptsPerPair())
			if c.Handoffs > 0 {
				h50, h99 = append(h50, c.HandoffP50), append(h99, c.HandoffP99)
			}
			failed += c.Failed
			left += c.LockKeysLeft
			handoffs += c.Handoffs
			served = append(served, float64(c.Served))
		}
		handRate, hand50, hand99 := "-", "-", "-"
		if handoffs > 0 {
			handRate = fmtRate(stats.Median(handRates))
			hand50, hand99 = fmtDur(stats.MedianDuration(h50)), fmtDur(stats.MedianDuration(h99))
		}
		fmt.Fprintf(w, "| %s | %d | %s | %s [%s–%s] | %s | %s | %s | %s | %s | %.0f/%d | %.0f–%.0f | %s | %s | %d | %d |\n",
			k.w, k.c, k.impl, fmtRate(stats.Median(rates)), fmtRate(slices.Min(rates)), fmtRate(slices.Max(rates)),
			fmtDur(stats.MedianDuration(p50)), fmtDur(stats.MedianDuration(p99)), handRate, hand50, hand99,
			stats.Median(served), k.c, stats.Median(minPW), stats.Median(maxPW),
			fmtDur(stats.MedianDuration(cpu)), fmtDur(stats.MedianDuration(scripts)), failed, left)
	}
	if len(r.Memory) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "### Redis memory per lock (INFO used_memory delta / locks / nodes written)")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| impl | locks held | bytes per held lock per node | bytes left per released lock per node | lock keys left |")
		fmt.Fprintln(w, "|---|---:|---:|---:|---:|")
		for _, m := range r.Memory {
			fmt.Fprintf(w, "| %s | %d | %.0f | %.0f | %d |\n", m.Impl, m.Locks, m.HeldPerLock, m.ResidualPerLock, m.LockKeysLeft)
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Keys on the nodes at the end: %d lock keys, %d other keys (fence counters, epoch markers).\n", r.LockKeys, r.OtherKeys)
	if t := r.Targets(); len(t) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "### Targets (ratios computed per repetition, within one run; median shown)")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| target | measured | verdict |")
		fmt.Fprintln(w, "|---|---:|---|")
		for _, x := range t {
			fmt.Fprintf(w, "| %s | %s | %s |\n", x.Name, x.Measured, verdict(x.Met))
		}
	}
	if r.Extra != "" {
		fmt.Fprintln(w)
		fmt.Fprint(w, r.Extra)
	}
}

func verdict(met bool) string {
	if met {
		return "met"
	}
	return "**MISSED**"
}

func fmtRate(r float64) string {
	switch {
	case r >= 10000:
		return fmt.Sprintf("%.1fk", r/1000)
	case r >= 100:
		return fmt.Sprintf("%.0f", r)
	default:
		return fmt.Sprintf("%.1f", r)
	}
}

func fmtDur(d time.Duration) string {
	switch {
	case d == 0:
		return "-"
	case d < time.Millisecond:
		return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond))
	case d < time.Second:
		return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
}
