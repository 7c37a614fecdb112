package redlock

import (
	"context"
	"errors"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
	"github.com/distlock/distlock/core/redlock/redistest"
)

// TestCredentialsAndDatabase: the password, user and database reach every node, and a
// wrong password is an unavailable error, not a grant.
func TestCredentialsAndDatabase(t *testing.T) {
	cluster := redistest.Start(t, 3, "--requirepass", "s3cret")

	c := newClient(t, cluster.Addrs())
	if _, err := c.Acquire(ctxT(t), "auth", lopts(core.MinTTL)); !errors.Is(err, core.ErrUnavailable) {
		t.Fatalf("acquire without the password: %v, want unavailable", err)
	}

	lc, err := driver.Open("redis://default:s3cret@" + cluster.Addrs()[0] + "," + cluster.Addrs()[1] + "," +
		cluster.Addrs()[2] + "/3?quarantine=0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lc.Close() })
	l, err := lc.Acquire(ctxT(t), "auth", lopts(core.MinTTL))
	if err != nil {
		t.Fatalf("acquire with the password: %v", err)
	}
	for _, a := range cluster.Addrs() {
		rdb := redis.NewClient(&redis.Options{Addr: a, Password: "s3cret", DB: 3, Protocol: 2})
		n, err := rdb.Exists(context.Background(), keysFor(DefaultKeyPrefix, "auth").lock).Result()
		rdb.Close()
		if err != nil || n != 1 {
			t.Errorf("%s: lock key in database 3: %d, %v", a, n, err)
		}
	}
	if err := lc.Release(ctxT(t), l); err != nil {
		t.Fatal(err)
	}
}
