package locktest

import (
	"testing"

	"github.com/distlock/distlock/core/driver"
)

func (s *suite) extendAndRelease(t *testing.T) {
	l := s.open(t)
	r := s.name(t, "r")
	lease := acquire(t, l, r, opts(driver.MinTTL))
	before, err := l.Info(boundCtx(t), r)
	if err != nil {
		t.Fatal(err)
	}
	next, err := l.Extend(boundCtx(t), lease, driver.MaxTTL)
	if err != nil {
		t.Fatalf("extend by the holder: %v", err)
	}
	if next.Token != lease.Token || next.Fence != lease.Fence || next.Resource != r {
		t.Fatalf("extend changed the lease's identity: %+v became %+v", lease, next)
	}
	if next.TTL != driver.MaxTTL || !next.Validity.After(lease.Validity) {
		t.Fatalf("extended lease has TTL %v and validity %v, want %v and later than %v",
			next.TTL, next.Validity, driver.MaxTTL, lease.Validity)
	}
	after, err := l.Info(boundCtx(t), r)
	if err != nil {
		t.Fatal(err)
	}
	if !after.ExpireTime.After(before.ExpireTime) {
		t.Fatalf("extend did not move the expire time: %v, before %v", after.ExpireTime, before.ExpireTime)
	}
	if !after.LockTime.Equal(before.LockTime) {
		t.Fatalf("extend changed the lock time from %v to %v", before.LockTime, after.LockTime)
	}

	if err := l.Release(boundCtx(t), next); err != nil {
		t.Fatalf("release by the holder: %v", err)
	}
	wantFree(t, l, r)
	err = l.Release(boundCtx(t), next)
	wantErr(t, "second release", err, driver.ErrNotHeld)
	_, err = l.Extend(boundCtx(t), next, ttl)
	wantErr(t, "extend after release", err, driver.ErrNotHeld)
	acquire(t, l, r, opts(ttl))
}

func (s *suite) expiredLease(t *testing.T) {
	s.needExpiry(t)
	l := s.open(t)
	r := s.name(t, "r")
	lease := acquire(t, l, r, opts(s.leaseTTL()))
	s.expire(t, l, lease)
	_, err := l.Extend(boundCtx(t), lease, ttl)
	wantErr(t, "extend of an expired lease", err, driver.ErrNotHeld)
	wantFree(t, l, r) // a failed extend must not revive the lease
	err = l.Release(boundCtx(t), lease)
	wantErr(t, "release of an expired lease", err, driver.ErrNotHeld)
	wantFree(t, l, r)
}

func (s *suite) stolenLease(t *testing.T) {
	s.needExpiry(t)
	l := s.open(t)
	r := s.name(t, "r")
	old := acquire(t, l, r, opts(s.leaseTTL()))
	s.expire(t, l, old)
	thief := acquire(t, l, r, opts(ttl))
	_, err := l.Extend(boundCtx(t), old, ttl)
	wantErr(t, "extend of a lease that another now holds", err, driver.ErrNotHeld)
	wantHolder(t, l, thief)
	err = l.Release(boundCtx(t), old)
	wantErr(t, "release of a lease that another now holds", err, driver.ErrNotHeld)
	wantHolder(t, l, thief)
}

func (s *suite) forgedToken(t *testing.T) {
	l := s.open(t)
	r := s.name(t, "r")
	holder := acquire(t, l, r, opts(ttl))
	forged := holder
	forged.Token = "not-the-token-of-any-lease-00000"
	_, err := l.Extend(boundCtx(t), forged, ttl)
	wantErr(t, "extend with a forged token", err, driver.ErrNotHeld)
	err = l.Release(boundCtx(t), forged)
	wantErr(t, "release with a forged token", err, driver.ErrNotHeld)
	wantHolder(t, l, holder)
}

func (s *suite) fencingAcrossHolders(t *testing.T) {
	l := s.open(t)
	r := s.name(t, "r")
	var last uint64
	for i := range 5 {
		lease := acquire(t, l, r, opts(ttl))
		if lease.Fence <= last {
			t.Fatalf("holder %d got fencing token %d, not above the previous %d", i, lease.Fence, last)
		}
		last = lease.Fence
		if err := l.Release(boundCtx(t), lease); err != nil {
			t.Fatal(err)
		}
	}
}

func (s *suite) fencingAfterExpiry(t *testing.T) {
	s.needExpiry(t)
	l := s.open(t)
	r := s.name(t, "r")
	first := acquire(t, l, r, opts(s.leaseTTL()))
	s.expire(t, l, first)
	second := acquire(t, l, r, opts(ttl))
	if second.Fence <= first.Fence {
		t.Fatalf("holder after expiry got fencing token %d, not above the expired holder's %d", second.Fence, first.Fence)
	}
}
