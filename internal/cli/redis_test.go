package cli

import (
	"strings"
	"testing"

	"github.com/distlock/distlock/core/redlock/redistest"
)

// TestRedisInit: init trusts the nodes of a new cluster once; a second init finds them
// holding distlock keys, refuses, and names each node with its count of keys.
func TestRedisInit(t *testing.T) {
	t.Parallel()
	cluster := redistest.Start(t, 3)
	url := "redis://" + strings.Join(cluster.Addrs(), ",")
	r := runCLI(t.Context(), nil, "redis", "init", url)
	if r.code != exitOK || !strings.Contains(r.stdout, "initialised 3 new nodes") {
		t.Fatalf("init of new nodes: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t.Context(), nil, "redis", "init", url)
	if r.code != exitFailure {
		t.Fatalf("init of nodes in use: exit %d, want %d; stderr %q", r.code, exitFailure, r.stderr)
	}
	for _, addr := range cluster.Addrs() {
		if !strings.Contains(r.stderr, addr+" holds 1 distlock key ") {
			t.Errorf("the refusal does not name %s with its one key: %q", addr, r.stderr)
		}
	}
}

// TestRedisInitUsage: init wants exactly one redis:// or rediss:// URL.
func TestRedisInitUsage(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"redis"},
		{"redis", "wipe", "-h"},
		{"redis", "wipe", "redis://127.0.0.1:1"},
		{"redis", "init"},
		{"redis", "init", "http://127.0.0.1:1"},
		{"redis", "init", "redis://127.0.0.1:1", "redis://127.0.0.1:2"},
		{"redis", "init", "redis://127.0.0.1:99999"},
	} {
		if r := runCLI(t.Context(), nil, args...); r.code != exitUsage {
			t.Errorf("%q: exit %d, want %d; stderr %q", args, r.code, exitUsage, r.stderr)
		}
	}
}
