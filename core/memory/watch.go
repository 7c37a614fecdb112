package memory

import (
	"context"

	"github.com/distlock/distlock/core/driver"
)

var _ driver.Watcher = (*Store)(nil)

// Watch follows the resources sel matches; see [driver.Watcher]. Every change is
// observed under the store's lock, so a watch sees each resource's changes in the order
// they happened; an expiry is observed when the store's clock passes it (a timer per
// watched lease), not at the next call that looks.
func (st *Store) Watch(ctx context.Context, sel driver.Selector, buffer int) (*driver.Feed, error) {
	if err := sel.Validate(); err != nil {
		return nil, err
	}
	if err := st.usable(ctx); err != nil {
		return nil, err
	}
	s := st.s
	var f *driver.Feed
	closed := make(chan struct{})
	f = driver.NewFeed(sel, buffer, func(context.Context) ([]driver.Observation, error) {
		return s.snapshot(sel), nil
	}, func() {
		s.mu.Lock()
		delete(s.feeds, f)
		s.mu.Unlock()
		close(closed)
	})
	s.mu.Lock()
	if s.feeds == nil {
		s.feeds = map[*driver.Feed]struct{}{}
	}
	s.feeds[f] = struct{}{}
	s.mu.Unlock()
	// A closed handle ends its watches as it ends its waits.
	go func() {
		select {
		case <-st.done:
			f.End(driver.ErrClosed)
		case <-closed:
		}
	}()
	return f, nil
}

// snapshot returns the live holders that sel matches and arms their expiry timers.
func (s *state) snapshot(sel driver.Selector) []driver.Observation {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []driver.Observation
	for resource := range s.held {
		if !sel.Matches(resource) {
			continue
		}
		if e := s.live(resource); e != nil {
			out = append(out, driver.Observation{Resource: resource, Holder: e.info()})
			s.armExpiry(resource, e)
		}
	}
	return out
}

func (e *entry) info() driver.Info {
	return driver.Info{LockTime: e.lockTime, ExpireTime: e.expire, Owner: e.owner, FencingToken: e.fence}
}

// observeHeld tells the watches that follow resource about its holder e (granted or
// extended). The caller holds s.mu.
func (s *state) observeHeld(resource string, e *entry) {
	if !s.watched(resource) {
		return
	}
	s.armExpiry(resource, e)
	o := driver.Observation{Resource: resource, Holder: e.info()}
	for f := range s.feeds {
		f.Observe(o)
	}
}

// observeGone tells the watches that e no longer holds resource, and why. The caller
// holds s.mu.
func (s *state) observeGone(resource string, e *entry, why driver.WatchKind) {
	if e.expiry != nil {
		e.expiry.Stop()
		e.expiry = nil
	}
	o := driver.Observation{Resource: resource, Gone: why, GoneFence: e.fence}
	for f := range s.feeds {
		f.Observe(o)
	}
}

func (s *state) watched(resource string) bool {
	for f := range s.feeds {
		if f.Selector().Matches(resource) {
			return true
		}
	}
	return false
}

// armExpiry (re)starts the timer that drops e when the store's clock passes its expiry.
// The caller holds s.mu.
func (s *state) armExpiry(resource string, e *entry) {
	d := e.expire.Sub(s.opts.clock.Now())
	if e.expiry != nil {
		e.expiry.Reset(d)
		return
	}
	e.expiry = s.opts.clock.AfterFunc(d, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.held[resource] == e {
			s.live(resource) // drops e if it expired; an extended e is left alone
		}
	})
}
