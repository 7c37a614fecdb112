package auth

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/distlock/distlock/core/driver"
)

func authorityFrom(t *testing.T, file string) *Authority {
	t.Helper()
	path := filepath.Join(t.TempDir(), "auth.yaml")
	if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	a, err := New(path, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestExpiredLeasesLeaveTheQuota: a lease nobody released stops counting once its
// validity has passed, as the lock service frees it then.
func TestExpiredLeasesLeaveTheQuota(t *testing.T) {
	a := authorityFrom(t, "quotas:\n  default: {max_held: 1}\n")
	ctx := WithIdentity(context.Background(), &Identity{Principal: "p"})
	end, err := a.BeginAcquire(ctx, time.Minute, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	end(&driver.Lease{Resource: "r", Token: "t1", Validity: time.Now().Add(time.Hour)})
	if _, err := a.BeginAcquire(ctx, time.Minute, 0, false); err == nil {
		t.Fatal("a second lease within max_held 1")
	}
	a.Extended(driver.Lease{Resource: "r", Token: "t1", Validity: time.Now().Add(-time.Millisecond)})
	end, err = a.BeginAcquire(ctx, time.Minute, 0, false)
	if err != nil {
		t.Fatalf("after the first lease expired: %v", err)
	}
	end(nil)
	if _, err := a.BeginAcquire(WithIdentity(context.Background(), &Identity{Principal: "other"}), time.Minute, 0, false); err != nil {
		t.Fatalf("another principal: %v", err)
	}
}
