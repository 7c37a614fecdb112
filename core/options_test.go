package core_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/distlock/distlock/core"
)

func TestTTLPanicsBelowMinimum(t *testing.T) {
	for _, d := range []time.Duration{core.MinTTL - time.Nanosecond, time.Second, 0, -time.Second} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("TTL(%v) did not panic", d)
				}
			}()
			core.TTL(d)
		}()
	}
	core.TTL(core.MinTTL) // the minimum itself is allowed
}

func TestTryLockRejectsOptionsOutOfBounds(t *testing.T) {
	ctx := context.Background()
	c := core.NewClient()
	defer c.Close()
	svc := service(t)
	for name, opt := range map[string]core.LockOption{
		"TTL above MaxTTL": core.TTL(core.MaxTTL + time.Nanosecond),
		"owner too long":   core.Owner(strings.Repeat("o", core.MaxOwnerLen+1)),
		"payload too big":  core.Data(make([]byte, core.MaxDataLen+1)),
	} {
		if _, err := c.TryLock(ctx, svc, "r", opt); !errors.Is(err, core.ErrInvalidArgument) {
			t.Errorf("%s: got %v, want ErrInvalidArgument", name, err)
		}
		if _, err := c.Info(ctx, svc, "r"); !errors.Is(err, core.ErrNotHeld) {
			t.Errorf("%s: the resource is held after a rejected TryLock (%v)", name, err)
		}
	}
	for _, r := range []string{"", strings.Repeat("r", core.MaxResourceLen+1), "\xff"} {
		if _, err := c.TryLock(ctx, svc, r); !errors.Is(err, core.ErrInvalidArgument) {
			t.Errorf("resource %q: got %v, want ErrInvalidArgument", r, err)
		}
	}
}

func TestTryLockDefaultTTL(t *testing.T) {
	ctx := context.Background()
	c := core.NewClient()
	defer c.Close()
	svc := service(t)
	lock, err := c.TryLock(ctx, svc, "r")
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Release(ctx)
	info, err := c.Info(ctx, svc, "r")
	if err != nil {
		t.Fatal(err)
	}
	if got := info.ExpireTime.Sub(info.LockTime); got != core.DefaultTTL {
		t.Errorf("lock lives %v without renewal, want the default TTL %v", got, core.DefaultTTL)
	}
}
