package distlock

import (
	"context"
	"testing"
	"time"

	policy "github.com/distlock/distlock/gen/go/distlock/v1/distlockv1policy"
)

func TestNextWait(t *testing.T) {
	l := &Lessor{opts: options{callWait: 30 * time.Second}} // the test's own figure
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

func TestBackoffIsInUpperHalfOfPolicyStep(t *testing.T) {
	for n := range 40 {
		step := policy.BackoffStep(n, policy.CallBackoffMin, policy.CallBackoffMax)
		if d := backoff(n); d < step/2 || d > step {
			t.Fatalf("backoff(%d) = %v, want within [%v, %v]", n, d, step/2, step)
		}
	}
}
