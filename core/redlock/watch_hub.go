package redlock

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/distlock/distlock/core/driver"
)

// hub is one Client's watch machinery: the nodes' keyspace subscriptions, the readers
// that turn a notified resource into an observation, and the open feeds.
type hub struct {
	c       *Client
	setup   chan struct{} // closed when start ends; err then says how
	err     error
	signal  chan struct{} // a resource became dirty
	mu      sync.Mutex
	feeds   map[*driver.Feed]struct{}
	tracked map[string]*tracked // watched resources last seen held
	dirty   map[string]bool     // resources to read; true: an expiry is suspected
	reading map[string]bool     // resources a reader is reading now
	subs    []*redis.PubSub
}

// tracked is what the hub knows of a held, watched resource.
type tracked struct {
	fence  uint64
	expire time.Time
	timer  *time.Timer
	// late counts the expiry timers in a row that found the lock still held past its
	// expire time (the nodes' clocks behind this one's): each retry waits longer.
	late int
}

// readers is how many resources are read at once.
const readers = 4

func newHub(c *Client) *hub {
	return &hub{c: c, setup: make(chan struct{}), signal: make(chan struct{}, 1),
		feeds: map[*driver.Feed]struct{}{}, tracked: map[string]*tracked{},
		dirty: map[string]bool{}, reading: map[string]bool{}}
}

// ready waits for the hub's start and returns its outcome.
func (h *hub) ready(ctx context.Context) error {
	select {
	case <-h.setup:
		return h.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// start enables notifications, subscribes and starts the readers; on failure the hub
// is forgotten, so that a later Watch tries again.
func (h *hub) start() {
	defer close(h.setup)
	c := h.c
	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.nodeTimeoutFor(0)*10)
	defer cancel()
	subs, err := subscribeKeyspace(ctx, c)
	if err == nil {
		h.subs = subs
		var run []func()
		for _, ps := range subs {
			msgs := ps.Channel()
			run = append(run, func() {
				for m := range msgs {
					h.notified(m.Channel, m.Payload)
				}
			})
		}
		for range readers {
			run = append(run, h.read)
		}
		if !c.net.spawn(append(run, h.closeOnClose)...) {
			err = driver.ErrClosed
		}
	}
	if err != nil {
		for _, ps := range subs {
			ps.Close()
		}
		h.err = err
		hubs.Delete(c)
	}
}

// closeOnClose ends the hub with its Client.
func (h *hub) closeOnClose() {
	<-h.c.closing
	h.mu.Lock()
	for _, t := range h.tracked {
		t.timer.Stop()
	}
	feeds := h.feeds
	h.feeds = nil
	h.mu.Unlock()
	for _, ps := range h.subs {
		ps.Close()
	}
	for f := range feeds {
		f.End(driver.ErrClosed)
	}
	hubs.Delete(h.c)
}

func (h *hub) add(f *driver.Feed) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.feeds == nil {
		f.End(driver.ErrClosed)
		return
	}
	h.feeds[f] = struct{}{}
}

func (h *hub) remove(f *driver.Feed) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.feeds, f)
}

// watchedLocked reports whether a feed follows resource. The caller holds h.mu.
func (h *hub) watchedLocked(resource string) bool {
	for f := range h.feeds {
		if f.Selector().Matches(resource) {
			return true
		}
	}
	return false
}

// notified handles one keyspace notification: "<event>" on "__keyspace@<db>__:<key>".
func (h *hub) notified(channel, event string) {
	_, key, ok := cutKeyspace(channel)
	if !ok {
		return
	}
	resource, ok := resourceOfKey(h.c.cfg.keyPrefix, key)
	if !ok {
		return
	}
	h.markDirty(resource, event == "expired")
}

// markDirty queues a read of resource if a feed follows it.
func (h *hub) markDirty(resource string, expiry bool) {
	h.mu.Lock()
	if !h.watchedLocked(resource) {
		// Its watches closed: stop tracking it, so the hub keeps nothing for it.
		if t := h.tracked[resource]; t != nil {
			t.timer.Stop()
			delete(h.tracked, resource)
		}
		h.mu.Unlock()
		return
	}
	h.dirty[resource] = h.dirty[resource] || expiry
	h.mu.Unlock()
	select {
	case h.signal <- struct{}{}:
	default:
	}
}

// read is one reader: it takes a dirty resource nobody reads, reads it with the quorum
// rule and reports what it saw.
func (h *hub) read() {
	for {
		resource, expiry, ok := h.take()
		if !ok {
			select {
			case <-h.c.closing:
				return
			case <-h.signal:
			}
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), h.c.cfg.nodeTimeoutFor(0)*2)
		o, err := h.observe(ctx, resource)
		cancel()
		h.report(resource, expiry, o, err)
	}
}

// take picks a dirty resource that no reader is reading.
func (h *hub) take() (string, bool, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for r, expiry := range h.dirty {
		if !h.reading[r] {
			delete(h.dirty, r)
			h.reading[r] = true
			return r, expiry, true
		}
	}
	return "", false, false
}

// retryRead is how long a read that failed (no quorum answered) waits to run again.
const retryRead = 200 * time.Millisecond

// report turns a read into an observation for the feeds and updates the tracking.
func (h *hub) report(resource string, expiry bool, o driver.Observation, err error) {
	h.mu.Lock()
	delete(h.reading, resource)
	again := len(h.dirty) > 0
	switch {
	case err == nil:
		h.trackLocked(resource, o.Holder)
	case errors.Is(err, driver.ErrNotHeld):
		o = driver.Observation{Resource: resource, Gone: driver.WatchReleased}
		if t := h.tracked[resource]; t != nil {
			t.timer.Stop()
			delete(h.tracked, resource)
			o.GoneFence = t.fence
			if expiry || !time.Now().Before(t.expire) {
				o.Gone = driver.WatchExpired
			}
		}
	case errors.Is(err, errUnsettled):
		// The confirmation's notification brings the next read.
		h.mu.Unlock()
		return
	default:
		if h.feeds != nil {
			time.AfterFunc(retryRead, func() { h.markDirty(resource, expiry) })
		}
		h.mu.Unlock()
		return
	}
	feeds := make([]*driver.Feed, 0, len(h.feeds))
	for f := range h.feeds {
		feeds = append(feeds, f)
	}
	h.mu.Unlock()
	for _, f := range feeds {
		f.Observe(o)
	}
	if again {
		select {
		case h.signal <- struct{}{}:
		default:
		}
	}
}

// trackLocked records a held resource and arms its expiry timer. The caller holds h.mu.
func (h *hub) trackLocked(resource string, info driver.Info) {
	t := h.tracked[resource]
	if t == nil {
		t = &tracked{}
		t.timer = time.AfterFunc(time.Hour, func() { h.markDirty(resource, true) })
		h.tracked[resource] = t
	}
	if info.FencingToken == t.fence && info.ExpireTime.Equal(t.expire) && !time.Now().Before(t.expire) {
		t.late++ // read again at the expiry and still held: this clock runs ahead
	} else {
		t.late = 0
	}
	t.fence, t.expire = info.FencingToken, info.ExpireTime
	wait := time.Until(info.ExpireTime) + time.Millisecond
	if t.late > 0 {
		wait = min(10*time.Millisecond<<min(t.late, 7), time.Second)
	}
	t.timer.Reset(wait)
}
