package core_test

import (
	"context"
	"sync"
	"time"

	"github.com/distlock/distlock/core"
)

// fakeLessor is a scripted core.Lessor for tests of Hold and Client. Methods a test does
// not script panic through the nil embedded interface.
type fakeLessor struct {
	core.Lessor

	mu sync.Mutex
	// extend answers Extend; nil extends the lease by ttl from now.
	extend   func(ctx context.Context, lease core.Lease, ttl time.Duration) (core.Lease, error)
	extends  []core.Lease // the leases Extend was called with
	extendAt []time.Time
	releases []core.Lease
	// acquire answers Acquire.
	acquire func(ctx context.Context, resource string, o core.LeaseOptions) (core.Lease, error)
	closed  func()
}

func (f *fakeLessor) Acquire(ctx context.Context, resource string, o core.LeaseOptions) (core.Lease, error) {
	return f.acquire(ctx, resource, o)
}

func (f *fakeLessor) Extend(ctx context.Context, lease core.Lease, ttl time.Duration) (core.Lease, error) {
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

func (f *fakeLessor) Release(ctx context.Context, lease core.Lease) error {
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

func (f *fakeLessor) calls() (extends []core.Lease, at []time.Time, releases []core.Lease) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]core.Lease(nil), f.extends...), append([]time.Time(nil), f.extendAt...),
		append([]core.Lease(nil), f.releases...)
}

// newLease is a lease granted now with the given TTL.
func newLease(ttl time.Duration) core.Lease {
	now := time.Now()
	return core.Lease{Resource: "r", Token: "token", Fence: 7, Owner: "me", LockTime: now, Validity: now.Add(ttl), TTL: ttl}
}

// fakes are the lessors that core.Open("corefake://name") returns, by name.
var fakes sync.Map // name -> *fakeLessor

func init() {
	core.Register("corefake", func(name string) (core.Lessor, error) {
		if f, ok := fakes.Load(name); ok {
			return f.(*fakeLessor), nil
		}
		return nil, core.Invalid("no fake lessor named %q", name)
	})
}
