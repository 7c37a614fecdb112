package driver

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// A HealthChecker is a [Lessor] that can tell whether it could grant a lock now and,
// when not, why: which nodes are down and which are not trusted yet. Lessors over
// several nodes implement it (core/redlock's Client); one that has no nodes to lose
// (memory://) does not, and is always able to grant. Servers use it for readiness.
type HealthChecker interface {
	// Health asks every node now, within ctx, and returns their states. It writes
	// nothing and takes no lock.
	Health(ctx context.Context) Health
}

// Health is what [HealthChecker.Health] found.
type Health struct {
	// Quorum is how many trusted nodes a grant needs.
	Quorum int
	// Nodes are the nodes' states, in the order the lessor was given them.
	Nodes []NodeHealth
	// Checked is when the nodes were asked.
	Checked time.Time
}

// NodeHealth is the state of one node.
type NodeHealth struct {
	// Node is the node's address (host:port).
	Node string
	// Err is why the node did not answer; nil when it did.
	Err error
	// Quarantined means the node answered but its votes do not count yet: it is new or
	// lost its data, and may have forgotten locks that are still held.
	Quarantined bool
	// QuarantineLeft is how much longer a quarantined node is not counted; negative
	// when not known yet (the node has no data at all: its quarantine starts with the
	// first lock taken on it).
	QuarantineLeft time.Duration
}

// Trusted reports whether the node's votes count: it answered and is not quarantined.
func (n NodeHealth) Trusted() bool { return n.Err == nil && !n.Quarantined }

// String describes the node's state in a few words, for logs and readiness reports.
func (n NodeHealth) String() string {
	switch {
	case n.Err != nil:
		return fmt.Sprintf("%s down: %v", n.Node, n.Err)
	case n.Quarantined && n.QuarantineLeft < 0:
		return n.Node + " quarantined: it holds no data yet, its quarantine starts with the first lock " +
			"(a new cluster's nodes are trusted at once after `distlock redis init`)"
	case n.Quarantined:
		return fmt.Sprintf("%s quarantined for another %v", n.Node, n.QuarantineLeft.Round(time.Second))
	}
	return n.Node + " up"
}

// Trusted returns how many nodes' votes count.
func (h Health) Trusted() int {
	n := 0
	for _, node := range h.Nodes {
		if node.Trusted() {
			n++
		}
	}
	return n
}

// Ready reports whether a quorum of nodes is trusted, so that a lock can be granted.
func (h Health) Ready() bool { return h.Trusted() >= h.Quorum }

// Reason says what keeps the lessor from full strength: the count of trusted nodes
// against the quorum, then every node that is not trusted and why. It is empty when
// every node is trusted.
func (h Health) Reason() string {
	var b strings.Builder
	for _, n := range h.Nodes {
		if !n.Trusted() {
			b.WriteString("; ")
			b.WriteString(n.String())
		}
	}
	if b.Len() == 0 {
		return ""
	}
	verdict := "no trusted quorum"
	if h.Ready() {
		verdict = "degraded"
	}
	return fmt.Sprintf("%s: %d of %d nodes trusted, %d needed%s", verdict, h.Trusted(), len(h.Nodes), h.Quorum, b.String())
}
