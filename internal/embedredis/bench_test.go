package embedredis_test

import (
	"context"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/distlock/distlock/internal/embedredis"
)

// writeScript is a lock's life in one script: a SET with a TTL, a PEXPIRE and a DEL.
var writeScript = redis.NewScript(`redis.call('SET', KEYS[1], ARGV[1], 'PX', 30000)
redis.call('PEXPIRE', KEYS[1], 60000)
return redis.call('DEL', KEYS[1])`)

// BenchmarkScriptWrites measures what the notifications cost a script's writes: on
// plain miniredis (its clock running, as the embedded default had it before), on a Server with notifications off (the hook only looks), and on
// one with them on and a subscriber reading them.
func BenchmarkScriptWrites(b *testing.B) {
	run := func(b *testing.B, addr string) {
		rdb := redis.NewClient(&redis.Options{Addr: addr})
		defer rdb.Close()
		ctx := context.Background()
		b.ResetTimer()
		for b.Loop() {
			if err := writeScript.Run(ctx, rdb, []string{"k"}, "v").Err(); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("miniredis", func(b *testing.B) {
		m := miniredis.NewMiniRedis()
		m.ClockTTL(true)
		if err := m.StartAddr("127.0.0.1:0"); err != nil {
			b.Fatal(err)
		}
		defer m.Close()
		run(b, m.Addr())
	})
	b.Run("off", func(b *testing.B) {
		s, err := embedredis.Start("127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		run(b, s.Addr())
	})
	b.Run("on", func(b *testing.B) {
		s, err := embedredis.Start("127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		sub := redis.NewClient(&redis.Options{Addr: s.Addr()})
		defer sub.Close()
		ctx := context.Background()
		if err := sub.ConfigSet(ctx, "notify-keyspace-events", "Kg$x").Err(); err != nil {
			b.Fatal(err)
		}
		ps := sub.PSubscribe(ctx, "__keyspace@0__:*")
		defer ps.Close()
		if _, err := ps.Receive(ctx); err != nil {
			b.Fatal(err)
		}
		go func() {
			for range ps.Channel() {
			}
		}()
		run(b, s.Addr())
	})
}
