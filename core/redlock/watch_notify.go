package redlock

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/distlock/distlock/core/driver"
)

// keyspaceFlags are the notify-keyspace-events flags a watch needs: keyspace channels
// (K) for generic commands (g: DEL, PEXPIRE), string commands ($: SET) and expiries (x).
const keyspaceFlags = "Kg$x"

// subscribeKeyspace makes sure each node notifies, and subscribes to the notifications
// of every lock key. It needs a quorum of nodes: a watch reads with the quorum rule.
func subscribeKeyspace(ctx context.Context, c *Client) ([]*redis.PubSub, error) {
	pattern := fmt.Sprintf("__keyspace@%d__:%s:{*}:l", c.cfg.db, globEscape(c.cfg.keyPrefix))
	var subs []*redis.PubSub
	failed := map[string]error{}
	var unsupported error
	for _, n := range c.net.nodes {
		if err := enableNotifications(ctx, n.rdb); err != nil {
			if errors.Is(err, errors.ErrUnsupported) {
				unsupported = fmt.Errorf("%s: %w", n.addr, err)
			}
			failed[n.addr] = err
			continue
		}
		ps := n.rdb.PSubscribe(ctx, pattern)
		if _, err := ps.Receive(ctx); err != nil { // the subscription's confirmation
			ps.Close()
			failed[n.addr] = err
			continue
		}
		subs = append(subs, ps)
	}
	if len(subs) >= c.net.quorum {
		return subs, nil
	}
	for _, ps := range subs {
		ps.Close()
	}
	if unsupported != nil {
		return nil, unsupported
	}
	return nil, c.net.unavailable(failed)
}

// enableNotifications adds keyspaceFlags to the node's notify-keyspace-events, keeping
// the flags already set.
func enableNotifications(ctx context.Context, rdb *redis.Client) error {
	cur, err := rdb.ConfigGet(ctx, "notify-keyspace-events").Result()
	if err != nil {
		return notifyUnsupported(err)
	}
	have := cur["notify-keyspace-events"]
	want := have
	for _, f := range keyspaceFlags {
		if !hasFlag(have, f) {
			want += string(f)
		}
	}
	if want == have {
		return nil
	}
	if err := rdb.ConfigSet(ctx, "notify-keyspace-events", want).Err(); err != nil {
		return notifyUnsupported(err)
	}
	return nil
}

// hasFlag reports whether flags include f, directly or through "A" (all classes).
func hasFlag(flags string, f rune) bool {
	return strings.ContainsRune(flags, f) || (f != 'K' && f != 'E' && strings.ContainsRune(flags, 'A'))
}

func notifyUnsupported(err error) error {
	var rerr redis.Error
	if errors.As(err, &rerr) {
		return fmt.Errorf("%w: Watch needs keyspace notifications: CONFIG failed (%v); set notify-keyspace-events %q in the node's configuration",
			errors.ErrUnsupported, err, keyspaceFlags)
	}
	return err // the node is unreachable: counted as a failed node
}

// cutKeyspace splits a keyspace channel "__keyspace@<db>__:<key>".
func cutKeyspace(channel string) (db int, key string, ok bool) {
	rest, ok := strings.CutPrefix(channel, "__keyspace@")
	if !ok {
		return 0, "", false
	}
	dbs, key, ok := strings.Cut(rest, "__:")
	if !ok {
		return 0, "", false
	}
	db, err := strconv.Atoi(dbs)
	return db, key, err == nil
}

// snapshot reads the current holders of the resources sel matches, and tracks them so
// that their expiry is observed.
func (h *hub) snapshot(ctx context.Context, sel driver.Selector) ([]driver.Observation, error) {
	names := []string{sel.Name}
	if sel.Prefix {
		var err error
		if names, err = h.scan(ctx, sel); err != nil {
			return nil, err
		}
	}
	var out []driver.Observation
	for _, name := range names {
		o, err := h.observe(ctx, name)
		switch {
		case err == nil:
			out = append(out, o)
			h.mu.Lock()
			h.trackLocked(name, o.Holder)
			h.mu.Unlock()
		case errors.Is(err, errUnsettled):
			h.markDirty(name, false) // reported once settled, after the state
		case !errors.Is(err, driver.ErrNotHeld):
			return nil, err
		}
	}
	return out, nil
}

// errUnsettled is the read of a grant whose fencing token is not confirmed yet: its
// confirmation (a SET on the nodes) is notified, and the resource is read again then.
// A grant never confirmed was never given to its client, so it is never reported.
var errUnsettled = errors.New("redlock: the grant's fencing token is not confirmed yet")

// countOf counts the elements of s equal to v.
func countOf[T comparable](s []T, v T) int {
	n := 0
	for _, x := range s {
		if x == v {
			n++
		}
	}
	return n
}

// observe reads resource with the quorum rule of Info and names its lease by a hash of
// its token, so that feeds tell a confirmed token from a new holder.
func (h *hub) observe(ctx context.Context, resource string) (driver.Observation, error) {
	v, err := h.c.look(ctx, resource)
	if err != nil {
		return driver.Observation{}, err
	}
	if !v.settled {
		return driver.Observation{}, errUnsettled
	}
	sum := sha256.Sum256([]byte(v.v.token))
	return driver.Observation{
		Resource: resource,
		Holder:   driver.Info{LockTime: v.v.lockTime, ExpireTime: v.expire, Owner: v.v.owner, FencingToken: v.v.fence},
		Lease:    hex.EncodeToString(sum[:8]),
	}, nil
}

// scan lists the resources with a lock key on any node that sel matches.
func (h *hub) scan(ctx context.Context, sel driver.Selector) ([]string, error) {
	c := h.c
	match := globEscape(c.cfg.keyPrefix) + ":{*}:l"
	seen := map[string]bool{}
	failed := map[string]error{}
	for _, n := range c.net.nodes {
		iter := n.rdb.Scan(ctx, 0, match, 1000).Iterator()
		for iter.Next(ctx) {
			if name, ok := resourceOfKey(c.cfg.keyPrefix, iter.Val()); ok && sel.Matches(name) {
				seen[name] = true
			}
		}
		if err := iter.Err(); err != nil {
			failed[n.addr] = err
		}
	}
	if len(c.net.nodes)-len(failed) < c.net.quorum {
		return nil, c.net.unavailable(failed)
	}
	names := make([]string, 0, len(seen))
	for name := range seen {
		names = append(names, name)
	}
	return names, nil
}
