package memory

import (
	"context"
	"time"

	"github.com/distlock/distlock/core"
)

// Extend resets the lease's TTL to ttl from now; see [core.Lessor.Extend].
func (st *Store) Extend(ctx context.Context, lease core.Lease, ttl time.Duration) (core.Lease, error) {
	if err := core.ValidateLeaseRef(lease); err != nil {
		return core.Lease{}, err
	}
	if err := core.ValidateTTL(ttl); err != nil {
		return core.Lease{}, err
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
	if err := core.ValidateLeaseRef(lease); err != nil {
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
