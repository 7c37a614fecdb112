package harness

import (
	"fmt"
	"time"

	"github.com/distlock/distlock/bench/internal/stats"
)

// A Target is one goal of issue 2 checked against a run.
type Target struct {
	Name     string
	Measured string
	Met      bool
}

// Targets checks distlock's figures against the goals. Ratios pair cells of the
// same repetition, which ran back to back, and the median of those ratios is judged.
// It returns nothing when distlock was not part of the run.
func (r *Report) Targets() []Target {
	_, cells := r.group()
	ours := func(w Workload, c int) []CellResult { return cells[cellKey{w, c, NameDistlock}] }
	if len(ours(Distinct, 128))+len(ours(Hot, 128))+len(ours(Stampede, 128))+len(ours(Distinct, 1)) == 0 {
		return nil
	}
	var out []Target
	ratioOf := func(name string, w Workload, c int, impl, base string, want float64, f func(a, b CellResult) float64, higherBetter bool) {
		a, b := cells[cellKey{w, c, impl}], cells[cellKey{w, c, base}]
		var rs []float64
		for i := range min(len(a), len(b)) {
			if v := f(a[i], b[i]); v > 0 {
				rs = append(rs, v)
			}
		}
		if len(rs) == 0 {
			out = append(out, Target{name, "not measured", false})
			return
		}
		m := stats.Median(rs)
		met := m >= want
		if !higherBetter {
			met = m <= want
		}
		out = append(out, Target{name, fmt.Sprintf("%.2fx", m), met})
	}
	ratio := func(name string, w Workload, c int, base string, want float64, f func(a, b CellResult) float64, higherBetter bool) {
		ratioOf(name, w, c, NameDistlock, base, want, f, higherBetter)
	}
	rate := func(a, b CellResult) float64 {
		if b.PairsPerSec() == 0 {
			return 0
		}
		return a.PairsPerSec() / b.PairsPerSec()
	}
	p50 := func(a, b CellResult) float64 {
		if b.P50 == 0 || a.P50 == 0 {
			return 0
		}
		return float64(a.P50) / float64(b.P50)
	}
	ratio("distinct keys c=128: distlock ≥ 3x redsync pairs/s", Distinct, 128, NameRedsync, 3, rate, true)
	ratio("c=1 p50: distlock ≤ 1.5x raw 3-node pair", Distinct, 1, NameRaw3, 1.5, p50, false)

	// The hot-key goals are judged on both contended workloads: the closed loop (a
	// releasing worker may re-take the lock at once) and the stampede (it may not).
	for _, w := range []Workload{Hot, Stampede} {
		hs := ours(w, 128)
		if len(hs) == 0 {
			continue
		}
		ratio(fmt.Sprintf("hot key c=128 (%s): distlock ≥ 50x redsync pairs/s", w), w, 128, NameRedsync, 50, rate, true)
		var p99s, h50s []time.Duration
		for _, c := range hs {
			p99s = append(p99s, c.P99)
			if c.Handoffs > 0 {
				h50s = append(h50s, c.HandoffP50)
			}
		}
		p99 := stats.MedianDuration(p99s)
		out = append(out, Target{fmt.Sprintf("hot key c=128 (%s): p99 < 100 ms", w), fmtDur(p99), p99 > 0 && p99 < 100*time.Millisecond})
		name := fmt.Sprintf("hot key c=128 (%s): handoff p50 < 1 ms", w)
		if len(h50s) == 0 {
			out = append(out, Target{name, "no handoffs", false})
		} else {
			h := stats.MedianDuration(h50s)
			out = append(out, Target{name, fmtDur(h), h < time.Millisecond})
		}
	}
	// Issue 16: one hot key contended from 4 Clients, as from 4 processes, keeps most of
	// the rate of one Client (whose contenders queue in the process) and a bounded wait.
	if procs := cells[cellKey{Hot, 128, NameDistlockProcs}]; len(procs) > 0 {
		ratioOf("hot key c=128, 4 processes: ≥ 0.6x distlock's pairs/s in one", Hot, 128, NameDistlockProcs, NameDistlock, 0.6, rate, true)
		var p99s []time.Duration
		for _, c := range procs {
			p99s = append(p99s, c.P99)
		}
		p99 := stats.MedianDuration(p99s)
		out = append(out, Target{"hot key c=128, 4 processes: p99 < 50 ms", fmtDur(p99), p99 > 0 && p99 < 50*time.Millisecond})
	}
	for _, m := range r.Memory {
		if m.Impl == NameDistlock {
			out = append(out, Target{"≤ 250 bytes of Redis memory per held lock", fmt.Sprintf("%.0f B", m.HeldPerLock), m.HeldPerLock <= 250})
		}
	}
	left := 0
	for _, c := range r.Cells {
		if c.Impl == NameDistlock {
			left += c.LockKeysLeft
		}
	}
	for _, m := range r.Memory {
		if m.Impl == NameDistlock {
			left += m.LockKeysLeft
		}
	}
	out = append(out, Target{"zero distlock lock keys left after each cell", fmt.Sprintf("%d", left), left == 0})
	return out
}
