package distlock_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"google.golang.org/protobuf/types/known/durationpb"
)

// countingLessor counts the Extend calls core.Hold makes and reports each one's end.
type countingLessor struct {
	driver.Lessor
	extends atomic.Int32
	ended   chan error
}

func (c *countingLessor) Extend(ctx context.Context, lease driver.Lease, ttl time.Duration) (driver.Lease, error) {
	c.extends.Add(1)
	next, err := c.Lessor.Extend(ctx, lease, ttl)
	c.ended <- err
	return next, err
}

// TestRenewalRetriesInOneLayer: one unavailable answer to a renewal costs exactly one
// more Extend call, and core.Hold makes it; the SDK's Extend does not retry as well.
func TestRenewalRetriesInOneLayer(t *testing.T) {
	// The successful renewal grants a minute, so the next one is 20s away: the test ends
	// long before it.
	extendedLong := func() (*distlockv1.ExtendResponse, error) {
		return &distlockv1.ExtendResponse{Ttl: durationpb.New(time.Minute), FencingToken: 7}, nil
	}
	f := &fakeService{
		extend:  failing[distlockv1.ExtendRequest](1, extendedLong),
		release: func(context.Context, *connect.Request[distlockv1.ReleaseRequest]) error { return nil },
	}
	l := &countingLessor{Lessor: newLessor(t, startFake(t, f)), ended: make(chan error, 4)}
	lock := core.Hold(l, heldLease(), nil)
	for _, want := range []bool{false, true} {
		select {
		case err := <-l.ended:
			if (err == nil) != want {
				t.Fatalf("Extend returned %v; want success: %v", err, want)
			}
		case <-t.Context().Done():
			t.Fatal("the renewal did not run")
		}
	}
	if err := lock.Release(t.Context()); err != nil {
		t.Fatalf("Release: %v", err)
	}
	if n := l.extends.Load(); n != 2 {
		t.Errorf("core.Hold called Extend %d times, want 2: the failure and its retry", n)
	}
	if n := f.count("Extend"); n != 2 {
		t.Errorf("the service saw %d Extend calls, want 2: one per Extend, no retry inside", n)
	}
}
