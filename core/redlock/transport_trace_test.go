package redlock

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/distlock/distlock/core/driver"
)

// traced is one call of a NodeTracer, with its outcome once reported.
type traced struct {
	op, node, ctxMark string
	ended             bool
	err               error
}

type markKey struct{}

// TestNodeTracerSeesEveryNodeWithOutcome: each request to each node reaches the tracer
// with the caller's context, the operation and the node's address, and ends once with
// that node's outcome: nil for the nodes up, an error for the node down.
func TestNodeTracerSeesEveryNodeWithOutcome(t *testing.T) {
	nodes := miniNodes(t, 3)
	var mu sync.Mutex
	var calls []*traced
	tracer := func(ctx context.Context, op, node string) func(error, time.Time) {
		mark, _ := ctx.Value(markKey{}).(string)
		tr := &traced{op: op, node: node, ctxMark: mark}
		mu.Lock()
		calls = append(calls, tr)
		mu.Unlock()
		return func(err error, _ time.Time) {
			mu.Lock()
			defer mu.Unlock()
			if tr.ended {
				t.Errorf("%s on %s ended twice", op, node)
			}
			tr.ended, tr.err = true, err
		}
	}
	c := newClient(t, miniAddrs(nodes), WithNodeTracer(tracer))
	down := nodes[2].Addr()
	nodes[2].Close()

	ctx := context.WithValue(ctxT(t), markKey{}, "caller")
	l, err := c.Acquire(ctx, "traced", driver.LeaseOptions{TTL: driver.MinTTL})
	if err != nil {
		t.Fatalf("acquire with 2 of 3 nodes up: %v", err)
	}
	if err := c.Release(ctx, l); err != nil {
		t.Fatalf("release: %v", err)
	}

	mu.Lock()
	defer mu.Unlock()
	byOp := map[string]int{}
	for _, tr := range calls {
		byOp[tr.op]++
		if tr.ctxMark != "caller" {
			t.Errorf("%s on %s: the tracer did not get the caller's context", tr.op, tr.node)
		}
		if !tr.ended {
			t.Errorf("%s on %s: outcome never reported", tr.op, tr.node)
		}
		if (tr.node == down) != (tr.err != nil) {
			t.Errorf("%s on %s: outcome %v (node down: %v)", tr.op, tr.node, tr.err, tr.node == down)
		}
	}
	if byOp["acquire"] != 3 || byOp["release"] != 3 {
		t.Errorf("traced requests by operation %v, want 3 acquire and 3 release", byOp)
	}
}

// TestScriptOpNames: the tracer's operation names, one per script.
func TestScriptOpNames(t *testing.T) {
	for want, s := range map[string]*redis.Script{"acquire": acquireScript, "confirm": confirmScript,
		"extend": extendScript, "release": releaseScript, "transfer": transferScript, "read": readScript} {
		if got := scriptOp(s); got != want {
			t.Errorf("scriptOp(%s script) = %q", want, got)
		}
	}
}

// TestNodeTracerAnswerTimes: each node's answer time is its own, not the fan-out's end,
// which waits for a node that never answers until its deadline.
func TestNodeTracerAnswerTimes(t *testing.T) {
	nodes := miniNodes(t, 2)
	hole := silentNode(t)
	var mu sync.Mutex
	answered := map[string]time.Time{}
	tracer := func(_ context.Context, op, node string) func(error, time.Time) {
		return func(_ error, at time.Time) {
			mu.Lock()
			defer mu.Unlock()
			if op == "acquire" {
				answered[node] = at
			}
		}
	}
	const timeout = 2 * time.Second // far above a loopback answer, even under load
	c := newClient(t, append(miniAddrs(nodes), hole),
		WithNodeTracer(tracer), WithNodeTimeout(timeout))
	start := time.Now()
	if _, err := c.Acquire(ctxT(t), "answers", driver.LeaseOptions{TTL: driver.MinTTL}); err != nil {
		t.Fatalf("acquire with 2 of 3 nodes answering: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	silent := answered[hole]
	if silent.Sub(start) < timeout {
		t.Errorf("the silent node's time %v after the start, before its deadline %v", silent.Sub(start), timeout)
	}
	for _, m := range nodes {
		// It answered, so before the deadline: a time at the fan-out's end would be after.
		if at := answered[m.Addr()]; at.IsZero() || !at.Before(start.Add(timeout)) {
			t.Errorf("node %s answered %v after the start, not before the deadline %v", m.Addr(), at.Sub(start), timeout)
		}
	}
}
