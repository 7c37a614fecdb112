package core

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/distlock/distlock/core/driver"
	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1policy"
)

// Hold turns a granted lease into a [Lock] that renews itself every TTL/3 until it is
// released or lost. A failed renewal is retried with the client policy's renewal
// back-off (jittered, 100 ms doubling to 2 s; see sdks/POLICY.md) for as long as the
// lease is still valid; the end of validity, or an Extend error matching [ErrNotHeld],
// [ErrClosed] or [ErrInvalidArgument], closes Lost at once, and [Lock.Err] then says why.
// Hold is the only layer that retries a renewal: a [driver.Lessor]'s Extend makes one
// attempt. onEnd, if not nil, runs once when the lock is released or lost.
//
// Hold is the bridge from the driver's values to the user's [Lock]; it lives here, not in
// package driver, because a Lock is the user's type. Implementations of [driver.Lessor]
// do not need it; [Client] calls it. It is exported for programs that take leases from a
// Lessor directly, such as one acquire with its own wait.
func Hold(l driver.Lessor, lease driver.Lease, onEnd func()) Lock {
	ctx, cancel := context.WithCancel(context.Background())
	h := &holder{
		l:      l,
		lease:  lease,
		ending: newEnding(onEnd),
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
		ctx:    ctx,
		cancel: cancel,
	}
	go h.renew()
	return Lock{
		Lost:         h.lost,
		Release:      h.release,
		Err:          h.err,
		Resource:     lease.Resource,
		FencingToken: lease.Fence,
		LeaseToken:   lease.Token,
		Owner:        lease.Owner,
	}
}

type holder struct {
	l     driver.Lessor
	lease driver.Lease // owned by the renew goroutine until done is closed
	*ending
	stop chan struct{}
	done chan struct{}
	// ctx bounds renewal calls; release cancels it so that it need not wait for an
	// Extend in flight.
	ctx    context.Context
	cancel context.CancelFunc

	releaseOnce sync.Once
	releaseErr  error
}

// errReleased is the reason of a lock its holder released.
var errReleased = fmt.Errorf("%w: released by its holder", ErrNotHeld)

func (h *holder) renew() {
	defer close(h.done)
	defer h.cancel()
	timer := time.NewTimer(distlockv1policy.RenewEvery(h.lease.TTL))
	defer timer.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-timer.C:
		}
		if reason := h.extend(); reason != nil {
			h.end(reason)
			return
		}
		timer.Reset(distlockv1policy.RenewEvery(h.lease.TTL))
	}
}

// extend renews the lease once, retrying failures that are not final until the lease's
// validity ends. It returns nil while the lease is held (or Release has taken over), and
// otherwise why the lock is lost: an error matching [ErrNotHeld] when the lock service
// said so or the failure is final, else the last failure when validity ran out.
func (h *holder) extend() error {
	var last error
	for n := 0; ; n++ {
		if !time.Now().Before(h.lease.Validity) {
			if last == nil {
				return fmt.Errorf("%w: the lease's validity ended before it could be renewed", ErrNotHeld)
			}
			return last
		}
		ctx, cancel := context.WithDeadline(h.ctx, h.lease.Validity)
		next, err := h.l.Extend(ctx, h.lease, h.lease.TTL)
		cancel()
		if err == nil {
			h.lease = next
			return nil
		}
		if final := renewalFinal(err); final != nil {
			return final
		}
		// A call cut short by the lease's own validity deadline says nothing about the
		// lock service: the reason stays the last answer it gave (a permission_denied,
		// say), as the policy's loss reason requires.
		if last == nil || time.Now().Before(h.lease.Validity) {
			last = err
		}
		t := time.NewTimer(renewPause(n, h.lease.Validity))
		select {
		case <-h.stop:
			t.Stop()
			return nil // Release takes over; the lease may still be held.
		case <-t.C:
		}
	}
}

// renewalFinal returns why a lock is lost when a renewal failed with err and retrying
// cannot help (the lease is gone, the Lessor closed or rejects the renewal itself); nil
// when a retry may succeed.
func renewalFinal(err error) error {
	switch {
	case errors.Is(err, ErrNotHeld):
		return err
	case errors.Is(err, ErrClosed), errors.Is(err, ErrInvalidArgument):
		return fmt.Errorf("%w: renewal failed: %w", ErrNotHeld, err)
	}
	return nil
}

// renewPause is the pause before renewal retry n: a jittered step of the client
// policy's renewal back-off, never past validity.
func renewPause(n int, validity time.Time) time.Duration {
	step := distlockv1policy.BackoffStep(n, distlockv1policy.RenewBackoffMin, distlockv1policy.RenewBackoffMax)
	sleep := step/2 + rand.N(step/2+1)
	if left := time.Until(validity); sleep > left {
		sleep = max(left, 0)
	}
	return sleep
}

// release ends the lease. A lock already lost still has its lease released (the key may
// outlive the validity by the drift allowance), but the caller hears of the loss: the
// work it did while it believed it held the lock ran, at least in part, without it
// (sdks/POLICY.md, "Leaving the block after the lock was lost").
func (h *holder) release(ctx context.Context) error {
	h.releaseOnce.Do(func() {
		close(h.stop)
		h.cancel()
		<-h.done
		lost := h.err()
		h.releaseErr = h.l.Release(ctx, h.lease)
		if lost != nil {
			h.releaseErr = lostBeforeRelease(lost)
		}
		h.end(errReleased)
	})
	return h.releaseErr
}

// lostBeforeRelease is Release's error for a lock that was lost first: it matches
// [ErrNotHeld] and keeps the loss reason in its chain.
func lostBeforeRelease(reason error) error {
	if errors.Is(reason, ErrNotHeld) {
		return fmt.Errorf("lock lost before Release: %w", reason)
	}
	return fmt.Errorf("%w: lock lost before Release: %w", ErrNotHeld, reason)
}
