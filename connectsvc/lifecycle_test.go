package connectsvc_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"connectrpc.com/grpchealth"
	"connectrpc.com/grpcreflect"
	"go.uber.org/goleak"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/distlock/distlock/core"
	"github.com/distlock/distlock/core/driver"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1connect"
)

// TestDrainEndsWaitingAcquires checks that Drain cuts a waiting Acquire short with
// unavailable, refuses to let a later one wait, and turns health to NOT_SERVING.
func TestDrainEndsWaitingAcquires(t *testing.T) {
	e := newEnv(t, nil)
	c := e.client(protocols[0])
	ctx := context.Background()
	if _, err := c.Acquire(ctx, connect.NewRequest(&distlockv1.AcquireRequest{Resource: "r"})); err != nil {
		t.Fatal(err)
	}
	entered := make(chan struct{})
	e.spy.set(func(s *spy) {
		s.acquire = func(ctx context.Context, resource string, o driver.LeaseOptions) (driver.Lease, error) {
			close(entered)
			return s.Lessor.Acquire(ctx, resource, o)
		}
	})
	done := make(chan error, 1)
	go func() {
		_, err := c.Acquire(ctx, connect.NewRequest(&distlockv1.AcquireRequest{Resource: "r", Wait: durationpb.New(time.Hour)}))
		done <- err
	}()
	<-entered
	e.svc.Drain()
	err := <-done
	wantCode(t, err, connect.CodeUnavailable)
	if !strings.Contains(err.Error(), "shutting down") {
		t.Errorf("message: %v", err)
	}
	// A waiting Acquire that arrives after Drain would hold up the shutdown just the same.
	e.spy.set(func(s *spy) { s.acquire = nil })
	_, err = c.Acquire(ctx, connect.NewRequest(&distlockv1.AcquireRequest{Resource: "r", Wait: durationpb.New(time.Hour)}))
	wantCode(t, err, connect.CodeUnavailable)
	health := grpchealth.NewClient(e.http1, e.url)
	resp, err := health.Check(ctx, &grpchealth.CheckRequest{Service: distlockv1connect.LockServiceName})
	if err != nil || resp.Status != grpchealth.StatusNotServing {
		t.Fatalf("health after Drain: %v, %v", resp, err)
	}
}

// TestAbandonedGrantIsReleased checks that a lease granted after its caller went away
// is released at once instead of blocking the resource for its TTL.
func TestAbandonedGrantIsReleased(t *testing.T) {
	e := newEnv(t, nil)
	entered := make(chan struct{})
	released := make(chan error, 1)
	e.spy.set(func(s *spy) {
		s.released = released
		s.acquire = func(ctx context.Context, resource string, o driver.LeaseOptions) (driver.Lease, error) {
			close(entered)
			<-ctx.Done() // the caller gives up; the grant arrives anyway
			return s.Lessor.Acquire(context.WithoutCancel(ctx), resource, o)
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := e.client(protocols[0]).Acquire(ctx, connect.NewRequest(&distlockv1.AcquireRequest{Resource: "r"}))
		done <- err
	}()
	<-entered
	cancel()
	wantCode(t, <-done, connect.CodeCanceled)
	if err := <-released; err != nil {
		t.Fatalf("release of the abandoned lease: %v", err)
	}
	if _, err := e.spy.Lessor.Info(context.Background(), "r"); !errors.Is(err, core.ErrNotHeld) {
		t.Fatalf("the abandoned lease is still held: %v", err)
	}
}

// TestNoRenewalOnTheClientsBehalf checks that an Acquire leaves nothing running that
// could extend the lease: no goroutine outlives the call.
func TestNoRenewalOnTheClientsBehalf(t *testing.T) {
	e := newEnv(t, nil)
	c := e.client(protocols[0])
	ctx := context.Background()
	// Warm the connection so that its goroutines are part of the baseline.
	_, _ = c.Info(ctx, connect.NewRequest(&distlockv1.InfoRequest{Resource: "r"}))
	baseline := goleak.IgnoreCurrent()
	if _, err := c.Acquire(ctx, connect.NewRequest(&distlockv1.AcquireRequest{Resource: "r"})); err != nil {
		t.Fatal(err)
	}
	goleak.VerifyNone(t, baseline)
	if n := e.spy.called("Extend"); n != 0 {
		t.Fatalf("Extend called %d times", n)
	}
}

// TestHealthAndReflection checks grpc.health.v1 and server reflection over gRPC.
func TestHealthAndReflection(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	health := grpchealth.NewClient(e.h2c, e.url, connect.WithGRPC())
	for _, svc := range []string{"", distlockv1connect.LockServiceName} {
		resp, err := health.Check(ctx, &grpchealth.CheckRequest{Service: svc})
		if err != nil || resp.Status != grpchealth.StatusServing {
			t.Fatalf("health of %q: %v, %v", svc, resp, err)
		}
	}
	stream := grpcreflect.NewClient(e.h2c, e.url, connect.WithGRPC()).NewStream(ctx)
	defer stream.Close()
	names, err := stream.ListServices()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, n := range names {
		found = found || string(n) == distlockv1connect.LockServiceName
	}
	if !found {
		t.Fatalf("reflection lists %v", names)
	}
	files, err := stream.FileContainingSymbol(distlockv1connect.LockServiceName)
	if err != nil || len(files) == 0 {
		t.Fatalf("reflection file: %v, %v", files, err)
	}
}

// TestMetrics checks the counters and histograms a scrape shows after some calls.
func TestMetrics(t *testing.T) {
	e := newEnv(t, nil)
	c := e.client(protocols[0])
	ctx := context.Background()
	a, err := c.Acquire(ctx, connect.NewRequest(&distlockv1.AcquireRequest{Resource: "r"}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Acquire(ctx, connect.NewRequest(&distlockv1.AcquireRequest{Resource: "r"}))
	wantCode(t, err, connect.CodeAborted)
	if _, err := c.Release(ctx, connect.NewRequest(&distlockv1.ReleaseRequest{Resource: "r", LeaseToken: a.Msg.GetLeaseToken()})); err != nil {
		t.Fatal(err)
	}
	e.svc.NodeError("10.0.0.7:6379", io.ErrUnexpectedEOF)

	resp, err := e.http1.Get(e.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	body := string(b)
	for _, want := range []string{
		`distlock_requests_total{code="ok",method="Acquire"} 1`,
		`distlock_requests_total{code="aborted",method="Acquire"} 1`,
		`distlock_requests_total{code="ok",method="Release"} 1`,
		`distlock_acquire_wait_seconds_count{code="ok"} 1`,
		`distlock_acquire_wait_seconds_count{code="aborted"} 1`,
		`distlock_lock_hold_seconds_count 1`,
		`distlock_node_errors_total{node="10.0.0.7:6379"} 1`,
		`distlock_acquire_waiters 0`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if t.Failed() {
		t.Log(body)
	}
}

// TestPlainHTTP sends what curl and a browser send: JSON POSTs, GETs with the message in
// the query, and a CORS preflight.
func TestPlainHTTP(t *testing.T) {
	e := newEnv(t, nil, withCORS("https://app.example"))
	post := func(procedure, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("POST", e.url+"/distlock.v1.LockService/"+procedure, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		return do(t, e.http1, req)
	}
	status, body := post("Acquire", `{"resource":"orders/42","ttl":"10s","owner":"alice","data":"aGk="}`)
	if status != 200 || !strings.Contains(body, `"fencingToken":`) || !strings.Contains(body, `"ttl":"10s"`) {
		t.Fatalf("acquire: %d %s", status, body)
	}
	token := jsonField(t, body, "leaseToken")

	get, _ := http.NewRequest("GET", e.url+"/distlock.v1.LockService/Info?encoding=json&message="+
		`%7B%22resource%22%3A%22orders%2F42%22%7D`, nil)
	status, body = do(t, e.http1, get)
	if status != 200 || jsonField(t, body, "owner") != "alice" {
		t.Fatalf("info by GET: %d %s", status, body)
	}
	get, _ = http.NewRequest("GET", e.url+"/distlock.v1.LockService/Read?encoding=json&message="+
		`%7B%22resource%22%3A%22orders%2F42%22%7D`, nil)
	status, body = do(t, e.http1, get)
	if status != 200 || jsonField(t, body, "data") != "aGk=" {
		t.Fatalf("read by GET: %d %s", status, body)
	}

	pre, _ := http.NewRequest("OPTIONS", e.url+"/distlock.v1.LockService/Acquire", nil)
	pre.Header.Set("Origin", "https://app.example")
	pre.Header.Set("Access-Control-Request-Method", "POST")
	pre.Header.Set("Access-Control-Request-Headers", "connect-protocol-version,content-type") // sorted, as browsers send it
	resp, err := e.http1.Do(pre)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example" ||
		!strings.Contains(strings.ToLower(resp.Header.Get("Access-Control-Allow-Headers")), "connect-protocol-version") {
		t.Fatalf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
	pre.Header.Set("Origin", "https://evil.example")
	resp, err = e.http1.Do(pre)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("preflight from an unlisted origin was allowed: %v", resp.Header)
	}

	status, body = post("Release", `{"resource":"orders/42","leaseToken":"`+token+`"}`)
	if status != 200 || strings.TrimSpace(body) != "{}" {
		t.Fatalf("release: %d %s", status, body)
	}
}

// TestOnlyLargeResponsesAreCompressed checks that small answers go out plain even to a
// client that accepts gzip, and large payloads compressed.
func TestOnlyLargeResponsesAreCompressed(t *testing.T) {
	e := newEnv(t, nil)
	c := e.client(protocols[0])
	ctx := context.Background()
	for resource, size := range map[string]int{"small": 10, "large": 32 << 10} {
		if _, err := c.Acquire(ctx, connect.NewRequest(&distlockv1.AcquireRequest{Resource: resource, Data: make([]byte, size)})); err != nil {
			t.Fatal(err)
		}
	}
	for resource, want := range map[string]string{"small": "", "large": "gzip"} {
		req, _ := http.NewRequest("POST", e.url+distlockv1connect.LockServiceReadProcedure,
			strings.NewReader(`{"resource":"`+resource+`"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept-Encoding", "gzip") // set by hand: the transport leaves the body as sent
		resp, err := e.http1.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Content-Encoding"); resp.StatusCode != 200 || got != want {
			t.Errorf("%s: HTTP %d, Content-Encoding %q, want %q", resource, resp.StatusCode, got, want)
		}
	}
}
