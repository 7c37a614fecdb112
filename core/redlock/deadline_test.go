package redlock

import (
	"testing"
	"time"
)

// TestDeadlinesShared: fan-outs that start within deadlineGrain with the same timeout
// share a context; each context ends no earlier than its fan-out's own timeout and at
// most deadlineGrain later.
func TestDeadlinesShared(t *testing.T) {
	var d deadlines
	t0 := time.Now()
	const timeout = time.Minute
	within := func(start time.Time, ctxStart time.Time) {
		t.Helper()
		ctx := d.get(start, timeout)
		dl, ok := ctx.Deadline()
		if !ok || dl.Before(start.Add(timeout)) || dl.After(ctxStart.Add(timeout+deadlineGrain)) {
			t.Errorf("deadline %v for a fan-out started at +%v, want in [+%v, +%v]", dl.Sub(t0),
				start.Sub(t0), start.Add(timeout).Sub(t0), ctxStart.Add(timeout+deadlineGrain).Sub(t0))
		}
	}
	within(t0, t0)
	first := d.get(t0, timeout)
	if d.get(t0.Add(deadlineGrain/2), timeout) != first || d.get(t0.Add(deadlineGrain), timeout) != first {
		t.Error("fan-outs within one grain got contexts of their own")
	}
	within(t0.Add(deadlineGrain), t0)
	later := t0.Add(deadlineGrain + time.Microsecond)
	if d.get(later, timeout) == first {
		t.Error("a fan-out one grain later shares a context that would end before its timeout")
	}
	within(later, later)
	if d.get(later, 2*timeout) == d.get(later, timeout) {
		t.Error("fan-outs with different timeouts share a context")
	}
	if first.Done() == nil {
		t.Error("the context cannot end")
	}
}
