package redlock

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/distlock/distlock/core/driver"
)

var _ driver.HealthChecker = (*Client)(nil)

// Health asks every node, in parallel and within [MaxNodeTimeout], for its epoch and its
// time, and says which nodes answered and which of those are quarantined, by the rule
// the acquire applies (see "Restart quarantine" in trust.go), with the time left.
// It runs no script and writes nothing, so it starts no quarantine: a node that holds
// no data at all is reported quarantined for a time not known yet. Servers call it for
// readiness; it costs one round trip per node.
func (c *Client) Health(ctx context.Context) driver.Health {
	h := driver.Health{Quorum: c.net.quorum, Nodes: make([]driver.NodeHealth, len(c.net.nodes)), Checked: time.Now()}
	var wg sync.WaitGroup
	for i, n := range c.net.nodes {
		wg.Go(func() {
			trusted, _ := c.trust.nodes[i].trusted.Load().(string)
			h.Nodes[i] = c.probe(ctx, n.addr, n.rdb, trusted)
		})
	}
	wg.Wait()
	return h
}

// probe asks one node for its epoch and time. trusted is the id of the node's epoch that
// this Client already saw past the quarantine, if any.
func (c *Client) probe(ctx context.Context, addr string, rdb *redis.Client, trusted string) driver.NodeHealth {
	out := driver.NodeHealth{Node: addr}
	if c.closed.Load() {
		out.Err = driver.ErrClosed
		return out
	}
	ctx, cancel := context.WithTimeout(ctx, MaxNodeTimeout)
	defer cancel()
	pipe := rdb.Pipeline()
	get := pipe.Get(ctx, c.epochKey)
	now := pipe.Time(ctx)
	_, _ = pipe.Exec(ctx) // each command's own error is checked below
	epoch, err := get.Result()
	if errors.Is(err, redis.Nil) {
		epoch, err = "", nil
	}
	if err == nil {
		err = now.Err()
	}
	if err != nil {
		out.Err = err
		return out
	}
	if c.cfg.quarantine == 0 {
		return out
	}
	if epoch == "" {
		out.Quarantined, out.QuarantineLeft = true, -1
		return out
	}
	id, created, err := parseEpoch(epoch)
	if err != nil {
		out.Err = err
		return out
	}
	if id == trusted {
		return out // an epoch only gets older
	}
	if age := now.Val().Sub(created); age < c.cfg.quarantine {
		out.Quarantined, out.QuarantineLeft = true, c.cfg.quarantine-age
	}
	return out
}

// parseEpoch splits an epoch key's value, "<id>:<node time of creation in µs>".
func parseEpoch(v string) (id string, created time.Time, err error) {
	id, micros, ok := strings.Cut(v, ":")
	us, perr := strconv.ParseInt(micros, 10, 64)
	if !ok || perr != nil {
		return "", time.Time{}, fmt.Errorf("redlock: malformed epoch %q", v)
	}
	return id, time.UnixMicro(us), nil
}
