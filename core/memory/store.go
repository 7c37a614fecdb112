package memory

import (
	"context"
	"crypto/rand"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/distlock/distlock/core"
)

// A Store is a handle on an in-process lock store. It implements [core.Lessor] and is
// safe for concurrent use.
type Store struct {
	s         *state
	done      chan struct{} // closed by Close: wakes this handle's waiters
	closeOnce sync.Once
}

var _ core.Lessor = (*Store)(nil)

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

// state is the lock table that every handle on one store shares.
type state struct {
	opts  options
	mu    sync.Mutex
	held  map[string]*entry
	fence uint64 // the last fencing token granted, for any resource
	// grants counts grants since the last sweep of expired leases; the next sweep comes
	// when it reaches sweepAfter (see sweep).
	grants, sweepAfter int
	// wake holds, per resource with waiters, a channel closed when that resource's lock
	// is released or found expired; waiters then try again.
	wake map[string]chan struct{}
}

type entry struct {
	token    string
	fence    uint64
	owner    string
	data     []byte
	lockTime time.Time
	expire   time.Time // by the store's clock
}

func newState(o options) *state {
	return &state{opts: o, held: map[string]*entry{}, wake: map[string]chan struct{}{}}
}

// live returns the unexpired entry of resource, dropping an expired one and waking its
// waiters. The caller holds s.mu.
func (s *state) live(resource string) *entry {
	e, ok := s.held[resource]
	if !ok {
		return nil
	}
	if s.opts.clock.Now().Before(e.expire) {
		return e
	}
	s.drop(resource)
	return nil
}

// drop deletes the lock on resource and wakes its waiters. The caller holds s.mu.
func (s *state) drop(resource string) {
	delete(s.held, resource)
	if ch, ok := s.wake[resource]; ok {
		close(ch)
		delete(s.wake, resource)
	}
}

// waitCh returns the channel that closes when resource's lock next goes away. The caller
// holds s.mu.
func (s *state) waitCh(resource string) <-chan struct{} {
	ch, ok := s.wake[resource]
	if !ok {
		ch = make(chan struct{})
		s.wake[resource] = ch
	}
	return ch
}

func (st *Store) closed() bool {
	select {
	case <-st.done:
		return true
	default:
		return false
	}
}

// Acquire takes the lock on resource; see [core.Lessor.Acquire]. When the handle is
// closed while it waits, it returns [core.ErrClosed].
func (st *Store) Acquire(ctx context.Context, resource string, o core.LeaseOptions) (core.Lease, error) {
	if err := core.ValidateResource(resource); err != nil {
		return core.Lease{}, err
	}
	if err := core.ValidateLease(o); err != nil {
		return core.Lease{}, err
	}
	var waitEnd <-chan time.Time // nil (never) for a negative Wait
	if o.Wait > 0 {
		t := time.NewTimer(o.Wait)
		defer t.Stop()
		waitEnd = t.C
	}
	s := st.s
	for {
		if st.closed() {
			return core.Lease{}, core.ErrClosed
		}
		if err := ctx.Err(); err != nil {
			return core.Lease{}, errors.Join(core.ErrAcquireTimeout, err)
		}
		s.mu.Lock()
		cur := s.live(resource)
		if cur == nil {
			lease := s.grant(resource, o)
			s.mu.Unlock()
			return lease, nil
		}
		if o.Wait == 0 {
			s.mu.Unlock()
			return core.Lease{}, core.ErrAcquireTimeout
		}
		released := s.waitCh(resource)
		// The holder may also just expire; the store's clock says when.
		expiry := s.opts.clock.NewTimer(cur.expire.Sub(s.opts.clock.Now()))
		s.mu.Unlock()

		select {
		case <-released:
		case <-expiry.Chan():
		case <-waitEnd:
			expiry.Stop()
			return core.Lease{}, core.ErrAcquireTimeout
		case <-ctx.Done():
			expiry.Stop()
			return core.Lease{}, errors.Join(core.ErrAcquireTimeout, ctx.Err())
		case <-st.done:
			expiry.Stop()
			return core.Lease{}, core.ErrClosed
		}
		expiry.Stop()
	}
}

// grant records a new lease on the free resource. The caller holds s.mu.
func (s *state) grant(resource string, o core.LeaseOptions) core.Lease {
	s.sweep()
	now := s.opts.clock.Now()
	s.fence++
	e := &entry{
		token:    rand.Text(),
		fence:    s.fence,
		owner:    o.Owner,
		data:     slices.Clone(o.Data),
		lockTime: now,
		expire:   now.Add(o.TTL),
	}
	s.held[resource] = e
	return e.lease(resource, o.TTL)
}

// sweep drops expired leases that no call has looked at, so that a long-lived store does
// not keep every lease it ever granted. It scans the table after as many grants as the
// table held at the previous scan (at least minSweep), so its cost per grant is constant.
// The caller holds s.mu.
func (s *state) sweep() {
	s.grants++
	if s.grants < max(s.sweepAfter, minSweep) {
		return
	}
	now := s.opts.clock.Now()
	for resource, e := range s.held {
		if !now.Before(e.expire) {
			s.drop(resource)
		}
	}
	s.grants, s.sweepAfter = 0, len(s.held)
}

// minSweep is the fewest grants between two sweeps: small tables are not worth a scan.
const minSweep = 64

func (e *entry) lease(resource string, ttl time.Duration) core.Lease {
	return core.Lease{
		Resource: resource,
		Token:    e.token,
		Fence:    e.fence,
		Owner:    e.owner,
		LockTime: e.lockTime,
		Validity: time.Now().Add(ttl),
		TTL:      ttl,
	}
}

// validateLease checks the parts of a lease that Extend and Release rely on.
func validateLease(l core.Lease) error {
	if err := core.ValidateResource(l.Resource); err != nil {
		return err
	}
	if l.Token == "" {
		return core.Invalid("lease token is empty")
	}
	return nil
}

// Extend resets the lease's TTL to ttl from now; see [core.Lessor.Extend].
func (st *Store) Extend(ctx context.Context, lease core.Lease, ttl time.Duration) (core.Lease, error) {
	if err := validateLease(lease); err != nil {
		return core.Lease{}, err
	}
	if ttl < core.MinTTL || ttl > core.MaxTTL {
		return core.Lease{}, core.Invalid("ttl %v is outside [%v, %v]", ttl, core.MinTTL, core.MaxTTL)
	}
	if err := st.usable(ctx); err != nil {
		return core.Lease{}, err
	}
	s := st.s
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.live(lease.Resource)
	if e == nil || e.token != lease.Token {
		return core.Lease{}, core.ErrNotHeld
	}
	e.expire = s.opts.clock.Now().Add(ttl)
	return e.lease(lease.Resource, ttl), nil
}

// Release deletes the lease; see [core.Lessor.Release].
func (st *Store) Release(ctx context.Context, lease core.Lease) error {
	if err := validateLease(lease); err != nil {
		return err
	}
	if err := st.usable(ctx); err != nil {
		return err
	}
	s := st.s
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.live(lease.Resource)
	if e == nil || e.token != lease.Token {
		return core.ErrNotHeld
	}
	s.drop(lease.Resource)
	return nil
}

// Info describes the holder of resource; see [core.Lessor.Info]. Info.Owner is the
// owner label, a string.
func (st *Store) Info(ctx context.Context, resource string) (core.Info, error) {
	if err := core.ValidateResource(resource); err != nil {
		return core.Info{}, err
	}
	if err := st.usable(ctx); err != nil {
		return core.Info{}, err
	}
	s := st.s
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.live(resource)
	if e == nil {
		return core.Info{}, core.ErrNotHeld
	}
	return core.Info{LockTime: e.lockTime, ExpireTime: e.expire, Owner: e.owner, FencingToken: e.fence}, nil
}

// Read returns a copy of the holder's payload, empty but not nil when it has none; see
// [core.Lessor.Read].
func (st *Store) Read(ctx context.Context, resource string) ([]byte, error) {
	if err := core.ValidateResource(resource); err != nil {
		return nil, err
	}
	if err := st.usable(ctx); err != nil {
		return nil, err
	}
	s := st.s
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.live(resource)
	if e == nil {
		return nil, core.ErrNotHeld
	}
	return append([]byte{}, e.data...), nil
}

// usable reports why a call may not proceed: a closed handle or a done context.
func (st *Store) usable(ctx context.Context) error {
	if st.closed() {
		return core.ErrClosed
	}
	return ctx.Err()
}

// Close ends this handle: its waiters return [core.ErrClosed], and so do later calls.
// Leases stay held until released or expired, and other handles on the same named store
// keep working. Close always returns nil.
func (st *Store) Close() error {
	st.closeOnce.Do(func() { close(st.done) })
	return nil
}
