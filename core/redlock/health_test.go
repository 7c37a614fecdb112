package redlock

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
)

// TestHealthFollowsNodes kills and restarts real nodes under one Client and checks what
// Health says at each step: one node down of three is still a quorum (the node named
// down), two down is none (both named), and a node back without its data is named
// quarantined with the time left once an acquire has dated its data.
func TestHealthFollowsNodes(t *testing.T) {
	const quarantine = time.Hour
	cluster := realNodes(t, 3)
	addrs := cluster.Addrs()
	c, err := New(addrs, WithQuarantine(quarantine))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if h := c.Health(ctxT(t)); h.Ready() || h.Nodes[0].QuarantineLeft >= 0 {
		t.Fatalf("a new cluster before init: ready %v, reason %q", h.Ready(), h.Reason())
	}
	if err := c.InitNodes(ctxT(t)); err != nil {
		t.Fatal(err)
	}

	h := c.Health(ctxT(t))
	if !h.Ready() || h.Trusted() != 3 || h.Quorum != 2 || h.Reason() != "" {
		t.Fatalf("all nodes up: ready %v, trusted %d, quorum %d, reason %q", h.Ready(), h.Trusted(), h.Quorum, h.Reason())
	}

	cluster.Nodes[0].Kill()
	h = c.Health(ctxT(t))
	if !h.Ready() || h.Nodes[0].Err == nil || !strings.Contains(h.Reason(), addrs[0]+" down") {
		t.Fatalf("one node down: ready %v, reason %q", h.Ready(), h.Reason())
	}

	cluster.Nodes[1].Kill()
	h = c.Health(ctxT(t))
	reason := h.Reason()
	if h.Ready() || !strings.Contains(reason, "no trusted quorum: 1 of 3 nodes trusted, 2 needed") ||
		!strings.Contains(reason, addrs[0]+" down") || !strings.Contains(reason, addrs[1]+" down") {
		t.Fatalf("two nodes down: ready %v, reason %q", h.Ready(), reason)
	}

	cluster.Nodes[0].Restart()
	h = c.Health(ctxT(t))
	if n := h.Nodes[0]; h.Ready() || !n.Quarantined || n.QuarantineLeft >= 0 || !strings.Contains(n.String(), "starts with the first lock") {
		t.Fatalf("node back without data: ready %v, node %+v (%s)", h.Ready(), n, n)
	}
	// The acquire dates the node's data (its epoch) and is refused: the node does not count.
	if _, err := c.Acquire(ctxT(t), "health/r", lopts(core.MinTTL)); !errors.Is(err, core.ErrUnavailable) {
		t.Fatalf("acquire with one trusted node: %v, want unavailable", err)
	}
	h = c.Health(ctxT(t))
	n := h.Nodes[0]
	if h.Ready() || !n.Quarantined || n.QuarantineLeft <= 0 || n.QuarantineLeft > quarantine {
		t.Fatalf("node back and dated: ready %v, node %+v", h.Ready(), n)
	}
	if !strings.Contains(h.Reason(), addrs[0]+" quarantined for another") {
		t.Fatalf("reason %q does not name the quarantined node", h.Reason())
	}
}

// TestHealthWithoutQuarantine checks that a Client whose quarantine is off trusts every
// node that answers, data or none, and that a closed Client reports every node closed.
func TestHealthWithoutQuarantine(t *testing.T) {
	ms := miniNodes(t, 3)
	c, err := New(miniAddrs(ms), WithQuarantine(0))
	if err != nil {
		t.Fatal(err)
	}
	if h := c.Health(ctxT(t)); !h.Ready() || h.Trusted() != 3 {
		t.Fatalf("fresh nodes, no quarantine: %+v", h)
	}
	c.Close()
	for _, n := range c.Health(ctxT(t)).Nodes {
		if !errors.Is(n.Err, driver.ErrClosed) {
			t.Fatalf("after Close: %+v", n)
		}
	}
}

// TestHealthMalformedEpoch checks that a node whose epoch key holds something else than
// an epoch is reported down with why, rather than trusted.
func TestHealthMalformedEpoch(t *testing.T) {
	ms := miniNodes(t, 3)
	if err := ms[0].Set(epochKey(DefaultKeyPrefix), "garbage"); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, miniAddrs(ms), WithQuarantine(time.Minute))
	n := c.Health(ctxT(t)).Nodes[0]
	if n.Err == nil || !strings.Contains(n.Err.Error(), "malformed epoch") {
		t.Fatalf("node with a malformed epoch: %+v", n)
	}
}
