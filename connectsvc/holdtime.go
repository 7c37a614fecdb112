package connectsvc

import (
	"container/heap"
	"sync"
	"time"
)

// holdTracker remembers when this replica granted each live lease, so that Release can
// observe how long it was held. The service is otherwise stateless, and this state is
// only for metrics: a lease released through another replica, or forgotten because the
// tracker was full, is simply not observed. Entries die with their lease's validity
// (moved on by Extend), so the map stays as small as the set of live leases.
//
// The entries are also kept in a min-heap by expiry, so that a grant to a full tracker
// evicts the expired entries from the top of the heap: its cost grows with the number of
// entries it evicts (times log n), not with the number of live leases, which a scan of
// the whole map would pay on every grant once the tracker is full of live leases.
type holdTracker struct {
	mu      sync.Mutex
	max     int
	entries map[holdKey]*holdEntry
	byExp   expiryHeap
	// examined counts the entries an eviction looked at, so that a test can tell an
	// eviction in proportion to what it evicts from a scan of every entry.
	examined int
}

type holdKey struct{ resource, token string }

type holdEntry struct {
	key              holdKey
	granted, expires time.Time
	index            int // in byExp
}

func newHoldTracker(maxEntries int) *holdTracker {
	return &holdTracker{max: maxEntries, entries: map[holdKey]*holdEntry{}}
}

// granted records a new lease, valid until expires.
func (t *holdTracker) granted(resource, token string, at, expires time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.entries) >= t.max {
		t.evictExpiredLocked(at)
		if len(t.entries) >= t.max {
			return
		}
	}
	e := &holdEntry{key: holdKey{resource, token}, granted: at, expires: expires}
	if old, ok := t.entries[e.key]; ok {
		// A lessor never issues a token twice; should one, the heap must not keep an
		// entry the map no longer points to.
		heap.Remove(&t.byExp, old.index)
	}
	t.entries[e.key] = e
	heap.Push(&t.byExp, e)
}

// extended moves a lease's expiry.
func (t *holdTracker) extended(resource, token string, expires time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if e, ok := t.entries[holdKey{resource, token}]; ok {
		e.expires = expires
		heap.Fix(&t.byExp, e.index)
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
	heap.Remove(&t.byExp, e.index)
	return at.Sub(e.granted), true
}

// evictExpiredLocked forgets the leases that expired before now, soonest first.
func (t *holdTracker) evictExpiredLocked(now time.Time) {
	for len(t.byExp) > 0 {
		t.examined++
		e := t.byExp[0]
		if !now.After(e.expires) {
			return
		}
		heap.Pop(&t.byExp)
		delete(t.entries, e.key)
	}
}

// expiryHeap is a [heap.Interface] of entries, soonest expiry first.
type expiryHeap []*holdEntry

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].expires.Before(h[j].expires) }

func (h expiryHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}

func (h *expiryHeap) Push(x any) {
	e := x.(*holdEntry)
	e.index = len(*h)
	*h = append(*h, e)
}

func (h *expiryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return e
}
