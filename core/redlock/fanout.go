package redlock

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/distlock/distlock/core/driver"
)

// errQuarantined is the reason a node that answered is not counted: it lost its data
// less than the quarantine ago.
var errQuarantined = errors.New("node lost its data recently (quarantined)")

// epochInfo is what every script but release reports about the node it ran on.
type epochInfo struct {
	id string
	// age < 0: not read, as the caller trusts the epoch (acquire.lua's ARGV[8]).
	age time.Duration
}

// fanout runs script with keys and args on the nodes whose index is in which (all
// nodes when which is nil), in parallel, each reply decoded by decode, and returns once
// every node has answered or timed out: returning at a quorum would let a release
// overtake a late write and orphan a key. The caller's cancellation does not cut the
// requests short, for the same reason, and its values are not passed on (the requests
// run on a context shared with other fan-outs). Node errors go to the error hook.
//
// A call to a busy node joins its next pipeline; a call to an idle node is sent from
// here, one goroutine per such node but the last, which the caller's goroutine sends.
func fanout[T any](c *Client, ctx context.Context, timeout time.Duration, which []int,
	script *redis.Script, keys []string, args []any, decode func(*redis.Cmd) (T, error)) ([]T, []error) {
	out := make([]T, len(c.nodes))
	errs := make([]error, len(c.nodes))
	if which == nil {
		which = make([]int, len(c.nodes))
		for i := range which {
			which[i] = i
		}
	}
	if len(which) == 0 {
		return out, errs
	}
	// One deadline for all the nodes, they start together; and shared with the fan-outs
	// that start within deadlineGrain (one timer for all of them).
	traced := c.traceNodes(ctx, script, which)
	f := newFan(c.deadlines.get(time.Now(), timeout), script, evalShaArgs(script, keys, args))
	f.traced = traced != nil
	calls := make([]call, len(c.nodes))
	own := make([]int, 0, len(which))
	for _, i := range which {
		calls[i].fan = f
		if c.nodes[i].pipe.start(&calls[i]) {
			own = append(own, i)
		}
	}
	if len(own) > 0 {
		var wg sync.WaitGroup
		for _, i := range own[:len(own)-1] {
			wg.Go(func() { c.nodes[i].pipe.send(&calls[i]) })
		}
		last := own[len(own)-1]
		c.nodes[last].pipe.send(&calls[last])
		wg.Wait()
	}
	f.wait()
	for _, i := range which {
		out[i], errs[i] = decode(calls[i].reply())
		if errs[i] != nil {
			c.nodeError(c.nodes[i], errs[i])
		}
	}
	if traced != nil {
		endTrace(traced, which, errs, calls)
	}
	return out, errs
}

func (c *Client) nodeError(n *node, err error) {
	if c.cfg.onNodeError != nil {
		c.cfg.onNodeError(n.addr, err)
	}
	c.cfg.logger.Debug("redlock: node request failed", "node", n.addr, "err", err)
}

// trusted reports whether a node with this epoch counts toward a quorum, and logs the
// first sight of a new epoch on a node that had another one: the node lost its data.
func (c *Client) trusted(n *node, e epochInfo) bool {
	if prev, _ := n.lastEpoch.Load().(string); prev != e.id {
		n.lastEpoch.Store(e.id)
		if prev != "" {
			c.cfg.logger.Warn("redlock: node lost its data; its votes are ignored during the quarantine",
				"node", n.addr, "quarantine", c.cfg.quarantine)
		}
	}
	if e.age < 0 {
		// The script found the id among those this Client trusts. Nodes whose epochs one
		// attempt created share its id, so it may be another node's: then this node's
		// age is unknown, and the id leaves the list until this node is past the
		// quarantine too.
		if mine, _ := n.trustedEpoch.Load().(string); e.id != "" && e.id == mine {
			return true
		}
		c.updateTrusted(nil, "")
		return c.cfg.quarantine == 0
	}
	ok := c.cfg.quarantine == 0 || (e.id != "" && e.age >= c.cfg.quarantine)
	if ok && e.id != "" {
		if mine, _ := n.trustedEpoch.Load().(string); mine != e.id {
			c.updateTrusted(n, e.id)
		}
	}
	return ok
}

// updateTrusted records that n's epoch id is past the quarantine (when n is not nil)
// and rebuilds acquire.lua's list of trusted epochs: the ids trusted on some node and
// seen last, untrusted, on none.
func (c *Client) updateTrusted(n *node, id string) {
	c.trustMu.Lock()
	defer c.trustMu.Unlock()
	if n != nil {
		n.trustedEpoch.Store(id)
	}
	var b strings.Builder
	b.WriteByte(' ')
	for _, m := range c.nodes {
		id, _ := m.trustedEpoch.Load().(string)
		if id == "" || c.seenUntrusted(id) {
			continue
		}
		b.WriteString(id)
		b.WriteByte(' ')
	}
	c.trustedEpochs.Store(b.String())
}

// seenUntrusted reports whether a node's last seen epoch is id without being trusted.
func (c *Client) seenUntrusted(id string) bool {
	for _, m := range c.nodes {
		last, _ := m.lastEpoch.Load().(string)
		mine, _ := m.trustedEpoch.Load().(string)
		if last == id && mine != id {
			return true
		}
	}
	return false
}

// addFailure records a node's error in failed, making the map on first use: most
// answers have none.
func addFailure(failed map[string]error, addr string, err error) map[string]error {
	if failed == nil {
		failed = map[string]error{}
	}
	failed[addr] = err
	return failed
}

// unavailable builds the error for an attempt that heard from fewer than a quorum of
// trusted nodes. failed holds an error for every node that did not count.
func (c *Client) unavailable(failed map[string]error) error {
	return &driver.UnavailableError{Failed: failed, Quorum: c.quorum, Total: len(c.nodes)}
}

// decodeReply splits the {a, b, epoch id, epoch age ms, ...} replies of the scripts.
func decodeReply(v any) (a, b any, e epochInfo, err error) {
	arr, ok := v.([]any)
	if !ok || len(arr) < 4 {
		return nil, nil, e, fmt.Errorf("redlock: unexpected script reply %T", v)
	}
	id, ok1 := arr[2].(string)
	age, ok2 := arr[3].(int64)
	if !ok1 || !ok2 {
		return nil, nil, e, fmt.Errorf("redlock: unexpected epoch in script reply")
	}
	return arr[0], arr[1], epochInfo{id: id, age: time.Duration(age) * time.Millisecond}, nil
}

// decodeInts decodes the replies whose first two elements are integers.
func decodeInts(v any) (a, b int64, e epochInfo, err error) {
	x, y, e, err := decodeReply(v)
	if err != nil {
		return 0, 0, e, err
	}
	a, ok1 := x.(int64)
	b, ok2 := y.(int64)
	if !ok1 || !ok2 {
		return 0, 0, e, fmt.Errorf("redlock: unexpected script reply types %T, %T", x, y)
	}
	return a, b, e, nil
}
