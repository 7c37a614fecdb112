package embedredis_test

import (
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/distlock/distlock/internal/embedredis"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// setup starts a Server and a client with the given notify-keyspace-events, and
// subscribes to every keyspace notification of database 0.
func setup(t *testing.T, flags string) (*embedredis.Server, *redis.Client, <-chan *redis.Message) {
	t.Helper()
	s, err := embedredis.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr()})
	t.Cleanup(func() { rdb.Close() })
	ctx := t.Context()
	if err := rdb.ConfigSet(ctx, "notify-keyspace-events", flags).Err(); err != nil {
		t.Fatal(err)
	}
	ps := rdb.PSubscribe(ctx, "__keyspace@0__:*")
	t.Cleanup(func() { ps.Close() })
	if _, err := ps.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	return s, rdb, ps.Channel()
}

// wantNote expects the next notification to be event on key.
func wantNote(t *testing.T, ch <-chan *redis.Message, key, event string) {
	t.Helper()
	select {
	case m := <-ch:
		if m.Channel != "__keyspace@0__:"+key || m.Payload != event {
			t.Fatalf("got %q on %s, want %q on %s", m.Payload, m.Channel, event, key)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("no %q notification of %s", event, key)
	}
}

// TestConfigReadsAndSetsNotifyFlags: notify-keyspace-events starts empty as on
// redis-server, CONFIG SET changes it, CONFIG GET (also by pattern) reads it back, and
// bad flags or other parameters are refused.
func TestConfigReadsAndSetsNotifyFlags(t *testing.T) {
	s, err := embedredis.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, protocol := range []int{2, 3} {
		rdb := redis.NewClient(&redis.Options{Addr: s.Addr(), Protocol: protocol})
		defer rdb.Close()
		ctx := t.Context()
		if err := rdb.ConfigSet(ctx, "notify-keyspace-events", "").Err(); err != nil {
			t.Fatal(err)
		}
		got, err := rdb.ConfigGet(ctx, "notify-keyspace-events").Result()
		if err != nil || len(got) != 1 || got["notify-keyspace-events"] != "" {
			t.Fatalf("RESP%d: fresh flags %v, %v; want one empty entry", protocol, got, err)
		}
		if err := rdb.ConfigSet(ctx, "notify-keyspace-events", "Elg$x").Err(); err != nil {
			t.Fatal(err)
		}
		got, err = rdb.ConfigGet(ctx, "notify-*").Result()
		if err != nil || got["notify-keyspace-events"] != "Elg$x" {
			t.Fatalf("RESP%d: flags %v, %v; want Elg$x", protocol, got, err)
		}
		if got, err := rdb.ConfigGet(ctx, "maxmemory").Result(); err != nil || len(got) != 0 {
			t.Errorf("RESP%d: another parameter: %v, %v; want none", protocol, got, err)
		}
		if err := rdb.ConfigSet(ctx, "notify-keyspace-events", "K!").Err(); err == nil {
			t.Error("bad flags accepted")
		}
		if err := rdb.ConfigSet(ctx, "maxmemory", "1").Err(); err == nil {
			t.Error("another parameter set")
		}
	}
}

// TestWritesAreAnnouncedAfterTheyHappen: SET, PEXPIRE and DEL, issued directly, in a
// script and in MULTI, are announced in order with Redis's event names, the script's
// writes happen, and MULTI's replies are intact.
func TestWritesAreAnnouncedAfterTheyHappen(t *testing.T) {
	_, rdb, ch := setup(t, "Kg$")
	ctx := t.Context()
	if err := rdb.Set(ctx, "a", "1", 0).Err(); err != nil {
		t.Fatal(err)
	}
	wantNote(t, ch, "a", "set")
	script := "redis.call('SET', KEYS[1], ARGV[1]); redis.call('PEXPIRE', KEYS[1], 60000); " +
		"redis.call('DEL', KEYS[2]); return redis.call('GET', KEYS[1])"
	if got, err := rdb.Eval(ctx, script, []string{"b", "a"}, "2").Result(); err != nil || got != "2" {
		t.Fatalf("script: %v, %v", got, err)
	}
	wantNote(t, ch, "b", "set")
	wantNote(t, ch, "b", "expire")
	wantNote(t, ch, "a", "del")
	if ttl := rdb.PTTL(ctx, "b").Val(); ttl <= 0 {
		t.Fatalf("the script's PEXPIRE did not happen: %v", ttl)
	}

	var set *redis.StatusCmd
	var del *redis.IntCmd
	if _, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		set = p.Set(ctx, "c", "3", 0)
		del = p.Del(ctx, "b", "nothing")
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if set.Val() != "OK" || del.Val() != 1 {
		t.Fatalf("MULTI replies: %v, %v", set, del)
	}
	wantNote(t, ch, "c", "set")
	wantNote(t, ch, "b", "del")
	wantNote(t, ch, "nothing", "del")
}

// TestFlagsChooseWhatIsAnnounced: with only class g on, SET is not announced and DEL
// is; with notifications off, nothing is.
func TestFlagsChooseWhatIsAnnounced(t *testing.T) {
	_, rdb, ch := setup(t, "Kg")
	ctx := t.Context()
	rdb.Set(ctx, "a", "1", 0)
	rdb.Del(ctx, "a")
	wantNote(t, ch, "a", "del")
	rdb.ConfigSet(ctx, "notify-keyspace-events", "")
	rdb.Set(ctx, "a", "1", 0)
	rdb.ConfigSet(ctx, "notify-keyspace-events", "KA")
	rdb.Del(ctx, "a")
	wantNote(t, ch, "a", "del") // not the SET made while notifications were off
}

// TestAdvanceExpiresAndAnnounces: Advance expires the keys whose TTL it passes, and
// announces them "expired", not the others.
func TestAdvanceExpiresAndAnnounces(t *testing.T) {
	s, rdb, ch := setup(t, "Kx")
	ctx := t.Context()
	rdb.Set(ctx, "short", "1", 5*time.Second)
	rdb.Set(ctx, "long", "1", time.Hour)
	rdb.Set(ctx, "forever", "1", 0)
	s.Advance(6 * time.Second)
	if n := rdb.Exists(ctx, "short").Val(); n != 0 {
		t.Fatal("the short key outlived Advance")
	}
	if n := rdb.Exists(ctx, "long", "forever").Val(); n != 2 {
		t.Fatal("Advance expired keys whose TTL it did not pass")
	}
	wantNote(t, ch, "short", "expired")
	rdb.ConfigSet(ctx, "notify-keyspace-events", "Kg")
	rdb.Del(ctx, "long")
	wantNote(t, ch, "long", "del") // and no "expired" of anything else before it
}
