package core_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
)

// The Hold tests run in a synctest bubble: time is virtual, so they use real TTLs, take
// no wall time, and may compare instants exactly. The bubble also fails a test whose
// renewal goroutine is still blocked when the test ends.

const holdTTL = 30 * time.Second

func TestHoldRenewsEveryThirdOfTTL(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeLessor{}
		start := time.Now()
		lock := core.Hold(f, newLease(holdTTL), nil)
		time.Sleep(5*holdTTL/3 + time.Second)
		if err := lock.Release(context.Background()); err != nil {
			t.Fatal(err)
		}
		extends, at, releases := f.calls()
		if len(at) != 5 {
			t.Fatalf("%d renewals in %v, want 5", len(at), 5*holdTTL/3+time.Second)
		}
		for i, when := range at {
			if want := start.Add(time.Duration(i+1) * holdTTL / 3); !when.Equal(want) {
				t.Errorf("renewal %d at %v, want %v", i, when.Sub(start), want.Sub(start))
			}
			if i > 0 && !extends[i].Validity.Equal(at[i-1].Add(holdTTL)) {
				t.Errorf("renewal %d did not extend the lease the previous renewal returned", i)
			}
		}
		if len(releases) != 1 || !releases[0].Validity.Equal(at[4].Add(holdTTL)) {
			t.Errorf("release got %v, want the latest renewed lease", releases)
		}
	})
}

func TestHoldRetriesTransientErrorsUntilValidityEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeLessor{extend: func(context.Context, driver.Lease, time.Duration) (driver.Lease, error) {
			return driver.Lease{}, errors.New("connection refused")
		}}
		lease := newLease(holdTTL)
		var ended atomic.Int32
		lock := core.Hold(f, lease, func() { ended.Add(1) })
		<-lock.Lost
		if now := time.Now(); !now.Equal(lease.Validity) {
			t.Errorf("lost at %v, want exactly when validity ended, %v", now, lease.Validity)
		}
		_, at, _ := f.calls()
		if len(at) < 3 {
			t.Fatalf("%d renewal attempts, want retries until validity ended", len(at))
		}
		if first := at[0].Sub(lease.Validity.Add(-holdTTL)); first != holdTTL/3 {
			t.Errorf("first attempt after %v, want %v", first, holdTTL/3)
		}
		for i := 1; i < len(at); i++ {
			if gap := at[i].Sub(at[i-1]); gap <= 0 || gap > 2*time.Second {
				t.Errorf("retry %d came %v after the previous; backoff is jittered within (0, 2s]", i, gap)
			}
		}
		synctest.Wait()
		if n := ended.Load(); n != 1 {
			t.Errorf("onEnd ran %d times, want 1", n)
		}
		// Release still runs (and says the lock was lost: TestHoldReleaseAfterLossSaysSo).
		if err := lock.Release(context.Background()); !errors.Is(err, core.ErrNotHeld) {
			t.Errorf("release after lost: %v, want ErrNotHeld", err)
		}
		if n := ended.Load(); n != 1 {
			t.Errorf("onEnd ran %d times after release, want 1", n)
		}
	})
}

func TestHoldKeepsLockThroughTransientErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var failures atomic.Int32
		f := &fakeLessor{}
		f.extend = func(_ context.Context, lease driver.Lease, ttl time.Duration) (driver.Lease, error) {
			if failures.Add(1) <= 3 {
				return driver.Lease{}, errors.New("i/o timeout")
			}
			lease.Validity = time.Now().Add(ttl)
			return lease, nil
		}
		lock := core.Hold(f, newLease(holdTTL), nil)
		time.Sleep(3 * holdTTL)
		select {
		case <-lock.Lost:
			t.Fatal("lost although a retry succeeded within validity")
		default:
		}
		_, at, _ := f.calls()
		if len(at) < 6 {
			t.Errorf("%d renewal calls in 3 TTLs, want renewal to go on after the retries", len(at))
		}
		if err := lock.Release(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}

func TestHoldFinalErrorsLoseAtOnce(t *testing.T) {
	for _, final := range []error{core.ErrNotHeld, core.ErrClosed, driver.Invalid("ttl rejected")} {
		t.Run(final.Error(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := &fakeLessor{extend: func(context.Context, driver.Lease, time.Duration) (driver.Lease, error) {
					return driver.Lease{}, fmt.Errorf("wrapped: %w", final)
				}}
				start := time.Now()
				lock := core.Hold(f, newLease(holdTTL), nil)
				<-lock.Lost
				if d := time.Since(start); d != holdTTL/3 {
					t.Errorf("lost %v after the grant, want at the first renewal, %v", d, holdTTL/3)
				}
				if _, at, _ := f.calls(); len(at) != 1 {
					t.Errorf("%d renewal calls, want 1: this error is not retried", len(at))
				}
				// Lock.Err: the lease is gone, or cannot be renewed; the cause is kept.
				if err := lock.Err(); !errors.Is(err, core.ErrNotHeld) || !errors.Is(err, final) {
					t.Errorf("Err = %v, want ErrNotHeld carrying %v", err, final)
				}
				_ = lock.Release(context.Background())
			})
		})
	}
}

func TestHoldReleaseStopsRenewal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeLessor{}
		var ended atomic.Int32
		lock := core.Hold(f, newLease(holdTTL), func() { ended.Add(1) })
		time.Sleep(holdTTL/3 + time.Second)
		if err := lock.Release(context.Background()); err != nil {
			t.Fatal(err)
		}
		select {
		case <-lock.Lost:
		default:
			t.Fatal("Lost is open after Release")
		}
		time.Sleep(10 * holdTTL)
		extends, _, releases := f.calls()
		if len(extends) != 1 {
			t.Errorf("%d renewals, want only the one before Release", len(extends))
		}
		if err := lock.Release(context.Background()); err != nil {
			t.Errorf("second release: %v", err)
		}
		if _, _, again := f.calls(); len(releases) != 1 || len(again) != 1 {
			t.Errorf("the lease was released %d times, want once", len(again))
		}
		if n := ended.Load(); n != 1 {
			t.Errorf("onEnd ran %d times, want 1", n)
		}
	})
}

func TestHoldReleaseDoesNotWaitForRenewalInFlight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeLessor{extend: func(ctx context.Context, _ driver.Lease, _ time.Duration) (driver.Lease, error) {
			<-ctx.Done() // a lock service that does not answer
			return driver.Lease{}, ctx.Err()
		}}
		lock := core.Hold(f, newLease(holdTTL), nil)
		time.Sleep(holdTTL/3 + time.Second)
		synctest.Wait() // the renewal is now blocked in Extend
		before := time.Now()
		if err := lock.Release(context.Background()); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(before); d != 0 {
			t.Errorf("Release waited %v for the renewal in flight", d)
		}
		if _, _, releases := f.calls(); len(releases) != 1 {
			t.Errorf("released %d times, want 1", len(releases))
		}
	})
}

func TestHoldExposesLease(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		lease := newLease(holdTTL)
		lock := core.Hold(&fakeLessor{}, lease, nil)
		defer lock.Release(context.Background())
		if lock.Resource != lease.Resource || lock.FencingToken != lease.Fence ||
			lock.LeaseToken != lease.Token || lock.Owner != lease.Owner {
			t.Fatalf("lock %+v does not carry lease %+v", lock, lease)
		}
	})
}

// TestHoldReleaseAfterLossSaysSo: Release of a lost lock reports the loss with its reason,
// even when the lock service still had the lease to delete (validity ended before the key).
func TestHoldReleaseAfterLossSaysSo(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		unreachable := errors.New("connection refused")
		f := &fakeLessor{extend: func(context.Context, driver.Lease, time.Duration) (driver.Lease, error) {
			return driver.Lease{}, unreachable
		}}
		lock := core.Hold(f, newLease(holdTTL), nil)
		<-lock.Lost
		err := lock.Release(context.Background())
		if !errors.Is(err, core.ErrNotHeld) || !errors.Is(err, unreachable) {
			t.Fatalf("Release after loss = %v, want ErrNotHeld carrying %v", err, unreachable)
		}
		if _, _, releases := f.calls(); len(releases) != 1 {
			t.Errorf("%d Release calls, want 1: the lease is still cleaned up", len(releases))
		}
		if again := lock.Release(context.Background()); again != err {
			t.Errorf("second Release = %v, want the first's %v", again, err)
		}
	})
}

// TestHoldLossReasonIsTheServiceAnswerNotTheValidityCut: when the validity ends while a
// renewal call is in flight, that call fails with the deadline Hold gave it; the loss
// reason is still the last error the lock service answered (conformance's
// renewal-permission-denied-retried case flaked on this).
func TestHoldLossReasonIsTheServiceAnswerNotTheValidityCut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		denied := errors.New("permission_denied: no rule grants it")
		var calls atomic.Int32
		f := &fakeLessor{extend: func(ctx context.Context, _ driver.Lease, _ time.Duration) (driver.Lease, error) {
			if calls.Add(1) == 1 {
				return driver.Lease{}, denied
			}
			<-ctx.Done() // the second call hangs until the validity deadline
			return driver.Lease{}, ctx.Err()
		}}
		lock := core.Hold(f, newLease(holdTTL), nil)
		<-lock.Lost
		if err := lock.Err(); !errors.Is(err, denied) {
			t.Fatalf("Err = %v, want the service's last answer %v", err, denied)
		}
		_ = lock.Release(context.Background())
	})
}
