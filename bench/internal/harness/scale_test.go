package harness

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/distlock/distlock/core/redlock/redistest"
)

func TestExtendsNeeded(t *testing.T) {
	// The client policy renews every TTL/3: 10^6 leases of 30 s need 10^6 / 10 s.
	if got := ExtendsNeeded(1_000_000, 30*time.Second); got != 100_000 {
		t.Errorf("ExtendsNeeded(10^6, 30s) = %v, want 100000", got)
	}
}

func TestRunScaleRejectsShortHeldTTL(t *testing.T) {
	_, err := RunScale(context.Background(), ScaleConfig{HeldLocks: 10, HeldTTL: 30 * time.Second,
		Concurrency: 1, Reps: 1, Duration: time.Second, TTL: 30 * time.Second})
	if err == nil || !strings.Contains(err.Error(), "must exceed") {
		t.Fatalf("RunScale with the held TTL equal to the pairs TTL: %v, want an error", err)
	}
}

// TestRunScaleSmall runs every scale cell at a tiny size, so the cells cannot rot: each
// measures something, nothing fails, and no lock key is left behind.
func TestRunScaleSmall(t *testing.T) {
	redistest.Require(t)
	const locks, waiters, base = 300, 40, 5
	rep, err := RunScale(context.Background(), ScaleConfig{
		HeldLocks: locks, HeldTTL: time.Minute, Waiters: waiters, BaseWaiters: base, NodeCounts: []int{1, 3},
		Concurrency: 8, Reps: 1, Duration: 100 * time.Millisecond, MaxPairs: 1000, Grace: 5 * time.Second, TTL: 30 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	h := rep.Held
	if h == nil {
		t.Fatal("no held-locks result")
	}
	for _, runs := range [][]PairsRun{h.Before, h.Held, h.After} {
		if len(runs) != 1 || runs[0].Cell.Pairs == 0 || runs[0].Cell.Failed != 0 || runs[0].Cell.LockKeysLeft != 0 {
			t.Errorf("pairs cells %+v: want one with pairs, none failed, no keys left", runs)
		}
	}
	if len(h.RedisPerLock) != scaleNodes {
		t.Fatalf("memory of %d nodes, want %d", len(h.RedisPerLock), scaleNodes)
	}
	for i, b := range h.RedisPerLock {
		if b <= 0 {
			t.Errorf("node %d: %v bytes per held lock, want > 0", i, b)
		}
	}
	if len(h.LoadParts) != 10 {
		t.Errorf("%d load parts, want one per tenth", len(h.LoadParts))
	}
	for _, e := range append(h.ExtendBase, h.ExtendHeld...) {
		if e.Extends == 0 || e.Failed != 0 {
			t.Errorf("extend cell over %d leases: %d extends, %d failed (%v)", e.Held, e.Extends, e.Failed, e.FirstErr)
		}
	}
	if h.ExtendHeld[0].Held != locks {
		t.Errorf("held extend cell over %d leases, want %d", h.ExtendHeld[0].Held, locks)
	}
	if h.LockKeysLeft != 0 {
		t.Errorf("%d lock keys left after the release", h.LockKeysLeft)
	}

	if len(rep.Waiters) != 2 {
		t.Fatalf("%d waiters results, want the baseline and the full count", len(rep.Waiters))
	}
	for _, w := range rep.Waiters {
		if w.Failed != 0 || w.Requeued.N != w.Waiters || w.Drain <= 0 || w.LockKeysLeft != 0 {
			t.Errorf("%d waiters: failed %d (%v), %d requeued waits, drain %v, %d keys left",
				w.Waiters, w.Failed, w.FirstErr, w.Requeued.N, w.Drain, w.LockKeysLeft)
		}
	}

	if len(rep.Nodes) != 2 {
		t.Fatalf("%d node-count results, want 2", len(rep.Nodes))
	}
	for _, n := range rep.Nodes {
		if n.Cell.Pairs == 0 || n.Cell.Failed != 0 || len(n.Use.RedisCPU) != n.Nodes {
			t.Errorf("%d nodes: %d pairs, %d failed, CPU of %d nodes", n.Nodes, n.Cell.Pairs, n.Cell.Failed, len(n.Use.RedisCPU))
		}
	}
	if rep.LockKeys != 0 {
		t.Errorf("%d lock keys at the end", rep.LockKeys)
	}

	var b strings.Builder
	rep.WriteMarkdown(&b)
	for _, want := range []string{"### 300 held locks", "| 300 |", "extends/s needed", "| 40 |", "| 3 | 2 |", "Lock keys on the nodes at the end: 0."} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, b.String())
		}
	}
}

func TestFmtCount(t *testing.T) {
	for n, want := range map[int]string{300: "300", 1500: "1500", 100_000: "100k", 1_000_000: "1M", 1_500_000: "1.5M"} {
		if got := fmtCount(n); got != want {
			t.Errorf("fmtCount(%d) = %q, want %q", n, got, want)
		}
	}
}
