package driver_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/distlock/distlock/core/driver"
)

// feedOf returns a feed whose snapshot is whatever *snap holds when it runs.
func feedOf(sel driver.Selector, buffer int, snap *map[string]driver.Info) *driver.Feed {
	return driver.NewFeed(sel, buffer, func(context.Context) ([]driver.Observation, error) {
		var out []driver.Observation
		for k, v := range *snap {
			out = append(out, driver.Observation{Resource: k, Holder: v})
		}
		return out, nil
	}, nil)
}

func held(fence uint64, expire time.Time) driver.Info {
	return driver.Info{Owner: fmt.Sprint("o", fence), FencingToken: fence, ExpireTime: expire}
}

// drain reads the events available now, as "kind resource fence<-previous".
func drain(t *testing.T, f *driver.Feed) []string {
	t.Helper()
	var out []string
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		ev, err := f.Next(ctx)
		cancel()
		if errors.Is(err, context.DeadlineExceeded) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s %s %d<-%d", ev.Kind, ev.Resource, ev.Holder.FencingToken, ev.Previous.FencingToken))
	}
}

func wantEvents(t *testing.T, got []string, want ...string) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("events\n got %q\nwant %q", got, want)
	}
}

func TestFeedTurnsObservationsIntoEvents(t *testing.T) {
	now := time.Now()
	snap := map[string]driver.Info{"p/a": held(1, now)}
	f := feedOf(driver.Selector{Name: "p/", Prefix: true}, 16, &snap)
	defer f.Close()
	wantEvents(t, drain(t, f), "current p/a 1<-0", "synced  0<-0")
	for _, o := range []driver.Observation{
		{Resource: "q/x", Holder: held(9, now)},                       // outside the prefix
		{Resource: "p/a", Holder: held(1, now.Add(time.Millisecond))}, // a re-read, not an extension
		{Resource: "p/a", Holder: held(1, now.Add(time.Second))},
		{Resource: "p/a", Holder: held(2, now)}, // no free moment seen: a hand-over
		{Resource: "p/a", Holder: held(2, now), Lease: "x"},
		{Resource: "p/a", Holder: held(3, now), Lease: "x"}, // the same lease's confirmed token
		{Resource: "p/a", Holder: held(2, now)},             // stale
		{Resource: "p/a", Holder: held(1, now)},             // stale
		{Resource: "p/a", GoneFence: 1},                     // stale: about the previous holder
		{Resource: "p/a", Gone: driver.WatchExpired, GoneFence: 3},
		{Resource: "p/a"}, // already free
		{Resource: "p/b", Holder: held(3, now)},
		{Resource: "p/b"},
	} {
		f.Observe(o)
	}
	wantEvents(t, drain(t, f),
		"extended p/a 1<-0", "handed_over p/a 2<-1", "extended p/a 3<-0", "expired p/a 0<-3", "granted p/b 3<-0", "released p/b 0<-3")
}

// TestFeedResyncsInsteadOfGrowing: a reader that falls more than the buffer behind gets
// resync and a fresh state, and the feed never held more than the buffer meanwhile.
func TestFeedResyncsInsteadOfGrowing(t *testing.T) {
	now := time.Now()
	snap := map[string]driver.Info{}
	f := feedOf(driver.Selector{Name: "r"}, 4, &snap)
	defer f.Close()
	wantEvents(t, drain(t, f), "synced  0<-0")
	for i := uint64(1); i <= 100; i++ {
		f.Observe(driver.Observation{Resource: "r", Holder: held(i, now)})
		f.Observe(driver.Observation{Resource: "r", GoneFence: i})
	}
	snap["r"] = held(101, now)
	f.Observe(driver.Observation{Resource: "r", Holder: held(101, now)}) // dropped too
	wantEvents(t, drain(t, f), "resync  0<-0", "current r 101<-0", "synced  0<-0")
	f.Observe(driver.Observation{Resource: "r", GoneFence: 101})
	wantEvents(t, drain(t, f), "released r 0<-101")
}

// TestFeedResyncsOncePerSnapshot: observations that overflow the buffer again after
// resync was read, but before the snapshot that follows it was taken, are covered by that
// snapshot: the reader gets it, not a second resync (TestWatchResyncsASlowWatcher failed
// so in a full run, when the third node's notifications of the grants came late).
func TestFeedResyncsOncePerSnapshot(t *testing.T) {
	now := time.Now()
	snap := map[string]driver.Info{}
	f := feedOf(driver.Selector{Name: "r"}, 1, &snap)
	defer f.Close()
	wantEvents(t, drain(t, f), "synced  0<-0")
	f.Observe(driver.Observation{Resource: "r", Holder: held(1, now)})
	f.Observe(driver.Observation{Resource: "r", Holder: held(2, now)}) // overflows
	ctx := context.Background()
	if ev, err := f.Next(ctx); err != nil || ev.Kind != driver.WatchResync {
		t.Fatalf("first event %v, %v; want resync", ev.Kind, err)
	}
	snap["r"] = held(3, now)
	f.Observe(driver.Observation{Resource: "r", Holder: held(3, now)})
	f.Observe(driver.Observation{Resource: "r", Holder: held(3, now.Add(time.Second))}) // overflows again
	wantEvents(t, drain(t, f), "current r 3<-0", "synced  0<-0")
}

func TestFeedEnds(t *testing.T) {
	stopped := 0
	f := driver.NewFeed(driver.Selector{Name: "r"}, 1, func(context.Context) ([]driver.Observation, error) {
		return nil, nil
	}, func() { stopped++ })
	boom := errors.New("boom")
	f.End(boom)
	if _, err := f.Next(context.Background()); !errors.Is(err, boom) {
		t.Fatalf("Next after End: %v", err)
	}
	f.Close()
	f.Close()
	if stopped != 1 {
		t.Fatalf("Close ran stop %d times, want once", stopped)
	}
}

func TestSelector(t *testing.T) {
	for _, c := range []struct {
		sel   driver.Selector
		name  string
		match bool
	}{
		{driver.Selector{Name: "a"}, "a", true},
		{driver.Selector{Name: "a"}, "ab", false},
		{driver.Selector{Name: "a", Prefix: true}, "ab", true},
		{driver.Selector{Prefix: true}, "anything", true},
	} {
		if got := c.sel.Matches(c.name); got != c.match {
			t.Errorf("%+v.Matches(%q) = %v", c.sel, c.name, got)
		}
	}
	if err := (driver.Selector{}).Validate(); !errors.Is(err, driver.ErrInvalidArgument) {
		t.Errorf("empty resource without prefix: %v", err)
	}
	if err := (driver.Selector{Prefix: true}).Validate(); err != nil {
		t.Errorf("empty prefix: %v", err)
	}
}
