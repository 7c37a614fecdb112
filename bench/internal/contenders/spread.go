package contenders

import (
	"context"
	"errors"
	"sync/atomic"
	"time"
)

// Spread stands for several processes contending for the same keys: it hands each
// Acquire to the next of its Lockers in turn, each with its own connections and, for
// distlock, its own in-process queue, so contenders meet at Redis as separate processes'
// would.
type Spread struct {
	name string
	ls   []Locker
	next atomic.Uint64
}

// NewSpread returns a Locker named name over ls.
func NewSpread(name string, ls ...Locker) *Spread { return &Spread{name: name, ls: ls} }

// Name implements [Locker].
func (s *Spread) Name() string { return s.name }

// Nodes implements [Locker].
func (s *Spread) Nodes() int { return s.ls[0].Nodes() }

// Acquire implements [Locker].
func (s *Spread) Acquire(ctx context.Context, key string, ttl time.Duration, deadline time.Time) (Release, error) {
	i := (s.next.Add(1) - 1) % uint64(len(s.ls))
	return s.ls[i].Acquire(ctx, key, ttl, deadline)
}

// Close implements [Locker].
func (s *Spread) Close() error {
	var errs []error
	for _, l := range s.ls {
		errs = append(errs, l.Close())
	}
	return errors.Join(errs...)
}
