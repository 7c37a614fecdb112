package core_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
)

func TestHoldRetriesOneFailedRenewalOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		failed := false
		f := &fakeLessor{}
		f.extend = func(_ context.Context, lease driver.Lease, ttl time.Duration) (driver.Lease, error) {
			if !failed {
				failed = true
				return driver.Lease{}, fmt.Errorf("node down: %w", core.ErrUnavailable)
			}
			lease.Validity = time.Now().Add(ttl)
			return lease, nil
		}
		lock := core.Hold(f, newLease(holdTTL), nil)
		// The next renewal after the retry is due TTL/3 after it: stop well before.
		time.Sleep(holdTTL/3 + holdTTL/6)
		_, at, _ := f.calls()
		if len(at) != 2 {
			t.Fatalf("%d Extend calls after one failure, want 2: the failure and one retry", len(at))
		}
		// The first step of the renewal back-off is 100 ms, jittered in its upper half.
		if gap := at[1].Sub(at[0]); gap < 50*time.Millisecond || gap > 100*time.Millisecond {
			t.Errorf("the retry came %v after the failure, want within [50ms, 100ms]", gap)
		}
		if err := lock.Err(); err != nil {
			t.Errorf("Err = %v while the lock is held, want nil", err)
		}
		if err := lock.Release(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}

func TestHoldErrIsTheLastErrorWhenValidityRunsOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var calls int
		f := &fakeLessor{}
		f.extend = func(context.Context, driver.Lease, time.Duration) (driver.Lease, error) {
			calls++
			return driver.Lease{}, fmt.Errorf("attempt %d: %w", calls, core.ErrUnavailable)
		}
		lock := core.Hold(f, newLease(holdTTL), nil)
		if err := lock.Err(); err != nil {
			t.Fatalf("Err = %v before the lock was lost, want nil", err)
		}
		<-lock.Lost
		err := lock.Err()
		if !errors.Is(err, core.ErrUnavailable) || errors.Is(err, core.ErrNotHeld) {
			t.Errorf("Err = %v, want the renewal's ErrUnavailable, not ErrNotHeld", err)
		}
		if want := fmt.Sprintf("attempt %d:", calls); err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("Err = %v, want the last attempt's error (%d attempts)", err, calls)
		}
		if again := lock.Err(); again != err {
			t.Errorf("a second Err = %v, want the same error", again)
		}
		_ = lock.Release(context.Background())
		if after := lock.Err(); after != err {
			t.Errorf("Err after Release = %v, want the loss reason kept", after)
		}
	})
}

func TestHoldErrAfterRelease(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		lock := core.Hold(&fakeLessor{}, newLease(holdTTL), nil)
		if err := lock.Err(); err != nil {
			t.Fatalf("Err = %v while held, want nil", err)
		}
		if err := lock.Release(context.Background()); err != nil {
			t.Fatal(err)
		}
		<-lock.Lost
		if err := lock.Err(); !errors.Is(err, core.ErrNotHeld) {
			t.Errorf("Err after Release = %v, want ErrNotHeld", err)
		}
	})
}
