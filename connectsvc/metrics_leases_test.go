package connectsvc_test

import (
	"context"
	"strings"
	"testing"

	"connectrpc.com/connect"

	"github.com/distlock/distlock/connectsvc"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
)

// TestLeaseMetrics counts what happens to leases: a grant advances the fencing token; a
// force-release advances it and loses the holder's lease; the broken holder's Extend
// and Release find it lost. Every reason's series is there from the start.
func TestLeaseMetrics(t *testing.T) {
	e := newEnv(t, nil, connectsvc.WithGuard(&adminGuard{}))
	for _, want := range []string{
		`distlock_lease_losses_total{reason="force_released"} 0`,
		`distlock_fencing_advances_total{reason="force_release"} 0`,
		`distlock_locks_held 0`,
	} {
		if !strings.Contains(scrape(t, e), want) {
			t.Errorf("a fresh service lacks %s", want)
		}
	}
	c := e.client(protocols[0])
	ctx := context.Background()
	old := acquireN(t, c, "stuck")[0]
	if !strings.Contains(scrape(t, e), "distlock_locks_held 1") {
		t.Error("a granted lease is not held")
	}
	if _, err := c.ForceRelease(ctx, connect.NewRequest(&distlockv1.ForceReleaseRequest{Resource: "stuck", Reason: "test"})); err != nil {
		t.Fatal(err)
	}
	_, err := c.Extend(ctx, connect.NewRequest(&distlockv1.ExtendRequest{Resource: "stuck", LeaseToken: old.GetLeaseToken()}))
	wantCode(t, err, connect.CodeNotFound)
	_, err = c.Release(ctx, connect.NewRequest(&distlockv1.ReleaseRequest{Resource: "stuck", LeaseToken: old.GetLeaseToken()}))
	wantCode(t, err, connect.CodeNotFound)
	body := scrape(t, e)
	for _, want := range []string{
		`distlock_fencing_advances_total{reason="grant"} 1`,
		`distlock_fencing_advances_total{reason="force_release"} 1`,
		`distlock_lease_losses_total{reason="force_released"} 1`,
		`distlock_lease_losses_total{reason="extend_not_held"} 1`,
		`distlock_lease_losses_total{reason="release_not_held"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
