package connectsvc

import (
	"sync"
	"time"
)

// holdTracker remembers when this replica granted each live lease, so that Release can
// observe how long it was held. The service is otherwise stateless, and this state is
// only for metrics: a lease released through another replica, or forgotten because the
// tracker was full, is simply not observed. Entries die with their lease's validity
// (moved on by Extend), so the map stays as small as the set of live leases.
type holdTracker struct {
	mu      sync.Mutex
	max     int
	entries map[holdKey]holdEntry
}

type holdKey struct{ resource, token string }

type holdEntry struct {
	granted, expires time.Time
}

func newHoldTracker(maxEntries int) *holdTracker {
	return &holdTracker{max: maxEntries, entries: map[holdKey]holdEntry{}}
}

// granted records a new lease, valid until expires.
func (t *holdTracker) granted(resource, token string, at, expires time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.entries) >= t.max {
		t.pruneLocked(at)
		if len(t.entries) >= t.max {
			return
		}
	}
	t.entries[holdKey{resource, token}] = holdEntry{granted: at, expires: expires}
}

// extended moves a lease's expiry.
func (t *holdTracker) extended(resource, token string, expires time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	k := holdKey{resource, token}
	if e, ok := t.entries[k]; ok {
		e.expires = expires
		t.entries[k] = e
	}
}

// released forgets a lease and returns how long it was held, if it was known.
func (t *holdTracker) released(resource, token string, at time.Time) (time.Duration, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	k := holdKey{resource, token}
	e, ok := t.entries[k]
	if !ok {
		return 0, false
	}
	delete(t.entries, k)
	return at.Sub(e.granted), true
}

func (t *holdTracker) pruneLocked(now time.Time) {
	for k, e := range t.entries {
		if now.After(e.expires) {
			delete(t.entries, k)
		}
	}
}
