package harness

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/distlock/distlock/core/redlock/redistest"
)

func TestRotate(t *testing.T) {
	xs := []string{"a", "b", "c"}
	for r, want := range [][]string{{"a", "b", "c"}, {"b", "c", "a"}, {"c", "a", "b"}, {"a", "b", "c"}} {
		if got := Rotate(xs, r); !slices.Equal(got, want) {
			t.Errorf("Rotate(%v, %d) = %v, want %v", xs, r, got, want)
		}
	}
}

// TestRunBaselines runs a tiny benchmark end to end, so the harness cannot rot: every
// cell completes pairs, the hot cells record handoffs, memory is measured, and no lock
// key is left behind.
func TestRunBaselines(t *testing.T) {
	redistest.Require(t)
	rep, err := Run(context.Background(), Config{
		Impls:       Baselines(),
		Concurrency: []int{1, 4},
		Reps:        2,
		Duration:    100 * time.Millisecond,
		MemoryLocks: 200,
	})
	if err != nil {
		t.Fatal(err)
	}
	// Per repetition and implementation: distinct and hot at c=1 and 4, stampede at 4
	// only (a stampede of one is the hot c=1 cell).
	if want := 2 * 5 * len(Baselines()); len(rep.Cells) != want {
		t.Fatalf("got %d cells, want %d", len(rep.Cells), want)
	}
	for _, c := range rep.Cells {
		if c.Pairs == 0 {
			t.Errorf("%s %s c=%d rep %d: no pairs (first error %v)", c.Impl, c.Workload, c.Concurrency, c.Rep, c.FirstErr)
		}
		if c.LockKeysLeft != 0 {
			t.Errorf("%s %s c=%d: %d lock keys left", c.Impl, c.Workload, c.Concurrency, c.LockKeysLeft)
		}
	}
	if rep.LockKeys != 0 {
		t.Errorf("%d lock keys at the end", rep.LockKeys)
	}
	if len(rep.Memory) != len(Baselines()) {
		t.Fatalf("memory measured for %d implementations, want %d", len(rep.Memory), len(Baselines()))
	}
	for _, m := range rep.Memory {
		if m.HeldPerLock <= 0 {
			t.Errorf("%s: %v bytes per held lock, want > 0", m.Impl, m.HeldPerLock)
		}
	}
	var b strings.Builder
	rep.WriteMarkdown(&b)
	for _, want := range []string{"| distinct | 4 | raw-3 |", "| hot | 4 | redsync |", "| stampede | 4 | raw-3 |", "bytes per held lock"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, b.String())
		}
	}
	if rep.Targets() != nil {
		t.Error("Targets without distlock in the run: want none")
	}
}

// TestTargetsJudgeFourProcesses: the 4-process hot-key goals pair each repetition of
// distlock-4proc with distlock's and take the median p99.
func TestTargetsJudgeFourProcesses(t *testing.T) {
	cell := func(impl string, rep, pairs int, p99 time.Duration) CellResult {
		return CellResult{Impl: impl, CellSpec: CellSpec{Workload: Hot, Concurrency: 128, Rep: rep},
			Pairs: pairs, Elapsed: time.Second, P99: p99}
	}
	rep := &Report{Cells: []CellResult{
		cell(NameDistlock, 0, 1000, 20*time.Millisecond), cell(NameDistlockProcs, 0, 700, 40*time.Millisecond),
		cell(NameDistlock, 1, 1000, 20*time.Millisecond), cell(NameDistlockProcs, 1, 500, 60*time.Millisecond),
		cell(NameDistlock, 2, 2000, 20*time.Millisecond), cell(NameDistlockProcs, 2, 1300, 45*time.Millisecond),
	}}
	got := map[string]Target{}
	for _, tg := range rep.Targets() {
		got[tg.Name] = tg
	}
	if tg := got["hot key c=128, 4 processes: ≥ 0.6x distlock's pairs/s in one"]; tg.Measured != "0.65x" || !tg.Met {
		t.Errorf("rate target: %+v, want the median of 0.7, 0.5, 0.65 met", tg)
	}
	if tg := got["hot key c=128, 4 processes: p99 < 50 ms"]; !tg.Met {
		t.Errorf("p99 target: %+v, want the median 45 ms met", tg)
	}
}
