package distlock_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
)

// resource returns a resource name no other test uses.
func resource(t *testing.T) string { return "sdk-go/" + t.Name() }

// ttl is the shortest TTL, so that renewal and loss show within seconds.
const ttl = core.MinTTL

func TestAcquireExtendRelease(t *testing.T) {
	l := newLessor(t, serverURL)
	ctx := t.Context()
	r := resource(t)
	before := time.Now()
	lease, err := l.Acquire(ctx, r, driver.LeaseOptions{TTL: ttl, Owner: "worker-1", Data: []byte("payload")})
	if err != nil {
		t.Fatalf("Acquire: %v", err)
	}
	if lease.Resource != r || lease.Token == "" || lease.Fence == 0 || lease.TTL != ttl || lease.Owner != "worker-1" {
		t.Errorf("lease = %+v, want resource %q, a token, a fence, TTL %v, owner worker-1", lease, r, ttl)
	}
	after := time.Now()
	// Measured from sending: never more than a TTL after the answer arrived.
	if !lease.Validity.After(before) || lease.Validity.After(after.Add(ttl)) {
		t.Errorf("validity %v after the request, want within (0, %v]", lease.Validity.Sub(before), ttl)
	}

	next, err := l.Extend(ctx, lease, 2*ttl)
	if err != nil {
		t.Fatalf("Extend: %v", err)
	}
	if next.TTL != 2*ttl || !next.Validity.After(lease.Validity) || next.Fence != lease.Fence || next.Token != lease.Token {
		t.Errorf("extended lease = %+v, want TTL %v, later validity, same fence and token", next, 2*ttl)
	}

	if err := l.Release(ctx, next); err != nil {
		t.Fatalf("Release: %v", err)
	}
	if err := l.Release(ctx, next); !errors.Is(err, core.ErrNotHeld) {
		t.Errorf("second Release: err = %v, want ErrNotHeld", err)
	}
	if _, err := l.Extend(ctx, next, ttl); !errors.Is(err, core.ErrNotHeld) {
		t.Errorf("Extend after Release: err = %v, want ErrNotHeld", err)
	}
}

func TestInfoAndRead(t *testing.T) {
	l := newLessor(t, serverURL)
	ctx := t.Context()
	r := resource(t)
	if _, err := l.Info(ctx, r); !errors.Is(err, core.ErrNotHeld) {
		t.Errorf("Info of a free resource: err = %v, want ErrNotHeld", err)
	}
	if _, err := l.Read(ctx, r); !errors.Is(err, core.ErrNotHeld) {
		t.Errorf("Read of a free resource: err = %v, want ErrNotHeld", err)
	}
	data := []byte("\x00binary\xff payload")
	lease, err := l.Acquire(ctx, r, driver.LeaseOptions{TTL: ttl, Owner: "host-a pid 7", Data: data})
	if err != nil {
		t.Fatalf("Acquire: %v", err)
	}
	defer l.Release(context.WithoutCancel(ctx), lease)

	info, err := l.Info(ctx, r)
	if err != nil {
		t.Fatalf("Info: %v", err)
	}
	if info.Owner != "host-a pid 7" || info.FencingToken != lease.Fence {
		t.Errorf("Info = %+v, want owner %q and fence %d", info, "host-a pid 7", lease.Fence)
	}
	if info.LockTime.IsZero() || !info.ExpireTime.After(info.LockTime) {
		t.Errorf("Info times: lock %v, expire %v; want a lock time and a later expiry", info.LockTime, info.ExpireTime)
	}
	got, err := l.Read(ctx, r)
	if err != nil || !bytes.Equal(got, data) {
		t.Errorf("Read = %q, %v; want %q", got, err, data)
	}
}

func TestFencingTokensIncrease(t *testing.T) {
	c := newClient(t)
	ctx := t.Context()
	r := resource(t)
	var last uint64
	for i := range 3 {
		lock, err := c.TryLock(ctx, serverURL, r, core.TTL(ttl))
		if err != nil {
			t.Fatalf("TryLock %d: %v", i, err)
		}
		if lock.FencingToken <= last {
			t.Errorf("holder %d got fencing token %d, want more than %d", i, lock.FencingToken, last)
		}
		last = lock.FencingToken
		if err := lock.Release(ctx); err != nil {
			t.Fatalf("Release %d: %v", i, err)
		}
	}
}

func TestHeldLockIsNotGrantedAgain(t *testing.T) {
	t.Parallel()
	holder, other := newLessor(t, serverURL), newLessor(t, serverURL)
	ctx := t.Context()
	r := resource(t)
	lease, err := holder.Acquire(ctx, r, driver.LeaseOptions{TTL: ttl})
	if err != nil {
		t.Fatalf("Acquire: %v", err)
	}
	defer holder.Release(context.WithoutCancel(ctx), lease)

	if _, err := other.Acquire(ctx, r, driver.LeaseOptions{TTL: ttl}); !errors.Is(err, core.ErrAcquireTimeout) {
		t.Errorf("Acquire without wait: err = %v, want ErrAcquireTimeout", err)
	}
	if _, err := other.Acquire(ctx, r, driver.LeaseOptions{TTL: ttl, Wait: time.Second}); !errors.Is(err, core.ErrAcquireTimeout) {
		t.Errorf("Acquire with a 1s wait: err = %v, want ErrAcquireTimeout", err)
	}
	// Through the core's API the wait is the context's.
	dctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	_, err = newClient(t).TryLock(dctx, serverURL, r, core.TTL(ttl))
	if !errors.Is(err, core.ErrAcquireTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("TryLock with a 1s deadline: err = %v, want ErrAcquireTimeout and DeadlineExceeded", err)
	}
	// Another's token releases nothing.
	forged := lease
	forged.Token = strings.Repeat("A", len(lease.Token)) // well formed, but not the holder's
	if err := other.Release(ctx, forged); !errors.Is(err, core.ErrNotHeld) {
		t.Errorf("Release with a wrong token: err = %v, want ErrNotHeld", err)
	}
}

func TestServerValidatesWhatTheClientCannot(t *testing.T) {
	// A server configured with a narrower TTL range than the core's rejects a TTL the
	// client's own check lets through.
	srv := startServer(t, "--max-ttl", "10s")
	_, err := newLessor(t, srv).Acquire(t.Context(), "r", driver.LeaseOptions{TTL: time.Minute})
	if !errors.Is(err, core.ErrInvalidArgument) || !strings.Contains(err.Error(), "ttl") {
		t.Errorf("err = %v, want ErrInvalidArgument naming the ttl", err)
	}
}

// newClient returns a core.Client that the test closes when it ends.
func newClient(t *testing.T) *core.Client {
	t.Helper()
	c := core.NewClient()
	t.Cleanup(func() { c.Close() })
	return c
}
