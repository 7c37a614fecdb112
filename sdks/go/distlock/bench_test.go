package distlock_test

import (
	"fmt"
	"testing"

	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
)

// BenchmarkAcquireRelease measures one uncontended lock's round trips (Acquire, then
// Release) through the SDK and the service, over loopback to the embedded Redis.
func BenchmarkAcquireRelease(b *testing.B) {
	l, err := driver.Open(serverURL)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	ctx := b.Context()
	b.RunParallel(func(pb *testing.PB) {
		r := fmt.Sprintf("bench/%p", pb) // one resource per goroutine: no contention
		for pb.Next() {
			lease, err := l.Acquire(ctx, r, driver.LeaseOptions{TTL: core.DefaultTTL})
			if err != nil {
				b.Error(err)
				return
			}
			if err := l.Release(ctx, lease); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
