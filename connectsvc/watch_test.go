package connectsvc_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/jonboulle/clockwork"

	"github.com/distlock/distlock/connectsvc"
	"github.com/distlock/distlock/core/driver"
	"github.com/distlock/distlock/core/memory"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1connect"
)

// describe renders an event as "kind resource owner/fence <- owner/fence".
func describe(ev *distlockv1.WatchResponse) string {
	s := ev.GetKind().String() + " " + ev.GetResource()
	if h := ev.GetHolder(); h != nil {
		s += fmt.Sprintf(" %s/%d", h.GetOwner(), h.GetFencingToken())
	}
	if p := ev.GetPrevious(); p != nil {
		s += fmt.Sprintf(" <- %s/%d", p.GetOwner(), p.GetFencingToken())
	}
	return s
}

func wantEvent(t *testing.T, ch <-chan *distlockv1.WatchResponse, want string) *distlockv1.WatchResponse {
	t.Helper()
	ev := next(t, ch)
	if got := describe(ev); got != want {
		t.Fatalf("got event %q, want %q", got, want)
	}
	return ev
}

// TestWatchSendsStateThenChangesInOrder: over every streaming protocol, a prefix watch
// gets the current holders, then each grant, extension, release and expiry, with owner
// and fencing token, and nothing outside its prefix.
func TestWatchSendsStateThenChangesInOrder(t *testing.T) {
	for _, p := range streamProtocols {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			clk := clockwork.NewFakeClockAt(time.Now())
			store := memory.New(memory.WithClock(clk))
			defer store.Close()
			e := newEnv(t, store)
			ctx := context.Background()
			lo := func(owner string) driver.LeaseOptions { return driver.LeaseOptions{TTL: driver.MinTTL, Owner: owner} }
			a, err := store.Acquire(ctx, "p/a", lo("alice"))
			if err != nil {
				t.Fatal(err)
			}
			ch, _ := watch(t, ctx, e.client(p), &distlockv1.WatchRequest{Resource: "p/", Prefix: true})
			cur := wantEvent(t, ch, "KIND_CURRENT p/a alice/1")
			if !cur.GetHolder().GetExpireTime().AsTime().Equal(clk.Now().Add(driver.MinTTL)) {
				t.Errorf("current expire time %v, want the store's %v", cur.GetHolder().GetExpireTime().AsTime(), clk.Now().Add(driver.MinTTL))
			}
			wantEvent(t, ch, "KIND_SYNCED ")

			if _, err := store.Acquire(ctx, "q/x", lo("carol")); err != nil {
				t.Fatal(err)
			}
			if _, err := store.Acquire(ctx, "p/b", lo("bob")); err != nil {
				t.Fatal(err)
			}
			wantEvent(t, ch, "KIND_GRANTED p/b bob/3")
			clk.Advance(time.Second)
			if _, err := store.Extend(ctx, a, driver.MinTTL); err != nil {
				t.Fatal(err)
			}
			wantEvent(t, ch, "KIND_EXTENDED p/a alice/1")
			if err := store.Release(ctx, a); err != nil {
				t.Fatal(err)
			}
			wantEvent(t, ch, "KIND_RELEASED p/a <- alice/1")
			clk.Advance(driver.MinTTL)
			wantEvent(t, ch, "KIND_EXPIRED p/b <- bob/3")
		})
	}
}

// TestWatchOneResourceWhenFree: a watch of a free resource says so at once (synced with
// no current event), then sees its grant.
func TestWatchOneResourceWhenFree(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	ch, _ := watch(t, ctx, e.client(streamProtocols[0]), &distlockv1.WatchRequest{Resource: "r"})
	wantEvent(t, ch, "KIND_SYNCED ")
	if _, err := e.spy.Lessor.Acquire(ctx, "r2", driver.LeaseOptions{TTL: driver.MinTTL}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.spy.Lessor.Acquire(ctx, "r", driver.LeaseOptions{TTL: driver.MinTTL, Owner: "o"}); err != nil {
		t.Fatal(err)
	}
	wantEvent(t, ch, "KIND_GRANTED r o/2")
}

// TestWatchEndsAfterTheDrainGrace: a draining server ends watches with unavailable.
func TestWatchEndsAfterTheDrainGrace(t *testing.T) {
	e := newEnv(t, nil, connectsvc.WithStreamDrainGrace(10*time.Millisecond))
	ch, end := watch(t, context.Background(), e.client(streamProtocols[0]), &distlockv1.WatchRequest{Prefix: true})
	wantEvent(t, ch, "KIND_SYNCED ")
	e.svc.Drain()
	if _, err := ended(t, ch, end); connect.CodeOf(err) != connect.CodeUnavailable {
		t.Fatalf("watch on a drained server ended with %v, want unavailable", err)
	}
}

// TestWatchRejectsBadSelectors: an empty name is a resource only with prefix set.
func TestWatchRejectsBadSelectors(t *testing.T) {
	e := newEnv(t, nil)
	ch, end := watch(t, context.Background(), e.client(streamProtocols[0]), &distlockv1.WatchRequest{})
	if _, err := ended(t, ch, end); connect.CodeOf(err) != connect.CodeInvalidArgument {
		t.Fatalf("watch of \"\": %v, want invalid_argument", err)
	}
	if n := e.spy.called("Watch"); n != 0 {
		t.Fatalf("a bad watch reached the lessor")
	}
}

// TestWatchUnimplementedWithoutAWatcher: a backend that cannot watch says so.
func TestWatchUnimplementedWithoutAWatcher(t *testing.T) {
	store := memory.New()
	defer store.Close()
	svc := connectsvc.New(struct{ driver.Lessor }{store})
	srv := httptest.NewServer(svc.Handler())
	defer srv.Close()
	c := distlockv1connect.NewLockServiceClient(http.DefaultClient, srv.URL)
	ch, end := watch(t, context.Background(), c, &distlockv1.WatchRequest{Resource: "r"})
	if _, err := ended(t, ch, end); connect.CodeOf(err) != connect.CodeUnimplemented {
		t.Fatalf("watch without a Watcher: %v, want unimplemented", err)
	}
}

// TestWatchKindsMatchTheProto: the service sends driver.WatchKind values as the proto's.
func TestWatchKindsMatchTheProto(t *testing.T) {
	for k := driver.WatchCurrent; k <= driver.WatchResync; k++ {
		if got := distlockv1.WatchResponse_Kind(k).String(); got != "KIND_"+strings.ToUpper(k.String()) {
			t.Errorf("kind %d: proto %s, driver %s", k, got, k)
		}
	}
}

// unsupportedWatcher is a backend that can watch in principle but not as configured.
type unsupportedWatcher struct{ driver.Lessor }

func (unsupportedWatcher) Watch(context.Context, driver.Selector, int) (*driver.Feed, error) {
	return nil, fmt.Errorf("node 1: %w: notifications are off", errors.ErrUnsupported)
}

// TestWatchUnsupportedIsUnimplementedAndLogged: a backend whose servers cannot notify
// (CONFIG refused) answers unimplemented, and the server logs why.
func TestWatchUnsupportedIsUnimplementedAndLogged(t *testing.T) {
	store := memory.New()
	defer store.Close()
	logs := newLogSink()
	e := newEnv(t, unsupportedWatcher{store}, withLogs(logs))
	ch, end := watch(t, context.Background(), e.client(streamProtocols[0]), &distlockv1.WatchRequest{Resource: "r"})
	if _, err := ended(t, ch, end); connect.CodeOf(err) != connect.CodeUnimplemented {
		t.Fatalf("watch: %v, want unimplemented", err)
	}
	if !strings.Contains(logs.text(), "notifications are off") {
		t.Fatalf("the server did not log why: %s", logs.text())
	}
}
