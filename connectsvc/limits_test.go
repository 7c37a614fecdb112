package connectsvc_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"connectrpc.com/grpcreflect"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/distlock/distlock/connectsvc"
	"github.com/distlock/distlock/core/driver"
	"github.com/distlock/distlock/core/memory"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
)

// zeros is an endless body of zero bytes that counts what was read of it.
type zeros struct{ n int64 }

func (z *zeros) Read(p []byte) (int, error) {
	clear(p)
	z.n += int64(len(p))
	return len(p), nil
}

func serveOnce(t *testing.T, h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func memoryHandler(t *testing.T, opts ...connectsvc.Option) http.Handler {
	store := memory.New()
	t.Cleanup(func() { store.Close() })
	return connectsvc.New(store, opts...).Handler()
}

// TestBodyIsCutAtTheLimit: a request announcing 100 MB is refused after about the read
// limit has been read, not after the whole body (connect drains a rejected body to keep
// the connection, which a slow sender stretches to the read timeout).
func TestBodyIsCutAtTheLimit(t *testing.T) {
	h := memoryHandler(t)
	body := &zeros{}
	req := httptest.NewRequest(http.MethodPost, "/distlock.v1.LockService/Acquire", io.LimitReader(body, 100<<20))
	req.ContentLength = 100 << 20
	req.Header.Set("Content-Type", "application/proto")
	rec := serveOnce(t, h, req)
	if rec.Code != http.StatusTooManyRequests {
		t.Fatalf("status %d %s, want 429 (resource_exhausted)", rec.Code, rec.Body)
	}
	if limit := int64(connectsvc.DefaultReadMaxBytes + 64<<10); body.n > limit {
		t.Fatalf("read %d bytes of the body, want at most %d", body.n, limit)
	}
}

// TestCompressedBodyStopsInflatingAtTheLimit: a small gzip body that inflates to 20 MB
// fails once the limit is passed; connect would inflate all of it to report its size.
func TestCompressedBodyStopsInflatingAtTheLimit(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	if _, err := io.Copy(zw, io.LimitReader(&zeros{}, 20<<20)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	h := memoryHandler(t)
	req := httptest.NewRequest(http.MethodPost, "/distlock.v1.LockService/Acquire", &gz)
	req.Header.Set("Content-Type", "application/proto")
	req.Header.Set("Content-Encoding", "gzip")
	rec := serveOnce(t, h, req)
	if rec.Code != http.StatusTooManyRequests {
		t.Fatalf("status %d %s, want 429 (resource_exhausted)", rec.Code, rec.Body)
	}
	if msg := rec.Body.String(); !strings.Contains(msg, "passed the 262144-byte limit") || strings.Contains(msg, "20971520") {
		t.Fatalf("the message was inflated past the limit: %s", msg)
	}
}

// TestCORSAllowsAuthorizationForNamedOriginsOnly: a preflight may ask for Authorization
// from an origin the server names, never when any origin is allowed.
func TestCORSAllowsAuthorizationForNamedOriginsOnly(t *testing.T) {
	for _, tc := range []struct {
		origins []string
		want    bool
	}{{[]string{"https://app.example"}, true}, {[]string{"*"}, false}} {
		h := memoryHandler(t, connectsvc.WithCORSOrigins(tc.origins...))
		req := httptest.NewRequest(http.MethodOptions, "/distlock.v1.LockService/Acquire", nil)
		req.Header.Set("Origin", "https://app.example")
		req.Header.Set("Access-Control-Request-Method", http.MethodPost)
		req.Header.Set("Access-Control-Request-Headers", "authorization,content-type")
		rec := serveOnce(t, h, req)
		got := strings.Contains(strings.ToLower(rec.Header().Get("Access-Control-Allow-Headers")), "authorization")
		if got != tc.want {
			t.Errorf("origins %v: Authorization allowed %v, want %v (headers %v)", tc.origins, got, tc.want, rec.Header())
		}
	}
}

// waitingEnv is a service whose lock r is held, with a spy that reports each Acquire as
// it reaches the lessor.
func waitingEnv(t *testing.T, opts ...connectsvc.Option) (*env, <-chan struct{}) {
	e := newEnv(t, nil, opts...)
	if _, err := e.spy.Lessor.Acquire(context.Background(), "r", driver.LeaseOptions{TTL: driver.MinTTL}); err != nil {
		t.Fatal(err)
	}
	entered := make(chan struct{}, 16)
	e.spy.set(func(s *spy) {
		s.acquire = func(ctx context.Context, resource string, o driver.LeaseOptions) (driver.Lease, error) {
			entered <- struct{}{}
			return s.Lessor.Acquire(ctx, resource, o)
		}
	})
	return e, entered
}

func waitFor(d time.Duration) *distlockv1.AcquireRequest {
	return &distlockv1.AcquireRequest{Resource: "r", Wait: durationpb.New(d)}
}

// TestCancelledWaitIsCountedAsCancelled: a wait the caller gives up on is canceled in
// the metrics and logs, not aborted (the lock did not stay held past the wait).
func TestCancelledWaitIsCountedAsCancelled(t *testing.T) {
	logs := newLogSink()
	e, entered := waitingEnv(t, withLogs(logs))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := e.client(protocols[0]).Acquire(ctx, connect.NewRequest(waitFor(time.Minute)))
		done <- err
	}()
	<-entered
	cancel()
	<-done
	for line := range logs.lines {
		if strings.HasPrefix(line, "rpc ") && strings.Contains(line, "method=Acquire") {
			if !strings.Contains(line, "code=canceled") {
				t.Fatalf("the cancelled wait was logged as %s", line)
			}
			return
		}
	}
}

// TestMaxWaitersCapsWaitingAcquires: past the server-wide cap, an Acquire that asks to
// wait fails at once with resource_exhausted naming the cap; one that does not wait is
// still tried.
func TestMaxWaitersCapsWaitingAcquires(t *testing.T) {
	e, entered := waitingEnv(t, connectsvc.WithMaxWaiters(1))
	c := e.client(protocols[0])
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := c.Acquire(ctx, connect.NewRequest(waitFor(time.Minute)))
		done <- err
	}()
	<-entered
	_, err := c.Acquire(context.Background(), connect.NewRequest(waitFor(time.Minute)))
	wantCode(t, err, connect.CodeResourceExhausted)
	if !strings.Contains(err.Error(), "max_waiters 1") {
		t.Fatalf("the error does not name the cap: %v", err)
	}
	_, err = c.Acquire(context.Background(), connect.NewRequest(&distlockv1.AcquireRequest{Resource: "r"}))
	wantCode(t, err, connect.CodeAborted)
	cancel()
	<-done
}

// TestReflectionStreamOutlastsTheBodyLimit: a reflection stream carries one request after
// another; their sum may pass the per-message read limit without being cut.
func TestReflectionStreamOutlastsTheBodyLimit(t *testing.T) {
	e := newEnv(t, nil, connectsvc.WithReadMaxBytes(4<<10))
	stream := grpcreflect.NewClient(e.h2c, e.url, connect.WithGRPC()).NewStream(context.Background())
	defer stream.Close()
	symbol := protoreflect.FullName("no.such." + strings.Repeat("x", 1000))
	for range 20 { // 20 KiB in all, five times the limit
		if _, err := stream.FileContainingSymbol(symbol); connect.CodeOf(err) != connect.CodeNotFound {
			t.Fatalf("a request on a long reflection stream: %v", err)
		}
	}
}
