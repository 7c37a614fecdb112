package stats

import (
	"testing"
	"time"
)

func TestSpreadOf(t *testing.T) {
	ms := time.Millisecond
	waits := []time.Duration{40 * ms, 10 * ms, 20 * ms, 30 * ms}
	s := SpreadOf(waits)
	if want := (Spread{N: 4, Min: 10 * ms, P50: 20 * ms, P99: 40 * ms, Max: 40 * ms}); s != want {
		t.Fatalf("SpreadOf = %+v, want %+v", s, want)
	}
	if waits[0] != 40*ms {
		t.Error("SpreadOf sorted its argument")
	}
	if got := s.MaxOverMin(); got != 4 {
		t.Errorf("MaxOverMin = %v, want 4", got)
	}
	if got := s.Relative(); got != 1.5 {
		t.Errorf("Relative = %v, want (40-10)/20 = 1.5", got)
	}
}

func TestSpreadEqualWaits(t *testing.T) {
	s := SpreadOf([]time.Duration{time.Second, time.Second, time.Second})
	if s.MaxOverMin() != 1 || s.Relative() != 0 {
		t.Errorf("equal waits: MaxOverMin %v, Relative %v; want 1 and 0", s.MaxOverMin(), s.Relative())
	}
}

func TestSpreadDegenerate(t *testing.T) {
	if s := SpreadOf(nil); s != (Spread{}) || s.MaxOverMin() != 0 || s.Relative() != 0 {
		t.Errorf("no waits: %+v, %v, %v; want zeros", s, s.MaxOverMin(), s.Relative())
	}
	if s := SpreadOf([]time.Duration{0, time.Second}); s.MaxOverMin() != 0 {
		t.Errorf("a zero wait: MaxOverMin %v, want 0 (unbounded)", s.MaxOverMin())
	}
}
