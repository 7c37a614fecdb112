package core

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/distlock/distlock/core/driver"
)

// A Session keeps many locks on one lock service alive together. Its locks are [Lock]s
// like any other (Release, Lost, Err, fencing token), but instead of one renewal timer
// per lock, one timer per session renews them all every TTL/3 (the client policy's
// renewal period). When the service's [driver.Lessor] is a [driver.MultiExtender] (the
// Go SDK is: one Batch request), a renewal costs one request to the service however
// many locks the session holds; otherwise the session makes concurrent Extend calls.
//
// Renewal follows the rules of a single lock's ([Hold]): a lock whose Extend fails with
// an error retrying cannot cure (it is no longer held; the Lessor closed or rejects the
// renewal) is lost at once; other failures are retried with the renewal back-off until
// the lock's validity ends, and the lock is then lost with the last error. When a
// renewal round loses every lock it renewed because their validity ran out (the service
// could not be reached in time), the session itself is lost: every lock it still holds
// is reported lost, Done is closed and Err says why.
//
// Each lock is still its own key in the lock service with its own expiry, so that the
// service frees an abandoned lock by itself and watchers see each expiry: a session
// saves requests and round trips, not the service's work per lock.
//
// A Session is safe for concurrent use. Close it when done: Close releases its locks.
type Session struct {
	c       *Client
	service string
	l       driver.Lessor
	ttl     time.Duration

	mu     sync.Mutex
	locks  map[*sessionLock]struct{}
	reason error         // why the session ended; nil while it lasts
	done   chan struct{} // closed when reason is set

	stop      chan struct{} // closed by Close: renewal stops
	renewed   chan struct{} // closed when the renewal goroutine returned
	ctx       context.Context
	cancel    context.CancelFunc // ends renewal calls in flight
	closeOnce sync.Once
	closeErr  error
}

// errSessionClosed is the reason of a session its owner closed, and of its locks that
// Close released.
var errSessionClosed = fmt.Errorf("%w: session closed", ErrClosed)

// NewSession starts a session on service. Its locks share one TTL, given with the [TTL]
// option (default [DefaultTTL]); other options are ignored here and given to
// [Session.TryLock] instead. The session renews nothing until it holds a lock.
func (c *Client) NewSession(service string, options ...LockOption) (*Session, error) {
	o := lockOptions(options)
	if err := driver.ValidateTTL(o.TTL); err != nil {
		return nil, err
	}
	l, err := c.lessor(service)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Session{
		c: c, service: service, l: l, ttl: o.TTL,
		locks: map[*sessionLock]struct{}{}, done: make(chan struct{}),
		stop: make(chan struct{}), renewed: make(chan struct{}), ctx: ctx, cancel: cancel,
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		cancel()
		return nil, ErrClosed
	}
	c.sessions[s] = struct{}{}
	c.mu.Unlock()
	go s.renew()
	return s, nil
}

// Done is closed when the session ends: closed, or lost (see [Session]).
func (s *Session) Done() <-chan struct{} { return s.done }

// Err returns nil while Done is open, then why the session ended: an error matching
// [ErrClosed] after Close, otherwise the renewal error that lost it.
func (s *Session) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reason
}

// TryLock locks resource as [Client.TryLock] does, waiting until it is free or ctx is
// done, and adds the lock to the session, which renews it from then on. The session's
// TTL applies; a [TTL] option that differs from it is an error matching
// [ErrInvalidArgument]. After the session ended it returns an error matching
// [ErrClosed] that carries the session's Err.
func (s *Session) TryLock(ctx context.Context, resource string, options ...LockOption) (Lock, error) {
	if err := s.Err(); err != nil {
		return Lock{}, s.endedError(err)
	}
	o := LockOptions{TTL: s.ttl}
	for _, opt := range options {
		opt(&o)
	}
	if o.TTL != s.ttl {
		return Lock{}, driver.Invalid("a session's locks share its TTL (%v), not %v", s.ttl, o.TTL)
	}
	lo := driver.LeaseOptions{TTL: o.TTL, Owner: o.Owner, Data: o.Data, Wait: -1}
	if err := driver.ValidateResource(resource); err != nil {
		return Lock{}, err
	}
	if err := driver.ValidateLease(lo); err != nil {
		return Lock{}, err
	}
	lease, err := s.l.Acquire(ctx, resource, lo)
	if err != nil {
		return Lock{}, err
	}
	lock, err := s.c.track(ctx, s.service, lease, func(onEnd func()) Lock {
		return s.add(lease, onEnd).lock()
	})
	if err != nil {
		return Lock{}, err
	}
	if reason := s.Err(); reason != nil {
		// The session ended while the lock was being granted: it may never renew it.
		if rerr := lock.Release(context.WithoutCancel(ctx)); !errors.Is(rerr, ErrNotHeld) {
			return Lock{}, errors.Join(s.endedError(reason), rerr)
		}
		return Lock{}, s.endedError(reason)
	}
	return lock, nil
}

func (s *Session) endedError(reason error) error {
	if errors.Is(reason, ErrClosed) {
		return reason
	}
	return fmt.Errorf("%w: session lost: %w", ErrClosed, reason)
}

// add makes a session lock of lease; it joins the session unless the session ended.
func (s *Session) add(lease driver.Lease, onEnd func()) *sessionLock {
	sl := &sessionLock{s: s, ending: newEnding(onEnd), lease: lease}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.reason == nil {
		s.locks[sl] = struct{}{}
	}
	return sl
}

func (s *Session) remove(sl *sessionLock) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.locks, sl)
}

// held returns the session's locks.
func (s *Session) held() []*sessionLock {
	s.mu.Lock()
	defer s.mu.Unlock()
	locks := make([]*sessionLock, 0, len(s.locks))
	for sl := range s.locks {
		locks = append(locks, sl)
	}
	return locks
}

// end ends the session with reason, once; it reports whether this call did.
func (s *Session) end(reason error) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.reason != nil {
		return false
	}
	s.reason = reason
	close(s.done)
	return true
}

// Close stops renewal and releases every lock the session still holds, together (the
// Go SDK sends their Releases in one Batch), then ends the session: Done is closed and
// Err matches [ErrClosed]. It returns the release errors other than [ErrNotHeld] (a lock
// already lost). Calls after the first return the first call's result.
func (s *Session) Close(ctx context.Context) error {
	s.closeOnce.Do(func() {
		close(s.stop)
		s.cancel()
		<-s.renewed
		s.end(errSessionClosed)
		s.closeErr = releaseAll(ctx, s.held())
		s.c.mu.Lock()
		delete(s.c.sessions, s)
		s.c.mu.Unlock()
	})
	return s.closeErr
}

// releaseAll releases locks concurrently, so that a Lessor that coalesces calls sends
// them together.
func releaseAll(ctx context.Context, locks []*sessionLock) error {
	errs := make([]error, len(locks))
	var wg sync.WaitGroup
	for i, sl := range locks {
		wg.Go(func() {
			if err := sl.release(ctx); !errors.Is(err, ErrNotHeld) {
				errs[i] = err
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// A sessionLock is one lock of a session: its lease, kept current by the session's
// renewal, and how it ended.
type sessionLock struct {
	s *Session
	*ending
	released atomic.Bool

	mu    sync.Mutex
	lease driver.Lease

	releaseOnce sync.Once
	releaseErr  error
}

func (sl *sessionLock) current() driver.Lease {
	sl.mu.Lock()
	defer sl.mu.Unlock()
	return sl.lease
}

func (sl *sessionLock) renewed(next driver.Lease) {
	sl.mu.Lock()
	defer sl.mu.Unlock()
	sl.lease = next
}

// lose ends the lock with reason unless its holder is releasing it (Release then says
// what happened) and takes it out of the session.
func (sl *sessionLock) lose(reason error) {
	if sl.released.Load() {
		return
	}
	sl.s.remove(sl)
	sl.end(reason)
}

func (sl *sessionLock) lock() Lock {
	return Lock{
		Lost:         sl.ending.lost,
		Release:      sl.release,
		Err:          sl.err,
		Resource:     sl.lease.Resource,
		FencingToken: sl.lease.Fence,
		LeaseToken:   sl.lease.Token,
		Owner:        sl.lease.Owner,
	}
}

// release is [Lock.Release] for a session lock; it behaves as a held lock's does.
func (sl *sessionLock) release(ctx context.Context) error {
	sl.releaseOnce.Do(func() {
		sl.released.Store(true)
		sl.s.remove(sl)
		lost := sl.err()
		sl.releaseErr = sl.s.l.Release(ctx, sl.current())
		if lost != nil {
			sl.releaseErr = lostBeforeRelease(lost)
		}
		sl.end(errReleased)
	})
	return sl.releaseErr
}
