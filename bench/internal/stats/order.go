package stats

import (
	"cmp"
	"slices"
	"time"
)

// Displacement measures how far a lock served its waiters out of their queue order:
// waiter i queued at queued[i] and was granted at granted[i]. It returns the largest and
// the mean distance, in places, between a waiter's rank by queueing time and its rank by
// grant time: 0 for a strictly first-in-first-out lock, whatever the pace of its
// hand-overs (which moves every wait, and with it max/min of the waits, on a busy
// machine). It panics if the slices differ in length.
func Displacement(queued, granted []time.Time) (most int, mean float64) {
	if len(queued) != len(granted) {
		panic("stats: Displacement of slices of different lengths")
	}
	if len(queued) == 0 {
		return 0, 0
	}
	byQueue := ranks(queued)
	byGrant := ranks(granted)
	sum := 0
	for i := range queued {
		d := byQueue[i] - byGrant[i]
		if d < 0 {
			d = -d
		}
		most = max(most, d)
		sum += d
	}
	return most, float64(sum) / float64(len(queued))
}

// ranks returns each element's place in ts sorted by time (ties keep index order).
func ranks(ts []time.Time) []int {
	idx := make([]int, len(ts))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(ts[a].UnixNano(), ts[b].UnixNano()) })
	r := make([]int, len(ts))
	for place, i := range idx {
		r[i] = place
	}
	return r
}
