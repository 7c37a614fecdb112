package deploy_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/distlock/distlock/core/driver"
	"github.com/distlock/distlock/core/redlock"
	"github.com/distlock/distlock/core/redlock/redistest"
)

// TestRedisACL starts a real redis-server with the compose file's configuration and
// users, and shows that the admin user can run `distlock redis init` (InitNodes), that
// the distlock user can do all the core does (acquire, wait for a
// release, extend, info, read, release, health, list, watch, force-release) and nothing
// else: no other key, no other channel, no KEYS, FLUSHALL or CONFIG SET; and that the
// default user is off.
func TestRedisACL(t *testing.T) {
	node := redistest.Start(t, 1, redisArgs(t)...).Addrs()[0]
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pw := testEnv["DISTLOCK_REDIS_PASSWORD"]

	admin, err := redlock.New([]string{node}, redlock.WithUsername("admin"), redlock.WithPassword(testEnv["REDIS_ADMIN_PASSWORD"]))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if err := admin.InitNodes(ctx); err != nil {
		t.Fatalf("redis init as admin: %v", err)
	}

	// The default quarantine: the node counts at once because it was initialised.
	c, err := redlock.New([]string{node}, redlock.WithUsername("distlock"), redlock.WithPassword(pw))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	lease, err := c.Acquire(ctx, "acl/r", driver.LeaseOptions{TTL: 5 * time.Second, Owner: "acl", Data: []byte("d")})
	if err != nil {
		t.Fatalf("acquire as distlock: %v", err)
	}
	// A second acquire waits for the release, subscribed to distlock's channel.
	waited := make(chan error, 1)
	go func() {
		l, err := c.Acquire(ctx, "acl/r", driver.LeaseOptions{TTL: 5 * time.Second, Wait: 30 * time.Second})
		if err == nil {
			err = c.Release(ctx, l)
		}
		waited <- err
	}()
	if lease, err = c.Extend(ctx, lease, 10*time.Second); err != nil {
		t.Fatalf("extend: %v", err)
	}
	if info, err := c.Info(ctx, "acl/r"); err != nil || info.Owner != "acl" {
		t.Fatalf("info: %+v, %v", info, err)
	}
	if data, err := c.Read(ctx, "acl/r"); err != nil || string(data) != "d" {
		t.Fatalf("read: %q, %v", data, err)
	}
	if h := c.Health(ctx); !h.Ready() {
		t.Fatalf("health as distlock: %s", h.Reason())
	}
	if page, err := c.List(ctx, "acl/", 0, ""); err != nil || len(page.Locks) != 1 {
		t.Fatalf("list: %+v, %v", page, err)
	}
	feed, err := c.Watch(ctx, driver.Selector{Name: "acl/", Prefix: true}, 16)
	if err != nil {
		t.Fatalf("watch: %v", err)
	}
	defer feed.Close()
	if ev, err := feed.Next(ctx); err != nil || ev.Kind != driver.WatchCurrent {
		t.Fatalf("watch's first event: %+v, %v", ev, err)
	}
	if err := c.Release(ctx, lease); err != nil {
		t.Fatalf("release: %v", err)
	}
	if err := <-waited; err != nil {
		t.Fatalf("the waiter, woken by the release: %v", err)
	}
	broken, err := c.Acquire(ctx, "acl/broken", driver.LeaseOptions{TTL: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if b, err := c.ForceRelease(ctx, "acl/broken"); err != nil || b.Advanced <= broken.Fence {
		t.Fatalf("force-release: %+v, %v", b, err)
	}

	rdb := redis.NewClient(&redis.Options{Addr: node, Username: "distlock", Password: pw, Protocol: 2, DisableIdentity: true})
	defer rdb.Close()
	for _, args := range [][]any{
		{"GET", "other"}, {"SET", "other", "x"}, {"DEL", "other"},
		{"EVAL", "return redis.call('SET', 'other', 'x')", "0"},
		{"EVAL", "return redis.call('GET', KEYS[1])", "1", "other"},
		{"PUBLISH", "other", "x"},
		{"KEYS", "*"}, {"FLUSHALL"}, {"FLUSHDB"}, {"CONFIG", "SET", "appendonly", "no"},
		{"CONFIG", "SET", "notify-keyspace-events", ""}, {"CONFIG", "REWRITE"}, {"CONFIG", "RESETSTAT"},
		{"PSUBSCRIBE", "__keyspace@0__:other*"}, {"DEBUG", "SLEEP", "0"}, {"SHUTDOWN"}, {"ACL", "LIST"},
		{"SCRIPT", "FLUSH"}, {"CLIENT", "KILL", "TYPE", "normal"}, {"MONITOR"},
	} {
		if err := rdb.Do(ctx, args...).Err(); !refused(err) {
			t.Errorf("%v as distlock: %v, want a refusal", args, err)
		}
	}

	anon := redis.NewClient(&redis.Options{Addr: node, Protocol: 2, DisableIdentity: true})
	defer anon.Close()
	if err := anon.Ping(ctx).Err(); err == nil || !strings.Contains(err.Error(), "NOAUTH") {
		t.Errorf("PING without credentials: %v, want NOAUTH: the default user must be off", err)
	}
	adminRDB := redis.NewClient(&redis.Options{Addr: node, Username: "admin", Password: testEnv["REDIS_ADMIN_PASSWORD"], Protocol: 2, DisableIdentity: true})
	defer adminRDB.Close()
	if err := adminRDB.ConfigGet(ctx, "maxmemory-policy").Err(); err != nil {
		t.Errorf("CONFIG GET as admin: %v", err)
	}
	if n, err := adminRDB.Keys(ctx, "other*").Result(); err != nil || len(n) != 0 {
		t.Errorf("keys outside the prefix after the refusals: %v, %v", n, err)
	}
}

// refused reports whether Redis refused a command for the user's permissions: NOPERM,
// or the refusals of a script touching a key outside the user's patterns and of DEBUG.
func refused(err error) bool {
	if err == nil {
		return false
	}
	for _, s := range []string{"NOPERM", "can't access", "DEBUG command not allowed"} {
		if strings.Contains(err.Error(), s) {
			return true
		}
	}
	return false
}
