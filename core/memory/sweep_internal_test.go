package memory

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
)

func TestExpiredLeasesAreSwept(t *testing.T) {
	ctx := context.Background()
	clk := clockwork.NewFakeClockAt(time.Now())
	st := New(WithClock(clk))
	defer st.Close()
	const n = 100
	for i := range n {
		if _, err := st.Acquire(ctx, fmt.Sprint(i), driver.LeaseOptions{TTL: core.MinTTL}); err != nil {
			t.Fatal(err)
		}
	}
	clk.Advance(core.MinTTL)
	for i := range n + 1 {
		if _, err := st.Acquire(ctx, fmt.Sprint("new", i), driver.LeaseOptions{TTL: core.MaxTTL}); err != nil {
			t.Fatal(err)
		}
	}
	st.s.mu.Lock()
	left := len(st.s.held)
	st.s.mu.Unlock()
	if left > n+1 {
		t.Errorf("%d leases in the table, want the %d expired ones swept", left, n)
	}
}
