package distlock_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/distlock/distlock/core/driver"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"github.com/distlock/distlock/sdks/go/distlock"
)

// A Batch the service never answers, whose callers have all left, stops holding the
// in-flight slot: a later call goes at once instead of queueing behind it until the
// Batch's deadline (here a minute, the call timeout).
func TestCoalescingFreesTheSlotOfABatchItsCallersLeft(t *testing.T) {
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
	for range 2 {
		wg.Go(func() {
			_, err := l.Extend(ctx, driver.Lease{Resource: "stuck", Token: "t"}, ttl)
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Extend of a caller that left: %v, want context.Canceled", err)
			}
		})
	}
	waitQueued(t, l, 2)
	close(open)
	if err := <-gate; err != nil {
		t.Fatal(err)
	}
	for f.count("Extend") < 3 {
		time.Sleep(time.Millisecond) // the Batch's two Extends reached the fake
	}
	leave()
	wg.Wait()

	done := make(chan error, 1)
	go func() {
		lease, err := l.Extend(context.Background(), driver.Lease{Resource: "r7", Token: "t"}, ttl)
		if err == nil && lease.Fence != 7 {
			err = errors.New("wrong answer")
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Extend after the callers left: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a call queued behind a Batch whose callers had all left")
	}
}
