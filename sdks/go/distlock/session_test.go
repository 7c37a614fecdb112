package distlock_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/sdks/go/distlock"
	"github.com/distlock/distlock/sdks/go/distlocktest"
)

// countingTransport counts the HTTP requests it carries, by URL path.
type countingTransport struct {
	next http.RoundTripper
	mu   sync.Mutex
	n    map[string]int
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.n[r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]]++
	c.mu.Unlock()
	return c.next.RoundTrip(r)
}

// take returns the counts so far and starts again from zero.
func (c *countingTransport) take() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.n
	c.n = map[string]int{}
	return n
}

func (c *countingTransport) get(method string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[method]
}

// TestSessionRenewsManyLocksWithOneRequest holds many locks of one session on the real
// service and counts the HTTP requests of two renewal periods: one Batch each, where
// single locks would send one Extend per lock and period. It takes 1,000 locks, or
// SESSION_LOCKS (10,000 for the figure in sdks/go/README.md): the embedded Redis servers
// of the test service, on a loaded machine, take minutes over 10,000.
func TestSessionRenewsManyLocksWithOneRequest(t *testing.T) {
	if testing.Short() {
		t.Skip("takes 1,000 locks")
	}
	n := 1000
	if s := os.Getenv("SESSION_LOCKS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	counter := &countingTransport{next: http.DefaultTransport.(*http.Transport).Clone(), n: map[string]int{}}
	l := newLessor(t, serverURL, distlock.WithHTTPClient(&http.Client{Transport: counter}))
	c := core.OpenClient("svc", l)
	defer c.Close()
	// The default TTL: with 5 s, renewing 10,000 leases while 10,000 more acquires load
	// this shared machine's embedded Redis servers leaves too little slack.
	s, err := c.NewSession("svc")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	// Take the locks from 64 goroutines: the Lessor coalesces their Acquires too.
	locks := make([]core.Lock, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				var err error
				if locks[i], err = s.TryLock(t.Context(), fmt.Sprintf("%s/%05d", resource(t), i)); err != nil {
					t.Errorf("lock %d: %v", i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		s.Close(context.Background())
		return
	}
	acquired := counter.take()
	t.Logf("%d acquires from 64 goroutines took %v and %d HTTP requests (%v)",
		n, time.Since(start).Round(time.Millisecond), acquired["Acquire"]+acquired["Batch"], acquired)

	// Two renewal rounds: wait for two Batch requests, then count everything sent.
	start = time.Now()
	for counter.get("Batch") < 2 {
		select {
		case <-s.Done():
			t.Fatalf("session lost: %v", s.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
	renewals := counter.take()
	t.Logf("two renewal periods: %v in %v", renewals, time.Since(start).Round(time.Millisecond))
	if renewals["Batch"] != 2 || renewals["Extend"] != 0 || len(renewals) != 1 {
		t.Errorf("two renewal periods of %d locks sent %v, want 2 Batch requests and nothing else", n, renewals)
	}
	for _, lock := range locks {
		if err := lock.Err(); err != nil {
			t.Fatalf("lock %s lost: %v", lock.Resource, err)
		}
	}
	if err := s.Close(context.Background()); err != nil {
		t.Fatalf("Close: %v", err)
	}
	closed := counter.take()
	// Close releases concurrently; the Lessor coalesces the releases into a few Batches
	// (as many as the goroutines' arrival splits them into while one is in flight).
	if closed["Release"]+closed["Batch"] > 8 {
		t.Errorf("Close sent %v, want its releases coalesced into a few requests", closed)
	}
	if _, err := l.Info(t.Context(), locks[n-1].Resource); !errors.Is(err, core.ErrNotHeld) {
		t.Errorf("after Close, Info: %v, want ErrNotHeld", err)
	}
}

// TestSessionLossReportsEveryLockLost stops the service a session's locks were taken
// on: renewal cannot reach it until the locks' validity ends, and every lock and the
// session report the loss.
func TestSessionLossReportsEveryLockLost(t *testing.T) {
	srv := startServerHandle(t)
	l := newLessor(t, srv.URL)
	c := core.OpenClient("svc", l)
	defer c.Close()
	s, err := c.NewSession("svc", core.TTL(ttl))
	if err != nil {
		t.Fatal(err)
	}
	var locks []core.Lock
	for i := range 20 {
		lock, err := s.TryLock(t.Context(), fmt.Sprintf("%s/%d", resource(t), i))
		if err != nil {
			t.Fatal(err)
		}
		locks = append(locks, lock)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.Done():
	case <-time.After(3 * ttl):
		t.Fatal("the session outlived its locks' validity with the service gone")
	}
	if !errors.Is(s.Err(), core.ErrUnavailable) {
		t.Errorf("session Err = %v, want the renewal's unavailable error", s.Err())
	}
	for _, lock := range locks {
		select {
		case <-lock.Lost:
		default:
			t.Fatalf("lock %s not reported lost", lock.Resource)
		}
		if !errors.Is(lock.Err(), core.ErrUnavailable) {
			t.Errorf("lock %s: Err %v, want the renewal's unavailable error", lock.Resource, lock.Err())
		}
	}
	s.Close(context.Background())
}

// startServerHandle starts a service of the test's own, which the test may stop.
func startServerHandle(t *testing.T) *distlocktest.Server {
	t.Helper()
	srv, err := distlocktest.Start(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() }) // a second Close has nothing left to stop
	return srv
}
