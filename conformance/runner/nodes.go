package runner

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/distlock/distlock/internal/porthold"
	"github.com/distlock/distlock/internal/testproc"
)

// node is one Redis master the runner controls.
type node interface {
	addr() string
	// kill stops the node; its data is gone.
	kill() error
	// restart starts a killed (or running) node again on the same address, empty, as a
	// Redis without persistence comes back after a crash.
	restart() error
	// advance moves the node's clock forward, expiring keys as real time would.
	advance(d time.Duration) error
	// flush deletes every key, so the next case starts clean.
	flush() error
	close()
}

// miniNode is an embedded miniredis, whose clock only moves when told to.
type miniNode struct {
	mu   sync.Mutex
	m    *miniredis.Miniredis // nil while killed
	a    string
	hold *porthold.Holder // set while killed
}

// newMiniNode starts a node on a port outside the ephemeral range, so that its restart on
// the same port cannot find it taken by an outgoing connection (porthold.Pick).
func newMiniNode() (*miniNode, error) {
	m := miniredis.NewMiniRedis()
	if _, err := porthold.BindFree(m.StartAddr); err != nil {
		return nil, err
	}
	return &miniNode{m: m, a: m.Addr()}, nil
}

func (n *miniNode) addr() string { return n.a }

func (n *miniNode) kill() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.m == nil {
		return nil
	}
	n.m.Close()
	n.m = nil
	h, err := porthold.Hold(n.a)
	n.hold = h
	return err
}

func (n *miniNode) restart() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.m != nil {
		n.m.Close()
	}
	n.hold.Release()
	n.hold = nil
	m := miniredis.NewMiniRedis()
	if err := porthold.Rebind(func() error { return m.StartAddr(n.a) }); err != nil {
		n.m = nil
		return fmt.Errorf("restart miniredis on %s: %w", n.a, err)
	}
	n.m = m
	return nil
}

func (n *miniNode) advance(d time.Duration) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.m != nil {
		n.m.FastForward(d)
	}
	return nil
}

func (n *miniNode) flush() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.m == nil {
		return errors.New("node is down")
	}
	n.m.FlushAll()
	return nil
}

func (n *miniNode) close() {
	_ = n.kill()
	n.mu.Lock()
	defer n.mu.Unlock()
	n.hold.Release()
	n.hold = nil
}

// realNode is a redis-server process without persistence.
type realNode struct{ rn *testproc.RedisNode }

// newRealNode starts redis-server with its data directory dir.
func newRealNode(bin, dir string) (*realNode, error) {
	n, err := testproc.StartRedis(context.Background(), testproc.RedisConfig{Binary: bin, Dir: dir})
	if err != nil {
		return nil, err
	}
	return &realNode{rn: n}, nil
}

func (n *realNode) addr() string { return n.rn.Addr() }

func (n *realNode) kill() error { return n.rn.Kill() }

func (n *realNode) restart() error { return n.rn.Restart(context.Background()) }

func (n *realNode) advance(time.Duration) error {
	return errors.New("redis-server's clock cannot be advanced (the case validator should have refused this)")
}

func (n *realNode) flush() error {
	line, err := n.rn.Do(context.Background(), "FLUSHALL")
	if err != nil {
		return err
	}
	if line != "+OK" {
		return fmt.Errorf("FLUSHALL: %q", line)
	}
	return nil
}

func (n *realNode) close() { _ = n.rn.Close() }
