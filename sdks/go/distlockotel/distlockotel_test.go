package distlockotel_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"connectrpc.com/connect"
	"connectrpc.com/otelconnect"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/distlock/distlock/core/driver"
	distlockv1 "github.com/distlock/distlock/gen/go/distlock/v1"
	"github.com/distlock/distlock/gen/go/distlock/v1/distlockv1connect"
	"github.com/distlock/distlock/sdks/go/distlock"
	"github.com/distlock/distlock/sdks/go/distlockotel"
)

// releaseOnly answers Release and keeps the traceparent header it came with.
type releaseOnly struct {
	distlockv1connect.UnimplementedLockServiceHandler
	traceparent chan string
}

func (r releaseOnly) Release(_ context.Context, req *connect.Request[distlockv1.ReleaseRequest]) (*connect.Response[distlockv1.ReleaseResponse], error) {
	r.traceparent <- req.Header().Get("traceparent")
	return connect.NewResponse(&distlockv1.ReleaseResponse{}), nil
}

func serve(t *testing.T) (url string, traceparent chan string) {
	t.Helper()
	h := releaseOnly{traceparent: make(chan string, 1)}
	mux := http.NewServeMux()
	mux.Handle(distlockv1connect.NewLockServiceHandler(h))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL, h.traceparent
}

// TestWithTracingSendsTraceContext: a call made within a span gets a client span of
// that trace, and the service receives the W3C traceparent naming it.
func TestWithTracingSendsTraceContext(t *testing.T) {
	url, traceparent := serve(t)
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	opt, err := distlockotel.WithTracing(otelconnect.WithTracerProvider(tp), otelconnect.WithoutMetrics())
	if err != nil {
		t.Fatal(err)
	}
	l, err := distlock.New(url, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()

	ctx, parent := tp.Tracer("test").Start(context.Background(), "job")
	if err := l.Release(ctx, driver.Lease{Resource: "r", Token: "t"}); err != nil {
		t.Fatalf("release: %v", err)
	}
	parent.End()
	got := <-traceparent

	var client sdktrace.ReadOnlySpan
	for _, s := range rec.Ended() {
		if s.Name() == "distlock.v1.LockService/Release" {
			client = s
		}
	}
	if client == nil {
		t.Fatalf("no client span for Release; ended: %d spans", len(rec.Ended()))
	}
	want := "00-" + parent.SpanContext().TraceID().String() + "-" + client.SpanContext().SpanID().String() + "-01"
	if got != want || client.Parent().SpanID() != parent.SpanContext().SpanID() {
		t.Errorf("traceparent %q, want %q (the client span, child of the caller's)", got, want)
	}
}

// TestWithoutTracingSendsNoTraceContext: a Lessor without the option sends no
// traceparent, even from within a span.
func TestWithoutTracingSendsNoTraceContext(t *testing.T) {
	url, traceparent := serve(t)
	l, err := distlock.New(url)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	tp := sdktrace.NewTracerProvider()
	ctx, span := tp.Tracer("test").Start(context.Background(), "job")
	defer span.End()
	if err := l.Release(ctx, driver.Lease{Resource: "r", Token: "t"}); err != nil {
		t.Fatalf("release: %v", err)
	}
	if got := <-traceparent; got != "" {
		t.Errorf("traceparent %q sent without WithTracing", got)
	}
}
