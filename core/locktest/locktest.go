// Package locktest is a behaviour suite that every [driver.Lessor] runs, so that every lock
// service honours one contract: a test of an implementation calls [Run] with a [Target].
//
//	func TestLessor(t *testing.T) {
//		locktest.Run(t, locktest.Target{
//			Open: func(t *testing.T) driver.Lessor { return memory.New() },
//		})
//	}
//
// Each case is a subtest whose name says what it proves. Cases run one after another
// (so a Target's Expire may expire every lease it has, as advancing a clock does), each
// on a Lessor of its own and on resource names unique to it; only when the Target has no
// Expire do the expiry cases, which then wait for real time, run in parallel. The suite
// closes every Lessor it opens and releases every lease it takes, except in the case
// about a closed Lessor, which leaves one lease of [driver.MinTTL] to expire.
//
// Contract points the suite fixes where [driver.Lessor] leaves room:
//   - a waiter ended by Close, and any later call, returns an error matching
//     [driver.ErrClosed];
//   - a waiter ended by its context returns an error matching both
//     [driver.ErrAcquireTimeout] and the context's error;
//   - Read of a lock without payload returns no bytes and no error;
//   - the first fencing token is above 0, so that 0 can mean "no token".
package locktest

import (
	"context"
	"crypto/rand"
	"errors"
	"testing"
	"time"

	"github.com/distlock/distlock/core/driver"
)

// A Target is the implementation under test.
type Target struct {
	// Open returns a new Lessor for one case. The suite closes it. Lessors from separate
	// calls need not share locks.
	Open func(t *testing.T) driver.Lessor

	// Expire makes the lease on resource expire now, for example by advancing a fake
	// clock or miniredis's FastForward; it may expire other leases of the Lessor too.
	// Waiters on resource must then be able to take it.
	//
	// Expire may be nil when the target cannot control time. The expiry cases then wait
	// for real leases of [driver.MinTTL] to expire (seconds each) and are skipped under
	// go test -short.
	Expire func(t *testing.T, resource string)
}

// bound limits every wait that a correct implementation ends long before it: reaching it
// fails the case instead of hanging the test binary. It is not a timing assertion.
const bound = 2 * time.Minute

// Run runs every case of the suite against target.
func Run(t *testing.T, target Target) {
	if target.Open == nil {
		t.Fatal("locktest: Target.Open is nil")
	}
	s := &suite{target: target, run: rand.Text()[:8]}
	for _, c := range s.cases() {
		t.Run(c.name, c.run)
	}
}

type suite struct {
	target Target
	run    string // random, so that leftovers of an earlier run cannot meet this one
}

// name returns a resource name unique to the case and this run.
func (s *suite) name(t *testing.T, suffix string) string {
	return s.run + "/" + t.Name() + "/" + suffix
}

type testCase struct {
	name string
	run  func(t *testing.T)
}

// open returns a new Lessor that is closed when the case ends.
func (s *suite) open(t *testing.T) driver.Lessor {
	t.Helper()
	l := s.target.Open(t)
	t.Cleanup(func() { _ = l.Close() })
	return l
}

// boundCtx returns a context that ends at [bound], and ends with the case.
func boundCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	t.Cleanup(cancel)
	return ctx
}

// acquire takes resource with Wait 0 and fails the case unless it is granted. The lease
// is released when the case ends, if it is still held.
func acquire(t *testing.T, l driver.Lessor, resource string, o driver.LeaseOptions) driver.Lease {
	t.Helper()
	lease, err := l.Acquire(boundCtx(t), resource, o)
	if err != nil {
		t.Fatalf("acquire %q: %v", resource, err)
	}
	releaseLater(t, l, lease)
	return lease
}

func releaseLater(t *testing.T, l driver.Lessor, lease driver.Lease) {
	t.Cleanup(func() {
		err := l.Release(context.Background(), lease)
		if err != nil && !errors.Is(err, driver.ErrNotHeld) && !errors.Is(err, driver.ErrClosed) {
			t.Errorf("cleanup: release %q: %v", lease.Resource, err)
		}
	})
}

// ttl is the TTL of leases in cases that do not let them expire: long enough that no
// lease expires while a case runs.
const ttl = time.Minute

func opts(ttl time.Duration) driver.LeaseOptions { return driver.LeaseOptions{TTL: ttl} }

// needExpiry prepares a case that expires leases. Without Target.Expire the case waits
// for real time, so it is skipped under -short and otherwise runs in parallel with the
// other such cases (they share nothing but the clock).
func (s *suite) needExpiry(t *testing.T) {
	t.Helper()
	if s.target.Expire != nil {
		return
	}
	if testing.Short() {
		t.Skip("the target cannot expire leases on demand; real-time expiry is skipped under -short")
	}
	t.Parallel()
}

// leaseTTL is the TTL to give a lease that the case will expire.
func (s *suite) leaseTTL() time.Duration {
	if s.target.Expire == nil {
		return driver.MinTTL
	}
	return ttl
}

// expire makes lease expire and leaves its resource free. Without Target.Expire it waits
// for the lease's TTL by acquiring the resource with a blocking wait (the implementation
// wakes it at expiry) and releasing that lease again.
func (s *suite) expire(t *testing.T, l driver.Lessor, lease driver.Lease) {
	t.Helper()
	if s.target.Expire != nil {
		s.target.Expire(t, lease.Resource)
		return
	}
	next, err := l.Acquire(boundCtx(t), lease.Resource, driver.LeaseOptions{TTL: driver.MinTTL, Wait: -1})
	if err != nil {
		t.Fatalf("waiting for %q to expire: %v", lease.Resource, err)
	}
	if err := l.Release(boundCtx(t), next); err != nil {
		t.Fatalf("release after expiry: %v", err)
	}
}

// wantErr fails the case unless err matches every target.
func wantErr(t *testing.T, what string, err error, targets ...error) {
	t.Helper()
	for _, target := range targets {
		if !errors.Is(err, target) {
			t.Fatalf("%s: got error %v, want one matching %v", what, err, target)
		}
	}
}

// wantFree fails the case unless resource is free: Info reports ErrNotHeld.
func wantFree(t *testing.T, l driver.Lessor, resource string) {
	t.Helper()
	_, err := l.Info(boundCtx(t), resource)
	wantErr(t, "info of "+quote(resource), err, driver.ErrNotHeld)
}

// wantHolder fails the case unless lease is the holder of its resource.
func wantHolder(t *testing.T, l driver.Lessor, lease driver.Lease) {
	t.Helper()
	info, err := l.Info(boundCtx(t), lease.Resource)
	if err != nil {
		t.Fatalf("info of %s: %v", quote(lease.Resource), err)
	}
	if info.FencingToken != lease.Fence {
		t.Fatalf("info of %s: fencing token %d, want the holder's %d", quote(lease.Resource), info.FencingToken, lease.Fence)
	}
}
