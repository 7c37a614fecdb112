package stats

import (
	"slices"
	"time"
)

// Spread summarises how evenly a set of waits was shared out, for the fairness of a
// lock: when every waiter re-queues behind all the others, a first-in-first-out lock
// makes every wait about as long as one pass through the queue, so MaxOverMin stays
// near 1, while a lock that lets some waiters barge ahead gives them short waits and
// the others long ones.
type Spread struct {
	N                  int
	Min, P50, P99, Max time.Duration
}

// SpreadOf summarises waits; it does not modify them.
func SpreadOf(waits []time.Duration) Spread {
	if len(waits) == 0 {
		return Spread{}
	}
	s := slices.Clone(waits)
	slices.Sort(s)
	return Spread{N: len(s), Min: s[0], P50: Percentile(s, 50), P99: Percentile(s, 99), Max: s[len(s)-1]}
}

// MaxOverMin is the longest wait over the shortest, or 0 when there is none or the
// shortest is 0 (the ratio is then unbounded, which a reader should not see as 0x).
func (s Spread) MaxOverMin() float64 {
	if s.N == 0 || s.Min <= 0 {
		return 0
	}
	return float64(s.Max) / float64(s.Min)
}

// Relative is (max - min) / median: the spread of the waits in units of the typical
// wait, 0 for perfectly equal waits. It is 0 when there are no waits.
func (s Spread) Relative() float64 {
	if s.N == 0 || s.P50 <= 0 {
		return 0
	}
	return float64(s.Max-s.Min) / float64(s.P50)
}
