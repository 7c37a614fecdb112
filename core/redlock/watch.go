package redlock

import (
	"context"
	"encoding/base64"
	"strings"
	"sync"

	"github.com/distlock/distlock/core/driver"
)

var _ driver.Watcher = (*Client)(nil)

// Watch follows the resources sel matches; see [driver.Watcher].
//
// Changes come from Redis keyspace notifications of the lock keys (SET on a grant or
// hand-over, PEXPIRE on an extend, DEL on a release, "expired"), one pattern
// subscription per node for the whole Client. A notification only says that a node's
// key changed: the watch then reads the resource with the quorum rule of Info, so one
// node's change is reported once the quorum agrees, and each resource is read by one
// reader at a time, in order. Notifications for a resource read meanwhile are coalesced
// into one more read.
//
// Expiry is not left to Redis's "expired" notification alone: Redis sends it only when
// it deletes the key, on access or in its sampling expiry cycle, which may lag on a
// large keyspace. The watch also arms a timer at the expire time a quorum read
// reported and reads the resource then; that read finds the key logically expired. The
// releases that acquire.lua's waiters hear of (the release channel) need no separate
// subscription: a release is also a DEL notification, and announcements are only sent
// when somebody waits.
//
// Keyspace notifications are off in a default redis-server. The first Watch of a
// Client adds the flags it needs ("Kg$x") to each node's notify-keyspace-events with
// CONFIG SET, keeping the flags already set; where CONFIG is not allowed, set them in
// the node's configuration, or Watch fails with an error matching
// errors.ErrUnsupported. With them on, every write to a node publishes a notification
// (to no one when nothing subscribes), a small cost on the node. The subscription lasts
// until Close.
func (c *Client) Watch(ctx context.Context, sel driver.Selector, buffer int) (*driver.Feed, error) {
	if err := sel.Validate(); err != nil {
		return nil, err
	}
	if c.closed.Load() {
		return nil, driver.ErrClosed
	}
	h, err := c.watchHub(ctx)
	if err != nil {
		return nil, err
	}
	var f *driver.Feed
	f = driver.NewFeed(sel, buffer, func(ctx context.Context) ([]driver.Observation, error) {
		return h.snapshot(ctx, sel)
	}, func() { h.remove(f) })
	h.add(f)
	return f, nil
}

// hubs holds each Client's watch hub, made by its first Watch. It lives here rather
// than in Client so that watching stays in its own files; Close ends the hub through
// c.closing, and waits for its goroutines as for the transport's (transport.spawn).
var hubs sync.Map // *Client -> *hub

// watchHub returns the Client's hub, starting it on first use.
func (c *Client) watchHub(ctx context.Context) (*hub, error) {
	if h, ok := hubs.Load(c); ok {
		return h.(*hub), h.(*hub).ready(ctx)
	}
	h, loaded := hubs.LoadOrStore(c, newHub(c))
	if !loaded {
		h.(*hub).start()
	}
	return h.(*hub), h.(*hub).ready(ctx)
}

// resourceOfKey returns the resource of a lock key "<prefix>:{<tag>}:l".
func resourceOfKey(prefix, key string) (string, bool) {
	tag, ok := strings.CutPrefix(key, prefix+":{")
	if !ok {
		return "", false
	}
	if tag, ok = strings.CutSuffix(tag, "}:l"); !ok {
		return "", false
	}
	name, err := base64.RawURLEncoding.DecodeString(tag)
	if err != nil {
		return "", false
	}
	return string(name), true
}
