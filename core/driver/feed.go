package driver

import (
	"context"
	"slices"
	"sync"
	"time"
)

// An Observation is the state of one resource as a backend saw it, right after a change:
// held by Holder (FencingToken > 0), or free. A [Feed] turns observations into events by
// comparing each with the last state it reported, so a backend need not know what a
// watcher saw: repeated or stale observations produce no event.
type Observation struct {
	Resource string
	// Holder is the holder seen; zero when the resource is free.
	Holder Info
	// Gone, for a free resource, says why the holder left: [WatchReleased] (the default)
	// or [WatchExpired].
	Gone WatchKind
	// GoneFence, for a free resource, is the fencing token of the holder that left, when
	// the backend knows it: an observation about an older holder than the feed's is stale.
	GoneFence uint64
	// Lease, for a held resource, identifies the lease (never the lease token itself),
	// when the backend knows it: a new fencing token for the same lease is a correction
	// (Redlock confirms a grant's token in a second round trip), not a hand-over.
	Lease string
}

// A Feed is one watcher's bounded queue of observations, made by a [Watcher]'s Watch.
// Backends call [Feed.Observe] (never blocking) and [Feed.End]; one reader calls
// [Feed.Next]. Memory is bounded by the buffer plus one entry per held resource the
// selector matches: an observation beyond the buffer is dropped, and the reader then
// gets [WatchResync] and a fresh snapshot.
type Feed struct {
	sel      Selector
	max      int
	snapshot func(context.Context) ([]Observation, error)
	stop     func()
	wake     chan struct{}
	stopOnce sync.Once

	mu       sync.Mutex
	queue    []Observation
	overflow bool
	needSnap bool
	err      error

	// The reader's own state: the last holder reported per resource.
	state   map[string]Observation
	pending []WatchEvent
}

// NewFeed returns a feed of the resources sel matches holding at most buffer unread
// observations (at least 1). snapshot reads the current holders of those resources (held
// observations; free ones are ignored); it
// runs first and after each overflow, and observations that arrive while it runs are
// applied after it. stop, run once by Close, unregisters the feed from its backend.
func NewFeed(sel Selector, buffer int, snapshot func(context.Context) ([]Observation, error), stop func()) *Feed {
	return &Feed{sel: sel, max: max(buffer, 1), snapshot: snapshot, stop: stop,
		wake: make(chan struct{}, 1), needSnap: true}
}

// Selector returns what the feed follows.
func (f *Feed) Selector() Selector { return f.sel }

// Observe queues o if the feed follows its resource. It never blocks: a full queue is
// emptied and the reader is told to resync.
func (f *Feed) Observe(o Observation) {
	if !f.sel.Matches(o.Resource) {
		return
	}
	f.mu.Lock()
	switch {
	case f.overflow || f.err != nil:
	case len(f.queue) >= f.max:
		f.queue, f.overflow = nil, true
	default:
		f.queue = append(f.queue, o)
	}
	f.mu.Unlock()
	f.signal()
}

// End stops the feed: Next returns err (after nothing else) from now on.
func (f *Feed) End(err error) {
	f.mu.Lock()
	if f.err == nil {
		f.err = err
	}
	f.mu.Unlock()
	f.signal()
}

func (f *Feed) signal() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// Close unregisters the feed; Next then returns [ErrClosed].
func (f *Feed) Close() {
	f.stopOnce.Do(func() {
		if f.stop != nil {
			f.stop()
		}
	})
	f.End(ErrClosed)
}

// Next returns the next event, waiting for one until ctx is done.
func (f *Feed) Next(ctx context.Context) (WatchEvent, error) {
	for {
		if len(f.pending) > 0 {
			ev := f.pending[0]
			f.pending = f.pending[1:]
			return ev, nil
		}
		f.mu.Lock()
		switch {
		case f.err != nil:
			err := f.err
			f.mu.Unlock()
			return WatchEvent{}, err
		case f.overflow && !f.needSnap:
			f.overflow, f.needSnap = false, true
			f.mu.Unlock()
			f.state = nil
			return WatchEvent{Kind: WatchResync}, nil
		case f.needSnap:
			// An overflow since the last resync was read is covered by the snapshot
			// taken now: one resync, then a fresh state, however far behind.
			f.needSnap, f.overflow, f.queue = false, false, nil
			f.mu.Unlock()
			if err := f.resnap(ctx); err != nil {
				return WatchEvent{}, err
			}
			continue
		case len(f.queue) > 0:
			o := f.queue[0]
			f.queue = f.queue[1:]
			if len(f.queue) == 0 {
				f.queue = nil // let the drained backing array go
			}
			f.mu.Unlock()
			if ev, ok := f.apply(o); ok {
				return ev, nil
			}
			continue
		}
		f.mu.Unlock()
		select {
		case <-ctx.Done():
			return WatchEvent{}, ctx.Err()
		case <-f.wake:
		}
	}
}

// resnap replaces the reader's state with a snapshot and queues it as events.
func (f *Feed) resnap(ctx context.Context) error {
	snap, err := f.snapshot(ctx)
	if err != nil {
		return err
	}
	f.state = make(map[string]Observation, len(snap))
	for _, o := range snap {
		if o.Holder.FencingToken != 0 && f.sel.Matches(o.Resource) {
			f.state[o.Resource] = o
		}
	}
	names := make([]string, 0, len(f.state))
	for name := range f.state {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		f.pending = append(f.pending, WatchEvent{Kind: WatchCurrent, Resource: name, Holder: f.state[name].Holder})
	}
	f.pending = append(f.pending, WatchEvent{Kind: WatchSynced})
	return nil
}

// extendSlack is how much later an expire time must be to count as an extension: a
// backend that derives it from a remaining TTL reads a slightly different time each time.
const extendSlack = 10 * time.Millisecond

// apply compares o with the last state reported and returns the event it makes, if any.
func (f *Feed) apply(o Observation) (WatchEvent, bool) {
	if f.state == nil {
		f.state = map[string]Observation{}
	}
	last, had := f.state[o.Resource]
	prev := last.Holder
	ev := WatchEvent{Resource: o.Resource, Holder: o.Holder}
	if o.Holder.FencingToken == 0 {
		if !had || (o.GoneFence != 0 && o.GoneFence < prev.FencingToken) {
			return WatchEvent{}, false
		}
		delete(f.state, o.Resource)
		ev.Kind, ev.Previous = o.Gone, prev
		if ev.Kind != WatchExpired {
			ev.Kind = WatchReleased
		}
		return ev, true
	}
	sameLease := had && o.Lease != "" && o.Lease == last.Lease
	switch {
	case !had:
		ev.Kind = WatchGranted
	case sameLease && o.Holder.FencingToken != prev.FencingToken:
		ev.Kind = WatchExtended // the same holder with its confirmed token
	case o.Holder.FencingToken < prev.FencingToken:
		return WatchEvent{}, false // older than what was reported
	case o.Holder.FencingToken == prev.FencingToken:
		if o.Holder.ExpireTime.Sub(prev.ExpireTime) <= extendSlack {
			if last.Lease == "" && o.Lease != "" {
				last.Lease = o.Lease // learnt from a re-read: keep it for the next one
				f.state[o.Resource] = last
			}
			return WatchEvent{}, false
		}
		ev.Kind = WatchExtended
	default:
		ev.Kind, ev.Previous = WatchHandedOver, prev
	}
	f.state[o.Resource] = o
	return ev, true
}
