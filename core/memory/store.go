package memory

import (
	"context"
	"sync"

	"github.com/distlock/distlock/core/driver"
)

// A Store is a handle on an in-process lock store. It implements [driver.Lessor] and is
// safe for concurrent use.
type Store struct {
	s         *state
	done      chan struct{} // closed by Close: wakes this handle's waiters
	closeOnce sync.Once
}

var _ driver.Lessor = (*Store)(nil)

// New returns a handle on a new private store.
func New(opts ...Option) *Store {
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	return newHandle(newState(o))
}

func newHandle(s *state) *Store {
	return &Store{s: s, done: make(chan struct{})}
}

func (st *Store) closed() bool {
	select {
	case <-st.done:
		return true
	default:
		return false
	}
}

// usable reports why a call may not proceed: a closed handle or a done context.
func (st *Store) usable(ctx context.Context) error {
	if st.closed() {
		return driver.ErrClosed
	}
	return ctx.Err()
}

// Close ends this handle: its waiters return [driver.ErrClosed], and so do later calls.
// Leases stay held until released or expired, and other handles on the same named store
// keep working. Close always returns nil.
func (st *Store) Close() error {
	st.closeOnce.Do(func() { close(st.done) })
	return nil
}
