package distlock

import (
	"context"
	"testing"
	"time"
)

func TestNextWait(t *testing.T) {
	l := &Lessor{opts: options{callWait: 30 * time.Second}}
	bg := context.Background()
	if got := l.nextWait(bg, 0, time.Time{}); got != 0 {
		t.Errorf("no wait: %v, want 0", got)
	}
	if got := l.nextWait(bg, -1, time.Time{}); got != 30*time.Second {
		t.Errorf("endless wait: %v, want the per-call limit 30s", got)
	}
	if got := l.nextWait(bg, time.Minute, time.Now().Add(10*time.Second)); got > 10*time.Second || got < 9*time.Second {
		t.Errorf("10s of wait left: %v, want just under 10s", got)
	}
	if got := l.nextWait(bg, time.Minute, time.Now().Add(-time.Second)); got != 0 {
		t.Errorf("wait over: %v, want 0", got)
	}
	ctx, cancel := context.WithTimeout(bg, 2*time.Second)
	defer cancel()
	if got := l.nextWait(ctx, -1, time.Time{}); got > 1600*time.Millisecond || got <= 0 {
		t.Errorf("2s deadline: %v, want at most 1.6s so the answer beats the deadline", got)
	}
	ctx, cancel = context.WithTimeout(bg, time.Minute)
	defer cancel()
	if got := l.nextWait(ctx, -1, time.Time{}); got != 30*time.Second {
		t.Errorf("1m deadline: %v, want the per-call limit 30s", got)
	}
}

func TestValidUntilIsBelowTTL(t *testing.T) {
	sent := time.Now()
	got := validUntil(sent, 10*time.Second)
	if want := sent.Add(10*time.Second - 100*time.Millisecond - 2*time.Millisecond); !got.Equal(want) {
		t.Errorf("validUntil = %v, want %v (TTL less 1%% and 2ms)", got.Sub(sent), want.Sub(sent))
	}
}

func TestBackoffStaysInBounds(t *testing.T) {
	for n := range 40 {
		d := backoff(n)
		if d < backoffMin/2 || d > backoffMax {
			t.Fatalf("backoff(%d) = %v, want within [%v, %v]", n, d, backoffMin/2, backoffMax)
		}
	}
}
