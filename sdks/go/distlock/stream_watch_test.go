package distlock_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/distlock/distlock/core/driver"
)

// watchableServer starts `distlock serve` over the memory backend, whose watch needs no
// Redis; internal/server's and core/redlock's tests cover watching the development
// default (Redlock over embedded Redis servers) and real redis-server nodes.
func watchableServer(t *testing.T) string {
	t.Helper()
	return startServer(t, "--lock-service", "memory://"+t.Name())
}

// TestWatchSeesTheStateThenChanges: against the real service binary, a prefix watch
// yields the current holder, synced, then a release and a grant with owners and fences,
// and ends with ctx's error when ctx ends.
func TestWatchSeesTheStateThenChanges(t *testing.T) {
	l := newLessor(t, watchableServer(t))
	prefix := t.Name() + "/"
	ctx, cancel := context.WithTimeout(context.Background(), streamStep)
	defer cancel()
	first, err := l.Acquire(ctx, prefix+"a", driver.LeaseOptions{TTL: driver.MinTTL, Owner: "ann"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	step := 0
	for ev, err := range l.Watch(ctx, driver.Selector{Name: prefix, Prefix: true}) {
		if err != nil {
			t.Fatalf("after %v: %v", got, err)
		}
		got = append(got, fmt.Sprintf("%s %s %s/%d", ev.Kind, strings.TrimPrefix(ev.Resource, prefix), ev.Holder.Owner, ev.Holder.FencingToken))
		step++
		switch step {
		case 2: // synced
			if err := l.Release(ctx, first); err != nil {
				t.Fatal(err)
			}
		case 3: // released
			if _, err := l.Acquire(ctx, prefix+"b", driver.LeaseOptions{TTL: driver.MinTTL, Owner: "ben"}); err != nil {
				t.Fatal(err)
			}
		}
		if step == 4 {
			break
		}
	}
	want := fmt.Sprintf("[current a ann/%d synced  /0 released a /0 granted b ben/", first.Fence)
	if s := fmt.Sprint(got); len(s) < len(want) || s[:len(want)] != want {
		t.Fatalf("events %s, want %s…", s, want)
	}
}

// TestWatchEndsWithAnError: the sequence ends with one error, never silently: here the
// context's, and a bad selector's at once.
func TestWatchEndsWithAnError(t *testing.T) {
	l := newLessor(t, watchableServer(t))
	ctx, cancel := context.WithTimeout(context.Background(), streamStep)
	defer cancel()
	var last error
	for ev, err := range l.Watch(ctx, driver.Selector{Name: t.Name()}) {
		if err != nil {
			last = err
			break
		}
		if ev.Kind == driver.WatchSynced {
			cancel()
		}
	}
	if !errors.Is(last, context.Canceled) {
		t.Fatalf("watch ended with %v, want context.Canceled", last)
	}
	for _, err := range l.Watch(context.Background(), driver.Selector{}) {
		if !errors.Is(err, driver.ErrInvalidArgument) {
			t.Fatalf("empty selector: %v, want ErrInvalidArgument", err)
		}
	}
}
