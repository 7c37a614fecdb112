package core_test

import (
	"context"
	"sync"
	"time"

	"github.com/distlock/distlock/core/driver"
)

// fakeLessor is a scripted driver.Lessor for tests of Hold and Client. Methods a test does
// not script panic through the nil embedded interface.
type fakeLessor struct {
	driver.Lessor

	mu sync.Mutex
	// extend answers Extend; nil extends the lease by ttl from now.
	extend   func(ctx context.Context, lease driver.Lease, ttl time.Duration) (driver.Lease, error)
	extends  []driver.Lease // the leases Extend was called with
	extendAt []time.Time
	releases []driver.Lease
	// acquire answers Acquire.
	acquire func(ctx context.Context, resource string, o driver.LeaseOptions) (driver.Lease, error)
	closed  func()
}

func (f *fakeLessor) Acquire(ctx context.Context, resource string, o driver.LeaseOptions) (driver.Lease, error) {
	return f.acquire(ctx, resource, o)
}

func (f *fakeLessor) Extend(ctx context.Context, lease driver.Lease, ttl time.Duration) (driver.Lease, error) {
	f.mu.Lock()
	f.extends = append(f.extends, lease)
	f.extendAt = append(f.extendAt, time.Now())
	extend := f.extend
	f.mu.Unlock()
	if extend != nil {
		return extend(ctx, lease, ttl)
	}
	lease.Validity = time.Now().Add(ttl)
	return lease, nil
}

func (f *fakeLessor) Release(ctx context.Context, lease driver.Lease) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.releases = append(f.releases, lease)
	return nil
}

func (f *fakeLessor) Close() error {
	if f.closed != nil {
		f.closed()
	}
	return nil
}

func (f *fakeLessor) calls() (extends []driver.Lease, at []time.Time, releases []driver.Lease) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]driver.Lease(nil), f.extends...), append([]time.Time(nil), f.extendAt...),
		append([]driver.Lease(nil), f.releases...)
}

// newLease is a lease granted now with the given TTL.
func newLease(ttl time.Duration) driver.Lease {
	now := time.Now()
	return driver.Lease{Resource: "r", Token: "token", Fence: 7, Owner: "me", LockTime: now, Validity: now.Add(ttl), TTL: ttl}
}

// fakes are the lessors that driver.Open("corefake://name") returns, by name.
var fakes sync.Map // name -> *fakeLessor

func init() {
	driver.Register("corefake", func(name string) (driver.Lessor, error) {
		if f, ok := fakes.Load(name); ok {
			return f.(*fakeLessor), nil
		}
		return nil, driver.Invalid("no fake lessor named %q", name)
	})
}
