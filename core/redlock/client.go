package redlock

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/redis/go-redis/v9"

	"github.com/distlock/distlock/core/driver"
)

// Client is a [driver.Lessor] over independent Redis masters. It is safe for concurrent
// use; one Client per process and set of nodes is enough, and it must be closed.
type Client struct {
	cfg    config
	nodes  []*node
	quorum int

	closed  atomic.Bool
	closing chan struct{} // closed by Close, to end waits
	waiters atomic.Int64

	deadlines deadlines // of the fan-outs' requests

	// The node-wide key and channel names, built once.
	epochKey, releaseChannel string

	trustMu sync.Mutex
	// trustedEpochs is ARGV[8] of acquire.lua and transfer.lua (a string): the ids of
	// the nodes' epochs this Client saw past its quarantine, each between spaces.
	trustedEpochs atomic.Value

	mu     sync.Mutex
	queues map[string]*queue // by keys.tag, while someone acquires the resource
	subs   []*redis.PubSub   // nil until the first wait
	wg     sync.WaitGroup    // the pub/sub readers
}

// node is one Redis master.
type node struct {
	addr      string
	rdb       *redis.Client
	pipe      *pipe        // runs the scripts, batching concurrent callers
	lastEpoch atomic.Value // string: the epoch id seen last, to log a change once
	// trustedEpoch (string) is the id of the node's epoch that this Client saw past its
	// quarantine: it stays trusted, since an epoch only gets older.
	trustedEpoch atomic.Value
}

var _ driver.Lessor = (*Client)(nil)

// New returns a Client over the Redis masters at addrs ("host:port" each); a lock needs
// the votes of a quorum of len(addrs)/2+1 of them. New does not connect: nodes are
// dialled on first use, so a node that is down at start does not prevent locking while
// a quorum is up. Malformed or repeated addresses are an error matching
// [driver.ErrInvalidArgument].
func New(addrs []string, opts ...Option) (*Client, error) {
	if len(addrs) == 0 {
		return nil, driver.Invalid("no Redis nodes given")
	}
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	seen := make(map[string]bool, len(addrs))
	for _, a := range addrs {
		if err := validateAddr(a); err != nil {
			return nil, err
		}
		if seen[a] {
			return nil, driver.Invalid("Redis node %q is listed twice", a)
		}
		seen[a] = true
	}
	c := &Client{cfg: cfg, quorum: len(addrs)/2 + 1, queues: map[string]*queue{},
		closing: make(chan struct{}), epochKey: epochKey(cfg.keyPrefix),
		releaseChannel: releaseChannel(cfg.keyPrefix)}
	c.trustedEpochs.Store(" ")
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
		c.nodes = append(c.nodes, &node{addr: a, rdb: rdb, pipe: &pipe{rdb: rdb}})
	}
	return c, nil
}

func (c *config) validate() error {
	switch {
	case c.nodeTimeout < 0:
		return driver.Invalid("node timeout %v is negative", c.nodeTimeout)
	case c.quarantine < 0:
		return driver.Invalid("quarantine %v is negative", c.quarantine)
	case c.db < 0:
		return driver.Invalid("database %d is negative", c.db)
	case c.keyPrefix == "":
		return driver.Invalid("key prefix is empty")
	}
	return nil
}

func validateAddr(a string) error {
	host, port, err := net.SplitHostPort(a)
	if err != nil {
		return driver.Invalid("Redis node %q is not host:port: %v", a, err)
	}
	if host == "" {
		return driver.Invalid("Redis node %q has no host", a)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
		return driver.Invalid("Redis node %q has an invalid port", a)
	}
	return nil
}

// Waiters returns how many Acquire calls are currently waiting for a resource held by
// another (queued behind a local contender, or sleeping until a release).
func (c *Client) Waiters() int { return int(c.waiters.Load()) }

// Nodes returns the nodes' addresses, in the order given to [New].
func (c *Client) Nodes() []string {
	out := make([]string, len(c.nodes))
	for i, n := range c.nodes {
		out[i] = n.addr
	}
	return out
}

// Close stops the pub/sub readers and closes every connection. It does not release
// leases: they expire after their TTL. Calls after the first return nil.
func (c *Client) Close() error {
	if c.closed.Swap(true) {
		return nil
	}
	close(c.closing)
	c.mu.Lock()
	subs := c.subs
	c.subs = nil
	c.mu.Unlock()
	var errs []error
	for _, s := range subs {
		if err := s.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	c.wg.Wait()
	return errors.Join(append(errs, c.closeNodes())...)
}

// closeNodes closes every node's connections.
func (c *Client) closeNodes() error {
	var errs []error
	for _, n := range c.nodes {
		if err := n.pipe.close(); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", n.addr, err))
		}
	}
	return errors.Join(errs...)
}
