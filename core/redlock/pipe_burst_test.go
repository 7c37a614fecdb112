package redlock

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/distlock/distlock/core"
)

// slowNodeHook makes a node take perScript more per script of a pipeline before it
// answers: a node ten times as slow as these, or a burst ten times as large.
type slowNodeHook struct{ perScript time.Duration }

func (h slowNodeHook) DialHook(next redis.DialHook) redis.DialHook          { return next }
func (h slowNodeHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }
func (h slowNodeHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if len(cmds) > 0 && (cmds[0].Name() == "evalsha" || cmds[0].Name() == "eval") {
			time.Sleep(time.Duration(len(cmds)) * h.perScript)
		}
		return next(ctx, cmds)
	}
}

// TestBurstBeyondTheNodeTimeout: a burst of calls larger than a node can answer within
// the node timeout (a session renewing 10,000 locks at once) is answered in full. Sent
// as one pipeline, the burst failed whole at the deadline, the calls the node had
// answered with it, and a session renewing its locks this way lost nearly all of them
// (9,996 of 10,000 through the service, TTL 5 s).
func TestBurstBeyondTheNodeTimeout(t *testing.T) {
	// Real nodes: miniredis runs a script in about 250 µs, so its own time would decide.
	cluster := realNodes(t, 3)
	c := newClient(t, cluster.Addrs(), WithNodeTimeout(200*time.Millisecond))
	for _, n := range c.net.nodes {
		if err := readScript.Load(context.Background(), n.rdb).Err(); err != nil {
			t.Fatal(err)
		}
		// 4,000 scripts take the node 400 ms, two node timeouts.
		n.rdb.AddHook(slowNodeHook{perScript: 100 * time.Microsecond})
	}
	const calls = 4000
	var answered atomic.Int32
	var wg sync.WaitGroup
	for range calls {
		wg.Go(func() {
			if _, err := c.Info(ctxT(t), "burst"); err == core.ErrNotHeld {
				answered.Add(1)
			}
		})
	}
	wg.Wait()
	// maxFanouts calls take the node 51 ms here: a call waits for at most the pipeline
	// before its own, well within the 200 ms timeout.
	if got := answered.Load(); got != calls {
		t.Errorf("%d of %d calls answered, want all", got, calls)
	}
}

// TestSilentNodeDoesNotHoldAdmission: fan-outs give their admission back once a quorum
// of their nodes answered, not when the node that never answers times out. Held until
// then, maxFanouts callers waiting on a silent node would keep every other caller from
// starting until that node's timeout, where the other two nodes answer at once.
func TestSilentNodeDoesNotHoldAdmission(t *testing.T) {
	nodes := miniNodes(t, 2)
	hole := silentNode(t)
	const timeout = 30 * time.Second // the silent node's calls outlive the test
	c, err := New(append(miniAddrs(nodes), hole), WithQuarantine(0), WithNodeTimeout(timeout))
	if err != nil {
		t.Fatal(err)
	}
	// Each fan-out's call to the silent node queues behind the first one's, which never
	// comes back: the queue's length counts the fan-outs started.
	silent := c.net.nodes[2].pipe
	started := func() int {
		silent.mu.Lock()
		defer silent.mu.Unlock()
		return len(silent.queue)
	}
	one := make(chan struct{})
	go func() { defer close(one); _, _ = c.Info(context.Background(), "silent") }()
	waitFor(t, func() bool {
		silent.mu.Lock()
		defer silent.mu.Unlock()
		return silent.running == 1
	})
	const calls = 3 * maxFanouts
	var wg sync.WaitGroup
	for range calls {
		wg.Go(func() { _, _ = c.Info(context.Background(), "silent") })
	}
	// Every fan-out was admitted and gave its admission back once the two other nodes
	// answered, long before the silent node's timeout: admissions held until then would
	// stop this at maxFanouts.
	deadline := time.Now().Add(timeout / 3)
	for (started() < calls || len(c.net.fanSlots) > 0) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := started(); got < calls {
		t.Errorf("%d of %d fan-outs started before the silent node's timeout", got, calls)
	}
	if n := len(c.net.fanSlots); n != 0 {
		t.Errorf("%d admissions held by fan-outs that have their quorum", n)
	}
	c.Close() // ends the calls to the silent node
	wg.Wait()
	<-one
}
