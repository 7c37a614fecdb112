package redlock

import (
	"net"
	"strconv"
	"sync/atomic"

	"github.com/distlock/distlock/core/driver"
)

// Client is a [driver.Lessor] over independent Redis masters. It is safe for concurrent
// use; one Client per process and set of nodes is enough, and it must be closed.
//
// A Client is a facade over four layers, each a type with its own state and files:
// the transport to the nodes (transport*.go), the trust in their epochs (trust.go), one
// attempt at a lock (attempt*.go), and the waiting and hand-over of its contenders
// (queue*.go, acquire*.go).
type Client struct {
	cfg    config
	net    *transport
	trust  *trust
	queues *queues

	closed  atomic.Bool
	closing chan struct{} // closed by Close, to end waits

	// The node-wide key and channel names, built once.
	epochKey, releaseChannel string
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
	c := &Client{cfg: cfg, net: newTransport(addrs, &cfg), closing: make(chan struct{}),
		epochKey: epochKey(cfg.keyPrefix), releaseChannel: releaseChannel(cfg.keyPrefix)}
	c.trust = newTrust(addrs, cfg.quarantine, cfg.logger)
	c.queues = newQueues(c.net, c.closing)
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
func (c *Client) Waiters() int { return int(c.queues.waiters.Load()) }

// Nodes returns the nodes' addresses, in the order given to [New].
func (c *Client) Nodes() []string { return c.net.addrs() }

// Close stops the pub/sub readers and closes every connection. It does not release
// leases: they expire after their TTL. Calls after the first return nil.
func (c *Client) Close() error {
	if c.closed.Swap(true) {
		return nil
	}
	close(c.closing)
	return c.net.close()
}
