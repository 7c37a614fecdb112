package redlock

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
)

// pipelineHook observes the pipelines a node's client sends.
type pipelineHook struct {
	gate      chan struct{} // when not nil, each pipeline waits until it is closed
	pipelines atomic.Int32  // of scripts
	blocked   atomic.Int32  // calls in pipelines held at the gate
	// acquires in flight for the watched resource, and the most seen at once
	watch       string
	inFlight    atomic.Int32
	maxInFlight atomic.Int32
	acquires    atomic.Int32
}

func (h *pipelineHook) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *pipelineHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return next
}

func (h *pipelineHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if len(cmds) == 0 || (cmds[0].Name() != "evalsha" && cmds[0].Name() != "eval") {
			return next(ctx, cmds) // connection set-up, not ours
		}
		h.pipelines.Add(1)
		if h.gate != nil {
			h.blocked.Add(int32(len(cmds)))
			<-h.gate
		}
		n := int32(0)
		for _, c := range cmds {
			args := c.Args()
			if len(args) > 3 && args[1] == acquireScript.Hash() && args[3] == h.watch {
				n++
			}
		}
		h.acquires.Add(n)
		now := h.inFlight.Add(n)
		for {
			m := h.maxInFlight.Load()
			if now <= m || h.maxInFlight.CompareAndSwap(m, now) {
				break
			}
		}
		err := next(ctx, cmds)
		h.inFlight.Add(-n)
		return err
	}
}

// TestConcurrentCallsShareAPipeline: calls that arrive while a pipeline is in flight
// leave together in the next one, not one round trip each.
func TestConcurrentCallsShareAPipeline(t *testing.T) {
	nodes := miniNodes(t, 1)
	// The first pipeline is held back on purpose; the calls must not time out meanwhile.
	c := newClient(t, miniAddrs(nodes), WithNodeTimeout(time.Minute))
	// Loaded beforehand, so that no call needs a second, EVAL pipeline.
	if err := readScript.Load(context.Background(), c.net.nodes[0].rdb).Err(); err != nil {
		t.Fatal(err)
	}
	h := &pipelineHook{gate: make(chan struct{})}
	c.net.nodes[0].rdb.AddHook(h)
	var once sync.Once
	release := func() { once.Do(func() { close(h.gate) }) }
	t.Cleanup(release) // before the Client closes, which waits for the pipeline
	const calls = 20
	var wg sync.WaitGroup
	for range calls {
		wg.Go(func() {
			if _, err := c.Info(ctxT(t), "p"); err != core.ErrNotHeld {
				t.Errorf("info: %v", err)
			}
		})
	}
	p := c.net.nodes[0].pipe
	waitFor(t, func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		return int(h.blocked.Load())+len(p.queue) == calls
	})
	release()
	wg.Wait()
	if got := h.pipelines.Load(); got != 2 {
		t.Errorf("%d calls took %d pipelines, want 2: the held one and one for all the others", calls, got)
	}
}

// TestScriptsReloadAfterFlush: a node that forgot the scripts (restart, SCRIPT FLUSH)
// gets them again by EVAL.
func TestScriptsReloadAfterFlush(t *testing.T) {
	nodes := miniNodes(t, 3)
	c := newClient(t, miniAddrs(nodes))
	l := mustAcquire(t, c, "flush", lopts(core.MinTTL))
	for _, n := range c.net.nodes {
		if err := n.rdb.ScriptFlush(context.Background()).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Extend(ctxT(t), l, core.MinTTL); err != nil {
		t.Fatalf("extend after SCRIPT FLUSH: %v", err)
	}
	if err := c.Release(ctxT(t), l); err != nil {
		t.Fatalf("release after SCRIPT FLUSH: %v", err)
	}
}

// TestLocalContendersQueue: contenders of one Client for one resource never have more
// than one acquire in flight at a node; the others wait their turn.
func TestLocalContendersQueue(t *testing.T) {
	nodes := miniNodes(t, 3)
	// miniredis's clock stands still, so a key orphaned by a request that timed out on a
	// loaded machine would block the resource for good: allow slow requests.
	c := newClient(t, miniAddrs(nodes), WithNodeTimeout(time.Second))
	h := &pipelineHook{watch: keysFor(DefaultKeyPrefix, "queued").lock}
	c.net.nodes[0].rdb.AddHook(h)
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for range 4 {
				l, err := c.Acquire(ctxT(t), "queued", driver.LeaseOptions{TTL: core.MinTTL, Wait: -1})
				if err != nil {
					t.Error(err)
					return
				}
				if err := c.Release(ctxT(t), l); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if m := h.maxInFlight.Load(); m != 1 {
		t.Errorf("at most %d acquires of one resource were in flight at a node at once, want 1", m)
	}
	if w := c.Waiters(); w != 0 {
		t.Errorf("Waiters() = %d after every contender finished", w)
	}
}

// TestLocalHolderSpareRedis: while a lease of the same Client holds the resource, a
// queued contender does not ask Redis (it would be refused); the release wakes it.
func TestLocalHolderSpareRedis(t *testing.T) {
	nodes := miniNodes(t, 3)
	c := newClient(t, miniAddrs(nodes))
	h := &pipelineHook{watch: keysFor(DefaultKeyPrefix, "local").lock}
	c.net.nodes[0].rdb.AddHook(h)
	results := make(chan driver.Lease, 2)
	for range 2 {
		go func() {
			l, err := c.Acquire(ctxT(t), "local", driver.LeaseOptions{TTL: core.MinTTL, Wait: -1})
			if err != nil {
				t.Error(err)
			}
			results <- l
		}()
	}
	first := <-results
	// The other contender now holds the queue's gate; once it waits, it has decided.
	c.queues.mu.Lock()
	q := c.queues.byTag[keysFor(DefaultKeyPrefix, "local").tag]
	c.queues.mu.Unlock()
	waitFor(t, func() bool { return len(q.gate) == 1 && c.Waiters() == 1 })
	if n := h.acquires.Load(); n != 1 {
		t.Errorf("%d acquires reached Redis while the Client held the lock, want only the holder's", n)
	}
	if err := c.Release(ctxT(t), first); err != nil {
		t.Fatal(err)
	}
	second := <-results
	if err := c.Release(ctxT(t), second); err != nil {
		t.Fatal(err)
	}
}

// TestLocalHolderReleasedElsewhere: a local lease released by another Client with its
// token (as a service replica would) is announced, and the queued contender wakes
// instead of waiting for the lease's validity to end.
func TestLocalHolderReleasedElsewhere(t *testing.T) {
	nodes := miniNodes(t, 3)
	c := newClient(t, miniAddrs(nodes))
	other := newClient(t, miniAddrs(nodes))
	held := mustAcquire(t, c, "elsewhere", lopts(core.MaxTTL))
	got := make(chan error, 1)
	go func() {
		l, err := c.Acquire(ctxT(t), "elsewhere", driver.LeaseOptions{TTL: core.MinTTL, Wait: -1})
		if err == nil {
			err = c.Release(ctxT(t), l)
		}
		got <- err
	}()
	waitFor(t, func() bool { return c.Waiters() == 1 })
	if err := other.Release(ctxT(t), driver.Lease{Resource: "elsewhere", Token: held.Token}); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil {
		t.Fatalf("contender: %v (a timeout means it waited for the released lease's validity)", err)
	}
}

// holdPipelines makes every node's next script pipeline wait at a gate, starts one Info
// call to occupy them, and returns once each node has one held: calls made meanwhile
// queue. The returned function opens the gates (also at cleanup) and waits for that
// call.
func holdPipelines(t *testing.T, c *Client) (open func()) {
	t.Helper()
	gate := make(chan struct{})
	hooks := make([]*pipelineHook, len(c.net.nodes))
	for i, n := range c.net.nodes {
		if err := readScript.Load(context.Background(), n.rdb).Err(); err != nil {
			t.Fatal(err)
		}
		hooks[i] = &pipelineHook{gate: gate}
		n.rdb.AddHook(hooks[i])
	}
	held := make(chan struct{})
	go func() {
		defer close(held)
		_, _ = c.Info(context.Background(), "holder")
	}()
	waitFor(t, func() bool {
		for _, h := range hooks {
			if h.blocked.Load() == 0 {
				return false
			}
		}
		return true
	})
	var once sync.Once
	open = func() {
		once.Do(func() { close(gate) })
		<-held
	}
	t.Cleanup(open) // before the Client closes, which waits for the pipelines
	return open
}

// TestQueuedCallsTimeOut: a call queued behind a pipeline that does not come back
// fails at its own node timeout, not when that pipeline ends.
func TestQueuedCallsTimeOut(t *testing.T) {
	nodes := miniNodes(t, 3)
	c := newClient(t, miniAddrs(nodes), WithNodeTimeout(50*time.Millisecond))
	holdPipelines(t, c)
	_, err := c.Info(ctxT(t), "queued")
	var u *core.UnavailableError
	if !errors.As(err, &u) || len(u.Failed) != 3 {
		t.Fatalf("info behind stalled pipelines: %v, want an UnavailableError naming all 3 nodes", err)
	}
	for node, e := range u.Failed {
		if !errors.Is(e, context.DeadlineExceeded) {
			t.Errorf("node %s: %v, want its deadline exceeded", node, e)
		}
	}
}

// TestFanOutWaitsForEveryQueuedCall: a fan-out whose calls all queue (on every node)
// answers with every node's reply once the last one is back.
func TestFanOutWaitsForEveryQueuedCall(t *testing.T) {
	nodes := miniNodes(t, 3)
	c := newClient(t, miniAddrs(nodes), WithNodeTimeout(time.Minute))
	open := holdPipelines(t, c)
	got := make(chan error, 1)
	go func() {
		_, err := c.Info(ctxT(t), "queued")
		got <- err
	}()
	waitFor(t, func() bool {
		for _, n := range c.net.nodes {
			n.pipe.mu.Lock()
			q := len(n.pipe.queue)
			n.pipe.mu.Unlock()
			if q == 0 {
				return false
			}
		}
		return true
	})
	open()
	if err := <-got; !errors.Is(err, core.ErrNotHeld) {
		t.Fatalf("info once the pipelines went on: %v, want ErrNotHeld from all nodes", err)
	}
}
