package redlock

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/distlock/distlock/core"
)

// quarantinedClient returns a Client over addrs with the default quarantine, as a
// production Client has it (newClient turns it off).
func quarantinedClient(t *testing.T, addrs []string) *Client {
	return newClient(t, addrs, WithQuarantine(DefaultQuarantine))
}

// nodeClient returns a plain client of one node, closed when the test ends.
func nodeClient(t *testing.T, addr string) *redis.Client {
	rdb := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// TestUnavailableNamesQuarantinedNodes: a newcomer's first acquire on new nodes is
// refused, and the error says which nodes are quarantined, for how long, and what
// trusts brand-new nodes.
func TestUnavailableNamesQuarantinedNodes(t *testing.T) {
	cluster := realNodes(t, 3)
	c := quarantinedClient(t, cluster.Addrs())
	_, err := c.Acquire(ctxT(t), "first", lopts(core.MinTTL))
	var u *core.UnavailableError
	if !errors.As(err, &u) || len(u.Failed) != 3 {
		t.Fatalf("first acquire on new nodes: %v, want unavailable naming 3 nodes", err)
	}
	for _, addr := range cluster.Addrs() {
		if !errors.Is(u.Failed[addr], errQuarantined) {
			t.Errorf("node %s: %v, want quarantined", addr, u.Failed[addr])
		}
		_, rest, _ := strings.Cut(err.Error(), addr+": quarantined for another ")
		left, _, _ := strings.Cut(rest, ":")
		if d, perr := time.ParseDuration(left); perr != nil || d > DefaultQuarantine || d < DefaultQuarantine-time.Minute {
			t.Errorf("the message does not say how long %s stays quarantined (%q): %v", addr, left, err)
		}
	}
	if !strings.Contains(err.Error(), "distlock redis init") {
		t.Errorf("the message does not name the step that trusts new nodes: %v", err)
	}
}

// TestInitRefusesNodesWithData: a node holding any key under the prefix is refused,
// named with its count of keys, and nothing is written on any node.
func TestInitRefusesNodesWithData(t *testing.T) {
	cluster := realNodes(t, 3)
	addrs := cluster.Addrs()
	used := nodeClient(t, addrs[1])
	for _, k := range []string{"distlock:{eA}:l", "distlock:fence:7"} {
		if err := used.Set(context.Background(), k, "x", 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	err := quarantinedClient(t, addrs).InitNodes(ctxT(t))
	if err == nil || !strings.Contains(err.Error(), addrs[1]+" holds 2 distlock keys") {
		t.Fatalf("init with a node holding 2 distlock keys: %v, want a refusal naming it and its 2 keys", err)
	}
	for _, addr := range addrs {
		if n, err := nodeClient(t, addr).Exists(context.Background(), epochKey(DefaultKeyPrefix)).Result(); err != nil || n != 0 {
			t.Errorf("node %s: epoch written by a refused init (%d, %v)", addr, n, err)
		}
	}
}

// TestInitTrustsNewNodesAtOnce: after init, the first acquire of any Client succeeds at
// once under the default quarantine; keys outside the prefix do not make a node used.
func TestInitTrustsNewNodesAtOnce(t *testing.T) {
	cluster := realNodes(t, 3)
	addrs := cluster.Addrs()
	if err := nodeClient(t, addrs[0]).Set(context.Background(), "distlockish:other-app", "x", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if err := quarantinedClient(t, addrs).InitNodes(ctxT(t)); err != nil {
		t.Fatalf("init of new nodes: %v", err)
	}
	l := mustAcquire(t, quarantinedClient(t, addrs), "first", lopts(core.MinTTL))
	if l.Fence == 0 {
		t.Error("no fencing token")
	}
	if err := quarantinedClient(t, addrs).InitNodes(ctxT(t)); err == nil {
		t.Error("a second init of nodes in use was not refused")
	}
}

// TestRestartAfterInitIsQuarantined: init trusts the nodes as they are; a node that
// restarts without its data afterwards is quarantined again.
func TestRestartAfterInitIsQuarantined(t *testing.T) {
	cluster := realNodes(t, 3)
	addrs := cluster.Addrs()
	c := quarantinedClient(t, addrs)
	if err := c.InitNodes(ctxT(t)); err != nil {
		t.Fatalf("init of new nodes: %v", err)
	}
	// Held on every node; nodes 0 and 1 forget it, node 2 keeps it.
	mustAcquire(t, c, "restart", lopts(core.MaxTTL))
	cluster.Nodes[0].Restart()
	cluster.Nodes[1].Restart()
	var last error
	waitFor(t, func() bool { // until the reconnected nodes answer
		_, last = c.Acquire(ctxT(t), "restart", lopts(core.MinTTL))
		var u *core.UnavailableError
		return errors.As(last, &u) && errors.Is(u.Failed[addrs[0]], errQuarantined) &&
			errors.Is(u.Failed[addrs[1]], errQuarantined)
	})
	if !strings.Contains(last.Error(), fmt.Sprintf("%s: quarantined", addrs[0])) {
		t.Errorf("the unavailable message does not name the restarted node: %v", last)
	}
}
