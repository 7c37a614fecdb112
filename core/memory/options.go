package memory

import "github.com/jonboulle/clockwork"

// An Option configures a [Store] made by [New].
type Option func(*options)

type options struct {
	clock clockwork.Clock
}

func defaultOptions() options {
	return options{clock: clockwork.NewRealClock()}
}

// WithClock sets the clock by which leases expire and lock times are reported. Tests pass
// a [clockwork.FakeClock] and call its Advance to expire leases at once; waiters blocked
// on a lease wake when the fake clock passes its expiry. Default: the real clock.
//
// Lease.Validity stays in local real time, because it is what the holder compares with
// its own clock, as it is for Redlock against a Redis server whose time runs elsewhere.
func WithClock(c clockwork.Clock) Option {
	return func(o *options) { o.clock = c }
}
