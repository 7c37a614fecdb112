package memory

import (
	"context"
	"time"

	"github.com/distlock/distlock/core/driver"
)

// Extend resets the lease's TTL to ttl from now; see [driver.Lessor.Extend].
func (st *Store) Extend(ctx context.Context, lease driver.Lease, ttl time.Duration) (driver.Lease, error) {
	if err := driver.ValidateLeaseRef(lease); err != nil {
		return driver.Lease{}, err
	}
	if err := driver.ValidateTTL(ttl); err != nil {
		return driver.Lease{}, err
	}
	if err := st.usable(ctx); err != nil {
		return driver.Lease{}, err
	}
	s := st.s
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.live(lease.Resource)
	if e == nil || e.token != lease.Token {
		return driver.Lease{}, driver.ErrNotHeld
	}
	e.expire = s.opts.clock.Now().Add(ttl)
	s.observeHeld(lease.Resource, e)
	return e.lease(lease.Resource, ttl), nil
}

// Release deletes the lease; see [driver.Lessor.Release].
func (st *Store) Release(ctx context.Context, lease driver.Lease) error {
	if err := driver.ValidateLeaseRef(lease); err != nil {
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
		return driver.ErrNotHeld
	}
	s.drop(lease.Resource, driver.WatchReleased)
	return nil
}

// Info describes the holder of resource; see [driver.Lessor.Info]. Info.Owner is the
// owner label, a string.
func (st *Store) Info(ctx context.Context, resource string) (driver.Info, error) {
	if err := driver.ValidateResource(resource); err != nil {
		return driver.Info{}, err
	}
	if err := st.usable(ctx); err != nil {
		return driver.Info{}, err
	}
	s := st.s
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.live(resource)
	if e == nil {
		return driver.Info{}, driver.ErrNotHeld
	}
	return driver.Info{LockTime: e.lockTime, ExpireTime: e.expire, Owner: e.owner, FencingToken: e.fence}, nil
}

// Read returns a copy of the holder's payload, empty but not nil when it has none; see
// [driver.Lessor.Read].
func (st *Store) Read(ctx context.Context, resource string) ([]byte, error) {
	if err := driver.ValidateResource(resource); err != nil {
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
		return nil, driver.ErrNotHeld
	}
	return append([]byte{}, e.data...), nil
}
