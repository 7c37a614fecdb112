package redlock

import (
	"context"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// query is one script call for a fan-out: the same command for every node.
type query struct {
	script *redis.Script
	// cmd is the whole EVALSHA command (evalShaArgs), which the nodes' calls share.
	// Built with the query, it leaves the call sites' keys and arguments on their stacks.
	cmd []any
	// timeout bounds each node's request (see [WithNodeTimeout]).
	timeout time.Duration
	// on lists the indexes of the nodes to ask; nil asks every node.
	on []int
}

// newQuery is the call of script with keys and args on every node.
func newQuery(script *redis.Script, timeout time.Duration, keys []string, args ...any) query {
	return query{script: script, cmd: evalShaArgs(script, keys, args), timeout: timeout}
}

// args returns the script's arguments (ARGV).
func (q query) args() []any { return q.cmd[3+q.cmd[2].(int):] }

// fanout runs q on its nodes in parallel for the caller's operation ctx, each reply
// that is not an error decoded by decode, and returns once every node asked has
// answered or timed out (replies and errors by node index; zero for the nodes not
// asked): returning at a quorum would let a release overtake a late write and orphan a
// key. No caller's context cuts the requests short, for the same reason: they run on a
// context shared with other fan-outs that ends at the deadline; ctx only gives the
// NodeTracer its parent. Node errors go to the transport's error hook.
//
// A call to a busy node joins its next pipeline; a call to an idle node is sent from
// here: the caller's goroutine sends the last, the nodes' senders the others
// (transport_sender.go).
func fanout[T any](ctx context.Context, t *transport, q query, decode func(reply any) (T, error)) ([]T, []error) {
	out := make([]T, len(t.nodes))
	errs := make([]error, len(t.nodes))
	which := q.on
	if which == nil {
		which = make([]int, len(t.nodes))
		for i := range which {
			which[i] = i
		}
	}
	if len(which) == 0 {
		return out, errs
	}
	t.admit()
	// One deadline for all the nodes, they start together; and shared with the fan-outs
	// that start within deadlineGrain (one timer for all of them).
	traced := t.traceNodes(ctx, q.script, which)
	f := newFan(t.deadlines.get(time.Now(), q.timeout), q.script, q.cmd)
	f.traced = traced != nil
	f.slot.hold(t, len(which))
	defer f.slot.give() // at the latest
	calls := make([]call, len(t.nodes))
	own := make([]int, 0, len(which))
	for _, i := range which {
		calls[i].fan = f
		switch {
		case t.nodes[i].pipe.start(&calls[i]):
			own = append(own, i)
		case !calls[i].queued:
			f.slot.finish() // not sent: the client is closed
		}
	}
	if len(own) > 0 {
		var wg sync.WaitGroup
		for _, i := range own[:len(own)-1] {
			t.nodes[i].sender.hand(t.nodes[i].pipe, &calls[i], &wg)
		}
		last := own[len(own)-1]
		t.nodes[last].pipe.send(&calls[last])
		wg.Wait()
	}
	f.wait()
	for _, i := range which {
		v, err := calls[i].reply().Result()
		if err == nil {
			out[i], err = decode(v)
		}
		if errs[i] = err; err != nil {
			t.onError(t.nodes[i].addr, errs[i])
		}
	}
	if traced != nil {
		endTrace(traced, which, errs, calls)
	}
	return out, errs
}
