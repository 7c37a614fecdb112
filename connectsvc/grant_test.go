package connectsvc_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"connectrpc.com/connect"

	"github.com/distlock/distlock/connectsvc"
	"github.com/distlock/distlock/core/driver"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
)

// TestGrantToACallerThatLeftIsReleased reproduces the probe's race deterministically:
// the grant is decided while the caller is still there, the caller leaves before the
// reply is written, and the server notices. The lease must be released at once, not
// held for its TTL by nobody.
func TestGrantToACallerThatLeftIsReleased(t *testing.T) {
	for _, p := range []protocol{protocols[0], protocols[4], protocols[5]} { // HTTP/1.1, gRPC over h2c, gRPC-Web
		t.Run(p.name, func(t *testing.T) {
			granted := make(chan struct{})
			e := newEnv(t, nil, connectsvc.WithBeforeGrantReply(func(ctx context.Context) {
				close(granted)
				<-ctx.Done() // the server has seen the caller go
			}))
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() {
				_, err := e.client(p).Acquire(ctx, connect.NewRequest(&distlockv1.AcquireRequest{Resource: "r"}))
				done <- err
			}()
			<-granted
			cancel()
			wantCode(t, <-done, connect.CodeCanceled)
			for path := <-e.served; !strings.HasSuffix(path, "/Acquire"); path = <-e.served {
			}
			if n := e.spy.called("Release"); n != 1 {
				t.Fatalf("%d releases of the abandoned grant, want 1", n)
			}
			if _, err := e.spy.Lessor.Info(context.Background(), "r"); !errors.Is(err, driver.ErrNotHeld) {
				t.Fatalf("the grant of a caller that left is still held: %v", err)
			}
			if _, body := do(t, e.http1, mustGet(t, e.url+"/metrics")); !strings.Contains(body, "distlock_abandoned_grants_total 1") {
				t.Fatalf("the abandoned grant is not counted:\n%s", body)
			}
		})
	}
}

func mustGet(t *testing.T, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// TestDeliveredGrantIsKept: the guard releases nothing when the caller gets its reply.
func TestDeliveredGrantIsKept(t *testing.T) {
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			e := newEnv(t, nil)
			a, err := e.client(p).Acquire(context.Background(), connect.NewRequest(&distlockv1.AcquireRequest{Resource: "r"}))
			if err != nil {
				t.Fatal(err)
			}
			if n := e.spy.called("Release"); n != 0 {
				t.Fatalf("%d releases of a delivered grant", n)
			}
			info, err := e.spy.Lessor.Info(context.Background(), "r")
			if err != nil || info.FencingToken != a.Msg.GetFencingToken() {
				t.Fatalf("the delivered grant is not held: %v, %v", info, err)
			}
		})
	}
}

// TestAcquireReplyHasItsLength: over HTTP/1.1 an Acquire's reply, a grant or an error,
// leaves whole with a Content-Length. The guard flushes a grant's reply to learn whether
// it was written; before it held the reply, that flush made it chunked, with the chunk
// that ends it written apart after the handler.
func TestAcquireReplyHasItsLength(t *testing.T) {
	e := newEnv(t, nil)
	for _, c := range []struct{ name, body string }{
		{"grant", `{"resource":"length","ttl":"30s"}`},
		{"error", `{"resource":"","ttl":"30s"}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, e.url+"/distlock.v1.LockService/Acquire", strings.NewReader(c.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			res, err := e.http1.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			body, err := io.ReadAll(res.Body)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.TransferEncoding) > 0 || res.ContentLength != int64(len(body)) {
				t.Fatalf("reply %d sent with Transfer-Encoding %v, Content-Length %d, for a body of %d bytes: %s",
					res.StatusCode, res.TransferEncoding, res.ContentLength, len(body), body)
			}
		})
	}
}
