package memory_test

import (
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
	"github.com/distlock/distlock/core/locktest"
	"github.com/distlock/distlock/core/memory"
)

// TestLocktestFakeClock runs the behaviour suite with leases expired by advancing a fake
// clock. Cases run one at a time, each on the store its Open made, so Expire advances the
// clock of the latest store.
func TestLocktestFakeClock(t *testing.T) {
	var clk *clockwork.FakeClock
	locktest.Run(t, locktest.Target{
		Open: func(t *testing.T) driver.Lessor {
			clk = clockwork.NewFakeClockAt(time.Now())
			return memory.New(memory.WithClock(clk))
		},
		Expire: func(t *testing.T, resource string) { clk.Advance(core.MaxTTL + time.Second) },
	})
}

// TestLocktestRealClock runs the suite on the real clock, as a target without Expire
// does: expiry cases wait for leases of core.MinTTL (skipped under -short).
func TestLocktestRealClock(t *testing.T) {
	locktest.Run(t, locktest.Target{
		Open: func(t *testing.T) driver.Lessor { return memory.New() },
	})
}
