package connectsvc_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/distlock/distlock/connectsvc"
	"github.com/distlock/distlock/core/driver"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
)

// TestHoldGrantsRenewsAndReleasesOnCancel: over every streaming protocol, a Hold is
// granted, renewed by the server, and released as soon as the client ends the stream.
func TestHoldGrantsRenewsAndReleasesOnCancel(t *testing.T) {
	for _, p := range streamProtocols {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil)
			released := make(chan error, 1)
			e.spy.set(func(s *spy) { s.released = released })
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			ch, _ := hold(t, ctx, e.client(p), &distlockv1.HoldRequest{
				Resource: "r", Ttl: durationpb.New(driver.MinTTL), Owner: "me"})
			g := next(t, ch).GetGranted()
			if g == nil || g.GetLeaseToken() == "" || g.GetFencingToken() == 0 || g.GetExpireTime() == nil {
				t.Fatalf("first event is not a complete grant: %v", g)
			}
			r := next(t, ch).GetRenewed()
			if r == nil || !r.GetExpireTime().AsTime().After(g.GetExpireTime().AsTime()) {
				t.Fatalf("second event is not a later renewal: %v", r)
			}
			cancel()
			select {
			case err := <-released:
				if err != nil {
					t.Fatalf("release after the client left: %v", err)
				}
			case <-time.After(stepTimeout):
				t.Fatal("the lock was not released after the client left")
			}
			if _, err := e.spy.Lessor.Info(context.Background(), "r"); !errors.Is(err, driver.ErrNotHeld) {
				t.Fatalf("resource still held after the stream ended: %v", err)
			}
		})
	}
}

// TestHoldReportsTheHolderWhileWaiting: a Hold on a held resource says at once who holds
// it, then gets the lock when the holder releases it.
func TestHoldReportsTheHolderWhileWaiting(t *testing.T) {
	e := newEnv(t, nil, connectsvc.WithHoldWaitingEvery(time.Hour))
	ctx := context.Background()
	other, err := e.spy.Lessor.Acquire(ctx, "r", driver.LeaseOptions{TTL: driver.MinTTL, Owner: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	ch, _ := hold(t, ctx, e.client(streamProtocols[0]), &distlockv1.HoldRequest{
		Resource: "r", Wait: durationpb.New(time.Minute)})
	w := next(t, ch).GetWaiting()
	if w.GetOwner() != "alice" || w.GetFencingToken() != other.Fence {
		t.Fatalf("waiting event %v does not name alice's lock (fence %d)", w, other.Fence)
	}
	if err := e.spy.Lessor.Release(ctx, other); err != nil {
		t.Fatal(err)
	}
	if g := next(t, ch).GetGranted(); g.GetFencingToken() <= other.Fence {
		t.Fatalf("after the holder left: %v, want a grant with a fence above %d", g, other.Fence)
	}
}

// TestHoldWithoutWaitIsAborted: the wait is the request's, zero making one attempt.
func TestHoldWithoutWaitIsAborted(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	if _, err := e.spy.Lessor.Acquire(ctx, "r", driver.LeaseOptions{TTL: driver.MinTTL}); err != nil {
		t.Fatal(err)
	}
	ch, end := hold(t, ctx, e.client(streamProtocols[0]), &distlockv1.HoldRequest{Resource: "r"})
	if rest, err := ended(t, ch, end); len(rest) != 0 || connect.CodeOf(err) != connect.CodeAborted {
		t.Fatalf("got %v then %v, want no event and aborted", rest, err)
	}
}

// TestHoldLostIsTheLastEvent: a lease taken away behind the stream's back is reported
// lost at the next renewal, and the stream ends with not_found.
func TestHoldLostIsTheLastEvent(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	ch, end := hold(t, ctx, e.client(streamProtocols[0]), &distlockv1.HoldRequest{
		Resource: "r", Ttl: durationpb.New(driver.MinTTL)})
	g := next(t, ch).GetGranted()
	if err := e.spy.Lessor.Release(ctx, driver.Lease{Resource: "r", Token: g.GetLeaseToken()}); err != nil {
		t.Fatal(err)
	}
	rest, err := ended(t, ch, end)
	if len(rest) != 1 || rest[0].GetLost().GetReason() != distlockv1.HoldLost_REASON_NOT_HELD {
		t.Fatalf("events after the lease was taken: %v, want one lost (not held)", rest)
	}
	wantCode(t, err, connect.CodeNotFound)
}

// TestHoldEndsAfterTheDrainGrace: a draining server releases held locks after its grace
// period and ends their streams with lost (server shutdown) and unavailable.
func TestHoldEndsAfterTheDrainGrace(t *testing.T) {
	e := newEnv(t, nil, connectsvc.WithStreamDrainGrace(10*time.Millisecond))
	ctx := context.Background()
	ch, end := hold(t, ctx, e.client(streamProtocols[0]), &distlockv1.HoldRequest{Resource: "r"})
	next(t, ch)
	e.svc.Drain()
	rest, err := ended(t, ch, end)
	if len(rest) != 1 || rest[0].GetLost().GetReason() != distlockv1.HoldLost_REASON_SERVER_SHUTDOWN {
		t.Fatalf("events after the drain: %v, want one lost (server shutdown)", rest)
	}
	wantCode(t, err, connect.CodeUnavailable)
	if _, err := e.spy.Lessor.Info(ctx, "r"); !errors.Is(err, driver.ErrNotHeld) {
		t.Fatalf("a drained hold left its lock held: %v", err)
	}
	// A new Hold is turned away at once.
	ch, end = hold(t, ctx, e.client(streamProtocols[0]), &distlockv1.HoldRequest{Resource: "r"})
	if _, err := ended(t, ch, end); connect.CodeOf(err) != connect.CodeUnavailable {
		t.Fatalf("Hold on a drained server: %v, want unavailable", err)
	}
}

// TestHoldRejectsBadInput: a Hold is validated as an Acquire.
func TestHoldRejectsBadInput(t *testing.T) {
	e := newEnv(t, nil)
	for _, req := range []*distlockv1.HoldRequest{
		{},
		{Resource: "r", Ttl: durationpb.New(time.Second)},
		{Resource: "r", Wait: durationpb.New(-time.Second)},
	} {
		ch, end := hold(t, context.Background(), e.client(streamProtocols[0]), req)
		if _, err := ended(t, ch, end); connect.CodeOf(err) != connect.CodeInvalidArgument {
			t.Errorf("Hold(%v): %v, want invalid_argument", req, err)
		}
	}
	if n := e.spy.count(); n != 0 {
		t.Errorf("bad holds reached the lessor %d times", n)
	}
}
