package core

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/distlock/distlock/core/driver"
)

// Hold turns a granted lease into a [Lock] that renews itself about every TTL/3 until it
// is released or lost. Transient renewal failures are retried, with jittered backoff
// (100 ms doubling to 2 s), for as long as the lease is still valid; the end of validity,
// or an Extend error matching [ErrNotHeld], [ErrClosed] or [ErrInvalidArgument], closes
// Lost at once.
// onEnd, if not nil, runs once when the lock is released or lost.
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
		lost:   make(chan struct{}),
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
		onEnd:  onEnd,
		ctx:    ctx,
		cancel: cancel,
	}
	go h.renew()
	return Lock{
		Lost:         h.lost,
		Release:      h.release,
		Resource:     lease.Resource,
		FencingToken: lease.Fence,
		LeaseToken:   lease.Token,
		Owner:        lease.Owner,
	}
}

type holder struct {
	l     driver.Lessor
	lease driver.Lease // owned by the renew goroutine until done is closed
	lost  chan struct{}
	stop  chan struct{}
	done  chan struct{}
	onEnd func()
	// ctx bounds renewal calls; release cancels it so that it need not wait for an
	// Extend in flight.
	ctx    context.Context
	cancel context.CancelFunc

	endOnce     sync.Once
	releaseOnce sync.Once
	releaseErr  error
}

// renewRetryMin and renewRetryMax bound the backoff between failed renewals.
const (
	renewRetryMin = 100 * time.Millisecond
	renewRetryMax = 2 * time.Second
)

func (h *holder) renew() {
	defer close(h.done)
	defer h.cancel()
	interval := h.lease.TTL / 3
	timer := time.NewTimer(interval)
	defer timer.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-timer.C:
		}
		if !h.extend() {
			h.end()
			return
		}
		timer.Reset(h.lease.TTL / 3)
	}
}

// extend renews the lease once, retrying transient errors until the lease's validity
// ends. It reports whether the lease is still held.
func (h *holder) extend() bool {
	backoff := renewRetryMin
	for {
		if !time.Now().Before(h.lease.Validity) {
			return false
		}
		ctx, cancel := context.WithDeadline(h.ctx, h.lease.Validity)
		next, err := h.l.Extend(ctx, h.lease, h.lease.TTL)
		cancel()
		switch {
		case err == nil:
			h.lease = next
			return true
		case errors.Is(err, ErrNotHeld), errors.Is(err, ErrClosed), errors.Is(err, ErrInvalidArgument):
			// Retrying cannot help: the lease is gone, the Lessor closed, or it rejects
			// the renewal itself.
			return false
		}
		// Transient: sleep a jittered backoff, but never past validity.
		sleep := backoff/2 + rand.N(backoff/2+1)
		if left := time.Until(h.lease.Validity); sleep > left {
			sleep = max(left, 0)
		}
		t := time.NewTimer(sleep)
		select {
		case <-h.stop:
			t.Stop()
			return true // Release takes over; the lease may still be held.
		case <-t.C:
		}
		backoff = min(2*backoff, renewRetryMax)
	}
}

// end closes Lost and runs onEnd, once.
func (h *holder) end() {
	h.endOnce.Do(func() {
		close(h.lost)
		if h.onEnd != nil {
			h.onEnd()
		}
	})
}

func (h *holder) release(ctx context.Context) error {
	h.releaseOnce.Do(func() {
		close(h.stop)
		h.cancel()
		<-h.done
		h.releaseErr = h.l.Release(ctx, h.lease)
		h.end()
	})
	return h.releaseErr
}
