// Package stats summarises latency samples for the benchmark tables.
package stats

import (
	"slices"
	"time"
)

// Percentile returns the p-th percentile (0 < p <= 100) of samples by the nearest-rank
// method, or 0 for no samples. It sorts samples in place.
func Percentile(samples []time.Duration, p float64) time.Duration {
	if len(samples) == 0 {
		return 0
	}
	if !slices.IsSorted(samples) {
		slices.Sort(samples)
	}
	// Nearest rank: the smallest sample with at least p% of samples at or below it.
	rank := int(p/100*float64(len(samples)) + 0.999999999)
	rank = min(max(rank, 1), len(samples))
	return samples[rank-1]
}

// Median returns the middle value of xs (the lower middle for an even count), or 0 when
// xs is empty. It does not modify xs.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}

// MedianDuration is [Median] for durations.
func MedianDuration(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}
