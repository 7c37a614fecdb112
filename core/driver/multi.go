package driver

import (
	"context"
	"time"
)

// A MultiExtender is a [Lessor] that can extend many leases in one request to its
// service; core.Session renews its locks with it. It is optional: without it a session
// extends its leases with concurrent [Lessor.Extend] calls.
type MultiExtender interface {
	// ExtendMany resets each lease's TTL to ttl from now, as [Lessor.Extend] would one
	// by one: it returns, at each index of leases, the updated lease or the error Extend
	// would have returned for it ([ErrNotHeld] when that lease is no longer held). One
	// lease's failure is not another's. Like Extend, it makes one attempt: the session
	// retries the leases that failed. len(leases) may exceed any request limit of the
	// service; splitting is the implementation's.
	ExtendMany(ctx context.Context, leases []Lease, ttl time.Duration) ([]Lease, []error)
}
