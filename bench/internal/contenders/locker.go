// Package contenders adapts each lock implementation the benchmark compares (distlock's
// core, redsync, raw go-redis) to one small interface, so every cell of the table runs
// the same loop.
package contenders

import (
	"context"
	"errors"
	"time"
)

// ErrNotAcquired reports that an acquire gave up because its deadline passed while
// another holder had the key.
var ErrNotAcquired = errors.New("bench: lock not acquired before the deadline")

// A Locker takes and releases exclusive locks on keys.
type Locker interface {
	// Name identifies the implementation in the tables.
	Name() string
	// Acquire takes key with the given lease TTL, waiting while another holds it but
	// giving up at deadline. It returns the function that releases the lock.
	Acquire(ctx context.Context, key string, ttl time.Duration, deadline time.Time) (Release, error)
	// Nodes is how many Redis nodes it writes each lock to.
	Nodes() int
	// Close frees the Locker's connections.
	Close() error
}

// Release gives a lock back.
type Release func(ctx context.Context) error
