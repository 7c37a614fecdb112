package redlock

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/distlock/distlock/core/driver"
)

// scriptHook counts the script calls a node's client sends, by script, and can make
// the calls of one script fail without reaching the node, or hold them back.
type scriptHook struct {
	mu     sync.Mutex
	calls  map[string]int // by SHA
	failOn string         // SHA whose pipelines fail; "" for none
	holdOn string         // SHA whose pipelines wait for release to be closed
	// release is closed to let held pipelines go on; held counts those that wait.
	release chan struct{}
	held    atomic.Int32
}

var errInjected = errors.New("injected failure")

func (h *scriptHook) DialHook(next redis.DialHook) redis.DialHook          { return next }
func (h *scriptHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }
func (h *scriptHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.mu.Lock()
		fail, hold := false, false
		for _, c := range cmds {
			// Only EVALSHA is counted: a script a node does not know yet is sent again
			// with EVAL, which is the same call.
			if a := c.Args(); len(a) > 1 && c.Name() == "evalsha" {
				sha, _ := a[1].(string)
				h.calls[sha]++
				fail = fail || (sha == h.failOn && sha != "")
				hold = hold || (sha == h.holdOn && sha != "")
			}
		}
		h.mu.Unlock()
		if hold {
			h.held.Add(1)
			<-h.release
		}
		if fail {
			for _, c := range cmds {
				c.SetErr(errInjected)
			}
			return errInjected
		}
		return next(ctx, cmds)
	}
}

// count returns how many calls of script the node's client sent.
func (h *scriptHook) count(script *redis.Script) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.calls[script.Hash()]
}

func (h *scriptHook) fail(script *redis.Script) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.failOn = script.Hash()
}

// hold makes the calls of script wait until the returned function is called.
func (h *scriptHook) hold(script *redis.Script) func() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.holdOn, h.release = script.Hash(), make(chan struct{})
	return sync.OnceFunc(func() { close(h.release) })
}

// hookScripts adds a scriptHook to each of c's nodes.
func hookScripts(c *Client) []*scriptHook {
	hs := make([]*scriptHook, len(c.net.nodes))
	for i, n := range c.net.nodes {
		hs[i] = &scriptHook{calls: map[string]int{}}
		n.rdb.AddHook(hs[i])
	}
	return hs
}

// sent sums the calls of script over the hooks.
func sent(hs []*scriptHook, script *redis.Script) int {
	n := 0
	for _, h := range hs {
		n += h.count(script)
	}
	return n
}

// acquired is the result of an Acquire run in a goroutine.
type acquired struct {
	lease driver.Lease
	err   error
}

// queueBehind starts an Acquire on c that waits behind a lease of c on resource, and
// returns once it waits, offered to that lease's release.
func queueBehind(t *testing.T, ctx context.Context, c *Client, resource string, o driver.LeaseOptions) <-chan acquired {
	t.Helper()
	before := c.Waiters()
	got := make(chan acquired, 1)
	go func() {
		l, err := c.Acquire(ctx, resource, o)
		got <- acquired{l, err}
	}()
	waitFor(t, func() bool { return c.Waiters() == before+1 })
	return got
}

// lockValue returns the lock value of resource on a node, "" when there is none.
func lockValue(t *testing.T, addr, resource string) string {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2})
	defer rdb.Close()
	v, err := rdb.Get(context.Background(), keysFor(DefaultKeyPrefix, resource).lock).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		t.Fatalf("%s: %v", addr, err)
	}
	return v
}

// chain passes a resource from contender to contender of one Client by transfer.
type chain struct {
	t        *testing.T
	c        *Client
	resource string
	o        driver.LeaseOptions
	q        *queue
	cur      driver.Lease
	line     []<-chan acquired // queued contenders, oldest first
}

// keepQueue keeps resource's queue on c until the test ends, and with it the Client's
// record of its lease that holds the resource, so that a release hands the lock over to
// a contender queued behind that lease. Otherwise the record goes with the last
// contender that leaves (a lease taken with nobody queued is released the usual way),
// and a setup that gets the record by queueing contenders behind an unknown holder is
// racy: they are refused, leave waiter markers, the release is announced, and the
// announcement may arrive after the next grant and clear its record.
func keepQueue(t *testing.T, c *Client, resource string) *queue {
	tag := keysFor(c.cfg.keyPrefix, resource).tag
	q := c.queues.enter(tag)
	t.Cleanup(func() { c.queues.leave(tag, q) })
	return q
}

// startChain takes resource on c and queues a contender behind that lease, so that
// each release hands the lock over (see keepQueue).
func startChain(t *testing.T, c *Client, resource string, o driver.LeaseOptions) *chain {
	t.Helper()
	q := keepQueue(t, c, resource)
	ch := &chain{t: t, c: c, resource: resource, o: o, q: q, cur: mustAcquire(t, c, resource, o)}
	ch.queue()
	return ch
}

// queue starts another contender and returns once it is offered to the holder's release.
func (ch *chain) queue() {
	ch.t.Helper()
	got := make(chan acquired, 1)
	go func() {
		l, err := ch.c.Acquire(ctxT(ch.t), ch.resource, ch.o)
		got <- acquired{l, err}
	}()
	ch.line = append(ch.line, got)
	waitFor(ch.t, func() bool {
		ch.c.queues.mu.Lock()
		defer ch.c.queues.mu.Unlock()
		return len(ch.q.line) == len(ch.line)
	})
}

// next queues another contender, calls before (unless nil), releases the current
// lease and returns the lease the oldest contender got.
func (ch *chain) next(before func()) driver.Lease {
	ch.t.Helper()
	ch.queue()
	if before != nil {
		before()
	}
	ch.pass()
	return ch.cur
}

// pass releases the current lease and takes the one the oldest contender got.
func (ch *chain) pass() {
	ch.t.Helper()
	if err := ch.c.Release(ctxT(ch.t), ch.cur); err != nil {
		ch.t.Fatalf("release: %v", err)
	}
	got := <-ch.line[0]
	ch.line = ch.line[1:]
	if got.err != nil {
		ch.t.Fatalf("contender: %v", got.err)
	}
	ch.cur = got.lease
}

// stop releases the current lease and those of the contenders still queued.
func (ch *chain) stop() {
	ch.t.Helper()
	for len(ch.line) > 0 {
		ch.pass()
	}
	if err := ch.c.Release(ctxT(ch.t), ch.cur); err != nil {
		ch.t.Fatalf("release: %v", err)
	}
}
