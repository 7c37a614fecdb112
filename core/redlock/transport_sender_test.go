package redlock

import (
	"bytes"
	"context"
	"runtime"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/distlock/distlock/core"
)

// TestFanoutSendsFromLongLivedGoroutines: a lone caller's fan-outs reach each node from
// at most two goroutines over many pairs (the caller's and the node's sender), not from
// a new goroutine per call, whose stack would grow again in go-redis on every call.
func TestFanoutSendsFromLongLivedGoroutines(t *testing.T) {
	c := newClient(t, miniAddrs(miniNodes(t, 3)))
	hooks := make([]*goroutineHook, len(c.net.nodes))
	for i, n := range c.net.nodes {
		hooks[i] = &goroutineHook{ids: map[string]bool{}}
		n.rdb.AddHook(hooks[i])
	}
	for range 20 {
		l := mustAcquire(t, c, "senders", lopts(core.MinTTL))
		if err := c.Release(ctxT(t), l); err != nil {
			t.Fatal(err)
		}
	}
	for i, h := range hooks {
		if n := h.count(); n == 0 || n > 2 {
			t.Errorf("node %d was sent to from %d goroutines over 40 fan-outs, want 1 or 2", i, n)
		}
	}
}

// goroutineHook records which goroutines send pipelines to a node.
type goroutineHook struct {
	mu  sync.Mutex
	ids map[string]bool
}

func (h *goroutineHook) DialHook(next redis.DialHook) redis.DialHook          { return next }
func (h *goroutineHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }
func (h *goroutineHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		buf := make([]byte, 64)
		buf = buf[:runtime.Stack(buf, false)] // "goroutine <id> [running]:..."
		id, _, _ := bytes.Cut(bytes.TrimPrefix(buf, []byte("goroutine ")), []byte(" "))
		h.mu.Lock()
		h.ids[string(id)] = true
		h.mu.Unlock()
		return next(ctx, cmds)
	}
}

func (h *goroutineHook) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.ids)
}
