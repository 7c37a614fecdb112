package redlock

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/distlock/distlock/core/driver"
)

// transport is the layer that talks to the Redis masters: one connection pool and one
// pipe per node, the fan-out of a script call to many nodes (transport_fanout.go) under
// shared deadlines (transport_deadline.go), and the pub/sub readers. It knows nothing
// of locks: the layers above give it scripts, keys and arguments, and count the answers.
//
// Throughput: calls that concurrent callers send to one node leave together as one
// pipeline: while a node's pipeline is in flight, new calls queue and go in the next
// one. There is no timer, so a lone caller pays one round trip (its calls to idle nodes
// are sent by the fan-out itself, not handed to a flusher), and one pipeline at a time
// keeps a node's calls in order, so a cleanup or release does not overtake the write it
// undoes (transport_pipe.go). At most maxFanouts fan-outs wait for their quorum at once,
// so that a burst cannot queue more at a node than it answers within a node timeout
// (transport_admit.go).
type transport struct {
	nodes     []*node
	quorum    int           // len(nodes)/2+1: the votes a decision needs
	deadlines deadlines     // of the fan-outs' requests
	fanSlots  chan struct{} // one per fan-out in flight, at most maxFanouts (transport_admit.go)
	// onError sees every failed request to a node (the error hook and the debug log).
	onError func(addr string, err error)
	tracer  NodeTracer // nil: none (transport_trace.go)

	mu     sync.Mutex
	closed bool
	subs   []*redis.PubSub // nil until the first listen
	wg     sync.WaitGroup  // the pub/sub readers and the goroutines spawned
	quit   chan struct{}   // closed by close: stops the senders
}

// node is one Redis master.
type node struct {
	addr   string
	rdb    *redis.Client
	pipe   *pipe   // runs the scripts, batching concurrent callers
	sender *sender // sends the calls a fan-out hands it (transport_sender.go)
}

// newTransport makes the nodes' clients; it does not connect (nodes are dialled on
// first use, so a node that is down at start does not prevent locking).
func newTransport(addrs []string, cfg *config) *transport {
	t := &transport{quorum: len(addrs)/2 + 1, quit: make(chan struct{}), fanSlots: make(chan struct{}, maxFanouts), tracer: cfg.nodeTracer, onError: func(addr string, err error) {
		if cfg.onNodeError != nil {
			cfg.onNodeError(addr, err)
		}
		cfg.logger.Debug("redlock: node request failed", "node", addr, "err", err)
	}}
	for _, a := range addrs {
		rdb := redis.NewClient(&redis.Options{
			Addr:      a,
			Username:  cfg.username,
			Password:  cfg.password,
			DB:        cfg.db,
			TLSConfig: cfg.tls,
			// RESP2 keeps Lua replies plain integers and strings on every server version.
			Protocol:        2,
			DisableIdentity: true,
			// The algorithm retries whole attempts itself; a driver retry would only
			// spend the lock's validity, and a retried write might run twice.
			MaxRetries:            -1,
			DialerRetries:         1,
			ContextTimeoutEnabled: true,
		})
		s := &sender{jobs: make(chan sendJob), quit: t.quit}
		// Not in wg: close must not wait for a sender's call in flight before it closes
		// the connections that end it (pipe.close waits for the call itself).
		go s.run()
		t.nodes = append(t.nodes, &node{addr: a, rdb: rdb, pipe: &pipe{rdb: rdb}, sender: s})
	}
	return t
}

// addrs returns the nodes' addresses, in the order given.
func (t *transport) addrs() []string {
	out := make([]string, len(t.nodes))
	for i, n := range t.nodes {
		out[i] = n.addr
	}
	return out
}

// listener is told each message of the channel a transport listens to.
type listener interface{ heard(payload string) }

// listen starts, once, one reader per node of channel, each message handed to to. One
// channel per node, rather than one per resource, costs a constant number of
// subscriptions and no SUBSCRIBE round trip per wait. go-redis re-subscribes after a
// lost connection; messages published meanwhile are missed.
func (t *transport) listen(channel string, to listener) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.subs != nil || t.closed {
		return
	}
	for _, n := range t.nodes {
		ps := n.rdb.Subscribe(context.Background(), channel)
		t.subs = append(t.subs, ps)
		msgs := ps.Channel()
		t.wg.Go(func() {
			for m := range msgs {
				to.heard(m.Payload)
			}
		})
	}
}

// spawn starts each of fs in a goroutine that close waits for (before it closes the
// connections those goroutines may still use), unless the transport is closed: then it
// starts none and reports false.
func (t *transport) spawn(fs ...func()) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false
	}
	for _, f := range fs {
		t.wg.Go(f)
	}
	return true
}

// close stops the pub/sub readers, waits for them and for the goroutines spawned, and
// closes every connection, ending any pipeline in flight.
func (t *transport) close() error {
	t.mu.Lock()
	if !t.closed {
		close(t.quit)
	}
	t.closed = true
	subs := t.subs
	t.subs = nil
	t.mu.Unlock()
	var errs []error
	for _, s := range subs {
		if err := s.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	t.wg.Wait()
	for _, n := range t.nodes {
		if err := n.pipe.close(); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", n.addr, err))
		}
	}
	return errors.Join(errs...)
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

// unavailable builds the error for a call that heard from fewer than a quorum of nodes
// whose answers count. failed holds an error for every node that did not count.
func (t *transport) unavailable(failed map[string]error) error {
	return &driver.UnavailableError{Failed: failed, Quorum: t.quorum, Total: len(t.nodes)}
}
