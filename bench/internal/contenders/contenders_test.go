package contenders_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/distlock/distlock/bench/internal/contenders"
	"github.com/distlock/distlock/bench/internal/redisnodes"
	"github.com/distlock/distlock/core/redlock/redistest"
)

func startNodes(t *testing.T) *redisnodes.Nodes {
	t.Helper()
	redistest.Require(t)
	ns, err := redisnodes.Start(context.Background(), 3)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := ns.Close(); err != nil {
			t.Error(err)
		}
	})
	return ns
}

// TestLockersExclude checks every adapter the benchmark compares: a held key is refused
// to a second caller until its deadline (with ErrNotAcquired, which the harness counts as
// a failed acquire rather than an error), granted again after release, and nothing is
// left in Redis.
func TestLockersExclude(t *testing.T) {
	ns := startNodes(t)
	addrs := ns.Addrs()
	ctx := context.Background()
	const ttl = 10 * time.Second
	mk := map[string]func() (contenders.Locker, error){
		"raw-1":    func() (contenders.Locker, error) { return contenders.NewRaw("raw-1", addrs[:1]) },
		"raw-3":    func() (contenders.Locker, error) { return contenders.NewRaw("raw-3", addrs) },
		"autopipe": func() (contenders.Locker, error) { return contenders.NewRaw("ap", addrs, contenders.Pipelined()) },
		"redsync":  func() (contenders.Locker, error) { return contenders.NewRedsync(addrs), nil },
		"distlock": func() (contenders.Locker, error) { return contenders.NewDistlock(addrs) },
		"spread": func() (contenders.Locker, error) {
			a, err := contenders.NewDistlock(addrs)
			if err != nil {
				return nil, err
			}
			b, err := contenders.NewDistlock(addrs)
			if err != nil {
				return nil, errors.Join(err, a.Close())
			}
			return contenders.NewSpread("spread", a, b), nil
		},
	}
	for name, newLocker := range mk {
		t.Run(name, func(t *testing.T) {
			l, err := newLocker()
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if err := l.Close(); err != nil {
					t.Error(err)
				}
			})
			key := "test:" + name
			rel, err := l.Acquire(ctx, key, ttl, time.Now().Add(time.Second))
			if err != nil {
				t.Fatalf("first acquire: %v", err)
			}
			// Two more attempts, so a Spread tries through both of its clients.
			for range 2 {
				if _, err := l.Acquire(ctx, key, ttl, time.Now().Add(50*time.Millisecond)); !errors.Is(err, contenders.ErrNotAcquired) {
					t.Fatalf("acquire of a held key: got %v, want ErrNotAcquired", err)
				}
			}
			if err := rel(ctx); err != nil {
				t.Fatalf("release: %v", err)
			}
			rel, err = l.Acquire(ctx, key, ttl, time.Now().Add(time.Second))
			if err != nil {
				t.Fatalf("acquire after release: %v", err)
			}
			if err := rel(ctx); err != nil {
				t.Fatalf("second release: %v", err)
			}
			kc, err := ns.Census(ctx, ttl)
			if err != nil {
				t.Fatal(err)
			}
			if kc.Lock != 0 {
				t.Fatalf("%d lock keys left (%v)", kc.Lock, kc.LockKeys)
			}
		})
	}
}

// TestRawReleaseSparesTheNextHolder checks the compare-and-delete: a release that comes
// after the lock expired and was taken by another must not delete the new holder's key.
func TestRawReleaseSparesTheNextHolder(t *testing.T) {
	ns := startNodes(t)
	ctx := context.Background()
	l, err := contenders.NewRaw("raw-1", ns.Addrs()[:1])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	stale, err := l.Acquire(ctx, "k", time.Minute, time.Now().Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	// Stand in for expiry and a new holder: overwrite the key with another token.
	if err := ns.Admin(0).Set(ctx, "k", "someone-else", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	if err := stale(ctx); err != nil {
		t.Fatal(err)
	}
	if v, err := ns.Admin(0).Get(ctx, "k").Result(); err != nil || v != "someone-else" {
		t.Fatalf("after a stale release the key is %q, %v; want the new holder's", v, err)
	}
}
