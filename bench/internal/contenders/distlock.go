package contenders

import (
	"context"
	"errors"
	"time"

	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
	"github.com/distlock/distlock/core/redlock"
)

// Distlock is distlock's Redlock core (core/redlock), called directly as a [driver.Lessor]:
// the path a Go program that imports the core takes, and the one the service wraps.
type Distlock struct {
	c     *redlock.Client
	nodes int
}

// NewDistlock connects the core to addrs. The restart quarantine is off because the
// benchmark's nodes are new: with it on, a fresh node is distrusted for core.MaxTTL, and
// it changes nothing in the steady state measured here.
func NewDistlock(addrs []string, opts ...redlock.Option) (*Distlock, error) {
	c, err := redlock.New(addrs, append([]redlock.Option{redlock.WithQuarantine(0)}, opts...)...)
	if err != nil {
		return nil, err
	}
	return &Distlock{c: c, nodes: len(addrs)}, nil
}

// Lessor returns the underlying core, for benchmarks that wrap it (the service).
func (d *Distlock) Lessor() driver.Lessor { return d.c }

// Name implements [Locker].
func (d *Distlock) Name() string { return "distlock" }

// Nodes implements [Locker].
func (d *Distlock) Nodes() int { return d.nodes }

// Close implements [Locker].
func (d *Distlock) Close() error { return d.c.Close() }

// Acquire implements [Locker]; the core waits by its own means (queueing, pub/sub) until
// deadline. The deadline travels in the context with an unbounded Wait, as core.Client's
// TryLock calls the core.
func (d *Distlock) Acquire(ctx context.Context, key string, ttl time.Duration, deadline time.Time) (Release, error) {
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	lease, err := d.c.Acquire(ctx, key, driver.LeaseOptions{TTL: ttl, Wait: -1})
	if errors.Is(err, core.ErrAcquireTimeout) {
		return nil, errors.Join(ErrNotAcquired, err)
	}
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) error { return d.c.Release(ctx, lease) }, nil
}
