package stats

import (
	"testing"
	"time"
)

func TestDisplacement(t *testing.T) {
	at := func(ms ...int) []time.Time {
		t0 := time.Unix(0, 0)
		out := make([]time.Time, len(ms))
		for i, m := range ms {
			out[i] = t0.Add(time.Duration(m) * time.Millisecond)
		}
		return out
	}
	queued := at(0, 1, 2, 3)
	// FIFO, at an uneven pace: no displacement.
	if most, mean := Displacement(queued, at(10, 50, 51, 400)); most != 0 || mean != 0 {
		t.Errorf("FIFO: displacement %d (mean %v), want 0", most, mean)
	}
	// The last to queue is served first: it moves 3 places, the others 1 each.
	if most, mean := Displacement(queued, at(20, 30, 40, 10)); most != 3 || mean != 1.5 {
		t.Errorf("barging: displacement %d (mean %v), want 3 (mean 1.5)", most, mean)
	}
	if most, mean := Displacement(nil, nil); most != 0 || mean != 0 {
		t.Errorf("empty: %d, %v", most, mean)
	}
}
