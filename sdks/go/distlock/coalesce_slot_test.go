package distlock_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/distlock/distlock/core/driver"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"github.com/distlock/distlock/sdks/go/distlock"
)

// A request the service never answers, whose callers have all left, stops holding the
// in-flight slot: a later call goes at once instead of queueing behind it until the
// request's deadline (here a minute, the call timeout). Two queued calls leave in a
// Batch, one alone as its unary RPC.
func TestCoalescingFreesTheSlotOfARequestItsCallersLeft(t *testing.T) {
	for _, n := range []int{1, 2} {
		t.Run(strconv.Itoa(n), func(t *testing.T) { slotFreedWhenCallersLeave(t, n) })
	}
}

func slotFreedWhenCallersLeave(t *testing.T, n int) {
	f, entered, open := gatedFake()
	unstuck := make(chan struct{})
	t.Cleanup(func() { close(unstuck) })
	gated := f.extend
	f.extend = func(ctx context.Context, req *connect.Request[distlockv1.ExtendRequest]) (*distlockv1.ExtendResponse, error) {
		if req.Msg.GetResource() == "stuck" {
			select {
			case <-unstuck:
			case <-ctx.Done():
			}
			return nil, connect.NewError(connect.CodeUnavailable, errors.New("stuck"))
		}
		return gated(ctx, req)
	}
	l := newLessor(t, startFake(t, f), distlock.WithCallTimeout(time.Minute))
	gate := blockGate(t, l, entered)

	ctx, leave := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			_, err := l.Extend(ctx, driver.Lease{Resource: "stuck", Token: "t"}, ttl)
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Extend of a caller that left: %v, want context.Canceled", err)
			}
		})
	}
	waitQueued(t, l, n)
	close(open)
	if err := <-gate; err != nil {
		t.Fatal(err)
	}
	for f.count("Extend") < 1+n {
		time.Sleep(time.Millisecond) // the queued Extends reached the fake
	}
	leave()
	wg.Wait()

	done := extendR7(l)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Extend after the callers left: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a call queued behind a request whose callers had all left")
	}
}

// A call queued alone behind a request in flight leaves as its unary RPC, not as a Batch
// of one, as in the Python and TypeScript clients.
func TestCoalescingSendsALoneQueuedCallAsItsUnaryRPC(t *testing.T) {
	f, entered, open := gatedFake()
	l := newLessor(t, startFake(t, f))
	gate := blockGate(t, l, entered)
	done := extendR7(l)
	waitQueued(t, l, 1)
	close(open)
	if err := <-gate; err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := f.count("Batch"); got != 0 {
		t.Errorf("%d Batch requests, want the lone call sent as its unary RPC", got)
	}
	if got := f.count("Extend"); got != 2 {
		t.Errorf("%d Extend requests, want 2 (the gate's and the queued call's)", got)
	}
}

// extendR7 extends the lease of "r7" on a gatedFake and gives the error, or one saying
// the answer was not the fake's (fencing token 7).
func extendR7(l *distlock.Lessor) <-chan error {
	done := make(chan error, 1)
	go func() {
		lease, err := l.Extend(context.Background(), driver.Lease{Resource: "r7", Token: "t"}, ttl)
		if err == nil && lease.Fence != 7 {
			err = errors.New("wrong answer")
		}
		done <- err
	}()
	return done
}
