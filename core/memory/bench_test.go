package memory_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
	"github.com/distlock/distlock/core/memory"
)

// BenchmarkAcquireRelease measures acquire+release pairs on distinct resources and on one
// hot resource that every goroutine waits for.
func BenchmarkAcquireRelease(b *testing.B) {
	ctx := context.Background()
	for _, hot := range []bool{false, true} {
		name := "distinct"
		if hot {
			name = "hot"
		}
		b.Run(name, func(b *testing.B) {
			s := memory.New()
			defer s.Close()
			var ids atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				r := "hot"
				if !hot {
					r = strconv.FormatInt(ids.Add(1), 10)
				}
				o := driver.LeaseOptions{TTL: core.DefaultTTL, Wait: -1}
				for pb.Next() {
					lease, err := s.Acquire(ctx, r, o)
					if err != nil {
						b.Error(err)
						return
					}
					if err := s.Release(ctx, lease); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
