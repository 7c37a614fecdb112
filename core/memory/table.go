package memory

import (
	"crypto/rand"
	"slices"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/distlock/distlock/core/driver"
)

// state is the lock table that every handle on one store shares.
type state struct {
	opts  options
	mu    sync.Mutex
	held  map[string]*entry
	fence uint64 // the last fencing token granted, for any resource
	// grants counts grants since the last sweep of expired leases; the next sweep comes
	// when it reaches sweepAfter (see sweep).
	grants, sweepAfter int
	// wake holds, per resource with waiters, a channel closed when that resource's lock
	// is released or found expired; waiters then try again.
	wake map[string]chan struct{}
	// feeds are the open watches (watch.go).
	feeds map[*driver.Feed]struct{}
	// waiting counts, per resource, the Acquire calls waiting for it (List reports it).
	waiting map[string]int
}

type entry struct {
	token    string
	fence    uint64
	owner    string
	data     []byte
	lockTime time.Time
	expire   time.Time // by the store's clock
	// expiry, while a watch follows the resource, drops the entry when it expires, so
	// that the watch hears of it then rather than at the next call (watch.go).
	expiry clockwork.Timer
}

func newState(o options) *state {
	return &state{opts: o, held: map[string]*entry{}, wake: map[string]chan struct{}{}, waiting: map[string]int{}}
}

// live returns the unexpired entry of resource, dropping an expired one and waking its
// waiters. The caller holds s.mu.
func (s *state) live(resource string) *entry {
	e, ok := s.held[resource]
	if !ok {
		return nil
	}
	if s.opts.clock.Now().Before(e.expire) {
		return e
	}
	s.drop(resource, driver.WatchExpired)
	return nil
}

// drop deletes the lock on resource, wakes its waiters and tells the watches why it
// went. The caller holds s.mu.
func (s *state) drop(resource string, why driver.WatchKind) {
	if e, ok := s.held[resource]; ok {
		s.observeGone(resource, e, why)
	}
	delete(s.held, resource)
	if ch, ok := s.wake[resource]; ok {
		close(ch)
		delete(s.wake, resource)
	}
}

// waitCh returns the channel that closes when resource's lock next goes away. The caller
// holds s.mu.
func (s *state) waitCh(resource string) <-chan struct{} {
	ch, ok := s.wake[resource]
	if !ok {
		ch = make(chan struct{})
		s.wake[resource] = ch
	}
	return ch
}

// grant records a new lease on the free resource. The caller holds s.mu.
func (s *state) grant(resource string, o driver.LeaseOptions) driver.Lease {
	s.sweep()
	now := s.opts.clock.Now()
	s.fence++
	e := &entry{
		token:    rand.Text(),
		fence:    s.fence,
		owner:    o.Owner,
		data:     slices.Clone(o.Data),
		lockTime: now,
		expire:   now.Add(o.TTL),
	}
	s.held[resource] = e
	s.observeHeld(resource, e)
	return e.lease(resource, o.TTL)
}

// sweep drops expired leases that no call has looked at, so that a long-lived store does
// not keep every lease it ever granted. It scans the table after as many grants as the
// table held at the previous scan (at least minSweep), so its cost per grant is constant.
// The caller holds s.mu.
func (s *state) sweep() {
	s.grants++
	if s.grants < max(s.sweepAfter, minSweep) {
		return
	}
	now := s.opts.clock.Now()
	for resource, e := range s.held {
		if !now.Before(e.expire) {
			s.drop(resource, driver.WatchExpired)
		}
	}
	s.grants, s.sweepAfter = 0, len(s.held)
}

// minSweep is the fewest grants between two sweeps: small tables are not worth a scan.
const minSweep = 64

func (e *entry) lease(resource string, ttl time.Duration) driver.Lease {
	return driver.Lease{
		Resource: resource,
		Token:    e.token,
		Fence:    e.fence,
		Owner:    e.owner,
		LockTime: e.lockTime,
		Validity: time.Now().Add(ttl),
		TTL:      ttl,
	}
}
