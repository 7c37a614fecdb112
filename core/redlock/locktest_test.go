package redlock

import (
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
	"github.com/distlock/distlock/core/locktest"
)

// TestLocktestMiniredis runs the behaviour suite over three embedded servers, expiring
// leases with miniredis's FastForward. miniredis does not announce expiries (neither
// does Redis), so Expire also announces the resource free, as a release would.
func TestLocktestMiniredis(t *testing.T) {
	var nodes []*miniredis.Miniredis
	locktest.Run(t, locktest.Target{
		Open: func(t *testing.T) driver.Lessor {
			nodes = miniNodes(t, 3)
			c, err := New(miniAddrs(nodes), WithQuarantine(0))
			if err != nil {
				t.Fatal(err)
			}
			return c
		},
		Expire: func(t *testing.T, resource string) {
			k := keysFor(DefaultKeyPrefix, resource)
			for _, m := range nodes {
				m.FastForward(core.MaxTTL + time.Second)
				m.Publish(releaseChannel(DefaultKeyPrefix), k.tag+" expired")
			}
		},
	})
}

// TestLocktestRedis runs the behaviour suite over three redis-server processes, with
// real expiry (the expiry cases take a few seconds and run in parallel).
func TestLocktestRedis(t *testing.T) {
	cluster := realNodes(t, 3)
	locktest.Run(t, locktest.Target{
		Open: func(t *testing.T) driver.Lessor {
			c, err := New(cluster.Addrs(), WithQuarantine(0))
			if err != nil {
				t.Fatal(err)
			}
			return c
		},
	})
}
