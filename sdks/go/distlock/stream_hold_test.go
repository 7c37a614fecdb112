package distlock_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/distlock/distlock/connectsvc"
	"github.com/distlock/distlock/core/driver"
	"github.com/distlock/distlock/core/memory"
	"github.com/distlock/distlock/sdks/go/distlock"
	"github.com/distlock/distlock/sdks/go/distlocktest"
)

// streamStep bounds each wait for a stream's effect, so that a bug fails instead of
// hanging; it is not a timing assertion.
const streamStep = 30 * time.Second

func awaitLost(t *testing.T, h *distlock.Held) error {
	t.Helper()
	select {
	case <-h.Lost:
		return h.Err()
	case <-time.After(streamStep):
		t.Fatal("the held lock was not reported lost")
	}
	return nil
}

// TestHoldLivesAsLongAsItsStream: against the real service (Redlock), a held lock
// excludes others, reports who waits for whom, and is free again once released.
func TestHoldLivesAsLongAsItsStream(t *testing.T) {
	ctx := context.Background()
	l := newLessor(t, serverURL)
	r := t.Name()
	h, err := l.Hold(ctx, r, driver.LeaseOptions{TTL: driver.MinTTL, Owner: "first"})
	if err != nil {
		t.Fatal(err)
	}
	if h.FencingToken == 0 || h.LeaseToken == "" || h.Resource != r || h.Err() != nil {
		t.Fatalf("held lock %+v is incomplete", h)
	}
	if _, err := l.Hold(ctx, r, driver.LeaseOptions{TTL: driver.MinTTL}); !errors.Is(err, driver.ErrAcquireTimeout) {
		t.Fatalf("second Hold without wait: %v, want ErrAcquireTimeout", err)
	}
	waiting := make(chan distlock.Holder, 8)
	type result struct {
		h   *distlock.Held
		err error
	}
	second := make(chan result, 1)
	go func() {
		h2, err := l.Hold(ctx, r, driver.LeaseOptions{TTL: driver.MinTTL, Wait: -1},
			distlock.OnWaiting(func(w distlock.Holder) { waiting <- w }))
		second <- result{h2, err}
	}()
	select {
	case w := <-waiting:
		if w.Owner != "first" || w.FencingToken != h.FencingToken {
			t.Fatalf("waiting for %+v, want the first holder (fence %d)", w, h.FencingToken)
		}
	case <-time.After(streamStep):
		t.Fatal("a waiting Hold did not report the holder")
	}
	if err := h.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if err := h.Err(); !errors.Is(err, driver.ErrNotHeld) {
		t.Fatalf("Err after Release: %v, want ErrNotHeld", err)
	}
	res := <-second
	if res.err != nil {
		t.Fatal(res.err)
	}
	if res.h.FencingToken <= h.FencingToken {
		t.Fatalf("fence %d after %d", res.h.FencingToken, h.FencingToken)
	}
	if err := res.h.Release(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestHoldReportsADrainingServiceLost: a service shutting down ends its holds after its
// grace period (half its shutdown timeout, at most 5 s), with a lost event before the
// connections are cut; the SDK reports the lock lost with an unavailable reason, and
// Release says it was lost.
func TestHoldReportsADrainingServiceLost(t *testing.T) {
	srv, err := distlocktest.Start(nil, "--lock-service", "memory://"+t.Name(), "--shutdown-timeout", "2s")
	if err != nil {
		t.Fatal(err)
	}
	l := newLessor(t, srv.URL)
	h, err := l.Hold(context.Background(), "r", driver.LeaseOptions{TTL: driver.MinTTL})
	if err != nil {
		t.Fatal(err)
	}
	closed := make(chan error, 1)
	go func() { closed <- srv.Close() }()
	if err := awaitLost(t, h); !errors.Is(err, driver.ErrUnavailable) || !strings.Contains(err.Error(), "SERVER_SHUTDOWN") {
		t.Fatalf("loss reason %v, want ErrUnavailable from the service's lost event", err)
	}
	if err := h.Release(context.Background()); !errors.Is(err, driver.ErrNotHeld) || !errors.Is(err, driver.ErrUnavailable) {
		t.Fatalf("Release after the loss: %v, want ErrNotHeld carrying the reason", err)
	}
	if err := <-closed; err != nil {
		t.Fatalf("the server did not stop cleanly: %v", err)
	}
}

// TestHoldReportsABrokenStreamLost: a service that dies without a word (killed, the
// connection reset) is a loss too, never silence.
func TestHoldReportsABrokenStreamLost(t *testing.T) {
	store := memory.New()
	defer store.Close()
	srv := httptest.NewServer(connectsvc.New(store).Handler())
	defer srv.Close()
	l := newLessor(t, srv.URL)
	h, err := l.Hold(context.Background(), "r", driver.LeaseOptions{TTL: driver.MinTTL})
	if err != nil {
		t.Fatal(err)
	}
	srv.CloseClientConnections()
	if err := awaitLost(t, h); !errors.Is(err, driver.ErrUnavailable) {
		t.Fatalf("loss reason %v, want ErrUnavailable", err)
	}
	h.Release(context.Background())
}

// TestHoldAfterCloseFails: a closed Lessor holds nothing.
func TestHoldAfterCloseFails(t *testing.T) {
	l := newLessor(t, serverURL)
	l.Close()
	if _, err := l.Hold(context.Background(), "r", driver.LeaseOptions{TTL: driver.MinTTL}); !errors.Is(err, driver.ErrClosed) {
		t.Fatalf("Hold after Close: %v, want ErrClosed", err)
	}
}
