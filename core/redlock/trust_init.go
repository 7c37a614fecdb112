package redlock

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// Trusting new nodes.
//
// A brand-new node has no epoch, exactly like a node that lost its data, so a new
// cluster would be quarantined at first use. InitNodes is the operator's statement
// that the nodes are new: it refuses any node that holds a key under the prefix (it
// has served distlock), and otherwise creates each node's epoch dated 0, the Unix
// epoch, older than any quarantine, so every Client counts the node at once.
//
// Why that keeps the guarantees for a node that is new: the quarantine protects locks
// that a node forgot, and a node that held no distlock key since its data was last lost
// has none to forget. The refusal is checked again where it matters: the epoch is
// created with SET NX, and every acquire creates the epoch before it writes anything,
// so a node on which any lock was taken since it lost its data is never initialised.
// Fencing: a counter is seeded at max(node time, epoch creation + quarantine), the
// node's time here, and no token was issued by this node before (fence argument, step
// 4, in attempt_fence.go: there is no earlier token on it to be above). A later loss of
// the node's data takes this epoch with it: acquire.lua then creates a new one, and the
// node is quarantined as any other.
//
// What InitNodes cannot tell is a node that lost its data less than the quarantine ago
// from a new one: both are empty. Run it only on the nodes of a new cluster before its
// first lock, never on a node that replaces a member of a cluster in use.

// InitNodes marks every node of the Client as a brand-new node, trusted at once (see
// "Trusting new nodes" in trust_init.go). When a node holds any key under the key
// prefix, or does not answer, it writes nothing and returns an error naming each such
// node and how many keys it holds. The command `distlock redis init URL` calls it.
func (c *Client) InitNodes(ctx context.Context) error {
	var errs []error
	for _, n := range c.net.nodes {
		keys, err := countKeys(ctx, n.rdb, c.cfg.keyPrefix)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("%s: %w", n.addr, err))
		case keys > 0:
			errs = append(errs, fmt.Errorf("%s holds %s (prefix %q): it has served "+
				"distlock, so its quarantine must pass; if no lock can be held on it (nothing uses "+
				"it yet), delete its keys under %q and init again", n.addr, count(keys, "distlock key"), c.cfg.keyPrefix,
				c.cfg.keyPrefix+":"))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("redlock: nodes not initialised, nothing written: %w", errors.Join(errs...))
	}
	for _, n := range c.net.nodes {
		id, _ := newToken()
		ok, err := n.rdb.SetNX(ctx, c.epochKey, id+":0", 0).Result()
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("%s: %w", n.addr, err))
		case !ok:
			errs = append(errs, fmt.Errorf("%s: a client created its epoch meanwhile: it is in use", n.addr))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("redlock: nodes not all initialised: %w", errors.Join(errs...))
	}
	return nil
}

// count is "1 <what>" or "<n> <what>s".
func count(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// countKeys counts the node's keys under prefix (every key the package writes).
func countKeys(ctx context.Context, rdb *redis.Client, prefix string) (int, error) {
	match := globEscape(prefix) + ":*"
	var cursor uint64
	seen := map[string]bool{} // SCAN may return a key twice
	for {
		keys, next, err := rdb.Scan(ctx, cursor, match, 1000).Result()
		if err != nil {
			return 0, err
		}
		for _, k := range keys {
			seen[k] = true
		}
		if cursor = next; cursor == 0 {
			return len(seen), nil
		}
	}
}
