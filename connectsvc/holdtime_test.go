package connectsvc

import (
	"fmt"
	"testing"
	"time"
)

func TestHoldTracker(t *testing.T) {
	t0 := time.Unix(1000, 0)
	h := newHoldTracker(2)
	h.granted("a", "ta", t0, t0.Add(10*time.Second))
	h.granted("b", "tb", t0, t0.Add(5*time.Second))
	h.extended("b", "tb", t0.Add(20*time.Second))

	// Full of live leases: a third is not tracked rather than growing the map.
	h.granted("c", "tc", t0.Add(time.Second), t0.Add(time.Minute))
	if _, ok := h.released("c", "tc", t0.Add(2*time.Second)); ok {
		t.Fatal("a lease over the cap was tracked")
	}
	// Once a has expired (b was extended past that), a new grant takes its place.
	h.granted("d", "td", t0.Add(15*time.Second), t0.Add(time.Minute))
	if _, ok := h.released("a", "ta", t0.Add(16*time.Second)); ok {
		t.Fatal("an expired lease was not pruned")
	}
	if d, ok := h.released("b", "tb", t0.Add(17*time.Second)); !ok || d != 17*time.Second {
		t.Fatalf("b: held %v, %v", d, ok)
	}
	if d, ok := h.released("d", "td", t0.Add(18*time.Second)); !ok || d != 3*time.Second {
		t.Fatalf("d: held %v, %v", d, ok)
	}
	// Another holder's token does not match.
	h.granted("e", "te", t0, t0.Add(time.Minute))
	if _, ok := h.released("e", "other", t0); ok {
		t.Fatal("released with the wrong token")
	}
}

func TestBoundWait(t *testing.T) {
	now := time.Unix(1000, 0)
	cases := []struct {
		name        string
		deadline    time.Duration // from now; ignored without hasDeadline
		hasDeadline bool
		wait, want  time.Duration
	}{
		{"no deadline", 0, false, time.Minute, time.Minute},
		{"deadline far", time.Hour, true, time.Minute, time.Minute},
		{"deadline 20s: 1s margin", 20 * time.Second, true, time.Minute, 19 * time.Second},
		{"deadline 2s: a tenth as margin", 2 * time.Second, true, time.Minute, 1800 * time.Millisecond},
		{"deadline passed", -time.Second, true, time.Minute, 0},
		{"zero wait stays zero", time.Hour, true, 0, 0},
	}
	for _, tc := range cases {
		if got := boundWait(now.Add(tc.deadline), tc.hasDeadline, tc.wait, now); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

// A grant to a tracker full of live leases must not look at every lease: with a scan
// of the map, each of these grants would examine all of them.
func TestHoldTrackerEvictionWorkFollowsEvictions(t *testing.T) {
	const size = 1 << 12
	t0 := time.Unix(1000, 0)
	h := newHoldTracker(size)
	for i := range size {
		// Lease i expires at t0+1s+i ms, so they expire in order of i.
		h.granted("r", fmt.Sprint(i), t0, t0.Add(time.Second+time.Duration(i)*time.Millisecond))
	}

	const grants = 100
	for i := range grants {
		h.granted("full", fmt.Sprint(i), t0, t0.Add(time.Hour))
	}
	if h.examined > grants {
		t.Fatalf("%d grants to a full tracker with nothing expired examined %d entries, want at most one each", grants, h.examined)
	}
	if len(h.entries) != size {
		t.Fatalf("%d entries, want %d", len(h.entries), size)
	}

	// Ten leases have expired by now: one grant evicts them, looking at one more.
	h.examined = 0
	now := t0.Add(time.Second + 9*time.Millisecond + time.Microsecond)
	h.granted("new", "t", now, now.Add(time.Hour))
	if h.examined != 11 {
		t.Fatalf("evicting 10 expired leases examined %d entries, want 11", h.examined)
	}
	if len(h.entries) != size-10+1 {
		t.Fatalf("%d entries after evicting 10 and adding 1, want %d", len(h.entries), size-9)
	}
	for i := range size {
		_, ok := h.released("r", fmt.Sprint(i), now)
		if want := i >= 10; ok != want {
			t.Fatalf("lease %d tracked: %v, want %v", i, ok, want)
		}
	}
	if d, ok := h.released("new", "t", now.Add(time.Second)); !ok || d != time.Second {
		t.Fatalf("new: held %v, %v", d, ok)
	}
	if len(h.entries) != 0 || len(h.byExp) != 0 {
		t.Fatalf("after releasing every lease: %d entries, %d in the heap", len(h.entries), len(h.byExp))
	}
}

// Should a lessor ever grant the same token twice, the second grant replaces the first
// in the heap as in the map: no entry is left in the heap that the map does not hold.
func TestHoldTrackerRegrantReplacesEntry(t *testing.T) {
	t0 := time.Unix(1000, 0)
	h := newHoldTracker(4)
	h.granted("r", "t", t0, t0.Add(time.Minute))
	h.granted("r", "t", t0.Add(time.Second), t0.Add(time.Hour))
	if len(h.byExp) != 1 {
		t.Fatalf("%d entries in the heap after granting one token twice, want 1", len(h.byExp))
	}
	if d, ok := h.released("r", "t", t0.Add(3*time.Second)); !ok || d != 2*time.Second {
		t.Fatalf("held %v, %v; want 2s from the second grant", d, ok)
	}
	if len(h.byExp) != 0 {
		t.Fatalf("%d entries left in the heap after the release", len(h.byExp))
	}
}
