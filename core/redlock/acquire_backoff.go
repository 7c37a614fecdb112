package redlock

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/distlock/distlock/core/driver"
)

// Back-off. A refused attempt learns from each node a fingerprint (SHA-1) of the
// holder's token and its remaining TTL: when one holder has a quorum, the waiter sleeps
// until that holder's keys expire (plus jitter) unless woken by the release's
// announcement (queue.go), which also covers a lost pub/sub connection. When nobody has
// a quorum, the votes split between contenders; their keys go when they clean up,
// unannounced, so the waiter backs off briefly with jitter, and the one that won the
// resource's home node (a hash of the name) first, so that processes do not livelock.
// After three attempts in a row that reach fewer than a quorum of trusted nodes,
// Acquire returns the *driver.UnavailableError naming them rather than waiting out its
// whole wait.

// splitBackoff is the pause after an attempt in which nobody got a quorum. Contenders
// of different processes must not retry in lockstep, or they split the votes again:
// the one that won the resource's home node retries first, the others after it.
func splitBackoff(out outcome) time.Duration {
	unit := max(out.took, time.Millisecond)
	if out.wonHome {
		return jitter(unit)
	}
	return 2*unit + jitter(4*unit)
}

// jitter returns a uniformly random duration in [0, d).
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return rand.N(d)
}

// timeout is the error of an acquire that ended without the lock; cause, when the
// context ended it, is joined so errors.Is sees both.
func timeout(resource string, cause error) error {
	err := fmt.Errorf("%w: resource %q is held by another", driver.ErrAcquireTimeout, resource)
	if cause != nil {
		return errors.Join(err, cause)
	}
	return err
}
