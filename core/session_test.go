package core_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
)

// Like the Hold tests, the session tests run in a synctest bubble: real TTLs, virtual
// time, exact instants.

// grantAll makes f grant every Acquire at once, with the fence counting grants.
func grantAll(f *fakeLessor) {
	var n uint64
	var mu sync.Mutex
	f.acquire = func(_ context.Context, resource string, o driver.LeaseOptions) (driver.Lease, error) {
		mu.Lock()
		defer mu.Unlock()
		n++
		now := time.Now()
		return driver.Lease{Resource: resource, Token: fmt.Sprint("token-", n), Fence: n, Owner: o.Owner,
			LockTime: now, Validity: now.Add(o.TTL), TTL: o.TTL}, nil
	}
}

// multiLessor is a fakeLessor that is also a driver.MultiExtender: ExtendMany records
// each call's leases and extends them as the fake's Extend would, in one call.
type multiLessor struct {
	*fakeLessor
	mmu   sync.Mutex
	multi [][]driver.Lease
}

func (m *multiLessor) ExtendMany(ctx context.Context, leases []driver.Lease, ttl time.Duration) ([]driver.Lease, []error) {
	m.mmu.Lock()
	m.multi = append(m.multi, leases)
	m.mmu.Unlock()
	next, errs := make([]driver.Lease, len(leases)), make([]error, len(leases))
	for i, l := range leases {
		if m.extend != nil {
			next[i], errs[i] = m.extend(ctx, l, ttl)
			continue
		}
		l.Validity = time.Now().Add(ttl)
		next[i] = l
	}
	return next, errs
}

func (m *multiLessor) calls() [][]driver.Lease {
	m.mmu.Lock()
	defer m.mmu.Unlock()
	return append([][]driver.Lease(nil), m.multi...)
}

// lockMany takes n locks in s.
func lockMany(t *testing.T, s *core.Session, n int) []core.Lock {
	t.Helper()
	locks := make([]core.Lock, n)
	for i := range locks {
		var err error
		if locks[i], err = s.TryLock(context.Background(), fmt.Sprint("shard-", i)); err != nil {
			t.Fatal(err)
		}
	}
	return locks
}

func newSession(t *testing.T, l driver.Lessor) (*core.Client, *core.Session) {
	t.Helper()
	c := core.OpenClient("fake", l)
	s, err := c.NewSession("fake", core.TTL(holdTTL))
	if err != nil {
		t.Fatal(err)
	}
	return c, s
}

func TestSessionRenewsAllItsLocksInOneCallPerPeriod(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeLessor{}
		grantAll(f)
		m := &multiLessor{fakeLessor: f}
		c, s := newSession(t, m)
		defer c.Close()
		locks := lockMany(t, s, 100)
		time.Sleep(5*holdTTL/3 + time.Second)
		calls := m.calls()
		if len(calls) != 5 {
			t.Fatalf("%d ExtendMany calls in 5 renewal periods, want 5", len(calls))
		}
		for i, leases := range calls {
			if len(leases) != 100 {
				t.Errorf("call %d renewed %d leases, want all 100", i, len(leases))
			}
		}
		if extends, _, _ := f.calls(); len(extends) != 0 {
			t.Errorf("%d single Extends, want none", len(extends))
		}
		for _, l := range locks {
			if l.Err() != nil {
				t.Fatalf("lock %s: %v", l.Resource, l.Err())
			}
		}
		if err := s.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		_, _, releases := f.calls()
		if len(releases) != 100 {
			t.Errorf("Close released %d leases, want 100", len(releases))
		}
		for _, l := range locks {
			<-l.Lost
			if !errors.Is(l.Err(), core.ErrNotHeld) {
				t.Errorf("lock %s after Close: Err %v, want ErrNotHeld (released)", l.Resource, l.Err())
			}
		}
		<-s.Done()
		if !errors.Is(s.Err(), core.ErrClosed) {
			t.Errorf("session Err after Close = %v, want ErrClosed", s.Err())
		}
		if _, err := s.TryLock(context.Background(), "late"); !errors.Is(err, core.ErrClosed) {
			t.Errorf("TryLock after Close: %v, want ErrClosed", err)
		}
	})
}

func TestSessionWithoutMultiExtenderExtendsEachLock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeLessor{}
		grantAll(f)
		c, s := newSession(t, f)
		defer c.Close()
		lockMany(t, s, 10)
		time.Sleep(holdTTL/3 + time.Second)
		if extends, _, _ := f.calls(); len(extends) != 10 {
			t.Errorf("%d Extends in one period, want one per lock (10)", len(extends))
		}
	})
}

func TestSessionLosesOnlyTheLockThatIsNoLongerHeld(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeLessor{}
		grantAll(f)
		f.extend = func(_ context.Context, l driver.Lease, ttl time.Duration) (driver.Lease, error) {
			if l.Resource == "shard-1" {
				return driver.Lease{}, fmt.Errorf("%w: taken over", driver.ErrNotHeld)
			}
			l.Validity = time.Now().Add(ttl)
			return l, nil
		}
		c, s := newSession(t, &multiLessor{fakeLessor: f})
		defer c.Close()
		locks := lockMany(t, s, 3)
		<-locks[1].Lost
		if !errors.Is(locks[1].Err(), core.ErrNotHeld) {
			t.Errorf("lost lock: Err %v, want ErrNotHeld", locks[1].Err())
		}
		time.Sleep(holdTTL)
		for _, i := range []int{0, 2} {
			if locks[i].Err() != nil {
				t.Errorf("lock %d: %v, want held", i, locks[i].Err())
			}
		}
		select {
		case <-s.Done():
			t.Errorf("session ended: %v", s.Err())
		default:
		}
		if err := locks[1].Release(context.Background()); !errors.Is(err, core.ErrNotHeld) {
			t.Errorf("Release of the lost lock: %v, want ErrNotHeld", err)
		}
	})
}

func TestSessionUnreachableUntilValidityEndsLosesEveryLock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeLessor{}
		grantAll(f)
		unreachable := fmt.Errorf("%w: connection refused", driver.ErrUnavailable)
		f.extend = func(context.Context, driver.Lease, time.Duration) (driver.Lease, error) {
			return driver.Lease{}, unreachable
		}
		m := &multiLessor{fakeLessor: f}
		c, s := newSession(t, m)
		defer c.Close()
		start := time.Now()
		locks := lockMany(t, s, 50)
		<-s.Done()
		if !errors.Is(s.Err(), driver.ErrUnavailable) {
			t.Errorf("session Err = %v, want the renewal's last error", s.Err())
		}
		if at := time.Since(start); at != holdTTL {
			t.Errorf("session lost after %v, want when validity ended (%v)", at, holdTTL)
		}
		for _, l := range locks {
			<-l.Lost
			if !errors.Is(l.Err(), driver.ErrUnavailable) {
				t.Errorf("lock %s: Err %v, want the renewal's last error", l.Resource, l.Err())
			}
		}
		if calls := m.calls(); len(calls) < 3 {
			t.Errorf("%d renewal attempts, want retries with back-off until validity ended", len(calls))
		}
		if _, err := s.TryLock(context.Background(), "after"); !errors.Is(err, core.ErrClosed) || !errors.Is(err, driver.ErrUnavailable) {
			t.Errorf("TryLock on a lost session: %v, want ErrClosed carrying the loss", err)
		}
		if err := s.Close(context.Background()); err != nil {
			t.Errorf("Close of a lost session: %v", err)
		}
	})
}

func TestSessionLockReleaseIsALockRelease(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeLessor{}
		grantAll(f)
		m := &multiLessor{fakeLessor: f}
		c, s := newSession(t, m)
		defer c.Close()
		locks := lockMany(t, s, 2)
		if locks[0].FencingToken != 1 || locks[0].LeaseToken != "token-1" || locks[0].Resource != "shard-0" {
			t.Errorf("lock = %+v, want the lease's fence, token and resource", locks[0])
		}
		if err := c.Release(context.Background(), "fake", "shard-0"); err != nil {
			t.Fatalf("Client.Release of a session lock: %v", err)
		}
		<-locks[0].Lost
		if err := locks[0].Release(context.Background()); err != nil {
			t.Errorf("second Release: %v, want the first's result (nil)", err)
		}
		time.Sleep(holdTTL/3 + time.Second)
		if calls := m.calls(); len(calls) != 1 || len(calls[0]) != 1 || calls[0][0].Resource != "shard-1" {
			t.Errorf("renewals %v, want one renewing only the lock still held", calls)
		}
		if _, err := s.TryLock(context.Background(), "x", core.TTL(2*holdTTL)); !errors.Is(err, core.ErrInvalidArgument) {
			t.Errorf("TryLock with another TTL: %v, want ErrInvalidArgument", err)
		}
	})
}
