package locktest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/distlock/distlock/core/driver"
)

func (s *suite) acquireFree(t *testing.T) {
	l := s.open(t)
	r := s.name(t, "r")
	before := time.Now()
	lease := acquire(t, l, r, driver.LeaseOptions{TTL: ttl, Owner: "alice"})
	switch {
	case lease.Resource != r:
		t.Errorf("lease resource %s, want %s", quote(lease.Resource), quote(r))
	case len(lease.Token) < 16:
		t.Errorf("lease token of %d characters cannot carry 128 random bits", len(lease.Token))
	case lease.Fence == 0:
		t.Error("fencing token is 0; the first token must be positive so that 0 means none")
	case lease.Owner != "alice":
		t.Errorf("lease owner %q, want %q", lease.Owner, "alice")
	case lease.TTL != ttl:
		t.Errorf("lease TTL %v, want %v", lease.TTL, ttl)
	case !lease.Validity.After(before) || lease.Validity.After(time.Now().Add(ttl)):
		t.Errorf("lease validity %v is not within the TTL of the grant", lease.Validity)
	case lease.LockTime.IsZero():
		t.Error("lease lock time is zero")
	}
	wantHolder(t, l, lease)

	other := acquire(t, l, s.name(t, "other"), opts(ttl))
	if other.Token == lease.Token {
		t.Error("two grants share one lease token")
	}
}

func (s *suite) acquireHeldWaitZero(t *testing.T) {
	l := s.open(t)
	r := s.name(t, "r")
	holder := acquire(t, l, r, opts(ttl))
	// Without a deadline, an implementation that waited would hang here until bound.
	_, err := l.Acquire(boundCtx(t), r, driver.LeaseOptions{TTL: ttl})
	wantErr(t, "acquire of a held resource with Wait 0", err, driver.ErrAcquireTimeout)
	if errors.Is(err, context.DeadlineExceeded) {
		t.Fatal("Wait 0 waited until the context ended")
	}
	wantHolder(t, l, holder)
}

func (s *suite) waitBound(t *testing.T) {
	l := s.open(t)
	r := s.name(t, "r")
	holder := acquire(t, l, r, opts(ttl))
	_, err := l.Acquire(boundCtx(t), r, driver.LeaseOptions{TTL: ttl, Wait: 50 * time.Millisecond})
	wantErr(t, "acquire of a held resource with a short Wait", err, driver.ErrAcquireTimeout)
	if errors.Is(err, context.DeadlineExceeded) {
		t.Fatal("the Wait bound was ignored: the acquire ran until its context ended")
	}
	wantHolder(t, l, holder)
}

func (s *suite) waiterWokenByRelease(t *testing.T) {
	l := s.open(t)
	r := s.name(t, "r")
	// The holder's TTL outlasts bound, so only the release can free the resource.
	holder := acquire(t, l, r, opts(driver.MaxTTL))
	ctx := watch(boundCtx(t))
	ch := goAcquire(ctx, l, r, driver.LeaseOptions{TTL: ttl, Wait: driver.MaxTTL})
	<-ctx.asked
	if err := l.Release(boundCtx(t), holder); err != nil {
		t.Fatalf("release: %v", err)
	}
	got := <-ch
	if got.err != nil {
		t.Fatalf("waiter after release: %v (an error matching DeadlineExceeded means it was never woken)", got.err)
	}
	releaseLater(t, l, got.lease)
	if got.lease.Fence <= holder.Fence {
		t.Fatalf("waiter's fencing token %d is not above the released holder's %d", got.lease.Fence, holder.Fence)
	}
	wantHolder(t, l, got.lease)
}

func (s *suite) waiterWokenByExpiry(t *testing.T) {
	s.needExpiry(t)
	l := s.open(t)
	r := s.name(t, "r")
	holder := acquire(t, l, r, opts(s.leaseTTL()))
	ctx := watch(boundCtx(t))
	ch := goAcquire(ctx, l, r, driver.LeaseOptions{TTL: ttl, Wait: -1})
	<-ctx.asked
	if s.target.Expire != nil {
		s.target.Expire(t, r)
	}
	got := <-ch
	if got.err != nil {
		t.Fatalf("waiter after the holder expired: %v", got.err)
	}
	releaseLater(t, l, got.lease)
	if got.lease.Fence <= holder.Fence {
		t.Fatalf("waiter's fencing token %d is not above the expired holder's %d", got.lease.Fence, holder.Fence)
	}
}

func (s *suite) waitEndedByCancel(t *testing.T) {
	l := s.open(t)
	r := s.name(t, "r")
	holder := acquire(t, l, r, opts(ttl))
	base, cancel := context.WithCancel(boundCtx(t))
	ctx := watch(base)
	ch := goAcquire(ctx, l, r, driver.LeaseOptions{TTL: ttl, Wait: -1})
	<-ctx.asked
	cancel()
	got := <-ch
	wantErr(t, "waiter whose context was canceled", got.err, driver.ErrAcquireTimeout, context.Canceled)
	wantHolder(t, l, holder)
}

func (s *suite) waitEndedByDeadline(t *testing.T) {
	l := s.open(t)
	r := s.name(t, "r")
	holder := acquire(t, l, r, opts(ttl))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := l.Acquire(ctx, r, driver.LeaseOptions{TTL: ttl, Wait: -1})
	wantErr(t, "waiter whose context reached its deadline", err, driver.ErrAcquireTimeout, context.DeadlineExceeded)
	wantHolder(t, l, holder)
}

func (s *suite) closeEndsWaiters(t *testing.T) {
	// This Lessor is closed by the case, not by cleanup; the holder's lease of MinTTL is
	// left to expire, since a closed Lessor cannot release it.
	l := s.target.Open(t)
	r := s.name(t, "r")
	if _, err := l.Acquire(boundCtx(t), r, opts(driver.MinTTL)); err != nil {
		_ = l.Close()
		t.Fatalf("acquire: %v", err)
	}
	ctx := watch(boundCtx(t))
	ch := goAcquire(ctx, l, r, driver.LeaseOptions{TTL: ttl, Wait: -1})
	<-ctx.asked
	if err := l.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	got := <-ch
	wantErr(t, "waiter when its Lessor closed", got.err, driver.ErrClosed)
	_, err := l.Acquire(boundCtx(t), s.name(t, "later"), opts(ttl))
	wantErr(t, "acquire after Close", err, driver.ErrClosed)
	_, err = l.Info(boundCtx(t), r)
	wantErr(t, "info after Close", err, driver.ErrClosed)
}
