package redlock

import (
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/distlock/distlock/core/driver"
	"github.com/distlock/distlock/core/redlock/redistest"
)

// miniNodes starts n embedded Redis servers that stop when the test ends.
func miniNodes(t testing.TB, n int) []*miniredis.Miniredis {
	t.Helper()
	out := make([]*miniredis.Miniredis, n)
	for i := range out {
		out[i] = miniredis.RunT(t)
		// A fixed clock keeps TIME-derived values (expire times) stable between reads;
		// TTLs still pass only with FastForward.
		out[i].SetTime(time.Now())
	}
	return out
}

func miniAddrs(ms []*miniredis.Miniredis) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Addr()
	}
	return out
}

// newClient returns a Client over addrs that is closed when the test ends. The
// quarantine is off unless opts turn it on: test servers are fresh.
func newClient(t testing.TB, addrs []string, opts ...Option) *Client {
	t.Helper()
	c, err := New(addrs, append([]Option{WithQuarantine(0)}, opts...)...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// realNodes starts n redis-server processes (skipping the test when there are none).
func realNodes(t testing.TB, n int) *redistest.Cluster {
	t.Helper()
	return redistest.Start(t, n)
}

// ctxT returns a context that ends with the test, bounded so that a hang fails it.
func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func lopts(ttl time.Duration) driver.LeaseOptions { return driver.LeaseOptions{TTL: ttl} }

// mustAcquire takes resource with Wait 0 or fails the test.
func mustAcquire(t testing.TB, c *Client, resource string, o driver.LeaseOptions) driver.Lease {
	t.Helper()
	l, err := c.Acquire(ctxT(t), resource, o)
	if err != nil {
		t.Fatalf("acquire %q: %v", resource, err)
	}
	return l
}

// lockKeys filters the lock keys (not fence counters or epochs) out of keys.
func lockKeys(keys []string) []string {
	var out []string
	for _, k := range keys {
		if strings.HasSuffix(k, "}:l") {
			out = append(out, k)
		}
	}
	return out
}

func newDebugLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// silentNode is the address of a node that accepts connections and never answers.
func silentNode(t *testing.T) string {
	t.Helper()
	hole, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hole.Close() })
	go func() {
		for {
			conn, err := hole.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { conn.Close() })
		}
	}()
	return hole.Addr().String()
}
