package goadapter

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/distlock/distlock/conformance/protocol"
	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
	pb "github.com/distlock/distlock/gen/go/distlock/conformance/v1"
)

// pausable is the Lessor one lock's renewal goes through: while paused its Extend fails
// as a lock service that cannot be reached would, and each successful renewal is
// reported to the runner.
type pausable struct {
	driver.Lessor
	lock   string
	out    *protocol.Writer
	paused atomic.Bool
}

// errPaused is what a paused renewal sees: transient, so core.Hold retries it until the
// lease's validity runs out and then reports the lock lost.
var errPaused = &core.UnavailableError{Failed: map[string]error{"conformance": errors.New("renewal paused by the runner")}, Quorum: 1, Total: 1}

func (p *pausable) Extend(ctx context.Context, lease driver.Lease, ttl time.Duration) (driver.Lease, error) {
	if p.paused.Load() {
		return driver.Lease{}, errPaused
	}
	next, err := p.Lessor.Extend(ctx, lease, ttl)
	if err == nil {
		send(p.out, &pb.Event{Lock: p.lock, Kind: &pb.Event_Renewed{Renewed: &pb.RenewedEvent{}}})
	}
	return next, err
}

// timestamp converts a time the core may leave zero.
func timestamp(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}
