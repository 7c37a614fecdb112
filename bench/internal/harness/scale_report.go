package harness

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/distlock/distlock/bench/internal/stats"
)

// medianOf is the median of f over xs.
func medianOf[T any](xs []T, f func(T) float64) float64 {
	vs := make([]float64, len(xs))
	for i, x := range xs {
		vs[i] = f(x)
	}
	return stats.Median(vs)
}

// rangeOf is "median [min–max]" of a rate f over xs.
func rangeOf[T any](xs []T, f func(T) float64) string {
	if len(xs) == 0 {
		return "-"
	}
	vs := make([]float64, len(xs))
	for i, x := range xs {
		vs[i] = f(x)
	}
	return fmt.Sprintf("%s [%s–%s]", fmtRate(stats.Median(vs)), fmtRate(slices.Min(vs)), fmtRate(slices.Max(vs)))
}

func medDur[T any](xs []T, f func(T) time.Duration) string {
	return fmtDur(time.Duration(medianOf(xs, func(x T) float64 { return float64(f(x)) })))
}

// perNode prints one figure per node, "a / b / c".
func perNode(vs []float64, format string) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = fmt.Sprintf(format, v)
	}
	return strings.Join(parts, " / ")
}

// WriteMarkdown prints the scale cells' tables.
func (r *ScaleReport) WriteMarkdown(w io.Writer) {
	if r.Held != nil {
		r.Held.writeMarkdown(w, r.Config)
	}
	if len(r.Waiters) > 0 {
		writeWaiters(w, r.Waiters)
	}
	if len(r.Nodes) > 0 {
		writeNodes(w, r.Nodes, r.Config)
	}
	fmt.Fprintf(w, "Lock keys on the nodes at the end: %d.\n", r.LockKeys)
}

func writePairs(w io.Writer, label string, runs []PairsRun, keys int) {
	var failed int
	for _, p := range runs {
		keys += p.Cell.LockKeysLeft
		failed += p.Cell.Failed
	}
	fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %d | %d |\n", label,
		rangeOf(runs, func(p PairsRun) float64 { return p.Cell.PairsPerSec() }),
		medDur(runs, func(p PairsRun) time.Duration { return p.Cell.P50 }),
		medDur(runs, func(p PairsRun) time.Duration { return p.Cell.P99 }),
		medDur(runs, func(p PairsRun) time.Duration { return per(p.Use.ClientCPU, p.Cell.Pairs) }),
		medDur(runs, func(p PairsRun) time.Duration { return p.Cell.RedisCPUPerPair() }),
		fmtRate(medianOf(runs, func(p PairsRun) float64 { return p.Use.CommandsPerSec() })),
		failed, keys)
}

func (h *HeldResult) writeMarkdown(w io.Writer, cfg ScaleConfig) {
	fmt.Fprintf(w, "### %d held locks (core/redlock, %d nodes, lease TTL %v)\n\n", h.Locks, scaleNodes, h.TTL)
	fmt.Fprintf(w, "Distinct-keys pairs at c=%d (median of %d reps; range in brackets), before the locks were taken, while all are held, after all were released:\n\n", cfg.Concurrency, len(h.Held))
	fmt.Fprintln(w, "| locks held | pairs/s | p50 pair | p99 pair | client CPU per pair | Redis CPU per pair | commands/s per node | failed | keys left |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	writePairs(w, "none (before)", h.Before, 0)
	writePairs(w, fmt.Sprint(h.Locks), h.Held, h.HeldKeysLeft)
	writePairs(w, "none (after)", h.After, 0)

	fmt.Fprintln(w)
	fmt.Fprintf(w, "Extends at c=%d: the workers take turns over the leases held, each Extend one round trip to every node:\n\n", cfg.Concurrency)
	fmt.Fprintln(w, "| leases extended | extends/s | p50 extend | p99 extend | client CPU per extend | Redis CPU per extend | commands/s per node | failed |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|")
	for _, es := range [][]ExtendResult{h.ExtendBase, h.ExtendHeld} {
		if len(es) == 0 {
			continue
		}
		failed := 0
		for _, e := range es {
			failed += e.Failed
		}
		fmt.Fprintf(w, "| %d | %s | %s | %s | %s | %s | %s | %d |\n", es[0].Held,
			rangeOf(es, ExtendResult.PerSec),
			medDur(es, func(e ExtendResult) time.Duration { return e.P50 }),
			medDur(es, func(e ExtendResult) time.Duration { return e.P99 }),
			medDur(es, func(e ExtendResult) time.Duration { return per(e.Use.ClientCPU, e.Extends) }),
			medDur(es, func(e ExtendResult) time.Duration { return per(e.Use.TotalRedisCPU(), e.Extends) }),
			fmtRate(medianOf(es, func(e ExtendResult) float64 { return e.Use.CommandsPerSec() })), failed)
	}
	if len(h.ExtendHeld) > 0 {
		got := medianOf(h.ExtendHeld, ExtendResult.PerSec)
		cpu := time.Duration(medianOf(h.ExtendHeld, func(e ExtendResult) float64 { return float64(per(e.Use.TotalRedisCPU(), e.Extends)) }))
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Renewal traffic to keep them all alive (each lease extended every TTL/3, the client policy's period):")
		fmt.Fprintln(w)
		fmt.Fprintf(w, "| lease TTL | extends/s needed | needed ÷ achieved (%d leases, c=%d) | Redis CPU needed per node |\n", h.Locks, cfg.Concurrency)
		fmt.Fprintln(w, "|---|---:|---:|---:|")
		for _, ttl := range []time.Duration{30 * time.Second, h.TTL} {
			need := ExtendsNeeded(h.Locks, ttl)
			fmt.Fprintf(w, "| %v | %s | %.2fx | %.2f cores |\n", ttl, fmtRate(need), need/got,
				need*cpu.Seconds()/scaleNodes)
		}
	}

	fmt.Fprintln(w)
	fmt.Fprintf(w, "Memory: Redis `used_memory` grew by %s bytes per held lock per node (node 1 / 2 / 3), and %s bytes per lock stay after the release (fence counters); this process's live heap grew by %.0f bytes per held lease (the lease values the bench keeps plus the core's record of each lease it holds).\n\n",
		perNode(h.RedisPerLock, "%.0f"), perNode(h.RedisLeftPerLock, "%.0f"), h.ClientHeapPerLock)
	fmt.Fprintf(w, "Load: %d acquires at c=%d took %v (%s/s); release of all %v (%s/s); lock keys left after the release: %d. The load by tenths (locks held at the end of each):\n\n",
		h.Locks, cfg.Concurrency, h.Load.Elapsed.Round(time.Millisecond), fmtRate(float64(h.Locks)/h.Load.Elapsed.Seconds()),
		h.Release.Elapsed.Round(time.Millisecond), fmtRate(float64(h.Locks)/h.Release.Elapsed.Seconds()), h.LockKeysLeft)
	head, rule := "| locks held |", "|---|"
	rate, client, redis := "| acquires/s |", "| client CPU per acquire |", "| Redis CPU per acquire |"
	mem, cmds := "| Redis bytes per lock, node 1 |", "| Redis commands per acquire, node 1 |"
	heldSoFar := 0
	for i, u := range h.LoadParts {
		n := h.PartLocks(i)
		heldSoFar += n
		head += fmt.Sprintf(" %s |", fmtCount(heldSoFar))
		rule += "---:|"
		rate += fmt.Sprintf(" %s |", fmtRate(float64(n)/u.Elapsed.Seconds()))
		client += fmt.Sprintf(" %s |", fmtDur(per(u.ClientCPU, n)))
		redis += fmt.Sprintf(" %s |", fmtDur(per(u.TotalRedisCPU(), n)))
		mem += fmt.Sprintf(" %.0f |", float64(u.Memory[0])/float64(n))
		cmds += fmt.Sprintf(" %.1f |", float64(u.Commands[0])/float64(n))
	}
	for _, line := range []string{head, rule, rate, client, redis, cmds, mem} {
		fmt.Fprintln(w, line)
	}
	fmt.Fprintln(w)
}

// fmtCount prints a count briefly: 100k, 1M.
func fmtCount(n int) string {
	switch {
	case n >= 1_000_000 && n%100_000 == 0:
		return strconv.FormatFloat(float64(n)/1e6, 'f', -1, 64) + "M"
	case n >= 1000 && n%1000 == 0:
		return strconv.Itoa(n/1000) + "k"
	}
	return strconv.Itoa(n)
}

func writeWaiters(w io.Writer, rs []WaitersResult) {
	byN := map[int][]WaitersResult{}
	var order []int
	for _, r := range rs {
		if byN[r.Waiters] == nil {
			order = append(order, r.Waiters)
		}
		byN[r.Waiters] = append(byN[r.Waiters], r)
	}
	slices.Sort(order)
	fmt.Fprintf(w, "### Waiters on one key (core/redlock, one client, %d nodes; median of %d reps)\n\n", scaleNodes, len(byN[order[0]]))
	fmt.Fprintln(w, "| waiters | client heap per waiter | client stack per waiter | Redis growth per node | Redis bytes per waiter | drain (release → all granted) | hand-overs/s | requeued wait min | p50 | p99 | max | max/min | (max−min)/p50 | places out of queue order, max (mean) | client CPU per hand-over | Redis CPU per hand-over | failed | keys left |")
	fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, n := range order {
		xs := byN[n]
		var failed, keys int
		for _, x := range xs {
			failed += x.Failed
			keys += x.LockKeysLeft
		}
		redis := make([]float64, len(xs[0].RedisGrowth))
		for i := range redis {
			redis[i] = medianOf(xs, func(x WaitersResult) float64 { return float64(x.RedisGrowth[i]) })
		}
		fmt.Fprintf(w, "| %d | %.0f B | %.0f B | %s B | %.2f | %s | %s | %s | %s | %s | %s | %.2f | %.2f | %.0f (%.1f) | %s | %s | %d | %d |\n", n,
			medianOf(xs, func(x WaitersResult) float64 { return x.HeapPerWaiter }),
			medianOf(xs, func(x WaitersResult) float64 { return x.StackPerWaiter }),
			perNode(redis, "%.0f"), slices.Max(redis)/float64(n),
			medDur(xs, func(x WaitersResult) time.Duration { return x.Drain }),
			fmtRate(medianOf(xs, WaitersResult.HandoffsPerSec)),
			medDur(xs, func(x WaitersResult) time.Duration { return x.Requeued.Min }),
			medDur(xs, func(x WaitersResult) time.Duration { return x.Requeued.P50 }),
			medDur(xs, func(x WaitersResult) time.Duration { return x.Requeued.P99 }),
			medDur(xs, func(x WaitersResult) time.Duration { return x.Requeued.Max }),
			medianOf(xs, func(x WaitersResult) float64 { return x.Requeued.MaxOverMin() }),
			medianOf(xs, func(x WaitersResult) float64 { return x.Requeued.Relative() }),
			medianOf(xs, func(x WaitersResult) float64 { return float64(x.MaxDisplacement) }),
			medianOf(xs, func(x WaitersResult) float64 { return x.MeanDisplacement }),
			medDur(xs, func(x WaitersResult) time.Duration { return per(x.Use.ClientCPU, 2*x.Waiters) }),
			medDur(xs, func(x WaitersResult) time.Duration { return per(x.Use.TotalRedisCPU(), 2*x.Waiters) }),
			failed, keys)
	}
	fmt.Fprintln(w)
}

func writeNodes(w io.Writer, rs []NodesResult, cfg ScaleConfig) {
	byN := map[int][]NodesResult{}
	for _, r := range rs {
		byN[r.Nodes] = append(byN[r.Nodes], r)
	}
	base := byN[cfg.NodeCounts[0]]
	fmt.Fprintf(w, "### Node count, distinct keys c=%d (core/redlock; median of %d reps, range in brackets)\n\n", cfg.Concurrency, len(base))
	fmt.Fprintf(w, "| nodes | quorum | pairs/s | vs %d node(s) | p50 pair | p99 pair | client CPU per pair | Redis CPU per pair (all nodes) | per node | failed | keys left |\n", cfg.NodeCounts[0])
	fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, n := range cfg.NodeCounts {
		xs := byN[n]
		if len(xs) == 0 {
			continue
		}
		byN[n] = nil // a count listed twice is shown once
		var failed, keys int
		var ratios []float64
		for i, x := range xs {
			failed += x.Cell.Failed
			keys += x.Cell.LockKeysLeft
			if i < len(base) && base[i].Cell.PairsPerSec() > 0 {
				ratios = append(ratios, x.Cell.PairsPerSec()/base[i].Cell.PairsPerSec())
			}
		}
		fmt.Fprintf(w, "| %d | %d | %s | %.2fx | %s | %s | %s | %s | %s | %d | %d |\n", n, n/2+1,
			rangeOf(xs, func(x NodesResult) float64 { return x.Cell.PairsPerSec() }),
			stats.Median(ratios),
			medDur(xs, func(x NodesResult) time.Duration { return x.Cell.P50 }),
			medDur(xs, func(x NodesResult) time.Duration { return x.Cell.P99 }),
			medDur(xs, func(x NodesResult) time.Duration { return per(x.Use.ClientCPU, x.Cell.Pairs) }),
			medDur(xs, func(x NodesResult) time.Duration { return x.Cell.RedisCPUPerPair() }),
			medDur(xs, func(x NodesResult) time.Duration { return per(x.Cell.RedisCPU, x.Cell.Pairs*n) }),
			failed, keys)
	}
	fmt.Fprintln(w)
}
