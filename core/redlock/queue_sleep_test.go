package redlock

import (
	"context"
	"testing"
	"time"
)

// TestSleepEndsWithItsContext: a wake-up that is ready when the context has ended (a
// release announced just after the caller cancelled) must not send the contender into
// another attempt; select alone picks either case at random.
func TestSleepEndsWithItsContext(t *testing.T) {
	qs := &queues{closing: make(chan struct{}), byTag: map[string]*queue{}}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	woken := make(chan struct{})
	close(woken)
	for i := range 200 {
		if qs.sleep(ctx, time.Minute, woken, nil, time.Time{}) {
			t.Fatalf("sleep %d: woken after its context ended, reports the caller may attempt", i)
		}
	}
}

// TestSleepEndsWithClose: the same when the Client closes.
func TestSleepEndsWithClose(t *testing.T) {
	closing := make(chan struct{})
	close(closing)
	qs := &queues{closing: closing, byTag: map[string]*queue{}}
	woken := make(chan struct{})
	close(woken)
	for i := range 200 {
		if qs.sleep(context.Background(), time.Minute, woken, nil, time.Time{}) {
			t.Fatalf("sleep %d: woken after Close, reports the caller may attempt", i)
		}
	}
}
