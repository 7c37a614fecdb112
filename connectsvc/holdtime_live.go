package connectsvc

import "time"

// live returns how many leases granted through this replica are still valid, as far as
// this replica knows: the held-locks gauge. A lease extended or released through
// another replica is counted until its last known validity ends.
func (t *holdTracker) live(now time.Time) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.evictExpiredLocked(now)
	return len(t.entries)
}
