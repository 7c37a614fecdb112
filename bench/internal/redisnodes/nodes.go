// Package redisnodes starts and inspects the local redis-server processes a benchmark run
// measures against. The processes are internal/testproc's, as for the tests and the
// conformance suite; this package adds what a benchmark needs of them (an admin client
// per node, key census, memory and CPU figures) and, unlike core/redlock's redistest,
// needs no testing.TB: a benchmark is a program.
package redisnodes

import (
	"context"
	"errors"

	"github.com/redis/go-redis/v9"

	"github.com/distlock/distlock/internal/testproc"
)

// Nodes is a set of running redis-server processes on loopback ports.
type Nodes struct {
	nodes []*testproc.RedisNode
	admin []*redis.Client
}

// Start launches n redis-server processes without persistence, each on a free loopback
// port, and returns once each accepts connections. On error it stops what it started.
func Start(ctx context.Context, n int) (*Nodes, error) {
	ns := &Nodes{}
	for range n {
		node, err := testproc.StartRedis(ctx, testproc.RedisConfig{})
		if err != nil {
			return nil, errors.Join(err, ns.Close())
		}
		ns.nodes = append(ns.nodes, node)
		ns.admin = append(ns.admin, redis.NewClient(&redis.Options{Addr: node.Addr(), PoolSize: 2}))
	}
	return ns, nil
}

// Addrs returns the nodes' host:port addresses.
func (ns *Nodes) Addrs() []string {
	out := make([]string, len(ns.nodes))
	for i, n := range ns.nodes {
		out[i] = n.Addr()
	}
	return out
}

// Admin returns a client for node i, for inspection between measurements.
func (ns *Nodes) Admin(i int) *redis.Client { return ns.admin[i] }

// Len returns the number of nodes.
func (ns *Nodes) Len() int { return len(ns.nodes) }

// Close stops every node and waits for each process to exit.
func (ns *Nodes) Close() error {
	var errs []error
	for i, n := range ns.nodes {
		_ = ns.admin[i].Close()
		errs = append(errs, n.Close())
	}
	ns.nodes, ns.admin = nil, nil
	return errors.Join(errs...)
}
