package redisnodes

import (
	"context"
	"testing"
	"time"

	"github.com/distlock/distlock/core/redlock/redistest"
)

func TestCensusSplitsLockKeysFromBookkeeping(t *testing.T) {
	redistest.Require(t)
	ctx := context.Background()
	ns, err := Start(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := ns.Close(); err != nil {
			t.Error(err)
		}
	})
	lease := 30 * time.Second
	a, b := ns.Admin(0), ns.Admin(1)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(a.Set(ctx, "lock-a", "x", lease).Err())
	must(b.Set(ctx, "lock-b", "x", time.Second).Err())
	must(a.Set(ctx, "fence", "1", 24*time.Hour).Err())
	must(b.Set(ctx, "epoch", "e", 0).Err())

	kc, err := ns.Census(ctx, lease)
	must(err)
	if kc.Lock != 2 || kc.Other != 2 {
		t.Fatalf("census = %+v, want 2 lock keys and 2 others", kc)
	}
	must(ns.DeleteLockKeys(ctx, lease))
	kc, err = ns.Census(ctx, lease)
	must(err)
	if kc.Lock != 0 || kc.Other != 2 {
		t.Fatalf("after DeleteLockKeys census = %+v, want 0 lock keys and 2 others", kc)
	}
	st, err := ns.Stats(ctx, 0)
	must(err)
	if st.Keys != 1 || st.Commands == 0 || st.UsedMemory <= 0 {
		t.Errorf("Stats of node 0 = %+v, want 1 key (the fence), commands and memory", st)
	}
	m, err := ns.UsedMemory(ctx, 0)
	must(err)
	if m <= 0 {
		t.Errorf("UsedMemory = %d, want > 0", m)
	}
}

func TestIsLockTTL(t *testing.T) {
	lease := 10 * time.Second
	for _, tc := range []struct {
		ttl  time.Duration
		want bool
	}{{-2, false}, {-1, false}, {0, true}, {lease, true}, {lease + 1, false}, {24 * time.Hour, false}} {
		if got := IsLockTTL(tc.ttl, lease); got != tc.want {
			t.Errorf("IsLockTTL(%v) = %v, want %v", tc.ttl, got, tc.want)
		}
	}
}

func TestParseCPU(t *testing.T) {
	got, err := parseCPU("# CPU\r\nused_cpu_sys:1.500000\r\nused_cpu_user:0.250000\r\nused_cpu_sys_children:9\r\n")
	if err != nil || got != 1750*time.Millisecond {
		t.Fatalf("parseCPU = %v, %v; want 1.75s", got, err)
	}
	if _, err := parseCPU("used_cpu_sys:1\r\n"); err == nil {
		t.Fatal("parseCPU without used_cpu_user: want an error")
	}
}

func TestParseUsedMemory(t *testing.T) {
	got, err := parseUsedMemory("# Memory\r\nused_memory:123456\r\nused_memory_human:120K\r\n")
	if err != nil || got != 123456 {
		t.Fatalf("parseUsedMemory = %d, %v; want 123456", got, err)
	}
	if _, err := parseUsedMemory("# Memory\r\n"); err == nil {
		t.Fatal("parseUsedMemory without the field: want an error")
	}
}

func TestParseNodeStats(t *testing.T) {
	got, err := parseNodeStats("# Memory\r\nused_memory:1000\r\n# CPU\r\nused_cpu_sys:0.5\r\nused_cpu_user:0.25\r\n# Stats\r\ntotal_commands_processed:42\r\n# Keyspace\r\ndb0:keys=7,expires=5,avg_ttl=100\r\n")
	if want := (NodeStats{UsedMemory: 1000, CPU: 750 * time.Millisecond, Commands: 42, Keys: 7}); err != nil || got != want {
		t.Fatalf("parseNodeStats = %+v, %v; want %+v", got, err, want)
	}
	if got, err := parseNodeStats("used_memory:1\r\nused_cpu_sys:0\r\nused_cpu_user:0\r\ntotal_commands_processed:1\r\n# Keyspace\r\n"); err != nil || got.Keys != 0 {
		t.Errorf("empty keyspace: %+v, %v; want 0 keys", got, err)
	}
	if _, err := parseNodeStats("# Memory\r\nused_memory:1000\r\nused_cpu_sys:0.5\r\nused_cpu_user:0.25\r\n"); err == nil {
		t.Fatal("parseNodeStats without total_commands_processed: want an error")
	}
}

func TestParseScriptTime(t *testing.T) {
	info := "# Commandstats\r\ncmdstat_get:calls=9,usec=90,usec_per_call=10.00\r\n" +
		"cmdstat_evalsha:calls=3,usec=120,usec_per_call=40.00,rejected_calls=0,failed_calls=0\r\n" +
		"cmdstat_eval:calls=1,usec=30,usec_per_call=30.00,rejected_calls=0,failed_calls=0\r\n"
	got, err := parseScriptTime(info)
	if err != nil || got != 150*time.Microsecond {
		t.Fatalf("parseScriptTime = %v, %v; want 150µs (EVALSHA and EVAL, not GET)", got, err)
	}
	if got, err := parseScriptTime("# Commandstats\r\ncmdstat_set:calls=1,usec=2\r\n"); err != nil || got != 0 {
		t.Fatalf("no script called: %v, %v; want 0", got, err)
	}
}
